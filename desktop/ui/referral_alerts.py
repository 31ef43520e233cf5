"""The breach alert of *Verlopen afspraken*: counts the breached timers of the region and
sounds (``beep``, replaceable for tests) when a breach appears that this user has not
acknowledged. The main window makes it at start, so this module loads only Qt and the
translations; the referral model loads with the first check, after the first paint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from desktop.i18n import _


class ReferralAlerts(QObject):
    """The breach alert: ``changed(total, unacknowledged)`` after every check; ``beep``
    sounds once for each breach this user has not acknowledged yet (a new breach alerts
    again; an acknowledged one stays silent after a restart)."""

    changed = Signal(int, int)

    def __init__(self, session: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.beep: Callable[[], None] = QApplication.beep
        self.sounded: list[tuple[str, str]] = []
        self.total = 0
        self.unacknowledged = 0

    def check(self) -> None:
        if self.session.store.locked:
            return
        alerts = self.session.referrals.overdue()
        waiting = [(a.referral_id, a.timer) for a in alerts if not a.acknowledged]
        new = [key for key in waiting if key not in self.sounded]
        if new:
            self.sounded.extend(new)
            self.beep()
        self.total, self.unacknowledged = len(alerts), len(waiting)
        self.changed.emit(self.total, self.unacknowledged)

    def text(self) -> str:
        from desktop.i18n import ngettext

        if not self.total:
            return ""
        text = ngettext("{n} verlopen afspraak", "{n} verlopen afspraken", self.total)
        text = text.format(n=self.total)
        if self.unacknowledged:
            text += " — " + _("{n} nieuw").format(n=self.unacknowledged)
        return text

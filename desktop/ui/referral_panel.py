"""The referral panel of a case view: *Overdragen aan…*, the case's referral(s) with the
party, the status in words, both timers counting down and the history of moves.

The timers look like the case's deadline countdown: colour + word + urgency code
(never colour alone). The panel reads and moves only through the session
(``DeskSession.referrals``, ``desktop.session.referral_info``); it refreshes every
second for the countdown and after every move.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from coordination.referrals import Move, TimerState
from desktop import timefmt
from desktop.i18n import _
from desktop.session.referral_info import feedback_ready, history, move_labels, party_text
from desktop.session.referrals import (
    REFERABLE_STATUSES,
    decline_reason_labels,
    status_labels,
    timer_labels,
)
from desktop.ui.labels import duration, urgency_colour, urgency_text
from desktop.ui.referral_answers import ReferralAnswers

BREACHED = "#B71C1C"
STOPPED = "#455A64"
REFER_SHORTCUT = "Ctrl+Shift+V"


def timer_words() -> dict[str, str]:
    return {
        "acknowledge": _("bevestigen vóór"),
        "first_contact": _("eerste contact vóór"),
    }


def timer_text(state: TimerState, urgency: str | None, now: datetime) -> tuple[str, str]:
    """The timer's text and background colour: urgency code + word, what is due and when
    (local time), and how long is left, or how long it is over time (VERLOPEN), or that
    it stopped."""
    word = timer_words()[state.timer]
    code = urgency_text(urgency) or _("geen urgentie")
    if state.due is None:
        return _("{code} — {what}: geen termijn").format(code=code, what=word), STOPPED
    due = timefmt.format_moment(state.due, style="auto", now=now)
    head = _("{code} — {what} {due}").format(code=code, what=word, due=due)
    if state.stopped_at is not None:
        if state.breached:
            late = duration(int(state.overdue.total_seconds() // 60))
            return _("{head} — TE LAAT gehaald ({late})").format(head=head, late=late), BREACHED
        return _("{head} — GEHAALD").format(head=head), STOPPED
    if state.breached:
        late = duration(int(state.overdue.total_seconds() // 60))
        return _("{head} — VERLOPEN, {late} over tijd").format(head=head, late=late), BREACHED
    left = int((state.due - now).total_seconds() // 60)
    colour = urgency_colour(urgency) or STOPPED
    return _("{head} — nog {left}").format(head=head, left=duration(max(0, left))), colour


class ReferralPanel(ReferralAnswers, QGroupBox):
    """The referrals of one case. ``changed`` after every stored move."""

    changed = Signal()

    def __init__(self, session: Any, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(_("Verwijzing"), parent)
        self.session = session
        self.case_id = case_id
        self.setObjectName("referral_panel")
        self.setAccessibleName(_("Verwijzing"))
        self.dialog: Any = None
        self.status = QLabel()
        self.status.setObjectName("referral_status")
        self.status.setWordWrap(True)
        self.timer_labels: dict[str, QLabel] = {}
        timers_row = QHBoxLayout()
        for name in ("acknowledge", "first_contact"):
            label = QLabel()
            label.setObjectName(f"referral_timer_{name}")
            self.timer_labels[name] = label
            timers_row.addWidget(label)
        timers_row.addStretch(1)
        self.conflict = QLabel()
        self.conflict.setObjectName("referral_conflict")
        self.conflict.setWordWrap(True)
        self.conflict.setStyleSheet(f"color: white; background: {BREACHED}; padding: 4px;")
        self.conflict.hide()
        self.message = QLabel()
        self.message.setObjectName("referral_message")
        self.message.setWordWrap(True)
        self.message.hide()
        self.history = QListWidget()
        self.history.setObjectName("referral_history")
        self.history.setAccessibleName(_("Verloop van de verwijzing"))
        self.history.setMaximumHeight(110)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for key, text, slot in (
            ("refer", _("Overdragen aa&n…"), self.open_refer),
            (Move.RECEIVE.value, _("Ontvangst &bevestigen"), self.receive),
            (Move.ACCEPT.value, _("Acc&epteren…"), self.open_accept),
            (Move.DECLINE.value, _("Afw&ijzen…"), self.open_decline),
            (Move.START.value, _("Eerste contact ge&had"), self.start),
            (Move.COMPLETE.value, _("Af&ronden"), self.complete),
            (Move.CANCEL.value, _("Intrekken met re&den…"), self.open_cancel),
            ("reassign", _("O&pnieuw toewijzen…"), self.open_reassign),
            ("feedback", _("Terugkoppeling voor verwij&zer…"), self.open_feedback),
        ):
            button = QPushButton(text)
            button.setObjectName(f"referral_{key}_button")
            button.setAccessibleName(text.replace("&", ""))
            button.setAutoDefault(False)
            button.clicked.connect(slot)
            self.buttons[key] = button
            row.addWidget(button)
        self.buttons["refer"].setToolTip(_("Overdragen aan een eenheid of partij (Ctrl+Shift+V)"))
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(timers_row)
        layout.addWidget(self.conflict)
        layout.addWidget(self.message)
        layout.addWidget(self.history)
        layout.addLayout(row)
        QShortcut(
            QKeySequence(REFER_SHORTCUT),
            self.window() if parent is None else parent,
            self.open_refer,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self.tick)
        self._clock.start()
        self.refresh()

    # -- reading ---------------------------------------------------------------------------

    def current(self) -> Any:
        """The case's latest referral view, or None."""
        views = self.session.referrals.of_case(self.case_id)
        return views[-1] if views else None

    def _earlier(self) -> None:
        """The case's earlier referrals, one line each under the current one's moves."""
        statuses = status_labels()
        for view in self.session.referrals.of_case(self.case_id)[:-1][::-1]:
            referral = view.referral
            reason = referral.decline_reason or referral.cancel_reason or ""
            line = _("Eerdere verwijzing ({when}) aan {party}: {status}").format(
                when=timefmt.format_moment(referral.requested_at),
                party=party_text(self.session, referral),
                status=statuses[referral.status.value],
            )
            if reason:
                line += f" ({decline_reason_labels().get(reason, reason)})"
            self.history.addItem(line)

    def refresh(self, case_status: str | None = None) -> None:
        if self.session.store.locked:
            return  # locked: shown again after unlocking
        if case_status is None:
            case_status = self.session.get_case(self.case_id).status
        view = self.current()
        referable = case_status in REFERABLE_STATUSES
        self.setVisible(view is not None or referable)
        may_send = self.session.referrals.may_send()
        open_one = view is not None and view.referral.is_open
        self.buttons["refer"].setEnabled(referable and may_send and not open_one)
        self.buttons["refer"].setVisible(may_send)
        self.buttons["reassign"].setVisible(may_send and open_one)
        moves = set(self.session.referrals.next_moves(view.referral.id)) if view else set()
        for move in (Move.RECEIVE, Move.ACCEPT, Move.DECLINE, Move.START, Move.COMPLETE):
            self.buttons[move.value].setVisible(move in moves)
        self.buttons[Move.CANCEL.value].setVisible(Move.CANCEL in moves)
        self.buttons["feedback"].setVisible(feedback_ready(self.session, self.case_id))
        self.history.clear()
        if view is None:
            self.status.setText(_("Nog niet overgedragen aan een ontvangende partij."))
            self.status.setAccessibleName(self.status.text())
            for label in self.timer_labels.values():
                label.hide()
            self.conflict.hide()
            return
        referral = view.referral
        status = status_labels()[referral.status.value]
        text = _("Verwezen naar {party} — status: {status}").format(
            party=party_text(self.session, referral), status=status
        )
        if referral.first_contact_agreed is not None:
            text += " — " + _("eerste contact afgesproken {when}").format(
                when=timefmt.format_moment(referral.first_contact_agreed)
            )
        if view.pending:
            text += " — " + _("nog niet verzonden")
        self.status.setText(text)
        self.status.setAccessibleName(text)
        for line in history(self.session, view):
            when = timefmt.format_moment(line.at, style="datetime")
            entry = f"{when}  {line.what} — {line.who}"
            if line.detail:
                entry += f" ({line.detail})"
            self.history.addItem(entry)
        self._earlier()
        self._show_conflicts(view)
        self.tick()

    def _show_conflicts(self, view: Any) -> None:
        texts = []
        for refused in view.refused:
            texts.append(
                _(
                    "Uw stap '{move}' is door de centrale server geweigerd: {why}. De "
                    "opgeslagen stand hierboven geldt."
                ).format(
                    move=move_labels().get(refused.event.move, refused.event.move),
                    why=refused.reason,
                )
            )
        for event, problem in view.conflicts:
            texts.append(
                _("Gelijktijdig antwoord van {who} niet toegepast: {why}").format(
                    who=event.actor_name or event.actor_id, why=problem.message
                )
            )
        self.conflict.setText(_("CONFLICT: ") + " ".join(texts) if texts else "")
        self.conflict.setAccessibleName(self.conflict.text())
        self.conflict.setVisible(bool(texts))

    def tick(self) -> None:
        if self.session.store.locked:
            return
        view = self.current() if self.isVisible() else None
        if view is None:
            return
        now = self.session.clock()
        labels = timer_labels()
        for state in self.session.referrals.timers(view.referral.id, now):
            label = self.timer_labels[state.timer]
            text, colour = timer_text(state, view.referral.urgency, now)
            label.setText(text)
            label.setAccessibleName(f"{labels[state.timer]}: {text}")
            style = f"background: {colour}; color: white; font-weight: bold; padding: 2px 6px;"
            if label.styleSheet() != style:
                label.setStyleSheet(style)
            label.show()

    # -- moves -----------------------------------------------------------------------------

    def _say(self, text: str, *, error: bool) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {BREACHED if error else '#2E7D32'};")
        self.message.setAccessibleName(text)
        self.message.setVisible(bool(text))

    def answer_view(self) -> Any:
        return self.current()

    def answer_refused(self, text: str) -> None:
        self._say(text, error=True)
        self.refresh()

    def answered(self, text: str) -> None:
        self._say(text, error=False)
        self.refresh()
        self.changed.emit()

    def answer_focus(self) -> QWidget:
        return self.history  # back in the panel

    def open_refer(self) -> Any:
        from desktop.ui.referral_dialogs import ReferDialog

        if not self.buttons["refer"].isEnabled() or not self.buttons["refer"].isVisible():
            return None
        return self._open(ReferDialog(self.session, self.case_id, self))

    def open_reassign(self) -> Any:
        from desktop.ui.referral_dialogs import ReferDialog

        view = self.current()
        if view is None:
            return None
        dialog = ReferDialog(self.session, self.case_id, self, referral_id=view.referral.id)
        return self._open(dialog)

    def open_cancel(self) -> Any:
        from desktop.ui.referral_dialogs import CancelDialog

        view = self.current()
        if view is None:
            return None
        return self._open(CancelDialog(self.session, view.referral.id, self))

    def open_feedback(self) -> Any:
        from desktop.ui.report_dialog import ReportDialog

        dialog = ReportDialog(self.session, self.case_id, self, kind="feedback")
        self.dialog = dialog
        dialog.open()
        return dialog

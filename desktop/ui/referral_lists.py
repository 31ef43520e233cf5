"""The referral pages of the main window and the breach alert.

- :class:`OverduePage`: *Verlopen afspraken*, the region's breached timers, the longest
  overdue first; acknowledge an alert (stored per user through the session, so it
  survives a restart), open the case, re-assign (withdraw with a reason + a new
  referral in one dialog);
- :class:`PlacementPage`: *Plaatsing nodig*, declined or cancelled referrals without a
  newer one; a new referral from there;
- :class:`ReceiverPage`: a ``receiver``'s referrals for its organisation, with only what
  §1 allows before acceptance, and the answers (acknowledge, accept, decline, first
  contact, complete);
The breach alert itself is :mod:`desktop.ui.referral_alerts` (on the start path, so it
loads nothing of the referral model).

Everything goes through the session (``DeskSession.referrals``,
``desktop.session.referral_info``); times are local (``desktop.timefmt``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from coordination.referrals import Move, RefStatus
from desktop import timefmt
from desktop.i18n import _
from desktop.session.referral_info import history, move_labels, party_text, target_of
from desktop.session.referrals import (
    decline_reason_labels,
    status_labels,
    timer_labels,
)
from desktop.ui.labels import duration, urgency_text
from desktop.ui.referral_alerts import ReferralAlerts
from desktop.ui.referral_answers import ReferralAnswers
from desktop.ui.referral_panel import BREACHED, timer_text

ID_ROLE = Qt.ItemDataRole.UserRole


def _table(name: str, accessible: str, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setAccessibleName(accessible)
    table.setHorizontalHeaderLabels(headers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    table.setTabKeyNavigation(False)
    return table


def _button(text: str, name: str, slot: Any) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAccessibleName(text.replace("&", ""))
    button.setAutoDefault(False)
    button.clicked.connect(slot)
    return button


def _label(name: str, text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setAccessibleName(text)
    return label


class _ListPage(QWidget):
    """A table with buttons below and a message line; ``open_case`` for the window."""

    open_case = Signal(str)
    moved = Signal()

    def __init__(self, session: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.dialog: Any = None
        self.message = _label(f"{type(self).__name__.lower()}_message")
        self.message.hide()

    def say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setAccessibleName(text)
        self.message.setStyleSheet(f"color: {BREACHED if error else '#2E7D32'};")
        self.message.setVisible(bool(text))

    def selected(self, table: QTableWidget) -> Any:
        row = table.currentRow()
        if row < 0:
            return None
        item = table.item(row, 0)
        return None if item is None else item.data(ID_ROLE)

    def fill(self, table: QTableWidget, rows: list[tuple[Any, list[str]]]) -> None:
        keep = self.selected(table)
        table.setRowCount(len(rows))
        chosen = 0
        for index, (key, cells) in enumerate(rows):
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 0:
                    item.setData(ID_ROLE, key)
                table.setItem(index, column, item)
            if key == keep:
                chosen = index
        if rows:
            table.setCurrentCell(chosen, 0)
            table.selectRow(chosen)
        table.resizeColumnsToContents()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:  # pragma: no cover - each page has its own
        raise NotImplementedError


class OverduePage(_ListPage):
    """*Verlopen afspraken*: breached running timers, the longest overdue first."""

    def __init__(self, session: Any, alerts: ReferralAlerts, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.setObjectName("overdue_page")
        self.alerts = alerts
        self.rows: list[Any] = []
        self.intro = _label(
            "overdue_intro",
            _(
                "Afspraken waarvan de termijn is verstreken, het langst verlopen bovenaan. "
                "Enter opent de casus; 'Gezien' zet het alarm voor u uit (de afspraak "
                "blijft in de lijst tot de stap is gezet)."
            ),
        )
        self.table = _table(
            "overdue_list",
            _("Verlopen afspraken"),
            [_("Over tijd"), _("Termijn"), _("Casus"), _("Jeugdige"), _("Partij"),
             _("Status"), _("Vervallen"), _("Alarm")],
        )  # fmt: skip
        self.table.itemActivated.connect(lambda _item: self.open_selected())
        self.ack_button = _button(_("&Gezien (alarm uit)"), "overdue_ack", self.acknowledge)
        self.ack_all_button = _button(_("Alles ge&zien"), "overdue_ack_all", self.acknowledge_all)
        self.reassign_button = _button(
            _("&Opnieuw toewijzen…"), "overdue_reassign", self.open_reassign
        )
        self.open_button = _button(_("Casus o&penen"), "overdue_open", self.open_selected)
        self.reassign_button.setVisible(session.referrals.may_send())
        buttons = QHBoxLayout()
        for button in (self.ack_button, self.ack_all_button, self.reassign_button,
                       self.open_button):  # fmt: skip
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

    def refresh(self) -> None:
        if self.session.store.locked:
            return
        now = self.session.clock()
        self.rows = self.session.referrals.overdue(now)
        labels = timer_labels()
        statuses = status_labels()
        shown = []
        for alert in self.rows:
            summary = self.session.summary(alert.case_id)
            youth = (summary.youth_name if summary else None) or "—"
            party = alert.to_name or ""
            if alert.to_unit_id:
                target = target_of(self.session, alert.to_unit_id)
                party = target.label if target is not None else alert.to_unit_id
            late = duration(int(alert.overdue.total_seconds() // 60))
            shown.append(
                (
                    (alert.referral_id, alert.timer),
                    [
                        _("{late} — {code}").format(late=late, code=urgency_text(alert.urgency)),
                        labels.get(alert.timer, alert.timer),
                        alert.case_id[:8],
                        youth,
                        party,
                        statuses.get(alert.status, alert.status),
                        timefmt.format_moment(alert.due, style="auto", now=now),
                        _("gezien") if alert.acknowledged else _("NIEUW"),
                    ],
                )
            )
        self.fill(self.table, shown)
        empty = not self.rows
        for button in (self.ack_button, self.ack_all_button, self.reassign_button,
                       self.open_button):  # fmt: skip
            button.setEnabled(not empty)

    def current_alert(self) -> Any:
        key = self.selected(self.table)
        return next((a for a in self.rows if (a.referral_id, a.timer) == key), None)

    def acknowledge(self) -> None:
        alert = self.current_alert()
        if alert is None:
            return
        self.session.referrals.acknowledge_alert(alert.referral_id, alert.timer)
        self.say(_("Alarm uitgezet; de afspraak blijft in de lijst tot de stap is gezet."))
        self.refresh()
        self.alerts.check()

    def acknowledge_all(self) -> None:
        for alert in self.rows:
            if not alert.acknowledged:
                self.session.referrals.acknowledge_alert(alert.referral_id, alert.timer)
        self.say(_("Alle alarmen uitgezet."))
        self.refresh()
        self.alerts.check()

    def open_selected(self) -> None:
        alert = self.current_alert()
        if alert is not None and self.session.summary(alert.case_id) is not None:
            self.open_case.emit(alert.case_id)

    def open_reassign(self) -> Any:
        from desktop.ui.referral_dialogs import ReferDialog

        alert = self.current_alert()
        if alert is None:
            return None
        dialog = ReferDialog(self.session, alert.case_id, self, referral_id=alert.referral_id)
        self.dialog = dialog

        def done() -> None:
            self.say(_("Opnieuw toegewezen: de oude verwijzing is ingetrokken."))
            self.refresh()
            self.alerts.check()
            self.moved.emit()

        dialog.accepted.connect(done)
        dialog.finished.connect(lambda _result: self.table.setFocus())
        dialog.open()
        return dialog


class PlacementPage(_ListPage):
    """*Plaatsing nodig*: declined or cancelled referrals without a newer one."""

    def __init__(self, session: Any, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.setObjectName("placement_page")
        self.rows: list[Any] = []
        self.intro = _label(
            "placement_intro",
            _(
                "Casussen waarvan de verwijzing is afgewezen of ingetrokken, zonder nieuwe "
                "verwijzing. Maak een nieuwe verwijzing of open de casus."
            ),
        )
        self.table = _table(
            "placement_list",
            _("Plaatsing nodig"),
            [_("Casus"), _("Jeugdige"), _("Status"), _("Reden"), _("Partij"), _("Urgentie"),
             _("Verzonden")],
        )  # fmt: skip
        self.table.itemActivated.connect(lambda _item: self.open_refer())
        self.refer_button = _button(_("&Nieuwe verwijzing…"), "placement_refer", self.open_refer)
        self.refer_button.setVisible(session.referrals.may_send())
        self.open_button = _button(_("Casus o&penen"), "placement_open", self.open_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.refer_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

    def refresh(self) -> None:
        if self.session.store.locked:
            return
        self.rows = self.session.referrals.needs_placement()
        statuses = status_labels()
        reasons = decline_reason_labels()
        shown = []
        for row in self.rows:
            party = row.to_name or ""
            if row.to_unit_id:
                target = target_of(self.session, row.to_unit_id)
                party = target.label if target is not None else row.to_unit_id
            shown.append(
                (
                    row.case_id,
                    [
                        row.case_id[:8],
                        row.youth_name or "—",
                        statuses.get(row.status, row.status),
                        self._reason(row, reasons),
                        party,
                        urgency_text(row.urgency),
                        timefmt.format_moment(row.requested_at, style="datetime"),
                    ],
                )
            )
        self.fill(self.table, shown)
        for button in (self.refer_button, self.open_button):
            button.setEnabled(bool(self.rows))

    def _reason(self, row: Any, reasons: dict[str, str]) -> str:
        """The decline reason in words with its text, or the withdrawal reason."""
        text = reasons.get(row.closed_reason or "", row.closed_reason or "")
        view = self.session.referrals.get(row.referral_id)
        extra = view.referral.decline_text if view is not None else None
        return f"{text}: {extra}" if extra else text

    def open_selected(self) -> None:
        case_id = self.selected(self.table)
        if case_id is not None:
            self.open_case.emit(case_id)

    def open_refer(self) -> Any:
        from desktop.ui.referral_dialogs import ReferDialog

        case_id = self.selected(self.table)
        if case_id is None or not self.session.referrals.may_send():
            return None
        dialog = ReferDialog(self.session, case_id, self)
        self.dialog = dialog

        def done() -> None:
            self.say(_("Nieuwe verwijzing verzonden."))
            self.refresh()
            self.moved.emit()

        dialog.accepted.connect(done)
        dialog.finished.connect(lambda _result: self.table.setFocus())
        dialog.open()
        return dialog


BEFORE_ACCEPTANCE = ("urgency", "age_band", "legal_route", "setting", "feedback")
FULL_STATUSES = frozenset({RefStatus.ACCEPTED, RefStatus.IN_PROGRESS, RefStatus.COMPLETED})


def summary_labels() -> dict[str, str]:
    return {
        "urgency": _("Urgentie"),
        "age_band": _("Leeftijdsgroep"),
        "legal_route": _("Juridisch kader"),
        "setting": _("Setting"),
        "feedback": _("Terugkoppeling aan de verwijzer"),
        "handover": _("Overdracht"),
    }


class ReceiverPage(ReferralAnswers, _ListPage):
    """A receiver's referrals for its organisation, and its answers."""

    def __init__(self, session: Any, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.setObjectName("receiver_page")
        self.views: list[Any] = []
        organization = session.organization_id() or _("geen organisatie gekoppeld")
        self.intro = _label(
            "receiver_intro",
            _(
                "Verwijzingen aan {organization}. Vóór acceptatie ziet u alleen urgentie, "
                "leeftijdsgroep, juridisch kader, setting en de terugkoppeling; na "
                "acceptatie de hele overdracht."
            ).format(organization=organization),
        )
        self.table = _table(
            "receiver_list",
            _("Verwijzingen voor uw organisatie"),
            [_("Verzonden"), _("Urgentie"), _("Status"), _("Bevestigen"),
             _("Eerste contact")],
        )  # fmt: skip
        self.table.currentCellChanged.connect(lambda *_args: self.show_detail())
        self.detail = QPlainTextEdit()
        self.detail.setObjectName("receiver_detail")
        self.detail.setAccessibleName(_("Gegevens van de verwijzing"))
        self.detail.setReadOnly(True)
        self.conflict = _label("receiver_conflict")
        self.conflict.setStyleSheet(f"color: white; background: {BREACHED}; padding: 4px;")
        self.conflict.hide()
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for move, text, slot in (
            (Move.RECEIVE, _("Ontvangst &bevestigen"), self.receive),
            (Move.ACCEPT, _("Acc&epteren…"), self.open_accept),
            (Move.DECLINE, _("Afw&ijzen…"), self.open_decline),
            (Move.START, _("Eerste contact ge&had"), self.start),
            (Move.COMPLETE, _("Af&ronden"), self.complete),
        ):
            button = _button(text, f"receiver_{move.value}", slot)
            self.buttons[move.value] = button
            row.addWidget(button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.detail, 2)
        layout.addWidget(self.conflict)
        layout.addWidget(self.message)
        layout.addLayout(row)

    def refresh(self) -> None:
        if self.session.store.locked:
            return
        now = self.session.clock()
        self.views = self.session.referrals.for_my_organization(open_only=False)
        statuses = status_labels()
        shown = []
        for view in self.views:
            ref = view.referral
            cells = [
                timefmt.format_moment(ref.requested_at, style="auto", now=now),
                urgency_text(ref.urgency),
                statuses[ref.status.value],
            ]
            for state in self.session.referrals.timers(ref.id, now):
                cells.append(timer_text(state, ref.urgency, now)[0])
            shown.append((ref.id, cells))
        self.fill(self.table, shown)
        self.show_detail()

    def current_view(self) -> Any:
        rid = self.selected(self.table)
        return next((v for v in self.views if v.referral.id == rid), None)

    def show_detail(self) -> None:
        view = self.current_view()
        # every answer stays offered: a move the status does not allow is refused with
        # a Dutch message saying so (the next allowed ones are in the tooltip)
        moves = set(self.session.referrals.next_moves(view.referral.id)) if view else set()
        for move, button in self.buttons.items():
            button.setEnabled(view is not None)
            button.setToolTip(_("Kan nu") if move in moves else _("Kan nu niet"))
        if view is None:
            self.detail.setPlainText(_("Geen verwijzingen."))
            self.conflict.hide()
            return
        ref = view.referral
        labels = summary_labels()
        keys = list(BEFORE_ACCEPTANCE)
        if ref.status in FULL_STATUSES:
            keys.append("handover")
        summary = dict(ref.summary)
        lines = [
            _("Status: {status}").format(status=status_labels()[ref.status.value]),
            _("Partij: {party}").format(party=party_text(self.session, ref)),
        ]
        for key in keys:
            value = summary.get(key)
            if value not in (None, ""):
                text = str(value)
                sep = "\n" if "\n" in text else " "  # a report's text on its own lines
                lines.append(f"{labels[key]}:{sep}{text}")
        lines.append("")
        lines.append(_("Verloop:"))
        for line in history(self.session, view):
            entry = f"{timefmt.format_moment(line.at)}  {line.what} — {line.who}"
            lines.append(entry + (f" ({line.detail})" if line.detail else ""))
        self.detail.setPlainText("\n".join(lines))
        texts = [
            _("Uw stap '{move}' is geweigerd: {why}").format(
                move=move_labels().get(r.event.move, r.event.move), why=r.reason
            )
            for r in view.refused
        ] + [problem.message for _event, problem in view.conflicts]
        self.conflict.setText(_("CONFLICT: ") + " ".join(texts) if texts else "")
        self.conflict.setAccessibleName(self.conflict.text())
        self.conflict.setVisible(bool(texts))

    def answer_view(self) -> Any:
        return self.current_view()

    def answer_refused(self, text: str) -> None:
        self.say(text, error=True)
        self.refresh()

    def answered(self, text: str) -> None:
        self.say(text)
        self.refresh()
        self.moved.emit()

    def answer_focus(self) -> QWidget:
        return self.table

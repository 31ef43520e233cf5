"""The guided, keyboard-first intake view of one case: sections, fields, autosave, actions.

Built from the case's own form version (``DeskSession.form_for``). The view observes and
edits; every change goes through the :class:`~desktop.session.desk.DeskSession`, which commits it
(case + outbox + audit in one transaction) before the view shows "opgeslagen".

Keyboard: Tab follows the form; Ctrl+Enter goes to the next section, Ctrl+Shift+Enter to
the previous one, Alt+1..9 jumps to a section; the buttons have Alt mnemonics.

Autosave: choices are committed at once; text after a short pause in typing and, while
the person types on without a pause, at most :data:`MAX_SAVE_WAIT_MS` after the first
keystroke not yet committed (a crash loses at most that much typing). Leaving a field,
switching tabs, the window losing focus, closing, locking and quitting commit at once
(:meth:`IntakeView.flush`).

The view follows the store (``desktop.ui.store_events``): when the case changes there —
pulled from another desk, merged, reconciled — the fields not being edited take the new
value in place with a brief highlight; a field being edited keeps the typed text (which
is committed as usual) and offers the newer value to take over.

Guarded answers (``DeskSession.guarded_fields``: the choices of the risk and legal
sections): clearing one that was given, or setting it to *onbekend*, asks first; every
change of a given one is listed under its section's heading with the local time.
"""

from __future__ import annotations

import contextlib
import time
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import (
    QAccessible,
    QAccessibleEvent,
    QColor,
    QKeySequence,
    QPalette,
    QShortcut,
)
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import timefmt
from desktop.forms import FormState, Section
from desktop.forms.workflow import TransitionError
from desktop.i18n import _, pick
from desktop.session.desk import GUARDED_SECTIONS, UNSET_VALUES, DeskSession
from desktop.store import StoreError
from desktop.ui.answer_guard import ask_before_unset, changed_answers
from desktop.ui.field_row import FieldRow, show_text
from desktop.ui.field_widgets import FieldEditor
from desktop.ui.history_view import HistoryDialog, value_text
from desktop.ui.intake_amend import AmendDialog
from desktop.ui.labels import duration
from desktop.ui.legal_panel import LegalPanel
from desktop.ui.referral_panel import ReferralPanel
from desktop.ui.store_events import events_for

SAVE_DELAY_MS = 100
"""A pause in typing this long commits what was typed."""
MAX_SAVE_WAIT_MS = 200
"""Typing on without a pause commits at most this long after the first uncommitted key."""
HIGHLIGHT_MS = 2500
HIGHLIGHT_STYLE = "background-color: #FFF59D;"
LEGAL_SECTION = "legal"
MARK_COMPLETE = "✓"
MARK_PARTIAL = "•"
MARK_MISSING = "!"
_SEVERITY_STYLE = {
    "danger": "background: #B71C1C; color: white; font-weight: bold; padding: 6px;",
    "warning": "background: #F9A825; color: black; font-weight: bold; padding: 6px;",
    "info": "background: #1565C0; color: white; padding: 6px;",
}


def _severity_word(severity: str) -> str:
    return {"danger": _("GEVAAR"), "warning": _("LET OP"), "info": _("INFO")}.get(severity, "")


class IntakeView(QWidget):
    """One opened case. Exposes ``case_id`` and ``flush()`` for the main window."""

    saved = Signal()
    """Emitted after pending edits were committed and the view shows "opgeslagen"."""

    def __init__(self, session: DeskSession, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.case_id = case_id
        self.case = session.open_case(case_id)
        self.form = session.form_for(self.case)
        self.state: FormState = session.evaluate(self.case)
        self.editors: dict[str, FieldEditor] = {}
        self.rows: dict[str, FieldRow] = {}
        self._dirty: set[str] = set()
        self._typing: set[str] = set()
        """Fields edited since they got the focus (being edited: their text stays)."""
        self._first_pending: float | None = None
        self._parse_errors: dict[str, str] = {}
        self.zone = ZoneInfo(self.form.timezone)
        self.guarded = session.guarded_fields(self.form)
        self.highlighted: set[str] = set()
        self.confirm_dialog: QMessageBox | None = None
        self._failure = ""
        self._banners_recorded = {item.get("id") for item in self.case.banners_shown}
        self.setObjectName("intake_view")
        self.legal_panel: LegalPanel | None = None
        self._help_row: FieldRow | None = None
        self._announced: tuple[Any, ...] | None = None
        self.announcements: list[str] = []
        """What was announced to assistive technology (urgency, deadline), in order."""
        self._build()
        self._load_values()
        self._apply_editability()
        self._refresh()
        self._show_answer_changes()
        self._set_save_state("opgeslagen")
        self.go_to_section(0, focus=False)
        events_for(session.store).cases_changed.connect(self.follow_store)

    # -- building --------------------------------------------------------------------------

    def _build(self) -> None:
        self.title = QLabel()
        self.title.setObjectName("case_title")
        self.call_timer = QLabel()
        self.call_timer.setObjectName("call_timer")
        self.deadline = QLabel()
        self.deadline.setObjectName("deadline")
        self.deadline.hide()
        self.save_state = QLabel()
        self.save_state.setObjectName("save_state")
        self.save_state.setAccessibleName(_("Opslagstatus"))
        bold = self.save_state.font()
        bold.setBold(True)
        self.save_state.setFont(bold)
        self._save_colour = ""
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.call_timer)
        header.addWidget(self.deadline)
        header.addWidget(self.save_state)

        self.banner_box = QVBoxLayout()
        self.banners: dict[str, QLabel] = {}
        for banner in self.form.banners:
            label = QLabel(f"{_severity_word(banner.severity)}: {pick(banner.text)}")
            label.setObjectName(f"banner_{banner.id}")
            label.setWordWrap(True)
            label.setStyleSheet(_SEVERITY_STYLE.get(banner.severity, ""))
            label.setAccessibleName(pick(banner.text))
            label.hide()
            self.banner_box.addWidget(label)
            self.banners[banner.id] = label

        self.action_message = QLabel()
        self.action_message.setObjectName("action_message")
        self.action_message.setWordWrap(True)
        self.action_message.setStyleSheet("color: #B71C1C;")
        self.action_message.hide()

        self.section_list = QListWidget()
        self.section_list.setObjectName("sections")
        self.section_list.setAccessibleName(_("Onderdelen van de intake"))
        self.section_list.setFixedWidth(250)
        self.pages = QStackedWidget()
        self.pages.setObjectName("section_pages")
        self.section_first: list[list[str]] = []
        self.headings: dict[str, tuple[QLabel, str]] = {}
        self.changed_labels: dict[str, QLabel] = {}
        for number, section in enumerate(self.form.sections, start=1):
            self.section_list.addItem(QListWidgetItem(f"{number} {pick(section.title)}"))
            self.pages.addWidget(self._build_page(number, section))
        self.section_list.currentRowChanged.connect(self._show_page)
        body = QHBoxLayout()
        body.addWidget(self.section_list)
        body.addWidget(self.pages, 1)

        self.ready_button = self._button(_("&Klaar voor triage"), "ready_button", self.mark_ready)
        self.decide_button = self._button(
            _("&Triage vastleggen"), "decide_button", self.decide_triage
        )
        self.amend_button = self._button(_("&Wijzig besluit…"), "amend_button", self.open_amend)
        self.handover_button = self._button(_("&Overdragen"), "handover_button", self.hand_over)
        self.close_button = self._button(_("Af&sluiten"), "close_case_button", self.close_case)
        self.history_button = self._button(_("&Geschiedenis"), "history_button", self.open_history)
        self.export_button = self._button(_("E&xporteer JSON…"), "export_button", self.export_json)
        self.report_button = self._button(
            _("Overdracht &afdrukken…"), "report_button", self.open_report
        )
        self.report_button.setToolTip(_("Overdrachtsformulier of terugkoppeling (Ctrl+P)"))
        buttons = QHBoxLayout()
        for button in self._buttons():
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.decide_button.setVisible(self.session.may_decide())
        self.amend_button.setVisible(self.session.may_amend())

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(self.banner_box)
        layout.addWidget(self.action_message)
        layout.addLayout(body, 1)
        self.referral_panel = ReferralPanel(self.session, self.case_id, self)
        self.referral_panel.changed.connect(self._referral_moved)
        layout.addWidget(self.referral_panel)
        layout.addLayout(buttons)

        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_moved)

        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._save_timer.timeout.connect(self.save_now)
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._tick)
        self._clock.start()
        self._shortcuts()
        self._tab_order()

    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        """Show the help of the field that has the focus; hide the previous one."""
        row = None
        widget = new
        while widget is not None and widget is not self:
            if isinstance(widget, FieldRow):
                row = widget
                break
            widget = widget.parentWidget()
        if widget is None:
            row = None  # the focus left this intake
        if row is self._help_row:
            return
        if self._help_row is not None:
            self._help_row.show_help(False)
        self._help_row = row
        if row is not None:
            row.show_help(True)

    def _build_page(self, number: int, section: Section) -> QScrollArea:
        page = QWidget()
        page.setObjectName(f"section:{section.id}")
        layout = QVBoxLayout(page)
        heading = QLabel(f"{number}. {pick(section.title)}")
        heading.setObjectName(f"heading:{section.id}")
        heading.setStyleSheet("font-weight: bold; font-size: 14pt;")
        layout.addWidget(heading)
        if section.id in GUARDED_SECTIONS:
            self.headings[section.id] = (heading, heading.text())
            changed = QLabel()
            changed.setObjectName(f"changed:{section.id}")
            changed.setWordWrap(True)
            changed.setStyleSheet("color: #8D4E00;")
            changed.hide()
            layout.addWidget(changed)
            self.changed_labels[section.id] = changed
        if section.help:
            hint = QLabel(pick(section.help))
            hint.setWordWrap(True)
            layout.addWidget(hint)
        ids: list[str] = []
        fields_box = layout
        if section.id == LEGAL_SECTION:
            # the fields and the live legal panel side by side: the panel starts at the
            # top of the page, not below the fold of a 720-pixel screen
            columns = QHBoxLayout()
            fields_box = QVBoxLayout()
            columns.addLayout(fields_box, 1)
            layout.addLayout(columns)
        for field in section.fields:
            editor = FieldEditor(self.form, field, page)
            editor.edited.connect(self._on_edited)
            editor.left.connect(self._on_left)
            row = FieldRow(editor)
            row.take_button.clicked.connect(lambda _c=False, f=field.id: self.take_newer(f))
            row.keep_button.clicked.connect(lambda _c=False, f=field.id: self.keep_mine(f))
            fields_box.addWidget(row)
            self.editors[field.id] = editor
            self.rows[field.id] = row
            ids.append(field.id)
        if section.id == LEGAL_SECTION:
            fields_box.addStretch(1)
            self.legal_panel = LegalPanel(self.form, page)
            self.legal_panel.jump_to_field.connect(self.focus_field)
            columns.addWidget(self.legal_panel, 1, Qt.AlignmentFlag.AlignTop)
        layout.addStretch(1)
        self.section_first.append(ids)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(page)
        return scroll

    def _button(self, text: str, name: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def _buttons(self) -> list[QPushButton]:
        return [
            self.ready_button,
            self.decide_button,
            self.amend_button,
            self.handover_button,
            self.close_button,
            self.history_button,
            self.export_button,
            self.report_button,
        ]

    def _shortcuts(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (
            ("Ctrl+Return", self.next_section),
            ("Ctrl+Enter", self.next_section),
            ("Ctrl+Shift+Return", self.previous_section),
            ("Ctrl+Shift+Enter", self.previous_section),
            ("Ctrl+P", self.open_report),
            ("Ctrl+Shift+P", self.open_places),
        ):
            QShortcut(QKeySequence(keys), self, slot, context=context)
        for number in range(1, min(9, len(self.form.sections)) + 1):
            QShortcut(
                QKeySequence(f"Alt+{number}"),
                self,
                lambda n=number: self.go_to_section(n - 1),
                context=context,
            )

    def _tab_order(self) -> None:
        chain: list[QWidget] = [self.section_list]
        for field in self.form.fields():
            row = self.rows[field.id]
            chain += [self.editors[field.id].widget, row.take_button, row.keep_button]
        chain += self._buttons()
        chain += [self.referral_panel.history, *self.referral_panel.buttons.values()]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    # -- navigation ------------------------------------------------------------------------

    def current_section(self) -> int:
        return self.pages.currentIndex()

    def _show_page(self, index: int) -> None:
        if index >= 0:
            self.pages.setCurrentIndex(index)

    def go_to_section(self, index: int, *, focus: bool = True) -> None:
        """Show section ``index`` (0-based) and put the cursor in its first open field."""
        index = max(0, min(index, len(self.form.sections) - 1))
        self.section_list.setCurrentRow(index)
        self.pages.setCurrentIndex(index)
        target = self._first_field(index)
        if target is not None:
            self.setFocusProxy(target)
            if focus:
                target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _first_field(self, index: int) -> QWidget | None:
        visible = [fid for fid in self.section_first[index] if fid in self.state.visible]
        for fid in visible:
            widget = self.editors[fid].widget
            if widget.isEnabled() and not getattr(widget, "isReadOnly", lambda: False)():
                return widget
        return self.editors[visible[0]].widget if visible else None

    def next_section(self) -> None:
        self.save_now()
        self.go_to_section(self.current_section() + 1)

    def previous_section(self) -> None:
        self.save_now()
        self.go_to_section(self.current_section() - 1)

    def focus_field(self, field_id: str) -> None:
        section = self.form.section_of(field_id)
        index = [s.id for s in self.form.sections].index(section.id)
        self.go_to_section(index, focus=False)
        self.editors[field_id].widget.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- values and state ------------------------------------------------------------------

    def _load_values(self) -> None:
        for fid, editor in self.editors.items():
            if fid in self._dirty or fid in self._parse_errors:
                continue  # keep what the person typed
            editor.set_value(self.case.answers.get(fid))

    def _editable(self, field_id: str) -> bool:
        return self.session.editable(self.case, field_id)  # the rule is the session's

    def _apply_editability(self) -> None:
        for fid, editor in self.editors.items():
            editor.set_editable(self._editable(fid))

    def _refresh(self) -> None:
        """Bring everything the engine concludes to the screen (after each save)."""
        state = self.state
        for fid, row in self.rows.items():
            row.set_shown(fid in state.visible)
            row.set_required(fid in state.required)
            if fid in self._parse_errors:
                row.set_message(self._parse_errors[fid], "error")
            elif fid in state.errors:
                row.set_message(state.errors[fid], "error")
            else:
                row.set_message(state.warnings.get(fid, ""), "warning")
        for index, section in enumerate(self.form.sections):
            mark, words = self._mark(section)
            item = self.section_list.item(index)
            text = f"{mark} {index + 1} {pick(section.title)}"
            if item.text() != text:
                item.setText(text)
                item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{pick(section.title)}: {words}")
            missing = state.sections[section.id].missing
            tip = (
                _("Ontbreekt: {fields}").format(
                    fields=", ".join(pick(self.form.field(f).label) for f in missing)
                )
                if missing
                else ""
            )
            if item.toolTip() != tip:
                item.setToolTip(tip)
        self._show_banners()
        if self.legal_panel is not None:
            self.legal_panel.show_answers(
                self.case.answers,
                today=self.session.clock().date(),
                recorded=self.case.legal_flags,
            )
        self._update_header()
        self._update_buttons()

    def _mark(self, section: Section) -> tuple[str, str]:
        info = self.state.sections[section.id]
        errors = info.errors or any(f.id in self._parse_errors for f in section.fields)
        if info.missing or errors:
            return MARK_MISSING, _("verplichte gegevens ontbreken of kloppen niet")
        answered = any(f.id in self.case.answers for f in section.fields)
        if info.missing_soft or not answered:
            return MARK_PARTIAL, _("deels ingevuld")
        return MARK_COMPLETE, _("compleet")

    def _show_banners(self) -> None:
        active = set(self.state.banners)
        for banner_id, label in self.banners.items():
            if label.isVisibleTo(self) != (banner_id in active):
                label.setVisible(banner_id in active)
        for banner_id in self.state.banners:
            if banner_id in self._banners_recorded:
                continue
            try:
                recorded = self.session.record_banner(self.case_id, banner_id)
            except StoreError:
                continue  # locked: recorded on the next refresh
            # only the banners: a change from elsewhere in between is shown by follow_store
            self.case = self.case.model_copy(update={"banners_shown": recorded.banners_shown})
            self._banners_recorded.add(banner_id)

    def _update_header(self) -> None:
        status = self.form.status_label(self.case.status)
        self.title.setText(_("Casus {id} — {status}").format(id=self.case_id[:8], status=status))
        self._tick()

    def _tick(self) -> None:
        now = self.session.clock()
        received = self.state.values.get("call.received_at")
        if self.case.status == "draft" and received:
            seconds = max(0, int((now - datetime.fromisoformat(received)).total_seconds()))
            minutes, rest = divmod(seconds, 60)
            text = _("Gesprek {mm:02d}:{ss:02d}").format(mm=minutes, ss=rest)
            show_text(self.call_timer, text)
        else:
            show_text(self.call_timer, "")
        code = self.state.values.get("triage.urgency")
        if not code:
            show_text(self.deadline, "")
            self._announce(None, "")
            return
        level = self.form.urgency_level(code)
        words = f"{level.code} {pick(level.label)}"
        due = self.state.derived.get("triage.deadline")
        overdue = False
        if self.case.status in ("handed_over", "closed"):
            # the countdown stops once the case is handed over
            status = self.form.status_label(self.case.status).lower()
            text = _("{urgency} — {status}").format(urgency=words, status=status)
        elif due:
            left = int((datetime.fromisoformat(due) - now).total_seconds() // 60)
            if left >= 0:
                text = _("{urgency} — nog {time}").format(urgency=words, time=duration(left))
            else:
                overdue = True
                text = _("{urgency} — {time} over tijd").format(urgency=words, time=duration(-left))
        else:
            text = _("{urgency} — geen termijn").format(urgency=words)
        style = f"background: {level.colour}; color: white; font-weight: bold; padding: 2px 6px;"
        if self.deadline.styleSheet() != style:
            self.deadline.setStyleSheet(style)
        show_text(self.deadline, text)
        self._announce((code, due, overdue, self.case.status), text)

    def _announce(self, key: tuple[Any, ...] | None, text: str) -> None:
        """Tell assistive technology when the urgency, the deadline or its passing changes
        (not every minute of the countdown): the label's accessible name changes and an
        alert event is sent, the desktop equivalent of a live region."""
        if key == self._announced:
            return
        self._announced = key
        self.deadline.setAccessibleName(text or _("Geen urgentie"))
        if key is None:
            return
        self.announcements.append(text)
        for kind in (QAccessible.Event.NameChanged, QAccessible.Event.Alert):
            QAccessible.updateAccessibility(QAccessibleEvent(self.deadline, kind))

    def _update_buttons(self) -> None:
        status = self.case.status
        nexts = self.session.next_statuses(self.case)
        decided = self.session.is_decided(self.case)
        for button, enabled in (
            (self.ready_button, "ready_for_triage" in nexts),
            (self.decide_button, status == "ready_for_triage" and "triaged" in nexts),
            (self.amend_button, decided and status != "closed"),
            (self.handover_button, "handed_over" in nexts),
            (self.close_button, "closed" in nexts),
        ):
            if button.isEnabled() != enabled:
                button.setEnabled(enabled)

    # -- autosave --------------------------------------------------------------------------

    def _on_edited(self, field_id: str, immediate: bool) -> None:
        if immediate and field_id in self.guarded and self._takes_answer_away(field_id):
            self._confirm_unset(field_id)
            return
        self._dirty.add(field_id)
        self._typing.add(field_id)
        self._set_save_state("pending")
        if immediate:
            self.save_now()
            return
        now = time.monotonic()
        if self._first_pending is None:
            self._first_pending = now
        waited = (now - self._first_pending) * 1000
        self._save_timer.start(int(max(0.0, min(SAVE_DELAY_MS, MAX_SAVE_WAIT_MS - waited))))

    def _on_left(self, field_id: str) -> None:
        self._typing.discard(field_id)
        if field_id in self._dirty:
            self.save_now()

    # -- guarded answers -------------------------------------------------------------------

    def _takes_answer_away(self, field_id: str) -> bool:
        """Whether the choice now shown clears a given answer or makes it *onbekend*."""
        before = self.case.answers.get(field_id)
        after, _error = self.editors[field_id].parsed(self.session.clock())
        return before not in UNSET_VALUES and after in UNSET_VALUES and after != before

    def _confirm_unset(self, field_id: str) -> QMessageBox:
        """Ask before a given risk or legal answer is cleared; Enter and Escape keep it."""
        before = self.case.answers.get(field_id)
        after, _error = self.editors[field_id].parsed(self.session.clock())
        box = ask_before_unset(
            self,
            self.form,
            field_id,
            before,
            after,
            lambda change: self._confirmed(field_id, change, before),
        )
        self.confirm_dialog = box
        return box

    def _confirmed(self, field_id: str, change: bool, before: Any) -> None:
        self.confirm_dialog = None
        editor = self.editors[field_id]
        if change:
            self._dirty.add(field_id)
            self.save_now()
        else:
            editor.set_value(before)
        editor.widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_answer_changes(self) -> None:
        """Under the risk and legal headings: which given answer changed, and when."""
        if not self.changed_labels:
            return
        try:
            changes = self.session.answer_changes(self.case_id)
        except Exception:  # the store is locked or failed: shown again on the next change
            return
        told = changed_answers(self.form, changes, self._time_text)
        for section, label in self.changed_labels.items():
            heading, title = self.headings[section]
            suffix, lines = told.get(section, ("", []))
            text = f"{title} — {suffix}" if suffix else title
            if heading.text() != text:
                heading.setText(text)
            show_text(label, "\n".join(lines))

    def _time_text(self, moment: datetime) -> str:
        """A moment as the desk reads it: local time, with the date when not today."""
        return timefmt.format_moment(moment, self.zone, style="auto", now=self.session.clock())

    # -- following the store ---------------------------------------------------------------

    def follow_store(self, case_ids: frozenset[str]) -> None:
        """The case changed in the store (pulled, merged, reconciled, saved): show it."""
        if self.case_id in case_ids:
            self.reload_from_store()
            if not self.session.store.locked:
                self.referral_panel.refresh(self.case.status)

    def _being_edited(self, field_id: str) -> bool:
        return field_id in self._dirty or field_id in self._parse_errors or field_id in self._typing

    def user_changed(self) -> None:
        """Another user took over the desk (*wissel gebruiker*): what they may do here
        follows their role (deciding, amending, the triage fields)."""
        self.decide_button.setVisible(self.session.may_decide())
        self.amend_button.setVisible(self.session.may_amend())
        self._apply_editability()
        self._refresh()

    def reload_from_store(self) -> None:
        """Bring the stored case to the screen; what the person is typing stays theirs."""
        if self.session.store.locked:
            return
        mark = self.session.store.cases.head_mark(self.case_id)
        if mark is None:
            self._say(_("Deze casus is ingetrokken en staat niet meer in de lijst."))
            return
        shown = (self.case.version.id, self.case.status)
        if mark[:2] == shown and datetime.fromisoformat(mark[2]) == self.case.updated_at:
            return  # what is shown is what is stored (our own save)
        self._take_stored(self.session.get_case(self.case_id))
        self.state = self.session.evaluate(self.case)
        self._apply_editability()
        self._refresh()
        self._show_answer_changes()

    def _take_stored(self, fresh: Any, own: set[str] | frozenset[str] = frozenset()) -> bool:
        """Make ``fresh`` (the stored case) the shown one. Answers that changed elsewhere
        (not in ``own``, what this view just saved) take their place in the fields, with a
        highlight; a field being edited keeps its text and offers the newer value. True
        when something arrived from elsewhere."""
        before = self.case.answers
        changed = [  # in the form's order
            fid
            for fid in self.editors
            if fid not in own and before.get(fid) != fresh.answers.get(fid)
        ]
        arrived = bool(changed) or fresh.status != self.case.status
        self.case = fresh
        self._banners_recorded |= {item.get("id") for item in fresh.banners_shown}
        if not changed:
            return arrived
        who, moment = self._source_of(fresh)
        when = self._time_text(moment)
        for fid in changed:
            value = fresh.answers.get(fid)
            if self._being_edited(fid):
                text = _("Nieuwere waarde van {who} ({time}): {value}").format(
                    who=who, time=when, value=value_text(self.form, fid, value, self.zone)
                )
                self.rows[fid].offer_newer(value, text)
                self._dirty.add(fid)  # the typed text stands: committed on top of it
            else:
                self.rows[fid].withdraw_offer()
                self.editors[fid].set_value(value)
                self._highlight(fid)
        if self._dirty:
            self._set_save_state("pending")
            self._save_timer.start(SAVE_DELAY_MS)
        self._say(
            _("Bijgewerkt met de versie van {who} ({time}): {fields}.").format(
                who=who,
                time=when,
                fields=", ".join(pick(self.form.field(fid).label) for fid in changed),
            ),
            error=False,
        )
        return True

    def _source_of(self, fresh: Any) -> tuple[str, datetime]:
        """Who made the newest version not made on this desk, and when (the case's own
        head when there is none)."""
        device = self.session.profile.device_id
        if fresh.version.device_id != device:
            return fresh.version.created_by_name, fresh.version.created_at
        for stored in reversed(self.session.store.cases.versions(self.case_id)):
            if stored.version.device_id != device:
                return stored.version.created_by_name, stored.version.created_at
        return fresh.version.created_by_name, fresh.version.created_at

    def _highlight(self, field_id: str) -> None:
        widget = self.editors[field_id].widget
        widget.setStyleSheet(HIGHLIGHT_STYLE)
        self.highlighted.add(field_id)

        def fade() -> None:
            if field_id in self.highlighted:
                self.highlighted.discard(field_id)
                widget.setStyleSheet("")

        QTimer.singleShot(HIGHLIGHT_MS, self, fade)

    def take_newer(self, field_id: str) -> None:
        """Take the newer stored value offered for a field the person was editing."""
        row = self.rows[field_id]
        value = row.newer
        row.withdraw_offer()
        self._parse_errors.pop(field_id, None)
        self.editors[field_id].set_value(value)
        self._dirty.add(field_id)
        self.save_now()
        self.editors[field_id].widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def keep_mine(self, field_id: str) -> None:
        """Keep what the person typed (it is committed on top of the newer version)."""
        self.rows[field_id].withdraw_offer()
        self._dirty.add(field_id)
        self.save_now()
        self.editors[field_id].widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def has_pending(self) -> bool:
        return bool(self._dirty)

    def save_now(self) -> bool:
        """Commit the pending edits now; True when everything typed is stored."""
        self._save_timer.stop()
        self._first_pending = None
        if not self._dirty:
            return not self._failure and not self._parse_errors
        if events_for(self.session.store).waiting(self.case_id):
            # a newer version that arrived is shown (and offered) before we write on it;
            # if reading fails, the save below meets the same trouble and says so
            with contextlib.suppress(Exception):
                self.reload_from_store()
        now = self.session.clock()
        changes: dict[str, Any] = {}
        for fid in sorted(self._dirty):
            value, error = self.editors[fid].parsed(now)
            if error is not None:
                self._parse_errors[fid] = error
            else:
                self._parse_errors.pop(fid, None)
                changes[fid] = value
        self._dirty -= set(self._parse_errors)
        self._failure = ""
        if changes:
            try:
                saved = self.session.save_answers(self.case_id, changes)
            except TransitionError as refused:
                self._failure = " ".join(refused.reasons)
                self._dirty -= set(changes)
                self._load_values()
            except Exception as error:  # the store failed: keep the typed text, say so
                self._failure = _store_failure(error)
            else:
                self._dirty -= set(changes)
                arrived = self._take_stored(saved, own=set(changes))  # a pull may have come
                self.state = self.session.evaluate(self.case)
                if arrived:
                    self._apply_editability()
                if arrived or self.guarded & changes.keys():
                    self._show_answer_changes()
        self._refresh()
        if self._failure:
            self._set_save_state("failed", self._failure)
        elif self._parse_errors:
            fid = next(iter(self._parse_errors))
            detail = f"{pick(self.form.field(fid).label)}: {self._parse_errors[fid]}"
            self._set_save_state("failed", detail)
        elif self._dirty:  # a field being edited kept its text over a newer value
            self._set_save_state("pending")
            self._save_timer.start(SAVE_DELAY_MS)
        else:
            self._set_save_state("opgeslagen")
            self.saved.emit()
        return not self._failure and not self._parse_errors

    def flush(self) -> None:
        """Commit pending edits at once (tab close, lock, quit, the window losing focus)."""
        self.save_now()

    def discard_unsaved(self) -> None:
        """The store was erased (remote wipe): forget what is typed and save nothing
        more, not even when the view is hidden or closed."""
        self._save_timer.stop()
        self._clock.stop()
        self._dirty.clear()
        self._typing.clear()
        self._first_pending = None
        app = QApplication.instance()
        if isinstance(app, QApplication):
            with contextlib.suppress(RuntimeError, TypeError):
                app.focusChanged.disconnect(self._focus_moved)

    def hideEvent(self, event: Any) -> None:  # another tab is shown: commit what is typed
        self.flush()
        super().hideEvent(event)

    def _set_save_state(self, state: str, detail: str = "") -> None:
        if state == "opgeslagen":
            text, colour = _("opgeslagen"), "#2E7D32"
        elif state == "pending":
            text, colour = _("bezig met opslaan…"), "#555555"
        else:
            text, colour = _("niet opgeslagen — {detail}").format(detail=detail), "#B71C1C"
        if self.save_state.text() == text:
            return
        self.save_state.setText(text)
        if self._save_colour != colour:  # a palette change is much cheaper than a style sheet
            self._save_colour = colour
            palette = self.save_state.palette()
            palette.setColor(QPalette.ColorRole.WindowText, QColor(colour))
            self.save_state.setPalette(palette)

    # -- actions ---------------------------------------------------------------------------

    def _after_action(self, case: Any, message: str = "") -> None:
        self.case = case
        self.state = self.session.evaluate(case)
        self._load_values()
        self._apply_editability()
        self._refresh()
        self.referral_panel.refresh(case.status)
        self._say(message, error=False)

    def _referral_moved(self) -> None:
        """A referral move was stored: the case's status may show it (handed over)."""
        self.referral_panel.refresh()

    def open_refer(self) -> Any:
        """*Overdragen aan…* (Ctrl+Shift+V): the referral dialog of this case."""
        self.save_now()
        return self.referral_panel.open_refer()

    def _say(self, text: str, *, error: bool = True) -> None:
        self.action_message.setText(text)
        self.action_message.setStyleSheet(f"color: {'#B71C1C' if error else '#2E7D32'};")
        self.action_message.setVisible(bool(text))

    def _refused(self, refused: TransitionError, stage: str | None) -> None:
        self._say(" ".join(refused.reasons))
        if stage is not None:
            missing = self.state.missing(stage, self.form)
            if missing:
                self.focus_field(missing[0])

    def mark_ready(self) -> None:
        if not self.save_now():
            self._say(_("Niet alles is opgeslagen; controleer de gemarkeerde velden."))
            return
        try:
            case = self.session.mark_ready(self.case_id)
        except TransitionError as refused:
            self._refused(refused, "intake")
            return
        self._after_action(case, _("Klaar voor triage."))

    def decide_triage(self) -> None:
        if not self.save_now():
            self._say(_("Niet alles is opgeslagen; controleer de gemarkeerde velden."))
            return
        answers = self.case.answers
        try:
            case = self.session.decide_triage(
                self.case_id,
                answers.get("triage.urgency", ""),
                answers.get("triage.intervention", ""),
                answers.get("triage.rationale", ""),
            )
        except TransitionError as refused:
            self._refused(refused, "triage")
            return
        self._after_action(case, _("Triagebesluit vastgelegd."))

    def hand_over(self) -> None:
        if not self.save_now():
            return
        try:
            case = self.session.hand_over(self.case_id)
        except TransitionError as refused:
            self._refused(refused, "handover")
            return
        self._after_action(case, _("Overgedragen."))

    def close_case(self) -> None:
        if not self.save_now():
            return
        try:
            case = self.session.close(self.case_id)
        except TransitionError as refused:
            self._refused(refused, None)
            return
        self._after_action(case, _("Afgesloten."))

    def open_amend(self) -> AmendDialog:
        self.save_now()
        dialog = AmendDialog(self.session, self.form, self.case, self._amended, self)
        self.amend_dialog = dialog
        dialog.open()
        return dialog

    def _amended(self, case: Any) -> None:
        self._after_action(case, _("Triagebesluit gewijzigd."))

    def open_report(self) -> None:
        """Preview, print or save the handover summary or the feedback letter."""
        from desktop.ui.report_dialog import ReportDialog

        self.save_now()
        dialog = ReportDialog(self.session, self.case_id, parent=self)
        self.report_dialog = dialog
        dialog.exec()

    def open_places(self) -> QWidget:
        """*Plaats zoeken* for this case (offline with the kept directory)."""
        from desktop.ui.places_panel import PlacesPanel

        self.save_now()
        dialog = PlacesPanel(self.session, self.case_id, self)
        self.places_panel = dialog
        dialog.open()
        return dialog

    def open_history(self) -> HistoryDialog:
        self.save_now()
        dialog = HistoryDialog(self.session, self.case_id, self.form, self)
        self.history_dialog = dialog
        dialog.open()
        return dialog

    def export_json(self) -> None:
        self.save_now()
        path, _filter = QFileDialog.getSaveFileName(
            self,
            _("Exporteer casus als JSON"),
            f"casus-{self.case_id[:8]}.json",
            _("JSON-bestanden (*.json)"),
        )
        if not path:
            return
        try:
            self.session.export_case(self.case_id, Path(path))
        except OSError as error:
            self._say(_("Exporteren mislukt: {error}").format(error=error.strerror or error))
            return
        self._say(_("Geëxporteerd naar {file}.").format(file=Path(path).name), error=False)


def _store_failure(error: Exception) -> str:
    from desktop.store import StoreLocked

    if isinstance(error, StoreLocked):
        return _("Doorloop is vergrendeld; ontgrendel om op te slaan.")
    return _("de opslag gaf een fout ({kind}); wat u typte staat er nog.").format(
        kind=type(error).__name__
    )

"""*Plaats zoeken* (Ctrl+Shift+P in a case): the units that fit a triaged case, ranked,
with their reasons; the units that do not fit with their reasons in words; *stand van*
the desk's kept directory, stale figures marked *verouderd* with their age.

*Reserveren* places a hold on the selected unit through the central API (in a thread;
the answer comes back as a signal). Keyboard: the list of matches has the focus, arrows
choose, Alt+R reserves, Alt+O (*Overdragen aan…*) makes the ``requested`` referral to
the unit (``desktop.session.referrals``; offline too, sent with the sync), Esc closes.
Calls :mod:`desktop.session.places` only.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from coordination.asks import Asks
from coordination.directory import EXPERTISE, LEGAL_ROUTES
from coordination.texts import expertise_label, route_label
from desktop.i18n import _, language
from desktop.session.places import (
    PlaceError,
    PlaceOutcome,
    PlaceSearch,
    as_of_text,
    setting_labels,
)

UNIT_ROLE = Qt.ItemDataRole.UserRole


def _named(widget: QWidget, name: str, accessible: str) -> None:
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)


class PlacesPanel(QDialog):
    """Search and reserve a place for one case."""

    reserved = Signal(object)  # the unit (JSON) as it now stands
    referred = Signal(str)  # the unit id a referral was made to
    _answered = Signal(object, object)  # (unit or None, error text or None), from a thread

    def __init__(
        self,
        session: Any,
        case_id: str,
        parent: QWidget | None = None,
        *,
        search: Any = None,
        at: Any = None,
    ) -> None:
        super().__init__(parent)
        self.case_id = case_id
        self.at = at  # the moment searched for (None: now; tools fix it)
        self.edited: Asks | None = None  # the asks the desk worker searched with
        self.search: PlaceSearch = search or PlaceSearch(session)
        self.outcome: PlaceOutcome | None = None
        self.setWindowTitle(_("Plaats zoeken"))
        _named(self, "places_panel", _("Plaats zoeken"))
        layout = QVBoxLayout(self)
        self.as_of = QLabel()
        _named(self.as_of, "place_as_of", _("Stand van de sociale kaart"))
        self.asks = QLabel()
        self.asks.setWordWrap(True)
        _named(self.asks, "place_asks", _("Wat de casus vraagt"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        _named(self.status, "place_status", _("Melding"))
        matches_label = QLabel(_("&Passende units (best passend eerst)"))
        self.matches = QListWidget()
        _named(self.matches, "place_matches", _("Passende units"))
        matches_label.setBuddy(self.matches)
        self.reasons = QLabel()
        self.reasons.setWordWrap(True)
        self.reasons.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.reasons.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        _named(self.reasons, "place_reasons", _("Waarom deze unit past"))
        excluded_label = QLabel(_("&Niet passend, met de reden"))
        self.excluded = QListWidget()
        _named(self.excluded, "place_excluded", _("Niet passende units"))
        excluded_label.setBuddy(self.excluded)
        editor = self._asks_editor()
        self.reserve_button = QPushButton(_("&Reserveren"))
        _named(self.reserve_button, "place_reserve", _("Reserveren"))
        self.reserve_button.setEnabled(False)
        self.refer_button = QPushButton(_("&Overdragen aan…"))
        _named(self.refer_button, "place_refer", _("Overdragen aan deze unit"))
        self.refer_button.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText(_("Sluiten"))
        _named(close, "place_close", _("Sluiten"))
        buttons.addButton(self.reserve_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.refer_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        for widget in (
            self.as_of, self.asks, editor, self.status, matches_label, self.matches,
            self.reasons, excluded_label, self.excluded, buttons,
        ):  # fmt: skip
            layout.addWidget(widget)
        self.matches.currentItemChanged.connect(self._show_reasons)
        self.reserve_button.clicked.connect(self.reserve)
        self.refer_button.clicked.connect(self.refer)
        self._answered.connect(self._after_reserve, Qt.ConnectionType.QueuedConnection)
        QWidget.setTabOrder(self.matches, self.reasons)
        QWidget.setTabOrder(self.reasons, self.reserve_button)
        QWidget.setTabOrder(self.reserve_button, self.refer_button)
        QWidget.setTabOrder(self.refer_button, self.excluded)
        QWidget.setTabOrder(self.excluded, self.ask_age)
        QWidget.setTabOrder(self.ask_age, self.ask_route)
        QWidget.setTabOrder(self.ask_route, self.ask_settings)
        QWidget.setTabOrder(self.ask_settings, self.ask_expertise)
        QWidget.setTabOrder(self.ask_expertise, self.search_button)
        QWidget.setTabOrder(self.search_button, close)
        self.resize(760, 640)
        self.refresh()

    def _asks_editor(self) -> QGroupBox:
        """The asks derived from the case, editable before searching again (Alt+Z)."""
        lang = language()
        box = QGroupBox(_("Zoekvraag (aan te passen)"))
        _named(box, "place_asks_editor", _("Zoekvraag"))
        row = QHBoxLayout(box)
        form = QFormLayout()
        self.ask_age = QSpinBox()
        self.ask_age.setRange(-1, 30)
        self.ask_age.setSpecialValueText(_("onbekend"))
        _named(self.ask_age, "place_ask_age", _("Leeftijd"))
        inner = self.ask_age.findChild(QLineEdit)  # what screen readers land on
        if inner is not None:
            inner.setAccessibleName(_("Leeftijd"))
        self.ask_route = QComboBox()
        for code in LEGAL_ROUTES:
            self.ask_route.addItem(route_label(code, lang), code)
        _named(self.ask_route, "place_ask_route", _("Juridisch kader"))
        age_label = QLabel(_("&Leeftijd"))
        age_label.setBuddy(self.ask_age)
        route_label_widget = QLabel(_("&Juridisch kader"))
        route_label_widget.setBuddy(self.ask_route)
        form.addRow(age_label, self.ask_age)
        form.addRow(route_label_widget, self.ask_route)
        self.search_button = QPushButton(_("&Zoeken"))
        _named(self.search_button, "place_search", _("Opnieuw zoeken met deze zoekvraag"))
        self.search_button.clicked.connect(self.search_edited)
        form.addRow(self.search_button)
        row.addLayout(form)
        self.ask_settings = self._checklist(
            "place_ask_settings", _("Zorgvormen"), list(setting_labels().items())
        )
        self.ask_expertise = self._checklist(
            "place_ask_expertise",
            _("Expertise"),
            [(code, expertise_label(code, lang)) for code in EXPERTISE],
        )
        for label_text, widget in (
            (_("Zorg&vorm"), self.ask_settings),
            (_("&Expertise"), self.ask_expertise),
        ):
            column = QVBoxLayout()
            label = QLabel(label_text)
            label.setBuddy(widget)
            column.addWidget(label)
            column.addWidget(widget)
            row.addLayout(column)
        return box

    @staticmethod
    def _checklist(name: str, accessible: str, items: list[tuple[str, str]]) -> QListWidget:
        widget = QListWidget()
        _named(widget, name, accessible)
        widget.setMaximumHeight(110)
        for code, text in items:
            item = QListWidgetItem(text)
            item.setData(UNIT_ROLE, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            widget.addItem(item)
        return widget

    def _show_asks(self, asks: Asks) -> None:
        self.ask_age.setValue(-1 if asks.age is None else asks.age)
        index = self.ask_route.findData(asks.legal_route)
        self.ask_route.setCurrentIndex(max(index, 0))
        for widget, chosen in (
            (self.ask_settings, asks.settings),
            (self.ask_expertise, asks.expertise),
        ):
            for row in range(widget.count()):
                item = widget.item(row)
                on = item.data(UNIT_ROLE) in chosen
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def edited_asks(self) -> Asks | None:
        """The asks as the fields now say (gender and municipality from the case)."""
        if self.outcome is None:
            return None
        derived = self.outcome.result.asks

        def checked(widget: QListWidget) -> tuple[str, ...]:
            return tuple(
                str(widget.item(row).data(UNIT_ROLE))
                for row in range(widget.count())
                if widget.item(row).checkState() == Qt.CheckState.Checked
            )

        age = self.ask_age.value()
        return Asks(
            None if age < 0 else age,
            derived.gender,
            str(self.ask_route.currentData()),
            checked(self.ask_settings),
            checked(self.ask_expertise),
            derived.municipality,
        )

    def search_edited(self) -> None:
        """Search again with the edited asks."""
        asks = self.edited_asks()
        if asks is None:
            return
        self.edited = asks
        self.refresh()

    # -- search ----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Search again with the kept directory and the case as it stands."""
        self.matches.clear()
        self.excluded.clear()
        self.reasons.clear()
        try:
            outcome = self.search.search(self.case_id, self.at, self.edited)
        except PlaceError as error:
            self.outcome = None
            self.as_of.setText("")
            self.asks.setText("")
            self._say(error.message)
            self.reserve_button.setEnabled(False)
            self.refer_button.setEnabled(False)
            return
        self.outcome = outcome
        if self.edited is None:
            self._show_asks(outcome.result.asks)
        self.as_of.setText(as_of_text(outcome.as_of))
        self.as_of.setAccessibleDescription(self.as_of.text())
        if not outcome.placement_needed:
            self.asks.setText(
                _("Voor deze casus is geen plaatsing nodig (volgens de triagebeslissing).")
            )
        else:
            self.asks.setText(self._asks_text(outcome))
        for row in outcome.matches:
            item = QListWidgetItem(row.line())
            item.setData(UNIT_ROLE, row.unit_id)
            item.setToolTip("\n".join(row.reasons))
            self.matches.addItem(item)
        for excluded_row in outcome.excluded:
            item = QListWidgetItem(excluded_row.line())
            item.setData(UNIT_ROLE, excluded_row.unit_id)
            self.excluded.addItem(item)
        if outcome.matches:
            self.matches.setCurrentRow(0)
            self._say("")
        elif outcome.placement_needed:
            self._say(_("Geen unit past. Hieronder staat per unit waarom niet."))
        self.matches.setFocus()

    def _asks_text(self, outcome: PlaceOutcome) -> str:
        asks = outcome.result.asks
        age = _("onbekend") if asks.age is None else str(asks.age)
        route = route_label(asks.legal_route, language())
        labels = setting_labels()
        settings = _(" of ").join(labels.get(code, code) for code in asks.settings)
        return _("Gezocht: leeftijd {age}, juridisch kader {route}, zorgvorm {settings}.").format(
            age=age, route=route, settings=settings
        )

    def _show_reasons(self, current: QListWidgetItem | None, _previous: Any = None) -> None:
        if current is None or self.outcome is None:
            self.reasons.clear()
            self.reserve_button.setEnabled(False)
            self.refer_button.setEnabled(False)
            return
        unit_id = current.data(UNIT_ROLE)
        row = next((r for r in self.outcome.matches if r.unit_id == unit_id), None)
        text = " ".join(row.reasons) if row else ""
        self.reasons.setText(text)
        self.reasons.setAccessibleDescription(text)
        self.reserve_button.setEnabled(row is not None)
        self.refer_button.setEnabled(row is not None)

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setAccessibleDescription(text)

    # -- reserve ---------------------------------------------------------------------------

    def selected_unit(self) -> str | None:
        item = self.matches.currentItem()
        return None if item is None else str(item.data(UNIT_ROLE))

    def reserve(self) -> None:
        unit_id = self.selected_unit()
        if unit_id is None:
            return
        try:
            call = self.search.reserve_call(self.case_id, unit_id)
        except PlaceError as error:
            self._say(error.message)
            return
        self.reserve_button.setEnabled(False)
        self._say(_("Reserveren…"))

        def work() -> None:
            try:
                unit = call()
            except PlaceError as error:
                self._answered.emit(None, error.message)
                return
            except Exception as error:  # never a traceback for the desk worker
                self._answered.emit(None, _("Niet gereserveerd: {why}").format(why=error))
                return
            self._answered.emit(unit, None)

        threading.Thread(target=work, name="place-hold", daemon=True).start()

    def refer(self) -> None:
        """*Overdragen aan…* the selected unit (a requested referral, sent with the sync)."""
        unit_id = self.selected_unit()
        if unit_id is None or self.outcome is None:
            return
        row = next((r for r in self.outcome.matches if r.unit_id == unit_id), None)
        try:
            self.search.refer(self.case_id, unit_id)
        except PlaceError as error:
            self._say(error.message)
            return
        self._say(
            _(
                "Verwijzing aangemaakt naar {name}; die gaat mee met de volgende synchronisatie."
            ).format(name=row.name if row else unit_id)
        )
        self.referred.emit(unit_id)

    def _after_reserve(self, unit: dict[str, Any] | None, error: str | None) -> None:
        if unit is None:
            self._say(error or "")
            self.reserve_button.setEnabled(self.selected_unit() is not None)
            return
        self.search.keep(unit)
        name = str(unit.get("name", unit.get("id", "")))
        self.refresh()
        for row in range(self.matches.count()):  # keep the reserved unit chosen
            if self.matches.item(row).data(UNIT_ROLE) == unit.get("id"):
                self.matches.setCurrentRow(row)
        self._say(_("Plaats gereserveerd bij {name}. Maak nu de verwijzing.").format(name=name))
        self.reserved.emit(unit)

"""The legal panel: the rules engine's flags for the case, live, each with its citation.

Shows severity as an icon *and* a word, the code, title, explanation and citations;
missing facts are buttons that jump to the field that supplies them. Calls
:func:`desktop.legal.advice_for` only; no rules here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.i18n import _, pick
from desktop.legal import FACT_FIELDS, LegalAdvice, advice_for

SEVERITY_STYLE = {
    "required": ("#B71C1C", "⛔"),
    "warning": ("#E65100", "⚠"),
    "info": ("#1565C0", "ℹ"),
}


def severity_word(severity: str) -> str:
    return {
        "required": _("Vereist"),
        "warning": _("Let op"),
        "info": _("Ter informatie"),
    }.get(severity, severity)


class LegalPanel(QFrame):
    """Flags for one case; call :meth:`show_answers` after every change."""

    jump_to_field = Signal(str)

    def __init__(self, form: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("legal_panel")
        self.setAccessibleName(_("Toestemming en machtiging"))
        self._form = form
        self._shown: tuple[Any, ...] | None = None
        self.advice: LegalAdvice | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 4)
        heading = QLabel(_("Toestemming en machtiging (advies, geen besluit)"))
        heading.setStyleSheet("font-weight: bold;")
        self._layout.addWidget(heading)
        self._body = QWidget()
        self._body_layout = QVBoxLayout(self._body)
        self._body_layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self._body)
        self._layout.addStretch()

    def show_answers(self, answers: dict[str, Any], today: date | None = None) -> LegalAdvice:
        """Evaluate the rules for these answers; redraw only when the outcome changed."""
        advice = advice_for(answers, today)
        key = (
            tuple(advice.codes),
            tuple(f["detail"] for f in advice.flags),
            tuple(advice.missing_fields),
            tuple(sorted(advice.problems.items())),
            advice.decision_date,
        )
        self.advice = advice
        if key != self._shown:
            self._shown = key
            self._render(advice)
        return advice

    def codes(self) -> list[str]:
        return self.advice.codes if self.advice else []

    def _clear(self) -> None:
        while self._body_layout.count():
            item = self._body_layout.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.setParent(None)  # gone at once, not only after the event loop ran
                widget.deleteLater()

    def _render(self, advice: LegalAdvice) -> None:
        self._clear()
        for field_id, message in advice.problems.items():
            self._body_layout.addWidget(self._jump_button(field_id, message, "legal_problem"))
        for flag in advice.flags:
            self._body_layout.addWidget(self._flag_widget(flag))
        if advice.missing_fields:
            title = QLabel(_("Ontbrekende gegevens:"))
            title.setStyleSheet("font-weight: bold;")
            self._body_layout.addWidget(title)
            for fact, field_id in advice.missing_fields:
                text = _("Vul in: {label}").format(label=self._label(field_id, fact))
                self._body_layout.addWidget(self._jump_button(field_id, text, "legal_missing"))

    def _label(self, field_id: str, fallback: str) -> str:
        if self._form is None:
            return fallback
        try:
            return pick(self._form.field(field_id).label)
        except KeyError:
            return fallback

    def _jump_button(self, field_id: str, text: str, prefix: str) -> QPushButton:
        button = QPushButton(text + " →")
        button.setObjectName(f"{prefix}.{field_id}")
        button.setAccessibleName(text)
        button.setFlat(True)
        button.setStyleSheet("text-align: left; text-decoration: underline;")
        button.clicked.connect(lambda: self.jump_to_field.emit(field_id))
        return button

    def _flag_widget(self, flag: dict[str, Any]) -> QWidget:
        colour, icon = SEVERITY_STYLE.get(flag["severity"], ("#333333", "•"))
        frame = QFrame()
        frame.setObjectName(f"legal_flag.{flag['code']}")
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame.setStyleSheet(f"#legal_flag\\.{flag['code']} {{ border-left: 4px solid {colour}; }}")
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(6, 4, 6, 4)
        head = QLabel(
            f"{icon} <b>{severity_word(flag['severity'])}</b> — {pick(flag['title'])} "
            f"<span style='color:#555'>({flag['code']})</span>"
        )
        head.setWordWrap(True)
        body = QLabel(pick(flag["explanation"]))
        body.setWordWrap(True)
        citations = _("Grondslag: {c}").format(c="; ".join(flag["citations"]))
        if flag.get("detail"):
            citations += " — " + str(flag["detail"])
        cite = QLabel(citations)
        cite.setStyleSheet("color: #444; font-style: italic;")
        cite.setWordWrap(True)
        for label in (head, body, cite):
            layout.addWidget(label)
        frame.setAccessibleName(f"{severity_word(flag['severity'])}: {pick(flag['title'])}")
        return frame


__all__ = ["FACT_FIELDS", "LegalPanel", "severity_word"]

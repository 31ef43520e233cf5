"""The legal panel: the rules engine's flags for the case, live, each with its citation.

Shows severity as an icon *and* a word, the title, explanation and citations (the
rule's code only as a tooltip);
missing facts are buttons that jump to the field that supplies them. For a decided case
given with the flags it was decided with, a review box says which flags the rules of
today add or drop (the recorded decision itself is not changed). Calls
:mod:`desktop.session.legal` only; no rules here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.i18n import _, pick
from desktop.session.legal import FACT_FIELDS, FlagReview, LegalAdvice, advice_for, review_flags

# Icons the bundled DejaVu fonts have (U+26D4 "⛔" rendered as an empty box).
SEVERITY_STYLE = {
    "required": ("#B71C1C", "✖"),
    "warning": ("#E65100", "⚠"),
    "info": ("#1565C0", "ℹ"),
}


def severity_word(severity: str) -> str:
    return {
        "required": _("Vereist"),
        "warning": _("Let op"),
        "info": _("Ter informatie"),
    }.get(severity, severity)


def detail_text(code: str, detail: Any) -> str:
    """A flag's detail for the desk worker: the Wvggz route in words, else as given."""
    if code == "COMPULSORY_ROUTE_TO_CONSIDER":
        routes = {
            "crisismaatregel": _("route: crisismaatregel (burgemeester)"),
            "zorgmachtiging": _("route: zorgmachtiging (rechter)"),
        }
        return routes.get(str(detail), str(detail))
    return str(detail)


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
        self.review: FlagReview | None = None
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

    def show_answers(
        self,
        answers: dict[str, Any],
        today: date | None = None,
        recorded: list[dict[str, Any]] | None = None,
    ) -> LegalAdvice:
        """Evaluate the rules for these answers; redraw only when the outcome changed.

        ``recorded``: the flags a decided case was decided with; when the rules of today
        give other flags for its decision date, the panel says which."""
        advice = advice_for(answers, today)
        review = None
        if recorded is not None and answers.get("triage.decided_at"):
            review = review_flags(answers, recorded, advice.decision_date)
            if not review.changed or review.recorded_version == review.current_version:
                review = None  # same rules: any difference is the answers', shown live
        key = (
            tuple(advice.codes),
            tuple(f["detail"] for f in advice.flags),
            tuple(advice.missing_fields),
            tuple(advice.uncertain_fields),
            tuple(sorted(advice.problems.items())),
            advice.decision_date,
            None if review is None else (review.added_codes, review.dropped_codes),
        )
        self.advice = advice
        self.review = review
        if key != self._shown:
            self._shown = key
            self._render(advice)
        return advice

    def codes(self) -> list[str]:
        return self.advice.codes if self.advice else []

    def _clear(self) -> None:
        while self._body_layout.count():
            item = self._body_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)  # gone at once, not only after the event loop ran
                widget.deleteLater()

    def _render(self, advice: LegalAdvice) -> None:
        self._clear()
        if self.review is not None:
            self._body_layout.addWidget(self._review_widget(self.review))
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
        if advice.uncertain_fields:
            title = QLabel(_("Nog niet zeker (beantwoord met twijfel of onbekend):"))
            title.setStyleSheet("font-weight: bold;")
            title.setWordWrap(True)
            self._body_layout.addWidget(title)
            for fact, field_id in advice.uncertain_fields:
                text = _("Beoordeel: {label}").format(label=self._label(field_id, fact))
                self._body_layout.addWidget(self._jump_button(field_id, text, "legal_unsure"))

    def _review_widget(self, review: FlagReview) -> QWidget:
        frame = QFrame()
        frame.setObjectName("legal_review")
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame.setStyleSheet("#legal_review { border-left: 4px solid #6A1B9A; }")
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(6, 4, 6, 4)

        def listed(flags: tuple[dict[str, Any], ...]) -> str:
            names = [pick(flag.get("title") or flag.get("code", "")) for flag in flags]
            return "; ".join(names) or _("niets")

        text = _(
            "Dit besluit is vastgelegd met regels versie {old}. Met regels versie {new} "
            "komt erbij: {added}. Vervalt: {dropped}. Het vastgelegde besluit blijft "
            "ongewijzigd; bespreek de casus met de coördinator."
        ).format(
            old=review.recorded_version,
            new=review.current_version or "?",
            added=listed(review.added),
            dropped=listed(review.dropped),
        )
        label = QLabel("⟳ " + text)
        label.setWordWrap(True)
        layout.addWidget(label)
        frame.setAccessibleName(_("Regels gewijzigd sinds het besluit"))
        frame.setAccessibleDescription(text)
        return frame

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
        # the rule's code is for the audit log and support, not for the desk worker
        head = QLabel(f"{icon} <b>{severity_word(flag['severity'])}</b> — {pick(flag['title'])}")
        head.setToolTip(flag["code"])
        head.setWordWrap(True)
        body = QLabel(pick(flag["explanation"]))
        body.setWordWrap(True)
        citations = _("Grondslag: {c}").format(c="; ".join(flag["citations"]))
        if flag.get("detail"):
            citations += " — " + detail_text(flag["code"], flag["detail"])
        cite = QLabel(citations)
        cite.setStyleSheet("color: #444; font-style: italic;")
        cite.setWordWrap(True)
        for label in (head, body, cite):
            layout.addWidget(label)
        frame.setAccessibleName(f"{severity_word(flag['severity'])}: {pick(flag['title'])}")
        frame.setAccessibleDescription(f"{pick(flag['explanation'])} {citations}")
        # Tab visits each flag (a screen reader reads its name and description there)
        frame.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        frame.setStyleSheet(
            frame.styleSheet()
            + f" #legal_flag\\.{flag['code']}:focus {{ border: 2px solid #1565C0; }}"
        )
        return frame


__all__ = ["FACT_FIELDS", "LegalPanel", "detail_text", "severity_word"]

"""The intake's answers as facts for the rules engine, and the advice that comes back.

Maps the field ids of the intake format (domain/intake-format.md, section ``legal`` and
the age, authority, child-protection and disability fields of earlier sections) onto
the facts of domain/legal-rules.md. The decision date is the triage date when the
triage is decided, else today. Qt-free: the legal panel and the triage decision both
call :func:`advice_for`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import legal_rules
from desktop.i18n import _

# fact key -> the intake field a person fills in to supply it (for "jump to field" links)
FACT_FIELDS: dict[str, str] = {
    "birth_date": "youth.birth_date",
    "care_type": "legal.care_type",
    "youth_position": "legal.youth_position",
    "youth_competent": "legal.youth_competent",
    "authority": "authority.situation",
    "parents_position": "legal.parents_position",
    "child_protection": "authority.child_protection",
    "intellectual_disability": "background.intellectual_disability",
    "psychiatric_disorder_suspected": "legal.psychiatric_disorder_suspected",
    "immediate_serious_harm": "legal.immediate_serious_harm",
    "admission_proposed": "legal.admission_proposed",
    "youth_care_before_18": "legal.youth_care_before_18",
}
_SAME_VALUES = ("youth_position", "authority", "parents_position", "child_protection",
                "intellectual_disability")  # fmt: skip
_TRISTATE = {"yes": True, "no": False, "unknown": None, "doubt": None}


@dataclass(frozen=True)
class LegalAdvice:
    """The engine's output for a case, or why it could not run yet."""

    facts: dict[str, Any] | None
    result: dict[str, Any] | None
    decision_date: date
    problems: dict[str, str] = field(default_factory=dict)  # field id -> Dutch message

    @property
    def flags(self) -> list[dict[str, Any]]:
        return list(self.result["flags"]) if self.result else []

    @property
    def codes(self) -> list[str]:
        return [flag["code"] for flag in self.flags]

    @property
    def missing_fields(self) -> list[tuple[str, str]]:
        """(fact key, field id) for each missing fact, in the engine's order."""
        missing = self.result["missing_facts"] if self.result else []
        return [(key, FACT_FIELDS[key]) for key in missing if key in FACT_FIELDS]


def decision_date_for(answers: dict[str, Any], today: date | None = None) -> date:
    decided = answers.get("triage.decided_at")
    if isinstance(decided, str):
        try:
            return datetime.fromisoformat(decided).date()
        except ValueError:
            pass
    return today or date.today()


def facts_from_answers(answers: dict[str, Any], decision_date: date) -> dict[str, Any] | None:
    """The facts for the engine; ``None`` while no care type is chosen."""
    care_type = answers.get("legal.care_type")
    if not care_type:
        return None
    facts: dict[str, Any] = {"decision_date": decision_date.isoformat(), "care_type": care_type}
    birth = answers.get("youth.birth_date")
    if isinstance(birth, str) and birth:
        facts["birth_date"] = birth
    for key in _SAME_VALUES:
        value = answers.get(FACT_FIELDS[key])
        if value is not None:
            facts[key] = value
    for key in ("youth_competent", "psychiatric_disorder_suspected", "youth_care_before_18"):
        value = answers.get(FACT_FIELDS[key])
        if value is not None:
            facts[key] = _TRISTATE.get(value) if isinstance(value, str) else value
    for key in ("immediate_serious_harm", "admission_proposed"):
        value = answers.get(FACT_FIELDS[key])
        if isinstance(value, bool):
            facts[key] = value
    return facts


def advice_for(answers: dict[str, Any], today: date | None = None) -> LegalAdvice:
    """Evaluate the rules for a case's answers; input problems come back per field."""
    decision_date = decision_date_for(answers, today)
    facts = facts_from_answers(answers, decision_date)
    if facts is None:
        return LegalAdvice(
            None,
            None,
            decision_date,
            {"legal.care_type": _("Kies de soort zorg die overwogen wordt.")},
        )
    try:
        result = legal_rules.evaluate(facts)
    except legal_rules.FactsError as error:
        problems = {
            FACT_FIELDS.get(key, "legal.care_type"): _problem_text(key) for key in error.errors
        }
        return LegalAdvice(facts, None, decision_date, problems)
    return LegalAdvice(facts, result, decision_date)


def _problem_text(key: str) -> str:
    if key == "birth_date":
        return _("De geboortedatum past niet bij de datum van het besluit.")
    if key == "decision_date":
        return _("Voor deze besluitdatum zijn geen regels van kracht.")
    return _("Deze waarde kan de regelcontrole niet gebruiken.")

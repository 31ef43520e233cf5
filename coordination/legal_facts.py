"""From intake answers to the consent rules' facts: one mapping for desk, matching and training.

``FACT_FIELDS`` names the intake field (``domain/intake-format.md``) that supplies each fact
of ``domain/legal-rules.md``; ``facts_from_answers`` builds the engine's input. It lives
here, Qt-free and beside matching, because the desk (``desktop.session.legal``), the
training scoring and ``doorloop match`` all read a case's legal facts the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

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


def facts_from_answers(answers: Mapping[str, Any], decision_date: date) -> dict[str, Any] | None:
    """The rules engine's facts for these answers; None while no care type is chosen."""
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

"""What a case asks of a placement: age, gender, legal route, settings and expertise.

Reads a contract-4 case (``{"answers": {field_id: value}, "legal_flags": [...], ...}``,
field ids of ``domain/intake-format.md``) as ``domain/coordination.md`` §3 says. The legal
route comes from the case's stored ``legal_flags`` when the key is present (even empty),
otherwise from the rules evaluated for its answers on the day of ``at``. Bad input raises
:class:`CaseError` naming each key. Qt-free; imports legal_rules, never the desk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import legal_rules
from coordination.directory import age_on
from coordination.legal_facts import FACT_FIELDS, facts_from_answers

# Dates are Dutch calendar dates: a moment is turned into a day in this zone.
REGION_ZONE = ZoneInfo("Europe/Amsterdam")

CASE_GENDERS = ("female", "male", "other", "unknown")
INTERVENTIONS = (
    "advice_caller", "consult_referrer", "assessment_on_site", "ambulatory_crisis_care",
    "intensive_home_treatment", "crisis_admission", "emergency_department", "veilig_thuis",
    "police", "other",
)  # fmt: skip
# The answers matching reads, with their allowed values (None: free text).
CHOICES: dict[str, tuple[str, ...] | None] = {
    "youth.gender": CASE_GENDERS,
    "youth.municipality": None,
    "triage.intervention": INTERVENTIONS,
    "risk.psychotic_symptoms": ("yes", "no", "unknown"),
    "risk.suicidality": ("none", "thoughts", "plan", "recent_attempt", "unknown"),
    "risk.self_harm": ("none", "past", "current", "unknown"),
    "risk.intoxication": ("yes", "no", "unknown"),
    "background.substance_use": ("none", "occasional", "problematic", "unknown"),
    "background.intellectual_disability": ("established", "suspected", "no", "unknown"),
}

# Legal flag -> route, in this order: when the flags name more than one route, the first
# listed here is the one asked for (the compulsory measure for the acute danger first).
ROUTE_FLAGS: tuple[tuple[str, str], ...] = (
    ("WVGGZ_CRISISMAATREGEL", "wvggz_crisismaatregel"),
    ("WVGGZ_ZORGMACHTIGING", "wvggz_zorgmachtiging"),
    ("WZD_INBEWARINGSTELLING", "wzd_ibs"),
    ("WZD_RECHTERLIJKE_MACHTIGING", "wzd_rm"),
    ("WZD_ARTIKEL_21", "wzd_artikel_21"),
    ("JW_MACHTIGING_GESLOTEN", "jw_gesloten"),
    ("JW_SPOEDMACHTIGING", "jw_gesloten"),
    ("BW_SPOED_UITHUISPLAATSING", "bw_uithuisplaatsing"),
    ("BW_MACHTIGING_UITHUISPLAATSING", "bw_uithuisplaatsing"),
)

SETTINGS_FOR: dict[str, tuple[str, ...]] = {
    "assessment_on_site": ("ambulant_crisis",),
    "ambulatory_crisis_care": ("ambulant_crisis",),
    "intensive_home_treatment": ("intensive_home",),
    "crisis_admission": ("crisis_bed", "clinical"),
}


# fact key of domain/legal-rules.md -> the intake field that supplies it (as desktop.session.legal)
class CaseError(ValueError):
    """A case that cannot be read for matching; ``problems`` name each key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True, slots=True)
class Asks:
    """What the case asks of a unit (§3); ``municipality`` only ranks, it never excludes."""

    age: int | None
    gender: str
    legal_route: str
    settings: tuple[str, ...]
    expertise: tuple[str, ...]
    municipality: str | None = None

    @property
    def placement_needed(self) -> bool:
        return bool(self.settings)

    def to_json(self) -> dict[str, Any]:
        return {
            "age": self.age,
            "gender": self.gender,
            "legal_route": self.legal_route,
            "settings": list(self.settings),
            "expertise": list(self.expertise),
        }


def local_day(at: datetime) -> date:
    """The Dutch calendar day of a moment."""
    return at.astimezone(REGION_ZONE).date()


def asks_for_case(case: object, at: datetime) -> Asks:
    """Read a contract-4 case; raises :class:`CaseError` naming every bad key."""
    problems: list[str] = []
    if not isinstance(case, Mapping):
        raise CaseError(["the case must be a JSON object"])
    answers = case.get("answers")
    if not isinstance(answers, Mapping):
        raise CaseError(
            ["answers: is missing" if answers is None else "answers: must be an object"]
        )
    for key, allowed in CHOICES.items():
        value = answers.get(key)
        if value is None:
            continue
        if allowed is None:
            if not isinstance(value, str):
                problems.append(f"answers.{key}: must be text")
        elif value not in allowed:
            problems.append(f"answers.{key}: {value!r} is not one of {', '.join(allowed)}")
    day = local_day(at)
    age = _age(answers.get("youth.birth_date"), day, problems)
    codes = _flag_codes(case, answers, day, problems)
    if problems:
        raise CaseError(problems)

    route = next((r for code, r in ROUTE_FLAGS if code in codes), "voluntary")
    intervention = answers.get("triage.intervention")
    settings = SETTINGS_FOR.get(intervention, ()) if isinstance(intervention, str) else ()
    if intervention == "crisis_admission" and route == "jw_gesloten":
        settings = ("secure_youth_care",)
    municipality = answers.get("youth.municipality")
    return Asks(
        age=age,
        gender=answers.get("youth.gender") or "unknown",
        legal_route=route,
        settings=settings,
        expertise=expertise_needed(answers),
        municipality=municipality.strip() or None if isinstance(municipality, str) else None,
    )


def expertise_needed(answers: Mapping[str, Any]) -> tuple[str, ...]:
    """The expertise the answers call for, in the order of §3."""
    needed = []
    if answers.get("risk.psychotic_symptoms") == "yes":
        needed.append("psychosis")
    if answers.get("risk.suicidality") in ("plan", "recent_attempt"):
        needed.append("suicidality")
    if answers.get("risk.self_harm") == "current":
        needed.append("self_harm")
    if (
        answers.get("background.substance_use") == "problematic"
        or answers.get("risk.intoxication") == "yes"
    ):
        needed.append("addiction")
    if answers.get("background.intellectual_disability") in ("established", "suspected"):
        needed.append("intellectual_disability")
    return tuple(needed)


def _age(value: object, day: date, problems: list[str]) -> int | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        problems.append("answers.youth.birth_date: must be a date (YYYY-MM-DD)")
        return None
    try:
        birth = date.fromisoformat(value)
    except ValueError:
        problems.append(f"answers.youth.birth_date: {value!r} is not a date (YYYY-MM-DD)")
        return None
    if birth > day:
        problems.append(f"answers.youth.birth_date: {value} is after the matching day {day}")
        return None
    return age_on(birth, day)


def _flag_codes(
    case: Mapping[str, Any], answers: Mapping[str, Any], day: date, problems: list[str]
) -> set[str]:
    if "legal_flags" in case:
        flags = case["legal_flags"]
        if not isinstance(flags, list):
            problems.append("legal_flags: must be a list")
            return set()
        codes = set()
        for index, flag in enumerate(flags):
            code = flag.get("code") if isinstance(flag, Mapping) else flag
            if not isinstance(code, str) or not code:
                problems.append(f"legal_flags[{index}]: must be a flag with a text 'code'")
                continue
            codes.add(code)
        return codes
    facts = facts_from_answers(answers, day)
    if facts is None:
        return set()
    try:
        result = legal_rules.evaluate(facts)
    except legal_rules.FactsError as error:
        for key, message in error.errors.items():
            problems.append(f"answers.{FACT_FIELDS.get(key, key)}: {message}")
        return set()
    return {flag["code"] for flag in result["flags"]}

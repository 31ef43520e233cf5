"""The input contract of the rules engine: checking the facts and computing the age.

Owns the list of fact keys with their allowed values and defaults
(``domain/legal-rules.md``, "Input"), :class:`FactsError`, and the age on the decision
date (whole years and months, the 29 February rule, the age bands). Everything here is
hand-checked rather than built on pydantic: the desk calls the engine on every answer
change, and this path runs a few hundred thousand times a second.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

EARLIEST_DECISION_DATE: Final = date(2020, 1, 1)
"""No rules are in force before this day (the Wvggz and the Wzd started then)."""

MAX_AGE_YEARS: Final = 120

ENUM_FACTS: Final[dict[str, tuple[str, ...]]] = {
    "care_type": (
        "voluntary_outpatient",
        "voluntary_admission",
        "compulsory_mental_health",
        "involuntary_care_disability",
        "secure_youth_care",
        "out_of_home_placement",
        "emergency_treatment",
    ),
    "youth_position": ("consents", "objects", "neither", "unknown"),
    "authority": ("joint_parents", "single_parent", "guardian", "none", "unknown"),
    "parents_position": ("consent", "refuse", "disagree", "unreachable", "unknown"),
    "child_protection": ("none", "supervision_order", "guardianship_institution", "unknown"),
    "intellectual_disability": ("established", "suspected", "no", "unknown"),
}
"""Facts whose value is one of a fixed set of strings."""

TRISTATE_FACTS: Final = (
    "youth_competent",
    "psychiatric_disorder_suspected",
    "youth_care_before_18",
)
"""Facts that are true, false or null (null = not known)."""

BOOLEAN_FACTS: Final = ("immediate_serious_harm", "admission_proposed")
"""Facts that are true or false."""

REQUIRED_FACTS: Final = ("decision_date", "care_type")

FACT_KEYS: Final = (
    "decision_date",
    "birth_date",
    "care_type",
    "youth_position",
    "youth_competent",
    "authority",
    "parents_position",
    "child_protection",
    "intellectual_disability",
    "psychiatric_disorder_suspected",
    "immediate_serious_harm",
    "admission_proposed",
    "youth_care_before_18",
)
"""Every key the facts may have, in the order of the contract."""

DEFAULTS: Final[dict[str, Any]] = {
    "birth_date": None,
    "youth_position": "unknown",
    "youth_competent": None,
    "authority": "unknown",
    "parents_position": "unknown",
    "child_protection": "unknown",
    "intellectual_disability": "unknown",
    "psychiatric_disorder_suspected": None,
    "immediate_serious_harm": False,
    "admission_proposed": False,
    "youth_care_before_18": None,
}

AGE_BANDS: Final = ("under_12", "12_15", "16_17", "18_22", "23_plus", "unknown")

CONDITION_VALUES: Final[dict[str, tuple[Any, ...]]] = {
    **ENUM_FACTS,
    **{key: (True, False, None) for key in TRISTATE_FACTS},
    **{key: (True, False) for key in BOOLEAN_FACTS},
    "age_band": AGE_BANDS,
}
"""The values a rule condition may compare each fact (or derived ``age_band``) with."""

_ENUM_SETS: Final = {key: frozenset(values) for key, values in ENUM_FACTS.items()}


class FactsError(ValueError):
    """The facts do not meet the input contract.

    ``errors`` maps each offending key to an English message naming the problem.
    """

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors: dict[str, str] = dict(errors)
        listing = "; ".join(f"{key}: {message}" for key, message in self.errors.items())
        super().__init__(f"invalid facts: {listing}")


def _describe(value: object) -> str:
    """A short JSON-ish description of a bad value for an error message."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return repr(shown)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


def parse_date(value: object) -> date | None:
    """A ``YYYY-MM-DD`` string as a date, or None when it is not one."""
    if type(value) is not str or len(value) != 10 or value[4] != "-" or value[7] != "-":
        return None  # the shape check also keeps out other ISO forms such as 2026-W47-1
    try:
        return date.fromisoformat(value)  # ASCII digits only
    except ValueError:
        return None


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def age_in_months(birth: date, on: date) -> int:
    """Whole months completed on ``on`` since ``birth`` (``birth <= on``).

    A monthly (and yearly) anniversary on a day the month does not have falls on the
    first day of the next month: born on 29 February, one reaches a new age on 1 March
    in non-leap years (project decision); born on the 31st, a month is completed on
    the 1st after a 30-day month.
    """
    months = (on.year - birth.year) * 12 + (on.month - birth.month)
    if on.day < birth.day:
        months -= 1
    return months


def birthday(birth: date, years: int) -> date | None:
    """The day someone born on ``birth`` turns ``years`` (29 February → 1 March), if datable."""
    year = birth.year + years
    if year > date.max.year:
        return None
    if birth.month == 2 and birth.day == 29 and not is_leap(year):
        return date(year, 3, 1)
    return date(year, birth.month, birth.day)


def age_band(years: int | None) -> str:
    """The age band of ``domain/legal-rules.md`` for whole years (None = unknown)."""
    if years is None:
        return "unknown"
    if years < 12:
        return "under_12"
    if years < 16:
        return "12_15"
    if years < 18:
        return "16_17"
    if years < 23:
        return "18_22"
    return "23_plus"


def _older_than_max(birth: date, on: date, months: int) -> bool:
    """True when ``birth`` lies more than 120 years before ``on``."""
    limit = MAX_AGE_YEARS * 12
    if months != limit:
        return months > limit
    anniversary = birthday(birth, MAX_AGE_YEARS)
    return anniversary is not None and on > anniversary


def check_facts(facts: object) -> dict[str, Any]:
    """Check ``facts`` against the contract and return them with defaults and the age.

    The result holds every fact key (dates as :class:`datetime.date`) plus
    ``age_years``, ``age_months``, ``age_total_months`` (None when unknown) and
    ``age_band``. Raises :class:`FactsError` naming every bad key.
    """
    if type(facts) is not dict:
        raise FactsError({"facts": f"must be a JSON object, got {_describe(facts)}"})
    values: dict[str, Any] = DEFAULTS.copy()
    errors: dict[str, str] = {}
    enum_sets = _ENUM_SETS
    for key, value in facts.items():
        if key in enum_sets:
            if type(value) is str and value in enum_sets[key]:
                values[key] = value
            else:
                allowed = ", ".join(ENUM_FACTS[key])
                errors[key] = f"must be one of {allowed}; got {_describe(value)}"
        elif key in _TRISTATE_SET:
            if value is None or value is True or value is False:
                values[key] = value
            else:
                errors[key] = f"must be true, false or null; got {_describe(value)}"
        elif key in _BOOLEAN_SET:
            if value is True or value is False:
                values[key] = value
            else:
                errors[key] = f"must be true or false; got {_describe(value)}"
        elif key == "decision_date":
            parsed = parse_date(value)
            if parsed is None:
                errors[key] = f"must be a date as YYYY-MM-DD; got {_describe(value)}"
            elif parsed < EARLIEST_DECISION_DATE:
                errors[key] = (
                    f"must be on or after {EARLIEST_DECISION_DATE.isoformat()} "
                    "(no rules in force before then); got " + _describe(value)
                )
            else:
                values[key] = parsed
        elif key == "birth_date":
            if value is None:
                continue
            parsed = parse_date(value)
            if parsed is None:
                errors[key] = f"must be a date as YYYY-MM-DD or null; got {_describe(value)}"
            else:
                values[key] = parsed
        else:
            name = key if isinstance(key, str) else repr(key)
            errors[name] = "unknown key"
    for key in REQUIRED_FACTS:
        if key not in facts:
            errors[key] = "is required"

    decision = values.get("decision_date")
    birth = values["birth_date"]
    months: int | None = None
    if birth is not None and decision is not None:
        if birth > decision:
            errors["birth_date"] = "must not be after decision_date"
        else:
            months = age_in_months(birth, decision)
            if months >= MAX_AGE_YEARS * 12 and _older_than_max(birth, decision, months):
                errors["birth_date"] = (
                    f"must not be more than {MAX_AGE_YEARS} years before decision_date"
                )
    if errors:
        raise FactsError(errors)

    if months is None:
        values.update(_AGE_UNKNOWN)
    else:
        years = months // 12
        values["age_years"] = years
        values["age_months"] = months % 12
        values["age_total_months"] = months
        values["age_band"] = age_band(years)
    return values


_AGE_UNKNOWN: Final = {
    "age_years": None,
    "age_months": None,
    "age_total_months": None,
    "age_band": "unknown",
}
_TRISTATE_SET: Final = frozenset(TRISTATE_FACTS)
_BOOLEAN_SET: Final = frozenset(BOOLEAN_FACTS)

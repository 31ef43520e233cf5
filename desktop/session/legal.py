"""The intake's answers as facts for the rules engine, and the advice that comes back.

Maps the field ids of the intake format (domain/intake-format.md, section ``legal`` and
the age, authority, child-protection and disability fields of earlier sections) onto
the facts of domain/legal-rules.md. The decision date is the triage date when the
triage is decided, else today. Qt-free: the legal panel and the triage decision both
call :func:`advice_for`.

A decided case keeps the flags it was decided with (:func:`recorded_flags` stamps each
with the rules version). After a change of the rules, :func:`review_flags` re-evaluates
a case with the rules of today for its own decision date and says which flags the new
version adds or drops, for the legal panel and ``doorloop legal-review``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import legal_rules
from coordination.legal_facts import FACT_FIELDS, facts_from_answers
from desktop.i18n import _

# fact key -> the intake field a person fills in to supply it (for "jump to field" links)


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
    def rules_version(self) -> str | None:
        return str(self.result["rules_version"]) if self.result else None

    @property
    def missing_fields(self) -> list[tuple[str, str]]:
        """(fact key, field id) for each fact the engine misses and nobody answered yet,
        in the engine's order."""
        return [(k, f) for k, f in self._lacking() if not self._answered_unsure(k)]

    @property
    def uncertain_fields(self) -> list[tuple[str, str]]:
        """(fact key, field id) for each fact answered as doubt or unknown: answered, but
        the rules cannot decide on it yet (not "missing": the person did answer)."""
        return [(k, f) for k, f in self._lacking() if self._answered_unsure(k)]

    def _lacking(self) -> list[tuple[str, str]]:
        missing = self.result["missing_facts"] if self.result else []
        return [(key, FACT_FIELDS[key]) for key in missing if key in FACT_FIELDS]

    def _answered_unsure(self, key: str) -> bool:
        return self.facts is not None and key in self.facts and self.facts[key] is None


def decision_date_for(answers: dict[str, Any], today: date | None = None) -> date:
    decided = answers.get("triage.decided_at")
    if isinstance(decided, str):
        try:
            return datetime.fromisoformat(decided).date()
        except ValueError:
            pass
    return today or date.today()


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


RULES_VERSION_KEY = "rules_version"
"""The key under which a recorded flag keeps the rules version it was evaluated with.
Flags recorded before version 2 lack it: they were made by version 1."""

FIRST_RULES_VERSION = "1"


def recorded_flags(advice: LegalAdvice) -> list[dict[str, Any]]:
    """The flags to store with a decision: the engine's flags, each stamped with the
    rules version, so a later review knows which reading of the law they came from."""
    version = advice.rules_version
    return [{**flag, RULES_VERSION_KEY: version} for flag in advice.flags]


def recorded_version(flags: list[dict[str, Any]]) -> str:
    """The rules version recorded flags were made with ("1" for unstamped flags)."""
    versions = {str(flag.get(RULES_VERSION_KEY) or FIRST_RULES_VERSION) for flag in flags}
    return ", ".join(sorted(versions)) if versions else FIRST_RULES_VERSION


@dataclass(frozen=True)
class FlagReview:
    """Recorded flags of a decided case against the rules of today, for its decision date."""

    decision_date: date
    recorded_version: str
    current_version: str | None
    kept: tuple[str, ...]
    added: tuple[dict[str, Any], ...]
    """Flags the rules of today give that the decision did not record."""
    dropped: tuple[dict[str, Any], ...]
    """Recorded flags the rules of today no longer give."""
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.dropped)

    @property
    def added_codes(self) -> list[str]:
        return [flag["code"] for flag in self.added]

    @property
    def dropped_codes(self) -> list[str]:
        return [flag["code"] for flag in self.dropped]


def review_flags(
    answers: dict[str, Any],
    recorded: list[dict[str, Any]],
    decision_date: str | date | None = None,
) -> FlagReview:
    """Which flags the rules of today add to or drop from ``recorded`` (the flags a case
    was decided with), evaluated for the case's own decision date. The recorded flags
    themselves are never changed."""
    day = decision_date if isinstance(decision_date, date) else None
    if isinstance(decision_date, str):
        try:
            day = date.fromisoformat(decision_date)
        except ValueError:
            day = None  # not a date: fall back to the decision moment in the answers
    advice = advice_for(answers, day or decision_date_for(answers))
    recorded_codes = [flag.get("code") for flag in recorded]
    current_codes = advice.codes
    return FlagReview(
        decision_date=advice.decision_date,
        recorded_version=recorded_version(recorded),
        current_version=advice.rules_version,
        kept=tuple(code for code in current_codes if code in recorded_codes),
        added=tuple(flag for flag in advice.flags if flag["code"] not in recorded_codes),
        dropped=tuple(flag for flag in recorded if flag.get("code") not in current_codes),
        problems=dict(advice.problems),
    )


def review_case(case: dict[str, Any]) -> FlagReview | None:
    """:func:`review_flags` for a case as JSON (contract 4); None when the case has no
    recorded decision (nothing to review: its flags are evaluated live)."""
    answers = case.get("answers") or {}
    if not answers.get("triage.decided_at"):
        return None
    return review_flags(
        dict(answers), list(case.get("legal_flags") or []), case.get("legal_decision_date")
    )

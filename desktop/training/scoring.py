"""Scoring a trainee's intake against a scenario: pure functions, no Qt, no store.

The score compares what the trainee did with what the scenario expects:

- **fields**: each expected answer against the trainee's answer (choices exactly,
  multi-choices as sets, phone numbers normalised, free text by keywords, case and
  accents ignored);
- **key questions**: which were asked (and how many seconds into the call);
- **urgency** and **intervention** against the expected (or an acceptable) one, with
  the direction of an urgency miss (under-triage is the dangerous one);
- **legal flags**: the rules engine's flags for the *trainee's* facts (on the
  scenario's date) against the expected codes;
- **time to decision** against the scenario's target.

Weights (:data:`WEIGHTS`) add up to 100 points. Time is reported and judged against
the target but never weighted into the total: speed must not be bought with accuracy.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from desktop.forms import FormDefinition, load_form
from desktop.forms.values import is_empty, normalize_phone
from desktop.training.scenario import FREE_TEXT_TYPES, Scenario

WEIGHTS: dict[str, float] = {
    "fields": 35.0,
    "questions": 20.0,
    "urgency": 20.0,
    "intervention": 10.0,
    "flags": 15.0,
}
OVER_TRIAGE_CREDIT = 0.5  # one urgency step too high: half the points; too low: none

Direction = Literal["correct", "too_high", "too_low"]


@dataclass(frozen=True)
class FieldResult:
    field_id: str
    expected: Any
    given: Any
    correct: bool


@dataclass(frozen=True)
class QuestionResult:
    question_id: str
    asked: bool
    asked_after_seconds: float | None = None


@dataclass(frozen=True)
class ChoiceResult:
    expected: str
    given: str | None
    correct: bool
    acceptable: tuple[str, ...] = ()
    direction: Direction | None = None  # urgency only


@dataclass(frozen=True)
class FlagResult:
    expected: tuple[str, ...]
    produced: tuple[str, ...]
    problem: str | None = None  # why the engine could not run on the trainee's facts

    @property
    def matched(self) -> tuple[str, ...]:
        return tuple(code for code in self.expected if code in self.produced)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(code for code in self.expected if code not in self.produced)

    @property
    def extra(self) -> tuple[str, ...]:
        return tuple(code for code in self.produced if code not in self.expected)


@dataclass(frozen=True)
class Score:
    """The outcome of one attempt; :meth:`to_data` / :meth:`from_data` round-trip as JSON."""

    scenario_id: str
    scenario_version: int
    fields: tuple[FieldResult, ...]
    questions: tuple[QuestionResult, ...]
    urgency: ChoiceResult
    intervention: ChoiceResult
    flags: FlagResult
    seconds_to_decision: float
    target_seconds: float
    points: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return round(sum(self.points.values()), 1)

    @property
    def fields_correct(self) -> int:
        return sum(1 for result in self.fields if result.correct)

    @property
    def questions_asked(self) -> int:
        return sum(1 for result in self.questions if result.asked)

    @property
    def within_time(self) -> bool:
        return self.seconds_to_decision <= self.target_seconds

    def to_data(self) -> dict[str, Any]:
        """JSON-ready data (lists, not tuples), the same before and after storing."""
        data = asdict(self)
        data["total"] = self.total
        return json.loads(json.dumps(data))

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Score:
        flags = data["flags"]
        return cls(
            scenario_id=data["scenario_id"],
            scenario_version=data["scenario_version"],
            fields=tuple(FieldResult(**item) for item in data["fields"]),
            questions=tuple(QuestionResult(**item) for item in data["questions"]),
            urgency=_choice(data["urgency"]),
            intervention=_choice(data["intervention"]),
            flags=FlagResult(
                tuple(flags["expected"]), tuple(flags["produced"]), flags.get("problem")
            ),
            seconds_to_decision=float(data["seconds_to_decision"]),
            target_seconds=float(data["target_seconds"]),
            points=dict(data["points"]),
        )


def _choice(data: Mapping[str, Any]) -> ChoiceResult:
    return ChoiceResult(
        data["expected"],
        data["given"],
        data["correct"],
        tuple(data.get("acceptable", ())),
        data.get("direction"),
    )


# --------------------------------------------------------------------------- matching


def normalise_text(text: str) -> str:
    """Casefolded, accents removed, whitespace collapsed: how keywords are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split())


def value_matches(field_type: str, expected: Any, given: Any) -> bool:
    """Whether the trainee's stored answer ``given`` matches ``expected`` for a field type."""
    if is_empty(given):
        return False
    if field_type in FREE_TEXT_TYPES:
        if not isinstance(given, str):
            return False
        words = expected if isinstance(expected, list) else [expected]
        text = normalise_text(given)
        return all(normalise_text(word) in text for word in words)
    if field_type == "multi":
        return isinstance(given, list) and set(given) == set(expected)
    if field_type == "phone":
        return isinstance(given, str) and normalize_phone(given) == normalize_phone(expected)
    if field_type == "number":
        is_number = isinstance(given, int | float) and not isinstance(given, bool)
        return is_number and abs(float(given) - float(expected)) < 1e-9
    return bool(given == expected and type(given) is type(expected))


def urgency_direction(codes: list[str], expected: str, given: str | None) -> Direction | None:
    """``too_high`` when ``given`` is more urgent than expected (earlier in the scale)."""
    if given is None or given not in codes:
        return None
    if given == expected:
        return "correct"
    return "too_high" if codes.index(given) < codes.index(expected) else "too_low"


# --------------------------------------------------------------------------- legal flags


def legal_outcome(answers: Mapping[str, Any], decision_date: date) -> tuple[list[str], str | None]:
    """The rules engine's flag codes for intake answers on ``decision_date``, and the
    problem (Dutch) when the engine cannot run on them; no care type gives no flags."""
    import legal_rules
    from desktop.session.legal import facts_from_answers

    facts = facts_from_answers(dict(answers), decision_date)
    if facts is None:
        return [], None
    try:
        result = legal_rules.evaluate(facts)
    except legal_rules.FactsError as error:
        from desktop.i18n import _

        keys = ", ".join(sorted(error.errors))
        return [], _("De regels konden niet rekenen met deze antwoorden ({keys}).").format(
            keys=keys
        )
    return [flag["code"] for flag in result["flags"]], None


def flags_for_answers(answers: Mapping[str, Any], decision_date: date) -> list[str]:
    return legal_outcome(answers, decision_date)[0]


# --------------------------------------------------------------------------- scoring


def score_attempt(
    scenario: Scenario,
    answers: Mapping[str, Any],
    *,
    asked: Mapping[str, float] | Iterable[str],
    started_at: datetime,
    decided_at: datetime,
    form: FormDefinition | None = None,
    flags: Iterable[str] | None = None,
) -> Score:
    """Score one attempt.

    ``answers``: the trainee's intake answers (stored values), including
    ``triage.urgency`` and ``triage.intervention``. ``asked``: the key questions asked,
    as ids or as id → seconds after the start. ``flags``: the legal flag codes to judge;
    by default the engine's flags for the trainee's answers on the scenario's date.
    """
    form = form or load_form(scenario.form.id, scenario.form.version)
    asked_at: dict[str, float | None] = (
        {key: float(value) for key, value in asked.items()}
        if isinstance(asked, Mapping)
        else dict.fromkeys(asked)
    )
    expected = scenario.expected

    field_results = tuple(
        FieldResult(
            fid,
            value,
            answers.get(fid),
            value_matches(form.field(fid).type, value, answers.get(fid)),
        )
        for fid, value in expected.answers.items()
    )
    question_results = tuple(
        QuestionResult(q.id, q.id in asked_at, asked_at.get(q.id)) for q in scenario.key_questions
    )

    codes = [level.code for level in form.urgency]
    given_urgency = answers.get("triage.urgency")
    urgency_ok = given_urgency == expected.urgency or given_urgency in expected.acceptable_urgency
    direction = urgency_direction(codes, expected.urgency, given_urgency)
    if urgency_ok:
        direction = "correct"
    urgency = ChoiceResult(
        expected.urgency, given_urgency, urgency_ok, tuple(expected.acceptable_urgency), direction
    )
    given_intervention = answers.get("triage.intervention")
    intervention = ChoiceResult(
        expected.intervention,
        given_intervention,
        given_intervention == expected.intervention
        or given_intervention in expected.acceptable_interventions,
        tuple(expected.acceptable_interventions),
    )

    if flags is None:
        produced, problem = legal_outcome(answers, scenario.call_moment.date())
    else:
        produced, problem = list(flags), None
    flag_result = FlagResult(tuple(expected.flags), tuple(dict.fromkeys(produced)), problem)

    points = {
        "fields": WEIGHTS["fields"] * _share(sum(r.correct for r in field_results), field_results),
        "questions": WEIGHTS["questions"]
        * _share(sum(r.asked for r in question_results), question_results),
        "urgency": WEIGHTS["urgency"] * _urgency_credit(urgency, codes),
        "intervention": WEIGHTS["intervention"] * (1.0 if intervention.correct else 0.0),
        "flags": WEIGHTS["flags"] * _flag_credit(flag_result),
    }
    return Score(
        scenario_id=scenario.id,
        scenario_version=scenario.version,
        fields=field_results,
        questions=question_results,
        urgency=urgency,
        intervention=intervention,
        flags=flag_result,
        seconds_to_decision=max(0.0, (decided_at - started_at).total_seconds()),
        target_seconds=expected.decision_minutes * 60.0,
        points={key: round(value, 2) for key, value in points.items()},
    )


def _share(hits: int, items: tuple[Any, ...]) -> float:
    return 1.0 if not items else hits / len(items)


def _urgency_credit(result: ChoiceResult, codes: list[str]) -> float:
    if result.correct:
        return 1.0
    if result.direction == "too_high" and result.given is not None:
        steps = codes.index(result.expected) - codes.index(result.given)
        return OVER_TRIAGE_CREDIT if steps == 1 else 0.0
    return 0.0


def _flag_credit(result: FlagResult) -> float:
    union = set(result.expected) | set(result.produced)
    if not union:
        return 1.0
    return len(result.matched) / len(union)

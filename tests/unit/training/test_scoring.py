"""Scoring an attempt against a scenario, and the debrief (sections and PDF)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from desktop.training.debrief import debrief_sections, format_seconds, render_debrief
from desktop.training.scenario import Scenario, bundled_scenarios, scenario_from_data
from desktop.training.scoring import (
    WEIGHTS,
    Score,
    normalise_text,
    score_attempt,
    urgency_direction,
    value_matches,
)
from tests.unit.training.conftest import MINIMAL

START = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


def perfect_answers(scenario: Scenario) -> dict[str, Any]:
    """What a flawless trainee would store: free text written around the keywords."""
    answers: dict[str, Any] = {}
    for fid, value in scenario.expected.answers.items():
        if isinstance(value, list) and fid.split(".")[0] == "situation":
            answers[fid] = "Ze zegt: " + " en ".join(w.upper() for w in value) + "."
        elif fid in ("youth.first_name", "situation.youth_need", "youth.current_address"):
            answers[fid] = f"  {str(value).upper()} (zegt de melder) "
        else:
            answers[fid] = value
    answers["triage.urgency"] = scenario.expected.urgency
    answers["triage.intervention"] = scenario.expected.intervention
    return answers


def attempt(scenario: Scenario, answers: dict[str, Any], **kwargs: Any) -> Score:
    defaults: dict[str, Any] = {
        "asked": {q.id: 30.0 * (i + 1) for i, q in enumerate(scenario.key_questions)},
        "started_at": START,
        "decided_at": START + timedelta(minutes=7),
    }
    defaults.update(kwargs)
    return score_attempt(scenario, answers, **defaults)


@pytest.fixture
def scenario(scenario_data: dict[str, Any]) -> Scenario:
    return scenario_from_data(scenario_data)


@pytest.mark.parametrize("bundled", bundled_scenarios(), ids=lambda s: s.id)
def test_a_perfect_attempt_scores_100(bundled: Scenario) -> None:
    score = attempt(bundled, perfect_answers(bundled))
    assert [r.field_id for r in score.fields if not r.correct] == []
    assert score.flags.missing == () and score.flags.extra == ()
    assert score.total == 100.0
    assert score.within_time is True


def test_an_empty_attempt_scores_nothing_but_what_cannot_be_missed(scenario: Scenario) -> None:
    score = attempt(scenario, {}, asked=[])
    assert score.fields_correct == 0 and score.questions_asked == 0
    assert not score.urgency.correct and not score.intervention.correct
    # no care type: the engine gives no flags, so every expected flag is missed
    assert score.flags.produced == () and score.flags.missing == tuple(scenario.expected.flags)
    assert score.total == 0.0


def test_wrong_fields_are_reported_with_expected_and_given(scenario: Scenario) -> None:
    answers = perfect_answers(scenario)
    answers["risk.suicidality"] = "thoughts"
    answers["situation.youth_need"] = "Rust."  # 'hoofd' is missing
    score = attempt(scenario, answers)
    wrong = {r.field_id: (r.expected, r.given) for r in score.fields if not r.correct}
    assert wrong == {
        "risk.suicidality": ("none", "thoughts"),
        "situation.youth_need": (["rust", "hoofd"], "Rust."),
    }
    assert score.points["fields"] == pytest.approx(WEIGHTS["fields"] * 7 / 9, abs=0.01)


def test_key_questions_asked_with_times(scenario: Scenario) -> None:
    score = attempt(scenario, perfect_answers(scenario), asked={"need": 95.0})
    assert [(q.question_id, q.asked, q.asked_after_seconds) for q in score.questions] == [
        ("need", True, 95.0)
    ]
    missed = attempt(scenario, perfect_answers(scenario), asked=[])
    assert missed.points["questions"] == 0 and missed.total == 100 - WEIGHTS["questions"]


def test_acceptable_urgency_counts_as_correct(scenario: Scenario) -> None:
    answers = perfect_answers(scenario) | {"triage.urgency": "U3"}  # acceptable
    score = attempt(scenario, answers)
    assert score.urgency.correct and score.urgency.direction == "correct"
    assert score.points["urgency"] == WEIGHTS["urgency"]


def test_over_triage_by_one_step_gets_half_under_triage_nothing(
    scenario_data: dict[str, Any],
) -> None:
    scenario_data["expected"]["acceptable_urgency"] = []
    scenario = scenario_from_data(scenario_data)  # expected U4
    over = attempt(scenario, perfect_answers(scenario) | {"triage.urgency": "U3"})
    assert over.urgency.direction == "too_high" and over.points["urgency"] == 10.0
    far_over = attempt(scenario, perfect_answers(scenario) | {"triage.urgency": "U1"})
    assert far_over.points["urgency"] == 0.0
    under = attempt(scenario, perfect_answers(scenario) | {"triage.urgency": "U5"})
    assert under.urgency.direction == "too_low" and under.points["urgency"] == 0.0


def test_flags_come_from_the_trainee_s_own_facts(scenario: Scenario) -> None:
    answers = perfect_answers(scenario)
    answers["youth.birth_date"] = "2009-01-10"  # 17 on the scenario's date, not 13
    score = attempt(scenario, answers)
    assert score.flags.matched == ()
    assert set(score.flags.missing) == {"CONSENT_BOTH_PARENTS", "CONSENT_DUAL", "INFORM_AUTHORITY"}
    assert "CONSENT_YOUTH" in score.flags.extra
    assert score.points["flags"] == 0.0


def test_flags_can_be_passed_in(scenario: Scenario) -> None:
    score = attempt(scenario, perfect_answers(scenario), flags=["CONSENT_DUAL"])
    assert score.flags.matched == ("CONSENT_DUAL",)
    assert score.flags.missing == ("CONSENT_BOTH_PARENTS", "INFORM_AUTHORITY")
    assert score.points["flags"] == pytest.approx(WEIGHTS["flags"] / 3)


def test_facts_the_engine_refuses_are_reported_not_raised(scenario: Scenario) -> None:
    answers = perfect_answers(scenario) | {"youth.birth_date": "2027-01-01"}  # after the call
    score = attempt(scenario, answers)
    assert score.flags.produced == () and score.flags.problem
    assert "birth_date" in score.flags.problem


def test_time_to_decision_is_reported_not_weighted(scenario: Scenario) -> None:
    slow = attempt(scenario, perfect_answers(scenario), decided_at=START + timedelta(minutes=25))
    assert slow.seconds_to_decision == 1500 and not slow.within_time
    assert slow.total == 100.0


def test_score_round_trips_as_data(scenario: Scenario) -> None:
    score = attempt(scenario, perfect_answers(scenario) | {"risk.suicidality": "plan"})
    data = score.to_data()
    assert data["total"] == score.total
    assert Score.from_data(data) == score


def test_value_matching_per_type() -> None:
    assert value_matches("text", "Noor", "  noor ")
    assert value_matches("multiline", ["thuis", "slapen"], "Wil THUIS blijven en slapen.")
    assert not value_matches("multiline", ["thuis", "slapen"], "Wil thuis blijven.")
    assert value_matches("multiline", "suïcide", "denkt aan suicide")
    assert value_matches("phone", "0612345678", "06-12 34 56 78")
    assert value_matches(
        "multi", ["somatic", "youth_mental_health"], ["youth_mental_health", "somatic"]
    )
    assert value_matches("number", 15, 15.0)
    assert not value_matches("number", 15, True)
    assert not value_matches("yesno", False, None)
    assert not value_matches("yesno", True, "yes")
    assert value_matches("yesno", False, False)
    assert not value_matches("choice", "home", "")


def test_urgency_direction() -> None:
    codes = ["U1", "U2", "U3", "U4", "U5"]
    assert urgency_direction(codes, "U2", "U1") == "too_high"
    assert urgency_direction(codes, "U2", "U4") == "too_low"
    assert urgency_direction(codes, "U2", "U2") == "correct"
    assert urgency_direction(codes, "U2", None) is None


@settings(max_examples=80)
@given(st.text(max_size=40))
def test_normalised_text_is_idempotent_and_matches_itself(text: str) -> None:
    once = normalise_text(text)
    assert normalise_text(once) == once
    if once:
        assert value_matches("multiline", text, text + " en meer")


@settings(max_examples=40, deadline=None)
@given(
    asked=st.sets(st.sampled_from(["need", "other"])),
    urgency=st.sampled_from(["U1", "U2", "U3", "U4", "U5", None]),
    drop=st.sets(st.sampled_from(sorted(MINIMAL["expected"]["answers"]))),
)
def test_total_is_always_between_0_and_100(
    asked: set[str], urgency: str | None, drop: set[str]
) -> None:
    scenario = scenario_from_data(MINIMAL)
    answers = {k: v for k, v in perfect_answers(scenario).items() if k not in drop}
    answers["triage.urgency"] = urgency
    score = attempt(scenario, answers, asked=asked)
    assert 0.0 <= score.total <= 100.0
    assert score.total == pytest.approx(sum(score.points.values()), abs=0.1)


# --------------------------------------------------------------------------- debrief


def test_debrief_sections_name_every_miss(scenario: Scenario) -> None:
    answers = perfect_answers(scenario) | {"triage.urgency": "U5", "risk.suicidality": "plan"}
    score = attempt(scenario, answers, asked=[])
    sections = {s.id: s for s in debrief_sections(scenario, score)}
    assert set(sections) >= {
        "training",
        "summary",
        "goals",
        "fields",
        "questions",
        "triage",
        "flags",
    }
    suicidality = next(r for r in sections["fields"].rows if r.field_ids == ("risk.suicidality",))
    assert (
        suicidality.value.startswith("✗ verwacht: Geen")
        and "ingevuld: Concreet plan" in suicidality.value
    )
    [question] = sections["questions"].rows
    assert question.label == "✗ Niet gesteld" and question.value == "Wat heb jij nodig?"
    urgency = sections["triage"].rows[0]
    assert "ondertriage" in urgency.value and "U5 Advies" in urgency.value


def test_debrief_pdf_holds_the_result(scenario: Scenario) -> None:
    answers = perfect_answers(scenario) | {"risk.suicidality": "thoughts"}
    score = attempt(scenario, answers, asked=[])
    pdf = render_debrief(
        scenario,
        score,
        trainee="Bram Oefenaar",
        printed_at=START,
        group="Groep maart",
        printed_by="Tess Trainer",
    )
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Nabespreking: Oefencasus" in text
    assert "OEFENING — geen echte casus" in text
    assert "Bram Oefenaar" in text and "Groep maart" in text
    assert score.total != int(score.total)  # a decimal comma, not a point
    assert f"{score.total:g}".replace(".", ",") + " van 100 punten" in text
    # the real print moment and the person who printed it, not the trainee
    assert "Afgedrukt door Tess Trainer op 01-04-2026" in text
    assert reader.metadata.creation_date == START
    assert "Niet gesteld" in text and "Wat heb jij nodig?" in text
    assert "Suïcidaliteit" in text


def test_debrief_pdf_in_english(scenario: Scenario) -> None:
    score = attempt(scenario, perfect_answers(scenario))
    pdf = render_debrief(scenario, score, trainee="Bram", printed_at=START, lang="en")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Practice scenario" in text and "Ask about authority." in text


def test_format_seconds() -> None:
    assert format_seconds(65) == "1:05"
    assert format_seconds(3723) == "1:02:03"

"""The intake's answers become the rules engine's facts (desktop/legal.py)."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from desktop.session.legal import FACT_FIELDS, advice_for, facts_from_answers

TODAY = date(2026, 11, 23)


def test_mapping_of_every_fact() -> None:
    answers = {
        "youth.birth_date": "2012-06-01",
        "legal.care_type": "voluntary_admission",
        "legal.youth_position": "consents",
        "legal.youth_competent": "doubt",
        "authority.situation": "joint_parents",
        "legal.parents_position": "disagree",
        "authority.child_protection": "none",
        "background.intellectual_disability": "no",
        "legal.psychiatric_disorder_suspected": "yes",
        "legal.immediate_serious_harm": True,
        "legal.admission_proposed": False,
        "legal.youth_care_before_18": "unknown",
    }
    assert facts_from_answers(answers, TODAY) == {
        "decision_date": "2026-11-23",
        "care_type": "voluntary_admission",
        "birth_date": "2012-06-01",
        "youth_position": "consents",
        "youth_competent": None,
        "authority": "joint_parents",
        "parents_position": "disagree",
        "child_protection": "none",
        "intellectual_disability": "no",
        "psychiatric_disorder_suspected": True,
        "immediate_serious_harm": True,
        "admission_proposed": False,
        "youth_care_before_18": None,
    }


def test_age_11_versus_12_changes_the_consent_flag() -> None:
    base = {"legal.care_type": "voluntary_outpatient", "authority.situation": "single_parent"}
    eleven = advice_for({**base, "youth.birth_date": "2015-01-10"}, TODAY)
    twelve = advice_for({**base, "youth.birth_date": "2014-01-10"}, TODAY)
    assert "CONSENT_AUTHORITY" in eleven.codes and "CONSENT_DUAL" not in eleven.codes
    assert "CONSENT_DUAL" in twelve.codes and "CONSENT_AUTHORITY" not in twelve.codes


def test_decision_date_is_the_triage_date_once_decided() -> None:
    answers = {
        "legal.care_type": "voluntary_outpatient",
        "youth.birth_date": "2014-12-01",
        "triage.decided_at": "2026-11-23T03:00:00+01:00",
    }
    advice = advice_for(answers, date(2027, 5, 1))
    assert advice.decision_date == date(2026, 11, 23)
    assert "AGE_THRESHOLD_SOON" in advice.codes  # 12th birthday 8 days after the decision


def test_missing_facts_point_at_fields_and_no_care_type_asks_for_it() -> None:
    advice = advice_for({}, TODAY)
    assert advice.result is None
    assert list(advice.problems) == ["legal.care_type"]
    advice = advice_for({"legal.care_type": "voluntary_outpatient"}, TODAY)
    assert advice.missing_fields[0] == ("birth_date", "youth.birth_date")
    assert "AGE_UNKNOWN" in advice.codes


def test_a_birth_date_after_the_decision_is_a_field_problem() -> None:
    advice = advice_for(
        {"legal.care_type": "voluntary_outpatient", "youth.birth_date": "2027-01-01"}, TODAY
    )
    assert advice.result is None
    assert list(advice.problems) == ["youth.birth_date"]


@given(
    st.dictionaries(
        st.sampled_from(sorted(FACT_FIELDS.values())),
        st.one_of(
            st.none(),
            st.booleans(),
            st.text(max_size=12),
            st.integers(),
            st.sampled_from(["yes", "no", "unknown", "doubt", "2014-02-29", "2010-05-05"]),
        ),
    )
)
def test_any_answers_give_advice_or_field_problems(answers: dict[str, object]) -> None:
    advice = advice_for(answers, TODAY)  # never raises
    assert advice.result is not None or advice.problems
    assert set(advice.problems) <= set(FACT_FIELDS.values())

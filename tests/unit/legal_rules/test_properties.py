"""Properties of the engine over generated facts (hypothesis) and the age arithmetic."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from legal_rules import RULES_VERSION, FactsError, evaluate, load_rules
from legal_rules.facts import (
    BOOLEAN_FACTS,
    ENUM_FACTS,
    FACT_KEYS,
    TRISTATE_FACTS,
    age_in_months,
    birthday,
)

SEVERITY_RANK = {"required": 0, "warning": 1, "info": 2}
CONSENT_CODES = {
    "CONSENT_AUTHORITY",
    "CONSENT_DUAL",
    "CONSENT_YOUTH",
    "CONSENT_REPRESENTATIVE",
    "CONSENT_BOTH_PARENTS",
    "CONSENT_EXCEPTION_12_15",
    "VOLUNTARY_CARE_BLOCKED",
    "COMPETENCE_TO_ASSESS",
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
date_text = st.dates(date(1880, 1, 1), date(2100, 12, 31)).map(date.isoformat)
fact_value = (
    json_values | date_text | st.sampled_from([v for vs in ENUM_FACTS.values() for v in vs])
)

decision_dates = st.dates(date(2020, 1, 1), date(2040, 12, 31))


@st.composite
def valid_facts(draw: st.DrawFn) -> dict[str, Any]:
    decision = draw(decision_dates)
    facts: dict[str, Any] = {
        "decision_date": decision.isoformat(),
        "care_type": draw(st.sampled_from(ENUM_FACTS["care_type"])),
    }
    if draw(st.booleans()):
        age_days = draw(st.integers(0, 30 * 366))
        facts["birth_date"] = (decision - timedelta(days=age_days)).isoformat()
    for key, values in ENUM_FACTS.items():
        if key != "care_type" and draw(st.booleans()):
            facts[key] = draw(st.sampled_from(values))
    for key in TRISTATE_FACTS:
        if draw(st.booleans()):
            facts[key] = draw(st.sampled_from([True, False, None]))
    for key in BOOLEAN_FACTS:
        if draw(st.booleans()):
            facts[key] = draw(st.booleans())
    return facts


def assert_valid_result(result: dict[str, Any]) -> None:
    assert set(result) == {"rules_version", "decision_date", "age", "flags", "missing_facts"}
    assert result["rules_version"] == RULES_VERSION
    codes = load_rules().codes
    order = [(SEVERITY_RANK[flag["severity"]], flag["code"]) for flag in result["flags"]]
    assert order == sorted(order)
    assert len({code for _, code in order}) == len(order)
    for flag in result["flags"]:
        assert flag["code"] in codes
        assert set(flag) == {"code", "severity", "title", "explanation", "citations", "detail"}
        assert flag["title"]["nl"] and flag["title"]["en"] and flag["citations"]
    assert len(set(result["missing_facts"])) == len(result["missing_facts"])
    json.dumps(result)


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, st.dictionaries(st.sampled_from([*FACT_KEYS, "x"]), fact_value)))
def test_any_json_gives_a_result_or_a_facts_error(facts: Any) -> None:
    try:
        result = evaluate(facts)
    except FactsError as error:
        assert error.errors
        assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in error.errors.items())
        if isinstance(facts, dict):
            assert set(error.errors) <= {*map(str, facts), "decision_date", "care_type"}
        return
    assert isinstance(facts, dict)
    assert_valid_result(result)


@settings(max_examples=400, deadline=None)
@given(valid_facts())
def test_valid_facts_always_give_a_consistent_result(facts: dict[str, Any]) -> None:
    original = json.loads(json.dumps(facts))
    result = evaluate(facts)
    assert facts == original, "evaluate must not change its input"
    assert_valid_result(result)
    codes = {flag["code"] for flag in result["flags"]}
    age = result["age"]
    if age["years"] is None:
        assert codes & CONSENT_CODES == set()
        assert "AGE_UNKNOWN" in codes and result["missing_facts"][0] == "birth_date"
    if facts["care_type"] == "secure_youth_care":
        assert codes & CONSENT_CODES == set()
    assert (
        len(
            codes & {"CONSENT_AUTHORITY", "CONSENT_DUAL", "CONSENT_YOUTH", "CONSENT_REPRESENTATIVE"}
        )
        <= 1
    )
    incompetent_adult = (
        age["years"] is not None and age["years"] >= 18 and facts.get("youth_competent") is False
    )
    informed = {"INFORM_AUTHORITY", "INFORM_PARENTS_NEEDS_CONSENT"} & codes
    assert len(informed) == (0 if incompetent_adult else 1)
    if "CONSENT_BOTH_PARENTS" in codes:
        assert codes & {"CONSENT_AUTHORITY", "CONSENT_DUAL"}
    assert evaluate(facts) == result, "evaluation is deterministic (also from the cache)"


@given(st.dates(date(1900, 1, 1), date(2100, 12, 31)), st.integers(0, 40000))
def test_age_in_months_agrees_with_counting_birthdays(birth: date, days: int) -> None:
    on = birth + timedelta(days=days)
    months = age_in_months(birth, on)
    years = months // 12
    reached = birthday(birth, years)
    following = birthday(birth, years + 1)
    assert reached is not None and reached <= on
    assert following is None or on < following


def test_leap_day_birthdays_fall_on_1_march_in_other_years() -> None:
    assert birthday(date(2008, 2, 29), 18) == date(2026, 3, 1)
    assert birthday(date(2008, 2, 29), 16) == date(2024, 2, 29)
    assert age_in_months(date(2008, 2, 29), date(2026, 2, 28)) == 17 * 12 + 11
    assert age_in_months(date(2008, 2, 29), date(2026, 3, 1)) == 18 * 12


def test_the_benchmark_facts_are_valid_and_varied() -> None:
    from benchmarks.bench_rules import synthetic_facts

    cases = synthetic_facts(400)
    results = [evaluate(facts) for facts in cases]
    assert {facts["care_type"] for facts in cases} == set(ENUM_FACTS["care_type"])
    assert len({result["age"]["band"] for result in results}) == 6
    assert len({flag["code"] for result in results for flag in result["flags"]}) >= 30


VOLUNTARY_OR_EMERGENCY = ("voluntary_outpatient", "voluntary_admission", "emergency_treatment")


@settings(max_examples=400, deadline=None)
@given(valid_facts())
def test_the_wvggz_route_follows_the_facts_not_the_care_type(facts: dict[str, Any]) -> None:
    """Version 2, change 1: the same facts give the same Wvggz route whichever voluntary
    or emergency care type the desk worker picks, and that route is the one compulsory
    mental-health care gives (crisis measure with imminent harm, else care authorization)."""
    if facts.get("psychiatric_disorder_suspected") is False:
        return
    compulsory = evaluate({**facts, "care_type": "compulsory_mental_health"})
    codes = {flag["code"] for flag in compulsory["flags"]}
    crisis = "WVGGZ_CRISISMAATREGEL" in codes
    authorization = "WVGGZ_ZORGMACHTIGING" in codes
    harm = facts.get("immediate_serious_harm", False)
    for care_type in VOLUNTARY_OR_EMERGENCY:
        result = evaluate({**facts, "care_type": care_type})
        route = [f for f in result["flags"] if f["code"] == "COMPULSORY_ROUTE_TO_CONSIDER"]
        expected = (crisis or authorization) and (harm or care_type == "voluntary_admission")
        assert bool(route) == expected, care_type
        if route:
            assert route[0]["detail"] == ("crisismaatregel" if crisis else "zorgmachtiging")
            tijdelijk = any(
                f["code"] == "WVGGZ_TIJDELIJKE_VERPLICHTE_ZORG" for f in result["flags"]
            )
            assert tijdelijk == crisis
            if facts.get("psychiatric_disorder_suspected") is None:
                assert "psychiatric_disorder_suspected" in result["missing_facts"]


@settings(max_examples=300, deadline=None)
@given(valid_facts())
def test_version_2_exclusions_hold_for_any_facts(facts: dict[str, Any]) -> None:
    codes = {flag["code"] for flag in evaluate(facts)["flags"]}
    # a competent refusal is never silenced by the emergency rule (change 4)
    assert not {"EMERGENCY_NO_CONSENT", "VOLUNTARY_CARE_BLOCKED"} <= codes
    # a placement against the parents goes through the Raad, not the medical exception
    assert not {"RAAD_KINDERBESCHERMING", "CONSENT_EXCEPTION_12_15"} <= codes
    # Wvggz verzet under a voluntary admission is never "care may go ahead without them"
    if facts["care_type"] == "voluntary_admission":
        assert not {"COMPULSORY_ROUTE_TO_CONSIDER", "CONSENT_EXCEPTION_12_15"} <= codes
    # secure youth care after 18 is never authorised against the young person (change 7)
    if "JW_GESLOTEN_NOT_AVAILABLE" in codes:
        assert not codes & {"JW_MACHTIGING_GESLOTEN", "JW_GESLOTEN_18PLUS", "JW_SPOEDMACHTIGING"}

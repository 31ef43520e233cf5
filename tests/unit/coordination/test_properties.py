"""Properties of matching over generated directories and cases (hypothesis)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from coordination.asks import Asks, CaseError, asks_for_case
from coordination.directory import Directory, DirectoryError, age_on, load_directory
from coordination.legal_facts import facts_from_answers
from coordination.matching import EXCLUSION_CODES, FLAG_CODES, Outcome, evaluate_unit, match
from tests.unit.coordination.builders import directory_json, unit_json
from tests.unit.coordination.strategies import asks, directories, moments

SETTINGS = settings(max_examples=80, deadline=None)


@SETTINGS
@given(directories(), asks(), moments)
def test_a_unit_is_either_a_match_or_excluded(
    directory: Directory, wanted: Asks, at: datetime
) -> None:
    result = match(wanted, directory, at).to_json()
    matched = [entry["unit_id"] for entry in result["matches"]]
    excluded = [entry["unit_id"] for entry in result["excluded"]]
    assert not set(matched) & set(excluded)
    assert sorted(matched + excluded) == sorted(unit.id for unit in directory.units)
    for entry in result["excluded"]:
        assert entry["codes"] and entry["codes"] == sorted(set(entry["codes"]))
        assert set(entry["codes"]) <= set(EXCLUSION_CODES)
    for entry in result["matches"]:
        assert entry["flags"] == sorted(set(entry["flags"]))
        assert set(entry["flags"]) <= set(FLAG_CODES)
        assert entry["free"] >= 1 and entry["reasons"]


@SETTINGS
@given(directories(), asks(), moments)
def test_ranking_is_a_total_order_independent_of_the_file_order(
    directory: Directory, wanted: Asks, at: datetime
) -> None:
    result = match(wanted, directory, at)
    keys = [outcome.sort_key() for outcome in result.matches]
    assert all(a < b for a, b in pairwise(keys))  # strictly: no ties
    assert [m["rank"] for m in result.to_json()["matches"]] == list(
        range(1, len(result.matches) + 1)
    )
    reversed_units = dataclasses.replace(directory, units=directory.units[::-1])
    assert match(wanted, reversed_units, at).to_json() == result.to_json()


@SETTINGS
@given(directories(max_units=8), asks(), moments, st.data())
def test_adding_places_never_removes_a_match(
    directory: Directory, wanted: Asks, at: datetime, data: st.DataObject
) -> None:
    if not directory.units:
        return
    index = data.draw(st.integers(0, len(directory.units) - 1))
    extra = data.draw(st.integers(1, 5))
    unit = directory.units[index]
    capacity = dataclasses.replace(
        unit.capacity,
        available=unit.capacity.available + extra,
        maximum=unit.capacity.maximum + extra,
    )
    units = list(directory.units)
    units[index] = dataclasses.replace(unit, capacity=capacity)
    before = {m.unit.id for m in match(wanted, directory, at).matches}
    after = {
        m.unit.id
        for m in match(wanted, dataclasses.replace(directory, units=tuple(units)), at).matches
    }
    assert before <= after


@SETTINGS
@given(directories(), asks(), moments, st.sampled_from(("nl", "en")))
def test_the_output_is_deterministic_json(
    directory: Directory, wanted: Asks, at: datetime, lang: str
) -> None:
    first = json.dumps(match(wanted, directory, at, lang).to_json(), ensure_ascii=False)
    second = json.dumps(match(wanted, directory, at, lang).to_json(), ensure_ascii=False)
    assert first == second
    assert json.loads(first)["at"] == at.isoformat()


@SETTINGS
@given(directories(max_units=8), asks(), moments)
def test_the_fast_pass_agrees_with_judging_each_unit_alone(
    directory: Directory, wanted: Asks, at: datetime
) -> None:
    """match() decides exclusions from an index on integer times; evaluate_unit() reads
    the model directly (the desk panel's path). Both must say the same for every unit."""
    result = match(wanted, directory, at)
    matched: dict[str, Outcome] = {outcome.unit.id: outcome for outcome in result.matches}
    excluded = {exclusion.unit.id: exclusion.codes for exclusion in result.excluded}
    for unit in directory.units:
        alone = evaluate_unit(unit, wanted, at, directory.freshness_limit_hours)
        if alone.codes:
            assert excluded[unit.id] == alone.codes
        else:
            assert matched[unit.id] == alone


@settings(max_examples=300, deadline=None)
@given(
    st.dates(date(1990, 1, 1), date(2030, 12, 31)), st.dates(date(1990, 1, 1), date(2030, 12, 31))
)
def test_age_agrees_with_the_rules_engine(birth: date, day: date) -> None:
    from legal_rules.facts import age_in_months

    if birth <= day:
        assert age_on(birth, day) == age_in_months(birth, day) // 12


ANSWER_VALUES = {
    "legal.care_type": st.none()
    | st.sampled_from(("voluntary_admission", "secure_youth_care", "")),
    "youth.birth_date": st.none() | st.sampled_from(("2011-04-12", "")),
    "legal.youth_position": st.none() | st.sampled_from(("consents", "objects")),
    "legal.youth_competent": st.none() | st.sampled_from(("yes", "no", "unknown", "doubt")),
    "authority.situation": st.none() | st.just("joint_parents"),
    "legal.parents_position": st.none() | st.just("refuse"),
    "authority.child_protection": st.none() | st.just("none"),
    "background.intellectual_disability": st.none() | st.just("established"),
    "legal.psychiatric_disorder_suspected": st.none() | st.sampled_from(("yes", "no")),
    "legal.immediate_serious_harm": st.none() | st.booleans() | st.just("yes"),
    "legal.admission_proposed": st.none() | st.booleans(),
    "legal.youth_care_before_18": st.none() | st.sampled_from(("yes", "unknown")),
}


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({}, optional=ANSWER_VALUES))
def test_facts_name_only_known_facts_and_need_a_care_type(answers: dict[str, object]) -> None:
    from coordination.legal_facts import FACT_FIELDS

    facts = facts_from_answers(answers, date(2026, 12, 3))
    if not answers.get("legal.care_type"):
        assert facts is None
    else:
        assert facts is not None and facts["care_type"] == answers["legal.care_type"]
        assert set(facts) <= set(FACT_FIELDS) | {"decision_date"}


def test_the_desk_reads_facts_with_the_same_mapping() -> None:
    """One mapping from answers to legal facts, for matching and the desk's legal panel."""
    from coordination import legal_facts
    from desktop.session import legal

    assert legal.facts_from_answers is legal_facts.facts_from_answers
    assert legal.FACT_FIELDS is legal_facts.FACT_FIELDS


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 30)
    | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
CASE_KEYS = (
    "youth.birth_date", "youth.gender", "youth.municipality", "triage.intervention",
    "risk.suicidality", "risk.self_harm", "legal.care_type", "legal.youth_position",
    "legal.immediate_serious_harm",
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    st.fixed_dictionaries({}, optional=dict.fromkeys(CASE_KEYS, json_values)),
    st.none() | json_values,
    moments,
)
def test_any_case_is_read_or_refused_never_a_crash(
    answers: dict[str, object], legal_flags: object, at: datetime
) -> None:
    case: dict[str, object] = {"answers": answers}
    if legal_flags is not None:
        case["legal_flags"] = legal_flags
    try:
        asks_for_case(case, at)
    except CaseError as error:
        assert error.problems and all(":" in problem for problem in error.problems)


UNIT_KEYS = ("min_age", "max_age", "setting", "genders", "legal_routes", "expertise", "name")
CAPACITY_KEYS = ("available", "maximum", "updated", "intake_stop", "holds", "unit")


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(UNIT_KEYS + CAPACITY_KEYS),
    json_values,
)
def test_any_broken_unit_is_refused_with_its_key_and_id(key: str, value: object) -> None:
    unit = unit_json("u-5")
    if key in CAPACITY_KEYS:
        unit["capacity"][key] = value
    else:
        unit[key] = value
    try:
        load_directory(directory_json(unit))
    except DirectoryError as error:
        assert all('(unit "u-5")' in problem for problem in error.problems), error.problems
        # a cross-field problem (min_age > max_age) is named at min_age and names max_age
        assert any(key in problem for problem in error.problems), error.problems

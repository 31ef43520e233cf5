"""The scenario loader: bundled scenarios are valid and complete; bad files are refused
with Dutch problems naming the scenario and the field."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.forms import FormDefinition, age_on, validate_value
from desktop.training.scenario import (
    FREE_TEXT_TYPES,
    Scenario,
    ScenarioError,
    bundled_scenarios,
    check_scenario,
    dump_yaml,
    expected_flags_for,
    parse_scenario,
    rule_codes,
    scenario_from_data,
)


def by_id() -> dict[str, Scenario]:
    return {scenario.id: scenario for scenario in bundled_scenarios()}


# --------------------------------------------------------------------------- bundled


def test_eight_bundled_scenarios_with_unique_ids() -> None:
    scenarios = bundled_scenarios()
    assert len(scenarios) >= 8
    assert len({s.id for s in scenarios}) == len(scenarios)


@pytest.mark.parametrize("scenario", bundled_scenarios(), ids=lambda s: s.id)
def test_every_expected_answer_is_a_valid_value_of_its_field(
    scenario: Scenario, form: FormDefinition
) -> None:
    for fid, value in scenario.expected.answers.items():
        field = form.field(fid)  # KeyError for an unknown field id
        if field.type in FREE_TEXT_TYPES:
            words = value if isinstance(value, list) else [value]
            assert all(isinstance(word, str) and word.strip() for word in words), fid
            continue
        _stored, message = validate_value(field, value, now=scenario.call_moment)
        assert message is None, f"{scenario.id}: {fid}={value!r}: {message}"
    assert scenario.expected.urgency in [level.code for level in form.urgency]
    interventions = form.field("triage.intervention").option_values
    assert scenario.expected.intervention in interventions
    assert set(scenario.expected.acceptable_interventions) <= set(interventions)


@pytest.mark.parametrize("scenario", bundled_scenarios(), ids=lambda s: s.id)
def test_expected_flags_exist_and_are_what_the_rules_give(scenario: Scenario) -> None:
    assert set(scenario.expected.flags) <= rule_codes()
    assert scenario.expected.flags, "every bundled scenario teaches at least one legal flag"
    assert expected_flags_for(scenario) == scenario.expected.flags


@pytest.mark.parametrize("scenario", bundled_scenarios(), ids=lambda s: s.id)
def test_every_key_question_is_answered_and_every_section_reveal_exists(
    scenario: Scenario, form: FormDefinition
) -> None:
    assert check_scenario(scenario, form) == []
    for question in scenario.key_questions:
        assert scenario.lines_for(f"question:{question.id}")
    assert scenario.lines_for("start")


def _age(scenario: Scenario) -> tuple[int, int] | None:
    birth = scenario.expected.answers.get("youth.birth_date")
    if birth is None:
        return None
    return age_on(date.fromisoformat(birth), scenario.call_moment.date())


def test_the_issue_s_eight_situations_are_covered() -> None:
    scenarios = by_id()
    ages = {sid: _age(s) for sid, s in scenarios.items()}
    answers = {sid: s.expected.answers for sid, s in scenarios.items()}
    # a 14-year-old with suicidal thoughts and joint parents
    assert ages["suicidal_thoughts_14"][0] == 14
    assert answers["suicidal_thoughts_14"]["risk.suicidality"] == "thoughts"
    assert answers["suicidal_thoughts_14"]["authority.situation"] == "joint_parents"
    # a 10-year-old whose parents refuse help
    assert ages["parents_refuse_10"][0] == 10
    assert answers["parents_refuse_10"]["legal.parents_position"] == "refuse"
    # a 16-year-old who forbids informing the parents
    assert ages["no_parents_16"][0] == 16
    assert answers["no_parents_16"]["handover.consent_to_inform_parents"] is False
    # an established intellectual disability and aggression
    lvb = answers["intellectual_disability_aggression"]
    assert lvb["background.intellectual_disability"] == "established"
    assert lvb["risk.aggression"] == "violence"
    # an eating disorder with somatic danger
    assert answers["eating_disorder_somatic"]["risk.somatic_danger"] == "yes"
    # 17 years and 9 months
    assert ages["almost_18"] == (17, 9)
    # a supervision order and placement
    ots = answers["supervision_order_placement"]
    assert ots["authority.child_protection"] == "supervision_order"
    assert ots["legal.care_type"] == "out_of_home_placement"
    # an anonymous caller who does not know the age
    anonymous = answers["anonymous_age_unknown"]
    assert "youth.birth_date" not in anonymous and "call.caller_name" not in anonymous
    assert "AGE_UNKNOWN" in scenarios["anonymous_age_unknown"].expected.flags


def test_the_key_questions_of_the_issue_are_asked_somewhere() -> None:
    texts = [q.text["nl"] for s in bundled_scenarios() for q in s.key_questions]
    assert any("Wat heb jij nodig?" in text for text in texts)
    assert any("dood" in text for text in texts)  # suicidality
    assert any("gezag" in text for text in texts)  # who holds authority


def test_revealed_lines_follow_sections_and_questions() -> None:
    scenario = by_id()["suicidal_thoughts_14"]
    at_start = [line.id for line in scenario.revealed([], [])]
    assert at_start == ["opening"]
    later = [line.id for line in scenario.revealed(["youth"], ["need"])]
    assert later == ["opening", "youth_details", "need_answer"]


def test_yaml_round_trip_keeps_the_scenario(scenario_data: dict[str, Any]) -> None:
    scenario = scenario_from_data(scenario_data)
    again = parse_scenario(scenario.to_yaml())
    assert again == scenario


# --------------------------------------------------------------------------- rejections


def problems_of(data: Any) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(dump_yaml(data) if not isinstance(data, str) else data, "casus.yaml")
    assert caught.value.source == "casus.yaml"
    return caught.value.problems


def test_minimal_scenario_is_valid(scenario_data: dict[str, Any]) -> None:
    scenario = scenario_from_data(scenario_data)
    assert scenario.expected.flags == ["CONSENT_BOTH_PARENTS", "CONSENT_DUAL", "INFORM_AUTHORITY"]


def test_unknown_key_is_named(scenario_data: dict[str, Any]) -> None:
    scenario_data["expected"]["urgentie"] = "U1"
    assert problems_of(scenario_data) == [
        "Casus 'oefen_casus', veld expected.urgentie: onbekend veld."
    ]


def test_missing_key_is_named(scenario_data: dict[str, Any]) -> None:
    del scenario_data["title"]
    assert problems_of(scenario_data) == ["Casus 'oefen_casus', veld title: ontbreekt."]


def test_text_needs_both_languages(scenario_data: dict[str, Any]) -> None:
    scenario_data["script"][0]["text"] = {"nl": "Hallo"}
    [problem] = problems_of(scenario_data)
    assert "script.0.text" in problem and "'nl' als 'en'" in problem


def test_invalid_option_value_is_named(scenario_data: dict[str, Any]) -> None:
    scenario_data["expected"]["answers"]["risk.suicidality"] = "maybe"
    problems = problems_of(scenario_data)
    assert any(
        p.startswith("Casus 'oefen_casus', veld expected.answers.risk.suicidality:")
        and "Onbekende keuze" in p
        for p in problems
    )


def test_unknown_field_id_is_named(scenario_data: dict[str, Any]) -> None:
    scenario_data["expected"]["answers"]["risk.mood"] = "low"
    problems = problems_of(scenario_data)
    assert "Casus 'oefen_casus', veld expected.answers.risk.mood: onbekend veld" in problems[0]


def test_a_hidden_field_cannot_be_expected(scenario_data: dict[str, Any]) -> None:
    scenario_data["expected"]["answers"]["risk.means_available"] = "yes"  # shown for plans only
    [problem] = problems_of(scenario_data)
    assert "risk.means_available" in problem and "verborgen" in problem


def test_unknown_flag_code_is_named(scenario_data: dict[str, Any]) -> None:
    scenario_data["expected"]["flags"].append("CONSENT_GRANDMA")
    assert problems_of(scenario_data) == [
        "Casus 'oefen_casus', veld expected.flags: onbekende signaalcode 'CONSENT_GRANDMA'."
    ]


def test_flags_must_match_the_rules_for_the_expected_answers(
    scenario_data: dict[str, Any],
) -> None:
    scenario_data["expected"]["flags"] = [
        "CONSENT_BOTH_PARENTS",
        "CONSENT_YOUTH",
        "INFORM_AUTHORITY",
    ]
    [problem] = problems_of(scenario_data)
    assert "ontbreekt: CONSENT_DUAL" in problem and "te veel: CONSENT_YOUTH" in problem


def test_unknown_urgency_and_intervention(scenario_data: dict[str, Any]) -> None:
    scenario_data["expected"]["urgency"] = "U9"
    scenario_data["expected"]["intervention"] = "helicopter"
    problems = problems_of(scenario_data)
    assert any("expected.urgency: onbekende urgentie 'U9'" in p for p in problems)
    assert any("expected.intervention: onbekende interventie 'helicopter'" in p for p in problems)


def test_decision_fields_belong_in_expected_urgency(scenario_data: dict[str, Any]) -> None:
    scenario_data["expected"]["answers"]["triage.urgency"] = "U4"
    assert any("expected.answers.triage.urgency" in p for p in problems_of(scenario_data))


def test_reveal_must_name_a_section_or_key_question(scenario_data: dict[str, Any]) -> None:
    scenario_data["script"][1]["when"] = "section:weather"
    scenario_data["script"][2]["when"] = "question:nothing"
    problems = problems_of(scenario_data)
    assert any("script.1.when: onbekende sectie 'weather'" in p for p in problems)
    assert any("script.2.when: onbekende kernvraag 'nothing'" in p for p in problems)
    # and the key question 'need' now has no answer line
    assert any("kernvraag 'need' krijgt geen antwoord" in p for p in problems)


def test_badly_written_trigger(scenario_data: dict[str, Any]) -> None:
    scenario_data["script"][0]["when"] = "als de melder huilt"
    [problem] = problems_of(scenario_data)
    assert "script.0.when: ongeldige schrijfwijze" in problem


def test_a_script_needs_an_opening(scenario_data: dict[str, Any]) -> None:
    scenario_data["script"][0]["when"] = "section:call"
    assert any("when: start" in p for p in problems_of(scenario_data))


def test_call_moment_needs_an_offset(scenario_data: dict[str, Any]) -> None:
    scenario_data["call_at"] = "2026-04-01T10:00:00"
    [problem] = problems_of(scenario_data)
    assert "call_at" in problem and "tijdzone" in problem


def test_duplicate_yaml_keys_and_syntax_errors_are_refused(
    scenario_data: dict[str, Any],
) -> None:
    text = dump_yaml(scenario_data) + "id: tweede\n"
    [problem] = problems_of(text)
    assert problem.startswith("Geen geldige YAML (regel")
    [problem] = problems_of("id: [niet gesloten\n")
    assert problem.startswith("Geen geldige YAML")


def test_dates_stay_text_in_yaml(scenario_data: dict[str, Any]) -> None:
    text = dump_yaml(scenario_data).replace("'2013-01-10'", "2013-01-10")
    assert "birth_date: 2013-01-10" in text
    scenario = parse_scenario(text)
    assert scenario.expected.answers["youth.birth_date"] == "2013-01-10"


# --------------------------------------------------------------------------- properties


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_any_text_is_a_scenario_or_a_scenario_error(text: str) -> None:
    try:
        parse_scenario(text)
    except ScenarioError as error:
        assert error.problems and all(isinstance(p, str) and p for p in error.problems)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = []
    if isinstance(data, dict):
        for key, value in data.items():
            out.append((*prefix, key))
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out.append((*prefix, index))
            out.extend(_paths(value, (*prefix, index)))
    return out


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_damaging_any_part_gives_a_clear_error_or_a_valid_scenario(data: st.DataObject) -> None:
    from tests.unit.training.conftest import MINIMAL

    damaged = copy.deepcopy(MINIMAL)
    path = data.draw(st.sampled_from(_paths(damaged)))
    replacement = data.draw(
        st.one_of(st.none(), st.integers(), st.text(max_size=8), st.just([]), st.just({}))
    )
    parent = damaged
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = replacement
    try:
        scenario = parse_scenario(yaml.safe_dump(damaged, allow_unicode=True))
    except ScenarioError as error:
        assert error.problems
        assert all(p.startswith(("Casus '", "Een casus", "Geen geldige")) for p in error.problems)
    else:
        assert check_scenario(scenario) == []


def test_scenarios_whose_flags_changed_with_rules_version_2_were_updated() -> None:
    scenarios = {scenario.id: scenario for scenario in bundled_scenarios()}
    for scenario_id in ("suicidal_thoughts_14", "parents_refuse_10", "eating_disorder_somatic"):
        scenario = scenarios[scenario_id]
        assert scenario.version == 2, scenario_id
        assert "CONSENT_BOTH_PARENTS" in scenario.expected.flags, scenario_id
    lotte = scenarios["eating_disorder_somatic"]
    # BW 7:466 no longer silences her refusal; the facts point to the crisis measure
    assert "EMERGENCY_NO_CONSENT" not in lotte.expected.flags
    assert {"COMPULSORY_ROUTE_TO_CONSIDER", "VOLUNTARY_CARE_BLOCKED"} <= set(lotte.expected.flags)
    assert "crisismaatregel" in " ".join(line["nl"] for line in lotte.debrief)

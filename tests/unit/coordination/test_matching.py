"""Matching (coordination.md §3), table by table: what the case asks, every exclusion code
on both sides of its boundary, every flag, every ranking step, the reasons."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from coordination import asks_for_case, match, match_case
from coordination.asks import ROUTE_FLAGS, Asks, CaseError
from coordination.matching import EXCLUSION_CODES
from tests.unit.coordination.builders import AT, case_json, directory, flag, iso, unit_json

HOUR = timedelta(hours=1)


def outcome(unit: dict[str, Any], case: dict[str, Any] | None = None, **top: Any) -> dict:
    """The one unit's entry of the output: ``{"codes": [...]}`` or the match entry."""
    result = match_case(case or case_json([]), directory(unit, **top), AT).to_json()
    entries = result["matches"] + result["excluded"]
    assert len(entries) == 1
    return entries[0]


def codes(unit: dict[str, Any], case: dict[str, Any] | None = None, **top: Any) -> list[str]:
    return outcome(unit, case, **top).get("codes", [])


def ranked(*units: dict[str, Any], case: dict[str, Any] | None = None) -> list[str]:
    result = match_case(case or case_json([]), directory(*units), AT).to_json()
    assert result["excluded"] == []
    assert [m["rank"] for m in result["matches"]] == list(range(1, len(units) + 1))
    return [m["unit_id"] for m in result["matches"]]


# ---- what the case asks ---------------------------------------------------------------


def test_the_baseline_case_asks_for_a_crisis_bed_or_clinic() -> None:
    asks = asks_for_case(case_json([]), AT)
    assert asks.to_json() == {
        "age": 15,
        "gender": "female",
        "legal_route": "voluntary",
        "settings": ["crisis_bed", "clinical"],
        "expertise": ["suicidality"],
    }
    assert asks.municipality == "Noordhaven"


@pytest.mark.parametrize(
    ("intervention", "settings"),
    [
        ("assessment_on_site", ["ambulant_crisis"]),
        ("ambulatory_crisis_care", ["ambulant_crisis"]),
        ("intensive_home_treatment", ["intensive_home"]),
        ("crisis_admission", ["crisis_bed", "clinical"]),
        ("advice_caller", []),
        ("consult_referrer", []),
        ("emergency_department", []),
        ("veilig_thuis", []),
        ("police", []),
        ("other", []),
        (None, []),
    ],
)
def test_setting_from_the_intervention(intervention: str | None, settings: list[str]) -> None:
    case = case_json([], triage__intervention=intervention)
    assert list(asks_for_case(case, AT).settings) == settings


@pytest.mark.parametrize(
    ("intervention", "settings"),
    [
        ("crisis_admission", ["secure_youth_care"]),
        ("ambulatory_crisis_care", ["ambulant_crisis"]),
        ("intensive_home_treatment", ["intensive_home"]),
    ],
)
def test_secure_youth_care_only_for_an_admission_under_jw(
    intervention: str, settings: list[str]
) -> None:
    case = case_json([flag("JW_MACHTIGING_GESLOTEN")], triage__intervention=intervention)
    asks = asks_for_case(case, AT)
    assert asks.legal_route == "jw_gesloten"
    assert list(asks.settings) == settings


def test_no_placement_needed_gives_empty_lists() -> None:
    case = case_json([], triage__intervention="advice_caller")
    result = match_case(case, directory(unit_json(), unit_json("u-2", min_age=0)), AT).to_json()
    assert result["placement_needed"] is False
    assert result["matches"] == [] and result["excluded"] == []
    assert result["asks"]["settings"] == []


@pytest.mark.parametrize(("code", "route"), ROUTE_FLAGS)
def test_legal_route_from_each_flag(code: str, route: str) -> None:
    assert asks_for_case(case_json([flag(code)]), AT).legal_route == route


def test_flags_without_a_route_mean_voluntary() -> None:
    stored = [flag("CONSENT_DUAL"), flag("WVGGZ_NO_VERZET"), flag("JW_GESLOTEN_18PLUS")]
    assert asks_for_case(case_json(stored), AT).legal_route == "voluntary"


def test_the_first_route_of_the_list_wins_when_flags_name_two() -> None:
    stored = [flag("BW_MACHTIGING_UITHUISPLAATSING"), flag("WVGGZ_CRISISMAATREGEL")]
    assert asks_for_case(case_json(stored), AT).legal_route == "wvggz_crisismaatregel"


def test_stored_flags_may_be_plain_codes() -> None:
    assert asks_for_case(case_json(["WZD_ARTIKEL_21"]), AT).legal_route == "wzd_artikel_21"


COMPULSORY = {
    "legal__care_type": "compulsory_mental_health",
    "legal__youth_position": "objects",
    "legal__psychiatric_disorder_suspected": "yes",
    "legal__immediate_serious_harm": True,
    "legal__admission_proposed": True,
    "authority__situation": "joint_parents",
}


def test_without_stored_flags_the_rules_decide_the_route() -> None:
    assert asks_for_case(case_json(None, **COMPULSORY), AT).legal_route == "wvggz_crisismaatregel"
    harmless = {**COMPULSORY, "legal__immediate_serious_harm": False}
    assert asks_for_case(case_json(None, **harmless), AT).legal_route == "wvggz_zorgmachtiging"


def test_stored_flags_win_over_the_rules_even_when_empty() -> None:
    assert asks_for_case(case_json([], **COMPULSORY), AT).legal_route == "voluntary"


def test_without_a_care_type_the_route_is_voluntary() -> None:
    assert asks_for_case(case_json(None), AT).legal_route == "voluntary"


def test_the_rules_are_evaluated_on_the_day_of_at() -> None:
    # 18 on 3 December 2026: the Jw authorization needs youth care before 18 then
    case = case_json(
        None,
        youth__birth_date="2008-12-03",
        legal__care_type="secure_youth_care",
        legal__youth_care_before_18="no",
    )
    assert asks_for_case(case, AT).legal_route == "voluntary"
    assert asks_for_case(case, AT - timedelta(days=1)).legal_route == "jw_gesloten"


@pytest.mark.parametrize(
    ("answers", "expertise"),
    [
        ({"risk__psychotic_symptoms": "yes"}, ["psychosis"]),
        ({"risk__psychotic_symptoms": "unknown"}, []),
        ({"risk__suicidality": "recent_attempt"}, ["suicidality"]),
        ({"risk__suicidality": "thoughts"}, []),
        ({"risk__self_harm": "current"}, ["self_harm"]),
        ({"risk__self_harm": "past"}, []),
        ({"background__substance_use": "problematic"}, ["addiction"]),
        ({"background__substance_use": "occasional"}, []),
        ({"risk__intoxication": "yes"}, ["addiction"]),
        ({"background__intellectual_disability": "established"}, ["intellectual_disability"]),
        ({"background__intellectual_disability": "suspected"}, ["intellectual_disability"]),
        ({"background__intellectual_disability": "unknown"}, []),
        (
            {
                "risk__psychotic_symptoms": "yes",
                "risk__suicidality": "plan",
                "risk__self_harm": "current",
                "risk__intoxication": "yes",
                "background__substance_use": "problematic",
                "background__intellectual_disability": "suspected",
            },
            ["psychosis", "suicidality", "self_harm", "addiction", "intellectual_disability"],
        ),
    ],
)
def test_expertise_from_the_answers(answers: dict[str, str], expertise: list[str]) -> None:
    case = case_json([], **{"risk__suicidality": "none", **answers})
    assert list(asks_for_case(case, AT).expertise) == expertise


def test_age_is_taken_on_the_dutch_day_of_at() -> None:
    case = case_json([], youth__birth_date="2014-12-04")
    # 23:30 UTC on 3 December is already 4 December in the Netherlands: the 12th birthday
    late = AT.replace(hour=23, minute=30).astimezone(AT.tzinfo) + timedelta(hours=1)
    assert asks_for_case(case, AT).age == 11
    assert asks_for_case(case, late).age == 12


@pytest.mark.parametrize(
    ("case", "key"),
    [
        (case_json([], youth__gender="x"), "answers.youth.gender"),
        (case_json([], youth__birth_date="12-04-2011"), "answers.youth.birth_date"),
        (case_json([], youth__birth_date="2027-01-01"), "answers.youth.birth_date"),
        (case_json([], youth__birth_date=20110412), "answers.youth.birth_date"),
        (case_json([], triage__intervention="admission"), "answers.triage.intervention"),
        (case_json([], risk__suicidality="maybe"), "answers.risk.suicidality"),
        (case_json([], youth__municipality=12), "answers.youth.municipality"),
        (case_json({"code": "X"}), "legal_flags"),  # type: ignore[arg-type]
        (case_json([{"severity": "info"}]), "legal_flags[0]"),
        ({"id": "x"}, "answers"),
        ({"answers": []}, "answers"),
        (
            case_json(None, legal__care_type="voluntary_admission", legal__youth_position="yes"),
            "answers.legal.youth_position",
        ),
    ],
)
def test_bad_cases_name_the_key(case: Any, key: str) -> None:
    with pytest.raises(CaseError) as error:
        asks_for_case(case, AT)
    assert any(problem.startswith(f"{key}:") for problem in error.value.problems), error.value


def test_a_case_that_is_not_an_object() -> None:
    with pytest.raises(CaseError, match="JSON object"):
        asks_for_case(["answers"], AT)


# ---- exclusion codes, both sides of each boundary --------------------------------------


@pytest.mark.parametrize(
    ("birth_date", "excluded"),
    [
        ("2014-12-04", True),  # 11, turns 12 tomorrow
        ("2014-12-03", False),  # turns 12 today: min_age
        ("2009-12-04", False),  # 16, turns 17 tomorrow
        ("2008-12-04", False),  # 17 until tomorrow: max_age
        ("2008-12-03", True),  # turns 18 today
    ],
)
def test_age_limits_are_inclusive(birth_date: str, excluded: bool) -> None:
    case = case_json([], youth__birth_date=birth_date)
    assert codes(unit_json(), case) == (["AGE_OUT_OF_RANGE"] if excluded else [])


def test_born_on_29_february_turns_a_year_older_on_1_march() -> None:
    case = case_json([], youth__birth_date="2012-02-29")
    before = AT.replace(year=2024 + 1, month=2, day=28)
    on = AT.replace(year=2025, month=3, day=1)
    unit = directory(unit_json(min_age=13, capacity={"updated": iso(before - HOUR)}))
    assert match_case(case, unit, before).to_json()["excluded"][0]["codes"] == ["AGE_OUT_OF_RANGE"]
    assert match_case(case, unit, on).to_json()["matches"]


def test_unknown_age_is_not_excluded_but_flagged() -> None:
    case = case_json([], without=("youth.birth_date",))
    entry = outcome(unit_json(min_age=16), case)
    assert entry["flags"] == ["AGE_UNKNOWN"]
    assert asks_for_case(case, AT).age is None


@pytest.mark.parametrize(
    ("genders", "gender", "excluded"),
    [
        (["female"], "female", False),
        (["female"], "male", True),
        (["female"], "other", True),
        (["female", "other"], "other", False),
        (["male"], "unknown", False),
        (["male"], None, False),
    ],
)
def test_gender(genders: list[str], gender: str | None, excluded: bool) -> None:
    case = case_json([], youth__gender=gender)
    assert codes(unit_json(genders=genders), case) == (["GENDER_NOT_SERVED"] if excluded else [])


@pytest.mark.parametrize(
    ("start", "until", "excluded"),
    [
        (AT + HOUR, None, False),  # announced, not yet in force
        (AT + timedelta(seconds=1), AT + 2 * HOUR, False),
        (AT, None, True),  # starts now
        (AT - HOUR, None, True),  # open-ended
        (AT - HOUR, AT + HOUR, True),  # in force
        (AT - 2 * HOUR, AT + timedelta(seconds=1), True),
        (AT - 2 * HOUR, AT, False),  # ended now
        (AT - 2 * HOUR, AT - HOUR, False),  # ended
    ],
)
def test_intake_stop(start: Any, until: Any, excluded: bool) -> None:
    stop = {"reason": "Personeelstekort", "from": iso(start), "until": until and iso(until)}
    unit = unit_json(capacity={"intake_stop": stop})
    assert codes(unit) == (["INTAKE_STOP"] if excluded else [])


@pytest.mark.parametrize(
    ("routes", "stored", "excluded"),
    [
        (["voluntary"], [], False),
        (["wvggz_crisismaatregel"], [], True),
        (["voluntary"], [flag("WVGGZ_CRISISMAATREGEL")], True),
        (["wvggz_crisismaatregel"], [flag("WVGGZ_CRISISMAATREGEL")], False),
        (["wzd_ibs"], [flag("WZD_INBEWARINGSTELLING")], False),
        (["wzd_rm"], [flag("WZD_INBEWARINGSTELLING")], True),
    ],
)
def test_legal_route(routes: list[str], stored: list[Any], excluded: bool) -> None:
    unit = unit_json(legal_routes=routes)
    assert codes(unit, case_json(stored)) == (["LEGAL_ROUTE_NOT_OFFERED"] if excluded else [])


@pytest.mark.parametrize(
    ("available", "holds", "free"),
    [
        (0, [], None),
        (1, [], 1),
        (1, [AT + HOUR], None),  # the only place is held
        (1, [AT + timedelta(seconds=1)], None),
        (1, [AT], 1),  # the hold ran out now
        (1, [AT - HOUR], 1),  # ran out
        (2, [AT + HOUR], 1),
        (3, [AT + HOUR, AT - HOUR, AT + 2 * HOUR], 1),
        (2, [AT + HOUR, AT + HOUR, AT + HOUR], None),  # more holds than places
    ],
)
def test_capacity_minus_running_holds(available: int, holds: list[Any], free: int | None) -> None:
    capacity = {
        "available": available,
        "maximum": 4,
        "holds": [{"case_id": f"c-{n}", "until": iso(until)} for n, until in enumerate(holds)],
    }
    entry = outcome(unit_json(capacity=capacity))
    if free is None:
        assert entry["codes"] == ["NO_CAPACITY"]
    else:
        assert entry["free"] == free and "codes" not in entry


@pytest.mark.parametrize(
    ("setting", "intervention", "excluded"),
    [
        ("crisis_bed", "crisis_admission", False),
        ("clinical", "crisis_admission", False),
        ("secure_youth_care", "crisis_admission", True),
        ("ambulant_crisis", "crisis_admission", True),
        ("ambulant_crisis", "assessment_on_site", False),
        ("intensive_home", "ambulatory_crisis_care", True),
        ("intensive_home", "intensive_home_treatment", False),
    ],
)
def test_setting(setting: str, intervention: str, excluded: bool) -> None:
    case = case_json([], triage__intervention=intervention)
    assert codes(unit_json(setting=setting), case) == (["SETTING_NOT_OFFERED"] if excluded else [])


def test_every_code_that_applies_sorted() -> None:
    unit = unit_json(
        min_age=0,
        max_age=11,
        genders=["male"],
        legal_routes=["jw_gesloten"],
        setting="ambulant_crisis",
        capacity={
            "available": 0,
            "intake_stop": {"reason": "Verbouwing", "from": iso(AT - HOUR), "until": None},
        },
    )
    assert codes(unit) == list(EXCLUSION_CODES)
    assert list(EXCLUSION_CODES) == sorted(EXCLUSION_CODES)


# ---- flags ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "limit", "stale"),
    [
        (timedelta(hours=12), None, False),  # exactly the default limit: still fresh
        (timedelta(hours=12, seconds=1), None, True),
        (timedelta(hours=3), 4, False),
        (timedelta(hours=4, minutes=1), 4, True),
        (-HOUR, None, False),  # updated after --at (a clock ahead): fresh, age 0
    ],
)
def test_stale_availability(age: timedelta, limit: float | None, stale: bool) -> None:
    top = {} if limit is None else {"freshness_limit_hours": limit}
    entry = outcome(unit_json(capacity={"updated": iso(AT - age)}), **top)
    assert entry["flags"] == (["STALE_AVAILABILITY"] if stale else [])


def test_a_stale_unit_is_matched_not_hidden() -> None:
    entry = outcome(unit_json(capacity={"updated": iso(AT - timedelta(days=3))}))
    assert entry["rank"] == 1
    assert (
        entry["reasons"][0] == "Beschikbaarheid verouderd: 3 dagen oud; bel om het te controleren."
    )


def test_expertise_missing_and_all_flags_sorted() -> None:
    case = case_json([], risk__psychotic_symptoms="yes", without=("youth.birth_date",))
    unit = unit_json(capacity={"updated": iso(AT - timedelta(days=1))})
    assert outcome(unit, case)["flags"] == [
        "AGE_UNKNOWN",
        "EXPERTISE_MISSING",
        "STALE_AVAILABILITY",
    ]
    assert outcome(unit_json(expertise=["suicidality", "psychosis"]), case)["flags"] == [
        "AGE_UNKNOWN"
    ]


# ---- ranking, one step at a time (the later steps favour the other unit) ----------------


def fresh(hours: float) -> dict[str, Any]:
    return {"updated": iso(AT - timedelta(hours=hours))}


def test_rank_fresh_before_stale() -> None:
    stale = unit_json("u-a", name="A", capacity={**fresh(13), "available": 4})
    current = unit_json("u-b", name="B", expertise=[], municipalities=[], capacity=fresh(1))
    assert ranked(stale, current) == ["u-b", "u-a"]


def test_rank_fewer_missing_expertise() -> None:
    case = case_json([], risk__psychotic_symptoms="yes")  # needs psychosis and suicidality
    one = unit_json("u-a", name="A", expertise=["psychosis"], capacity={"available": 4})
    both = unit_json("u-b", name="B", expertise=["suicidality", "psychosis"], municipalities=[])
    none = unit_json("u-c", name="C", expertise=[], capacity={"available": 4})
    assert ranked(one, both, none, case=case) == ["u-b", "u-a", "u-c"]


def test_rank_serving_the_municipality() -> None:
    elsewhere = unit_json("u-a", name="A", municipalities=["Zuidmeer"], capacity={"available": 4})
    home = unit_json("u-b", name="B", municipalities=["Zeedorp", "noordhaven "])
    assert ranked(elsewhere, home) == ["u-b", "u-a"]


def test_rank_without_a_municipality_skips_that_step() -> None:
    case = case_json([], without=("youth.municipality",))
    one = unit_json("u-a", name="A", municipalities=["Noordhaven"], capacity={"available": 1})
    more = unit_json("u-b", name="B", municipalities=[], capacity={"available": 3})
    assert ranked(one, more, case=case) == ["u-b", "u-a"]


def test_rank_more_free_places() -> None:
    held = {"available": 3, "holds": [{"case_id": "c", "until": iso(AT + HOUR)}] * 2}
    few = unit_json("u-a", name="A", capacity=held)  # 1 free
    many = unit_json("u-b", name="B", capacity={"available": 2})
    assert ranked(few, many) == ["u-b", "u-a"]


def test_rank_by_name_then_id() -> None:
    units = [
        unit_json("u-3", name="beta"),
        unit_json("u-2", name="Alpha"),
        unit_json("u-1", name="Beta"),
    ]
    assert ranked(*units) == ["u-2", "u-1", "u-3"]


# ---- reasons --------------------------------------------------------------------------


def test_reasons_in_dutch_and_english() -> None:
    case = case_json([flag("WVGGZ_CRISISMAATREGEL")], risk__psychotic_symptoms="yes")
    held = [{"case_id": "c", "until": iso(AT + HOUR)}]
    unit = unit_json(capacity={"available": 3, "holds": held, **fresh(2.5)})
    d = directory(unit)
    assert match_case(case, d, AT, "nl").to_json()["matches"][0]["reasons"] == [
        "Beschikbaarheid bijgewerkt 2 uur geleden.",
        "2 bedden vrij van 4.",
        "1 vastgehouden voor andere verwijzingen.",
        "Neemt op met Wvggz-crisismaatregel.",
        "Geen expertise in psychose.",
        "Heeft expertise in suïcidaliteit.",
        "Werkt in Noordhaven.",
    ]
    assert match_case(case, d, AT, "en").to_json()["matches"][0]["reasons"] == [
        "Availability updated 2 h ago.",
        "2 beds free of 4.",
        "1 held for other referrals.",
        "Admits under Wvggz crisis measure.",
        "No expertise in psychosis.",
        "Has expertise in suicidality.",
        "Serves Noordhaven.",
    ]


def test_reasons_for_an_unknown_age_and_another_municipality() -> None:
    case = case_json([], youth__municipality="Zuidmeer", without=("youth.birth_date",))
    unit = unit_json(capacity={"unit": "plek", "available": 1, **fresh(0.25)})
    assert outcome(unit, case)["reasons"] == [
        "Beschikbaarheid bijgewerkt 15 min geleden.",
        "1 plaats vrij van 4.",
        "Heeft expertise in suïcidaliteit.",
        "Werkt niet in Zuidmeer, de gemeente van de jeugdige.",
        "Leeftijd onbekend: de leeftijdsgrens 12–17 is niet gecontroleerd.",
    ]


def test_match_needs_an_aware_moment() -> None:
    with pytest.raises(ValueError, match="offset"):
        match(
            Asks(15, "female", "voluntary", ("crisis_bed",), ()),
            directory(),
            AT.replace(tzinfo=None),
        )


def test_every_code_route_and_expertise_has_dutch_and_english_words() -> None:
    from coordination import texts
    from coordination.directory import EXPERTISE, LEGAL_ROUTES
    from coordination.matching import FLAG_CODES

    for code in (*EXCLUSION_CODES, *FLAG_CODES):
        assert texts.code_text(code, "nl") != texts.code_text(code, "en")
    for route in LEGAL_ROUTES:
        assert texts.route_label(route, "nl") and texts.route_label(route, "en")
    for code in EXPERTISE:
        assert code in texts.EXPERTISE_LABELS
    assert texts.expertise_label("gambling_addiction", "nl") == "gambling addiction"

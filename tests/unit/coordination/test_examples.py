"""The three calls of issue 17 against the synthetic demo region (coordination/examples).

At 10:00 on 3 December 2026: a 15-year-old girl with a suicide plan who wants to be
admitted (voluntary, crisis admission); an 11-year-old boy with anxiety (ambulatory crisis
care); a 17-year-old boy with a psychosis under a Wvggz crisis measure (no stored legal
flags: the rules decide the route).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from coordination import load_directory, match_case
from tests.unit.coordination.builders import EXAMPLES

AT = datetime.fromisoformat("2026-12-03T10:00:00+01:00")


def run(case_file: str, lang: str = "nl") -> dict[str, Any]:
    directory = load_directory(json.loads((EXAMPLES / "directory-demo.json").read_text("utf-8")))
    case = json.loads((EXAMPLES / case_file).read_text("utf-8"))
    return match_case(case, directory, AT, lang).to_json()


def ranking(result: dict[str, Any]) -> list[tuple[str, int, list[str]]]:
    return [(m["unit_id"], m["free"], m["flags"]) for m in result["matches"]]


def exclusions(result: dict[str, Any]) -> dict[str, list[str]]:
    return {entry["unit_id"]: entry["codes"] for entry in result["excluded"]}


def test_girl_of_15_with_a_suicide_plan_voluntary_crisis_admission() -> None:
    result = run("case-15-suicide-plan.json")
    assert result["asks"] == {
        "age": 15,
        "gender": "female",
        "legal_route": "voluntary",
        "settings": ["crisis_bed", "clinical"],
        "expertise": ["suicidality"],
    }
    assert ranking(result) == [
        # one of two beds held for another referral until 11:30
        ("u-noordkust-crisisbedden", 1, []),
        # the hold on the Meidenhuis bed ran out at 09:45
        ("u-rivierhoeve-meidenhuis", 1, []),
        ("u-kompas-lvb-crisisbed", 1, ["EXPERTISE_MISSING"]),  # stop announced for 10 Dec
        ("u-duinzicht-jeugdkliniek", 1, ["EXPERTISE_MISSING", "STALE_AVAILABILITY"]),
    ]
    assert exclusions(result) == {
        "u-kompas-ambulant-kind": ["AGE_OUT_OF_RANGE", "SETTING_NOT_OFFERED"],
        "u-kompas-crisisgroep": ["INTAKE_STOP"],
        "u-kompas-gesloten": ["LEGAL_ROUTE_NOT_OFFERED", "SETTING_NOT_OFFERED"],
        "u-noordkust-ambulant": ["SETTING_NOT_OFFERED"],
        "u-rivierhoeve-ambulant": ["SETTING_NOT_OFFERED"],
        "u-zuidland-adolescentenkliniek": ["AGE_OUT_OF_RANGE", "NO_CAPACITY"],
        "u-zuidland-ambulant": ["SETTING_NOT_OFFERED"],
        "u-zuidland-iht": ["SETTING_NOT_OFFERED"],
    }
    assert result["matches"][0]["reasons"] == [
        "Beschikbaarheid bijgewerkt 2 uur geleden.",
        "1 bed vrij van 4.",
        "1 vastgehouden voor andere verwijzingen.",
        "Heeft expertise in suïcidaliteit.",
        "Werkt in Noordhaven.",
    ]


def test_boy_of_11_with_anxiety_ambulatory() -> None:
    result = run("case-11-anxiety.json", "en")
    assert result["asks"] == {
        "age": 11,
        "gender": "male",
        "legal_route": "voluntary",
        "settings": ["ambulant_crisis"],
        "expertise": [],
    }
    assert ranking(result) == [
        ("u-kompas-ambulant-kind", 2, []),  # its intake stop ended on 1 December
        ("u-noordkust-ambulant", 3, []),  # more places, but not in Rivierstad
        ("u-zuidland-ambulant", 4, ["STALE_AVAILABILITY"]),  # most places, 3 days old
    ]
    assert exclusions(result)["u-rivierhoeve-ambulant"] == ["AGE_OUT_OF_RANGE"]  # 12+
    assert exclusions(result)["u-zuidland-iht"] == ["SETTING_NOT_OFFERED"]
    assert result["matches"][2]["reasons"] == [
        "Availability is stale: 3 days old; phone to check it.",
        "4 places free of 6.",
        "Does not serve Rivierstad, the young person's municipality.",
    ]


def test_boy_of_17_with_psychosis_under_a_wvggz_crisis_measure() -> None:
    case = json.loads((EXAMPLES / "case-17-psychosis-wvggz.json").read_text("utf-8"))
    assert "legal_flags" not in case  # the route comes from the rules at --at
    result = run("case-17-psychosis-wvggz.json")
    assert result["asks"] == {
        "age": 17,
        "gender": "male",
        "legal_route": "wvggz_crisismaatregel",
        "settings": ["crisis_bed", "clinical"],
        "expertise": ["psychosis"],
    }
    assert ranking(result) == [
        ("u-noordkust-crisisbedden", 1, []),
        ("u-duinzicht-jeugdkliniek", 1, ["STALE_AVAILABILITY"]),
    ]
    assert exclusions(result)["u-zuidland-adolescentenkliniek"] == ["NO_CAPACITY"]
    assert exclusions(result)["u-rivierhoeve-meidenhuis"] == [
        "GENDER_NOT_SERVED",
        "LEGAL_ROUTE_NOT_OFFERED",
    ]
    assert exclusions(result)["u-kompas-crisisgroep"] == ["INTAKE_STOP", "LEGAL_ROUTE_NOT_OFFERED"]
    assert "Neemt op met Wvggz-crisismaatregel." in result["matches"][0]["reasons"]


@pytest.mark.parametrize(
    "case_file",
    ["case-15-suicide-plan.json", "case-11-anxiety.json", "case-17-psychosis-wvggz.json"],
)
def test_every_unit_of_the_region_is_accounted_for(case_file: str) -> None:
    result = run(case_file)
    ids = [m["unit_id"] for m in result["matches"]] + [e["unit_id"] for e in result["excluded"]]
    assert len(ids) == len(set(ids)) == 12

"""Version 2 of the rules: every changed rule has cases that failed on version 1.

``rules_v1/`` holds the version-1 rule files as they were (the reading the jurist-style
review rejected). Each case in ``cases/*.yaml`` marked ``changed`` must fail on them and
hold on the bundled version-2 rules; every rule that version 2 changed or added has such
a case where it is flagged, and a case (on the other side of its condition) where it is
not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from legal_rules import RULES_VERSION, load_rules
from tests.unit.legal_rules.conftest import (
    CASES,
    CaseFailure,
    check_case,
    expected_codes,
    read_cases,
)

V1_RULES = Path(__file__).parent / "rules_v1"

CHANGED_IN_V2 = {
    "COMPULSORY_ROUTE_TO_CONSIDER",  # new (change 1)
    "WVGGZ_ZORGMACHTIGING",  # verzet at 16-17 (change 2)
    "WVGGZ_NO_VERZET",
    "WZD_RECHTERLIJKE_MACHTIGING",
    "INFORM_AUTHORITY",  # change 3
    "INFORM_PARENTS_NEEDS_CONSENT",
    "EMERGENCY_NO_CONSENT",  # change 4
    "RAAD_KINDERBESCHERMING",  # new (change 5)
    "CONSENT_EXCEPTION_12_15",
    "BW_MACHTIGING_UITHUISPLAATSING",
    "BW_SPOED_UITHUISPLAATSING",
    "CONSENT_BOTH_PARENTS",  # change 6
    "JW_GESLOTEN_NOT_AVAILABLE",  # change 7
    "JW_MACHTIGING_GESLOTEN",
    "JW_SPOEDMACHTIGING",
    "JW_GESLOTEN_18PLUS",
    "WVGGZ_TIJDELIJKE_VERPLICHTE_ZORG",  # new (change 8)
}


def _cases() -> list[dict[str, Any]]:
    return [case for path in sorted(CASES.glob("*.yaml")) for case in read_cases(path)]


CHANGED_CASES = [case for case in _cases() if "changed" in case]


def test_the_version_is_2() -> None:
    assert RULES_VERSION == "2"
    assert (
        load_rules().evaluate({"decision_date": "2026-12-03", "care_type": "voluntary_outpatient"})[
            "rules_version"
        ]
        == "2"
    )


def test_the_version_1_rules_still_load() -> None:
    v1 = load_rules(V1_RULES)
    assert "COMPULSORY_ROUTE_TO_CONSIDER" not in v1.codes
    assert len(v1.codes) == 35


@pytest.mark.parametrize("case", CHANGED_CASES, ids=[case["name"] for case in CHANGED_CASES])
def test_a_changed_case_fails_on_version_1_and_holds_on_version_2(case: dict[str, Any]) -> None:
    check_case(case)
    with pytest.raises(CaseFailure):
        check_case(case, load_rules(V1_RULES))


def test_every_changed_rule_has_cases_on_both_sides() -> None:
    """Each changed rule is named by a case that fails on version 1 (where version 2
    flags it, or stopped flagging it), and is flagged in one case and absent in another."""
    marked: set[str] = set()
    flagged: set[str] = set()
    absent: set[str] = set()
    for case in _cases():
        marked |= set(case.get("changed", []))
        flagged |= {code for code, _ in expected_codes(case)}
        absent |= set(case.get("absent", []))
    assert sorted(CHANGED_IN_V2 - marked) == []
    assert sorted(CHANGED_IN_V2 - flagged) == []
    assert sorted(CHANGED_IN_V2 - absent) == []


def test_a_changed_case_names_a_rule_it_expects_something_of() -> None:
    for case in CHANGED_CASES:
        named = {code for code, _ in expected_codes(case)} | set(case.get("absent", []))
        assert set(case["changed"]) <= named, case["name"]


def test_consent_representative_cites_article_465_lid_2_and_3() -> None:
    rule = next(rule for rule in load_rules().rules if rule.code == "CONSENT_REPRESENTATIVE")
    assert rule.citations == ("BW 7:465 lid 2", "BW 7:465 lid 3")

"""The YAML cases cover every rule code both ways, and the case checker can fail."""

from __future__ import annotations

import pytest

from legal_rules import load_rules
from tests.unit.legal_rules.conftest import (
    CASES,
    CaseFailure,
    check_case,
    expected_codes,
    read_cases,
)


def _all_cases() -> list[dict]:
    return [case for path in sorted(CASES.glob("*.yaml")) for case in read_cases(path)]


def test_every_code_is_flagged_and_not_flagged_in_some_case() -> None:
    flagged: set[str] = set()
    absent: set[str] = set()
    codes = load_rules().codes
    for case in _all_cases():
        if "error" in case:
            continue
        expected = {code for code, _ in expected_codes(case)}
        flagged |= expected
        absent |= set(case.get("absent", []))
        if case.get("exact"):
            absent |= codes - expected
    assert sorted(codes - flagged) == []
    assert sorted(codes - absent) == []


def test_every_care_type_has_cases() -> None:
    care_types = {case["input"].get("care_type") for case in _all_cases()}
    assert {
        "voluntary_outpatient",
        "voluntary_admission",
        "compulsory_mental_health",
        "involuntary_care_disability",
        "secure_youth_care",
        "out_of_home_placement",
        "emergency_treatment",
    } <= care_types


BASE = {
    "decision_date": "2026-11-23",
    "birth_date": "2012-08-01",
    "care_type": "voluntary_outpatient",
}


@pytest.mark.parametrize(
    ("case", "complaint"),
    [
        ({"name": "x", "input": BASE, "flags": ["CONSENT_YOUTH"]}, "CONSENT_YOUTH not flagged"),
        ({"name": "x", "input": BASE, "absent": ["CONSENT_DUAL"]}, "should be absent"),
        ({"name": "x", "input": BASE, "flags": ["CONSENT_DUAL"], "exact": True}, "unexpected"),
        ({"name": "x", "input": BASE, "absent": ["CONSENT_DAUL"]}, "unknown rule codes"),
        ({"name": "x", "input": BASE, "missing_facts": []}, "missing_facts"),
        ({"name": "x", "input": BASE, "age": {"years": 13}}, "age"),
        ({"name": "x", "input": BASE, "error": ["care_type"]}, "expected FactsError"),
        ({"name": "x", "input": {}, "error": ["care_type"]}, "errors named"),
        ({"name": "x", "input": BASE, "flag": ["CONSENT_DUAL"]}, "bad case keys"),
        (
            {
                "name": "x",
                "input": {**BASE, "birth_date": "2014-11-24"},
                "flags": [{"code": "AGE_THRESHOLD_SOON", "detail": "2026-11-25"}],
            },
            "detail",
        ),
    ],
)
def test_the_case_checker_reports_a_wrong_expectation(case: dict, complaint: str) -> None:
    with pytest.raises(CaseFailure, match=complaint):
        check_case(case)

"""Regression tests for the worked cases of the rule table: the three calls of the
walk-through and each example of the jurist-style review (legal_rules/worked_cases.yaml).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from legal_rules import load_rules
from legal_rules.facts import ENUM_FACTS, FACT_KEYS
from legal_rules.sources import load_sources
from legal_rules.table import glossary
from legal_rules.worked_cases import WorkedCase, worked_cases

V1_RULES = Path(__file__).parent / "rules_v1"
CASES = worked_cases()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_worked_case_gives_the_agreed_flags(case: WorkedCase) -> None:
    result = load_rules().evaluate(case.facts)
    assert [flag["code"] for flag in result["flags"]] == list(case.flags)
    assert result["missing_facts"] == []


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_worked_case_records_what_version_1_gave(case: WorkedCase) -> None:
    old = load_rules(V1_RULES).evaluate(case.facts)
    assert [flag["code"] for flag in old["flags"]] == list(case.v1_flags)
    assert case.v1_flags != case.flags, "each worked case shows a change of version 2"


def test_the_walkthrough_calls_are_there() -> None:
    ids = [case.id for case in CASES]
    assert ids[:3] == ["walkthrough-1", "walkthrough-2", "walkthrough-3"]
    assert len([i for i in ids if i.startswith("review-")]) == 8


def test_the_suicide_plan_call_points_to_the_crisis_route_whatever_the_care_type() -> None:
    facts = dict(CASES[0].facts)
    for care_type in ("voluntary_outpatient", "voluntary_admission", "emergency_treatment"):
        flags = load_rules().evaluate({**facts, "care_type": care_type})["flags"]
        route = [flag for flag in flags if flag["code"] == "COMPULSORY_ROUTE_TO_CONSIDER"]
        assert [flag["detail"] for flag in route] == ["crisismaatregel"], care_type
    flags = load_rules().evaluate({**facts, "care_type": "compulsory_mental_health"})["flags"]
    assert "WVGGZ_CRISISMAATREGEL" in {flag["code"] for flag in flags}


def test_the_glossary_explains_every_fact_and_value() -> None:
    data = glossary()
    assert set(data["facts"]) == {*FACT_KEYS, "age_band"}
    for fact, values in ENUM_FACTS.items():
        assert set(data["values"][fact]) == set(values), fact
        for text in data["values"][fact].values():
            assert set(text) == {"nl", "en"} and all(text.values())


def test_every_citation_is_read_as_law_article_lid() -> None:
    sources = load_sources()
    rules = load_rules()
    texts = {text for rule in rules.rules for text in rule.citations}
    texts |= {text for term in rules.terms for text in term.citations}
    for text in texts:
        citation = sources.parse(text)
        assert citation.law is not None, text
        assert citation.article or citation.chapter, text
    parsed = sources.parse("BW 7:465 lid 1–2")
    assert (parsed.law and parsed.law.abbr, parsed.article, parsed.lid) == ("BW7", "7:465", "1–2")
    assert parsed.law.url == "https://wetten.overheid.nl/BWBR0005290"
    wzd = sources.parse("Wzd art. 21")
    assert (wzd.article, wzd.lid) == ("21", None)
    assert sources.parse("Wet op de lijkbezorging 1").law is None
    assert sources.verified == {}, "nothing was checked against the official text yet"

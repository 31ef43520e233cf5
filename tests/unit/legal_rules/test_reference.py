"""The compiled engine (specialised per care type and age, with its outcome cache) gives
exactly what a plain, naive reading of the rule conditions gives."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given, settings

from legal_rules import load_rules
from legal_rules.conditions import (
    Age,
    All,
    AnyOf,
    BirthdayWithin,
    Condition,
    Flagged,
    Is,
    Not,
    TermRef,
    walk,
)
from legal_rules.engine import MISSING_FACT_ORDER, SEVERITIES, DetailChoice, dependency_order
from legal_rules.facts import birthday, check_facts
from tests.unit.legal_rules.test_properties import valid_facts


def holds(cond: Condition, c: dict[str, Any], known: dict[str, bool]) -> bool:
    """Naive interpretation of a condition; ``known`` holds terms and flagged codes."""
    if isinstance(cond, All):
        return all(holds(item, c, known) for item in cond.items)
    if isinstance(cond, AnyOf):
        return any(holds(item, c, known) for item in cond.items)
    if isinstance(cond, Not):
        return not holds(cond.item, c, known)
    if isinstance(cond, Is):
        return any(c[cond.fact] is v or c[cond.fact] == v for v in cond.values)
    if isinstance(cond, Age):
        m = c["age_total_months"]
        if m is None:
            return False
        return (cond.at_least is None or m >= cond.at_least) and (
            cond.under is None or m < cond.under
        )
    if isinstance(cond, Flagged):
        return any(known.get(code, False) for code in cond.codes)
    if isinstance(cond, TermRef):
        return known[cond.name]
    if isinstance(cond, BirthdayWithin):
        return window_date(cond, c) is not None
    raise TypeError(cond)


def window_date(cond: BirthdayWithin, c: dict[str, Any]) -> date | None:
    if c["birth_date"] is None:
        return None
    for years in cond.ages:
        day = birthday(c["birth_date"], years)
        if day is not None and cond.first_day <= (day - c["decision_date"]).days <= cond.last_day:
            return day
    return None


def reference(facts: dict[str, Any]) -> tuple[list[tuple[str, Any]], list[str]]:
    rules = load_rules()
    c = check_facts(facts)
    day = c["decision_date"]
    in_force = {rule.code: rule for rule in rules.rules if rule.in_force(day)}
    terms = {term.name: term for term in rules.terms if term.in_force(day)}
    known: dict[str, bool] = {}
    for name in dependency_order(list(in_force.values()), list(terms.values())):
        entry = terms.get(name) or in_force[name]
        known[name] = holds(entry.when, c, known)
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    flagged = sorted(
        (rule for code, rule in in_force.items() if known[code]),
        key=lambda rule: (rank[rule.severity], rule.code),
    )
    flags = []
    for rule in flagged:
        detail = None
        if isinstance(rule.detail, DetailChoice):
            detail = next(
                value for when, value in rule.detail.options if when is None or holds(when, c, {})
            )
        elif rule.detail == "birthday_within":
            window = next(n for n in walk(rule.when) if isinstance(n, BirthdayWithin))
            found = window_date(window, c)
            detail = found.isoformat() if found else None
        flags.append((rule.code, detail))
    missing = [
        fact
        for fact in MISSING_FACT_ORDER
        if any(
            entry.fact == fact and entry.in_force(day) and holds(entry.when, c, known)
            for entry in rules.missing_facts
        )
    ]
    return flags, missing


@settings(max_examples=500, deadline=None)
@given(valid_facts())
def test_compiled_engine_matches_a_naive_reading_of_the_rules(facts: dict[str, Any]) -> None:
    result = load_rules().evaluate(facts)
    flags, missing = reference(facts)
    assert [(flag["code"], flag["detail"]) for flag in result["flags"]] == flags
    assert result["missing_facts"] == missing


def test_the_outcome_cache_keeps_each_birthday_date() -> None:
    facts = {
        "decision_date": "2026-11-23",
        "birth_date": "2014-11-24",
        "care_type": "voluntary_outpatient",
    }
    rules = load_rules()
    rules.clear_cache()

    def threshold(result: dict[str, Any]) -> Any:
        return {flag["code"]: flag["detail"] for flag in result["flags"]}["AGE_THRESHOLD_SOON"]

    first = rules.evaluate(facts)
    assert threshold(first) == "2026-11-24"
    assert threshold(rules.evaluate({**facts, "birth_date": "2014-11-25"})) == "2026-11-25"
    assert rules.evaluate(facts) == first


@settings(max_examples=400, deadline=None)
@given(valid_facts())
def test_the_matrix_of_possible_flags_never_contradicts_an_evaluation(
    facts: dict[str, Any],
) -> None:
    """The rule table's matrix (RuleSet.possible_flags): a flagged code is possible for
    that care type and age band, and an "always" code is indeed flagged."""
    rules = load_rules()
    result = rules.evaluate(facts)
    day = date.fromisoformat(facts["decision_date"])
    possible = rules.possible_flags(day, facts["care_type"])[result["age"]["band"]]
    codes = {flag["code"] for flag in result["flags"]}
    assert codes <= set(possible)
    segment_always = {code for code, state in possible.items() if state == "always"}
    assert segment_always <= codes

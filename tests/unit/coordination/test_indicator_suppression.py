"""Small numbers: no published count from 1 to 4, and no hidden cell can be worked back.

The attacker here is independent of the suppression code: it enumerates every value each
hidden cell could take (``"<5"`` in 1..4, ``"x"`` in 0..total) such that the hidden cells
add up to the published total minus the published cells (subset sums), and a cell whose
possible values are one single number is exposed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from coordination.indicators import CaseFacts, assemble, cells_from_facts
from coordination.indicators.compute import DIMENSIONS
from coordination.indicators.suppression import suppress_breakdown, suppress_ratio


def possible_values(published: dict[str, Any], total: int) -> dict[str, set[int]]:
    hidden = [k for k, v in published.items() if isinstance(v, str)]
    rest = total - sum(v for v in published.values() if isinstance(v, int))
    domains = {k: set(range(1, 5)) if published[k] == "<5" else set(range(total + 1))
               for k in hidden}  # fmt: skip
    found: dict[str, set[int]] = {}
    for key in hidden:
        sums = {0}
        for other in hidden:
            if other != key:
                sums = {s + v for s in sums for v in domains[other] if s + v <= total}
        found[key] = {v for v in domains[key] if rest - v in sums}
    return found


def assert_safe(published: dict[str, Any], total: Any, cells: dict[str, int]) -> None:
    for key, value in published.items():
        if isinstance(value, int):
            assert value == cells[key]
            assert not 1 <= value <= 4, (key, value)
        else:
            assert value in {"<5", "x"}
    if isinstance(total, int):
        for key, values in possible_values(published, total).items():
            assert cells[key] in values  # the attacker's model holds the truth
            assert len(values) > 1, (key, published, total)


@given(st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=7))
@settings(max_examples=400, deadline=None)
def test_no_hidden_cell_follows_from_the_total(values: list[int]) -> None:
    cells = {f"c{i}": v for i, v in enumerate(values)}
    published, total = suppress_breakdown(cells)
    assert_safe(published, total, cells)
    if isinstance(total, int):
        assert total == sum(values)
    else:
        assert total in {"<5", "x"}


@given(st.lists(st.integers(min_value=0, max_value=6), min_size=2, max_size=6))
@settings(max_examples=300, deadline=None)
def test_small_breakdowns_too(values: list[int]) -> None:
    cells = {f"c{i}": v for i, v in enumerate(values)}
    published, total = suppress_breakdown(cells)
    assert_safe(published, total, cells)


def test_the_rule_of_the_spec_on_examples() -> None:
    # one small cell: the next smallest non-zero one goes too
    assert suppress_breakdown({"a": 3, "b": 10, "c": 7, "d": 0}) == (
        {"a": "<5", "b": 10, "c": "x", "d": 0}, 20)  # fmt: skip
    # nothing small: everything published, zeros as 0
    assert suppress_breakdown({"a": 5, "b": 0}) == ({"a": 5, "b": 0}, 5)
    # two cells of 1 with a published total would give both back: a third goes
    published, _ = suppress_breakdown({"a": 1, "b": 1, "c": 9, "d": 12})
    assert published == {"a": "<5", "b": "<5", "c": "x", "d": 12}


@given(st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=40))
def test_ratios(a: int, b: int) -> None:
    numerator, denominator = min(a, b), max(a, b)
    shown = suppress_ratio(numerator, denominator)
    num, den, pct = shown["numerator"], shown["denominator"], shown["pct"]
    assert den == ("<5" if 1 <= denominator <= 4 else denominator)
    if isinstance(num, int):
        assert num == numerator
        assert not 1 <= num <= 4
        if isinstance(den, int):
            assert not 1 <= den - num <= 4  # the complement is a count too
    if denominator and (denominator < 10 or isinstance(num, str)):
        assert pct == "—"
    elif denominator:
        assert pct == round(100 * numerator / denominator, 1)


facts_strategy = st.lists(
    st.tuples(
        st.sampled_from(["U1", "U2", "U3", "U4", "U5", None]),
        st.sampled_from(["<12", "12-15", "16-17", "unknown"]),
        st.sampled_from(["phone", "chat", "unknown"]),
        st.integers(min_value=0, max_value=23),
    ),
    max_size=80,
)


@given(facts_strategy)
@settings(max_examples=150, deadline=None)
def test_a_public_report_hides_every_small_count(rows: list[tuple[Any, ...]]) -> None:
    base = datetime(2026, 11, 2, tzinfo=UTC)
    facts = [
        CaseFacts(
            case_id=str(i),
            received_at=base + timedelta(hours=hour),
            local_hour=hour,
            iso_week="2026-W45",
            part_of_day="0-6",
            weekend=False,
            channel=channel,
            caller_role="unknown",
            age_band=band,
            gender=None,
            urgency=urgency,
            decided=urgency is not None,
            minutes_to_decision=None,
            intervention=None,
            care_type=None,
            ready=urgency is not None,
            answered_mask=1,
            needed_reconciliation=False,
        )
        for i, (urgency, band, channel, hour) in enumerate(rows)
    ]
    cells = cells_from_facts(facts, date(2026, 11, 1), date(2026, 12, 1))
    args: dict[str, Any] = {"region": "r", "start": date(2026, 11, 1), "end": date(2026, 12, 1),
                            "computed_at": base}  # fmt: skip
    exact = assemble(cells, **args)["indicators"]
    public = assemble(cells, public=True, **args)["indicators"]
    for key in DIMENSIONS:
        assert_safe(public[key]["value"], public[key]["n"], exact[key]["value"])
        if isinstance(public[key]["n"], str):
            assert public[key]["complete"] == "—"
    minutes = public["time_to_decision"]
    if exact["time_to_decision"]["n"] < 10:
        assert minutes["value"] == {"median": "—", "p90": "—"}
    if isinstance(minutes["n"], str):
        assert minutes["complete"] == "—"
    total = public["cases_total"]["value"]
    assert total == exact["cases_total"]["value"] or total in {"<5", "x"}
    assert not (isinstance(total, int) and 1 <= total <= 4)
    if isinstance(total, str):  # every breakdown over all cases hides its total too
        for key in ["cases_by_age_band", "cases_by_channel", "cases_by_hour"]:
            assert isinstance(public[key]["n"], str)

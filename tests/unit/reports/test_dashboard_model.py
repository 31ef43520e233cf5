"""The dashboard's view model: the figures of the indicator reports, per week and urgency,
with n and completeness, marks kept as marks, and weeks shown beside the period without
giving a hidden week back (hypothesis, against a brute-force attacker of the whole table).
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coordination.indicators import desk_report
from coordination.indicators.suppression import suppress_breakdown
from desktop.i18n import set_language
from desktop.reports.dashboard import (
    URGENCIES,
    build_dashboard,
    derived_sum,
    filter_problem,
    guarded,
    month_bounds,
    weeks_of,
)

START, END = date(2026, 11, 1), date(2026, 12, 1)
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def case(i: int, received: str, urgency: str | None, minutes: int = 10) -> dict[str, Any]:
    answers: dict[str, Any] = {"call.received_at": received, "call.channel": "phone"}
    if urgency is None:
        return {"id": f"c{i}", "status": "draft", "answers": answers}
    moment = datetime.fromisoformat(received) + timedelta(minutes=minutes)
    answers |= {"triage.urgency": urgency, "triage.decided_at": moment.isoformat()}
    return {"id": f"c{i}", "status": "triaged", "answers": answers}


def reports(cases: list[dict[str, Any]], *, public: bool = False) -> tuple[Any, Any]:
    period = desk_report(cases, region="noord", start=START, end=END, now=NOW, public=public)
    weekly = [
        (w, desk_report(cases, region="noord", start=w.start, end=w.end, now=NOW, public=public))
        for w in weeks_of(START, END)
    ]
    return period, weekly


# a known November: week 45 (2–8 Nov) 3×U1 + 1×U3 + a draft, week 47 (16–22 Nov) 12×U2
KNOWN = (
    [case(i, f"2026-11-0{3 + i}T10:00:00+01:00", "U1", 5 + i) for i in range(3)]
    + [case(3, "2026-11-06T23:30:00+01:00", "U3", 60), case(4, "2026-11-07T08:00:00+01:00", None)]
    + [case(10 + i, f"2026-11-{16 + i % 7}T1{i % 10}:00:00+01:00", "U2") for i in range(12)]
)


@pytest.fixture(autouse=True)
def dutch() -> Any:
    set_language("nl")
    yield
    set_language("nl")


def test_weeks_of_a_month_start_at_its_first_day_and_cut_at_mondays() -> None:
    weeks = weeks_of(START, END)
    assert [(w.start.day, w.end.day) for w in weeks] == [
        (1, 2), (2, 9), (9, 16), (16, 23), (23, 30), (30, 1),
    ]  # fmt: skip
    assert [w.label for w in weeks][:2] == ["week 44", "week 45"]
    assert weeks_of(START, END, today=date(2026, 11, 10))[-1].start == date(2026, 11, 9)
    assert month_bounds(date(2026, 12, 31)) == (date(2026, 12, 1), date(2027, 1, 1))


def test_cases_per_week_and_urgency_equal_the_hand_count() -> None:
    period, weekly = reports(KNOWN)
    board = build_dashboard(period, weekly, source="local")
    chart = board.chart("cases_per_week")
    counts = {s.name: [p.value for p in s.points] for s in chart.series}
    assert counts["U1"] == [0, 3, 0, 0, 0, 0]
    assert counts["U2"] == [0, 0, 0, 12, 0, 0]
    assert counts["U3"] == [0, 1, 0, 0, 0, 0]
    week45 = chart.table.rows[1]
    # week, U1..U5, n (decided cases), completeness (decided / all cases of the week)
    assert week45 == ("week 45", "3", "0", "1", "0", "0", "4", "80%")
    assert chart.table.columns[-2:] == ("n (meldingen)", "volledig")
    mix = board.chart("urgency_mix")
    assert [p.value for p in mix.series[0].points] == [3, 12, 1, 0, 0]
    assert "n = 16" in mix.caption and "volledig 94,1%" in mix.caption
    assert "stand van 02-12-2026" in mix.caption
    ttd = board.chart("time_to_decision")
    assert ttd.table.rows[3][1:4] == ("10", "10", "12")
    assert board.source_text.startswith("Bron: alleen de meldingen op deze desk")


def test_indicators_without_a_data_source_say_so_instead_of_a_figure() -> None:
    period, weekly = reports(KNOWN)
    board = build_dashboard(period, weekly, source="central")
    for chart_id in ("first_contact_on_time", "placement_wait", "free_places"):
        chart = board.chart(chart_id)
        assert chart.empty == "niet beschikbaar (nog geen gegevensbron)"
        assert chart.table.rows[0][-1] == "niet beschikbaar (nog geen gegevensbron)"
    other = {row[0]: row for row in board.tables[0].rows}
    for name in ("Ontvangst bevestigd op tijd", "Verlopen afspraken", "Afgewezen verwijzingen"):
        assert other[name][1] == "niet beschikbaar (nog geen gegevensbron)"
    assert other["Aantal meldingen"][1:] == ("17", "17", "100%")
    assert board.source_text.startswith("Bron: centrale server (hele regio)")


def test_on_time_per_urgency_draws_the_norm_and_both_counts() -> None:
    """When `first_contact_on_time` has a source, its shape (contract) becomes a line per
    urgency against the norm, with numerator and denominator in the table."""
    period, weekly = reports(KNOWN)
    for _week, report in weekly:
        report["indicators"]["first_contact_on_time"] = {
            "value": {u: {"pct": 60.0, "numerator": 6, "denominator": 10} for u in URGENCIES},
            "n": 50,
            "complete": 1.0,
        }
    board = build_dashboard(period, weekly, source="central", urgencies=("U1",))
    chart = board.chart("first_contact_on_time")
    assert chart.empty is None and chart.norm == 90.0 and chart.norm_label == "norm 90%"
    assert [s.name for s in chart.series] == ["U1"]
    assert chart.table.rows[0][1] == "60% (6 van 10)"
    assert "U1: norm 90%" in chart.caption


def test_the_urgency_filter_keeps_only_the_chosen_series() -> None:
    period, weekly = reports(KNOWN)
    board = build_dashboard(period, weekly, source="local", urgencies=("U2", "U3"))
    assert [s.name for s in board.chart("cases_per_week").series] == ["U2", "U3"]
    assert board.chart("urgency_mix").categories == ("U2", "U3")


def test_an_empty_period_says_there_are_no_cases() -> None:
    period, weekly = reports([])
    board = build_dashboard(period, weekly, source="local")
    assert board.chart("cases_per_week").empty == "geen meldingen in deze periode"
    assert board.chart("cases_by_hour").empty == "geen meldingen in deze periode"


def test_published_marks_are_drawn_as_marks_never_as_numbers() -> None:
    period, weekly = reports(KNOWN, public=True)
    board = build_dashboard(period, weekly, source="local")
    u1 = board.chart("cases_per_week").series[0]
    assert u1.points[1].text == "<5" and u1.points[1].value is None
    assert all(p.text not in ("1", "2", "3", "4") for s in
               board.chart("cases_per_week").series for p in s.points)  # fmt: skip
    assert board.public


def test_english_texts() -> None:
    set_language("en")
    period, weekly = reports([])
    board = build_dashboard(period, weekly, source="local")
    assert board.chart("placement_wait").empty == "not available (no data source yet)"
    assert board.chart("cases_per_week").title == "Decided cases per week and urgency"


def test_a_bad_period_is_refused_naming_the_field() -> None:
    today = date(2026, 12, 3)
    assert str(filter_problem(date(2026, 11, 5), date(2026, 11, 5), today)).startswith("Tot en met")
    assert str(filter_problem(date(2026, 12, 5), date(2026, 12, 9), today)).startswith("Van")
    assert str(filter_problem(date(2024, 1, 1), date(2026, 1, 2), today)).startswith("Tot en met")
    assert filter_problem(START, END, today) is None


# -- weeks beside the period never give a hidden week back ------------------------------


def rows_for(
    cells: list[Any], total: Any, upper: int, exact_row_total: int | None = None
) -> list[tuple[int, ...]]:
    domains = [
        [c] if isinstance(c, int) else range(1, 5) if c == "<5" else range(upper + 1) for c in cells
    ]
    out = []
    for combo in itertools.product(*domains):
        s = sum(combo)
        if isinstance(total, int) and s != total:
            continue
        if total == "<5" and not 1 <= s <= 4:
            continue
        out.append(combo)
    return out


def attack(
    weeks: list[list[Any]], week_n: list[Any], period: list[Any], period_n: Any, upper: int
) -> list[list[set[int]]]:
    """Every value each weekly cell can take given all that is published (weekly cells
    and totals, period cells and total): a brute-force search over whole tables."""
    candidates = [rows_for(w, n, upper) for w, n in zip(weeks, week_n, strict=True)]
    found = [[set() for _ in weeks[0]] for _ in weeks]  # type: list[list[set[int]]]
    columns = len(period)
    for table in itertools.product(*candidates):
        sums = [sum(row[c] for row in table) for c in range(columns)]
        if any(isinstance(p, int) and s != p for p, s in zip(period, sums, strict=True)):
            continue
        if any(p == "<5" and not 1 <= s <= 4 for p, s in zip(period, sums, strict=True)):
            continue
        if isinstance(period_n, int) and sum(sums) != period_n:
            continue
        for w, row in enumerate(table):
            for c, value in enumerate(row):
                found[w][c].add(value)
    return found


def report_of(row: dict[str, Any], n: Any) -> dict[str, Any]:
    return {"indicators": {"cases_by_urgency": {"value": row, "n": n, "complete": 1.0},
                           "time_to_decision": {"n": 0, "complete": None}}}  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(2, 3).flatmap(
        lambda weeks: st.integers(2, 3).flatmap(
            lambda cats: st.lists(
                st.lists(st.integers(0, 7), min_size=cats, max_size=cats),
                min_size=weeks,
                max_size=weeks,
            )
        )
    )
)
def test_weeks_beside_the_period_never_reveal_a_small_count(table: list[list[int]]) -> None:
    cats = [f"U{i + 1}" for i in range(len(table[0]))]
    weekly = []
    for row in table:
        published, n = suppress_breakdown(dict(zip(cats, row, strict=True)), sum(row))
        weekly.append(report_of(published, n))
    columns = [sum(row[c] for row in table) for c in range(len(cats))]
    total = sum(columns)
    p_cells, p_n = suppress_breakdown(dict(zip(cats, columns, strict=True)), total)
    period, weeks = guarded(report_of(p_cells, p_n), weekly)
    shown = [[w["indicators"]["cases_by_urgency"]["value"][c] for c in cats] for w in weeks]
    shown_n = [w["indicators"]["cases_by_urgency"]["n"] for w in weeks]
    p_shown = [period["indicators"]["cases_by_urgency"]["value"][c] for c in cats]
    p_shown_n = period["indicators"]["cases_by_urgency"]["n"]
    # what is published is true, and no count from 1 to 4 is published
    for w, row in enumerate(table):
        for c, value in enumerate(row):
            if isinstance(shown[w][c], int):
                assert shown[w][c] == value
                assert not 1 <= value <= 4
    upper = total if isinstance(p_shown_n, int) else 3 * 7 * 3
    possible = attack(shown, shown_n, p_shown, p_shown_n, upper)
    for w, row in enumerate(table):
        for c, value in enumerate(row):
            assert value in possible[w][c]
            if isinstance(shown[w][c], str):
                assert len(possible[w][c]) > 1, (table, shown, shown_n, p_shown, p_shown_n)


def test_period_figures_beside_weeks_come_from_the_published_weeks() -> None:
    assert derived_sum([10, 0, 12]) == 22
    assert derived_sum([10, "<5", 12]) == "x"  # 25 - 22 would give the hidden 3 back

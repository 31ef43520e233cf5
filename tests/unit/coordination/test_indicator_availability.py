"""``free_places`` from a capacity history: time-weighted means per setting, the figure in
force at the start of the period, hours under an intake stop clipped to the period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from coordination.indicators.availability import CapacityChange, free_places

LOW = datetime(2026, 11, 1, tzinfo=UTC)
HIGH = LOW + timedelta(days=10)


def test_a_step_function_is_weighted_by_time() -> None:
    changes = [
        CapacityChange("a", LOW - timedelta(days=3), 4),  # in force at the start
        CapacityChange("a", LOW + timedelta(days=5), 2),
        CapacityChange("b", LOW + timedelta(days=2), 1),  # unknown before day 2
        CapacityChange("c", HIGH + timedelta(days=1), 9),  # after the period
    ]
    result = free_places(
        changes, {"a": "crisis_bed", "b": "crisis_bed", "c": "clinical"}, LOW, HIGH
    )
    assert result.value["crisis_bed"]["mean_free"] == 3.0 + 1.0
    assert result.value["clinical"] == {"mean_free": 0.0, "intake_stop_hours": 0.0}
    assert result.n == 2
    assert result.complete == round((10 + 8) / 30, 4)


def test_intake_stop_hours_are_clipped_to_the_period_and_to_the_stop() -> None:
    stop = {"reason": "Verbouwing", "from": (LOW - timedelta(days=1)).isoformat(),
            "until": (LOW + timedelta(hours=30)).isoformat()}  # fmt: skip
    changes = [
        CapacityChange("a", LOW - timedelta(days=2), 0, stop),
        CapacityChange("a", LOW + timedelta(days=1), 3, None),  # lifted after 24 h
    ]
    result = free_places(changes, {"a": "clinical"}, LOW, HIGH)
    assert result.value["clinical"]["intake_stop_hours"] == 24.0
    assert result.value["clinical"]["mean_free"] == round(3 * 9 / 10, 2)


@given(st.lists(st.tuples(st.integers(-48, 300), st.integers(0, 20)), min_size=1, max_size=12))
def test_the_mean_lies_between_the_lowest_and_highest_figure(steps: list[tuple[int, int]]) -> None:
    changes = [CapacityChange("a", LOW + timedelta(hours=h), n) for h, n in steps]
    result = free_places(changes, {"a": "crisis_bed"}, LOW, HIGH)
    if result.n == 0:
        return
    in_force = [n for h, n in sorted(steps) if LOW + timedelta(hours=h) < HIGH]
    mean = result.value["crisis_bed"]["mean_free"]
    assert min(in_force) - 0.01 <= mean <= max(in_force) + 0.01
    assert result.complete is not None and 0 < result.complete <= 1

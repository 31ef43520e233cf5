"""``free_places`` from the capacity history (domain/indicators.md): per setting, the
time-weighted mean of free places over the period and the hours under intake stop.

Each unit's history is a step function: a change's ``available`` and ``intake_stop``
hold from its time until the next change. Per unit, the mean is taken over the part of
the period its figure is known (from its first change on); a setting's mean free places
is the sum of its units' means. ``complete`` is the known share of unit-time. Holds are
not counted: they are short and already end in a referral outcome. Pure; the central API
reads the rows (``central_api.indicators.query``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class CapacityChange:
    unit_id: str
    at: datetime
    available: int
    intake_stop: Mapping[str, Any] | None = None  # {"reason", "from", "until"}


@dataclass(frozen=True)
class FreePlaces:
    value: dict[str, dict[str, float]]  # setting -> {"mean_free", "intake_stop_hours"}
    n: int  # units with a known figure in the period
    complete: float | None  # known unit-time / all unit-time


def _stop_hours(stop: Mapping[str, Any] | None, start: datetime, end: datetime) -> float:
    if not stop:
        return 0.0
    begin = max(start, datetime.fromisoformat(str(stop["from"])))
    until = stop.get("until")
    finish = min(end, datetime.fromisoformat(str(until))) if until else end
    return max(0.0, (finish - begin).total_seconds() / 3600)


def free_places(
    changes: Iterable[CapacityChange],
    settings: Mapping[str, str],
    low: datetime,
    high: datetime,
) -> FreePlaces:
    """The indicator over [low, high) for the units in ``settings`` (unit id -> setting);
    ``changes`` may start before ``low`` (the figure in force at ``low``)."""
    by_unit: dict[str, list[CapacityChange]] = {}
    for change in changes:
        if change.unit_id in settings and change.at < high:
            by_unit.setdefault(change.unit_id, []).append(change)
    period = (high - low).total_seconds()
    value: dict[str, dict[str, float]] = {
        setting: {"mean_free": 0.0, "intake_stop_hours": 0.0}
        for setting in sorted(set(settings.values()))
    }
    known_total = 0.0
    n = 0
    for unit_id, rows in by_unit.items():
        rows.sort(key=lambda c: c.at)
        integral = known = stop = 0.0
        for index, row in enumerate(rows):
            start = max(row.at, low)
            end = rows[index + 1].at if index + 1 < len(rows) else high
            end = min(end, high)
            if end <= start:
                continue
            seconds = (end - start).total_seconds()
            integral += row.available * seconds
            known += seconds
            stop += _stop_hours(row.intake_stop, start, end)
        if known <= 0:
            continue
        n += 1
        known_total += known
        cell = value[settings[unit_id]]
        cell["mean_free"] += integral / known
        cell["intake_stop_hours"] += stop
    for cell in value.values():
        cell["mean_free"] = round(cell["mean_free"], 2)
        cell["intake_stop_hours"] = round(cell["intake_stop_hours"], 2)
    all_time = period * len(settings)
    complete = round(known_total / all_time, 4) if all_time > 0 else None
    return FreePlaces(value, n, complete)

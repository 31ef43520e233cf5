"""From cells (counts per category) to the indicator report of domain/indicators.md.

The central API fills :class:`Cells` by SQL (`central_api.indicators.query`), the desk by
:func:`cells_from_facts` over its own cases; :func:`assemble` shapes both the same way,
exact for coordinators or with the small-number rules (`public=True`).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from coordination.indicators.availability import FreePlaces
from coordination.indicators.catalogue import NOT_AVAILABLE, Catalogue, load_catalogue
from coordination.indicators.facts import ZONE, CaseFacts
from coordination.indicators.suppression import (
    NO_PCT,
    SECONDARY,
    SMALL,
    Published,
    is_small,
    suppress_breakdown,
    suppress_ratio,
)

# breakdown dimension of each breakdown indicator (CaseFacts attribute / SQL column)
DIMENSIONS = {
    "cases_by_urgency": "urgency",
    "cases_by_age_band": "age_band",
    "cases_by_caller_role": "caller_role",
    "cases_by_channel": "channel",
    "cases_by_hour": "hour",
}
# breakdowns over every case of the period: their total is cases_total
OVER_ALL_CASES = ("cases_by_age_band", "cases_by_caller_role", "cases_by_channel", "cases_by_hour")


REFERRAL_INDICATORS = frozenset(
    {"first_contact_on_time", "acknowledged_on_time", "breaches", "referrals_declined"}
)
"""The referral indicators computed from the central API's referrals (``ReferralCells``);
``placement_wait`` still has no data source."""
TIMERS = ("acknowledge", "first_contact")


@dataclass
class ReferralCells:
    """Counts over the referrals of the cases of one region and period."""

    requested: int = 0
    declined: int = 0
    decline_reasons: dict[str, int] = field(default_factory=dict)
    acknowledged_on_time: int = 0
    acknowledge_counted: int = 0  # timer met, or run out
    breaches: dict[str, int] = field(default_factory=dict)  # per timer, recorded once
    contact_on_time: dict[str, int] = field(default_factory=dict)  # per urgency (cases)
    contact_counted: dict[str, int] = field(default_factory=dict)


@dataclass
class Cells:
    """Everything the indicators need, counted over the cases of one region and period."""

    total: int = 0
    by: dict[str, dict[str, int]] = field(default_factory=dict)
    decided: int = 0
    reconciled: int = 0
    ready: int = 0
    answered: dict[str, int] = field(default_factory=dict)  # among ready cases
    minutes_n: int = 0
    median: float | None = None
    p90: float | None = None
    referrals: ReferralCells | None = None  # None: no referral source (the desk)
    # the central API's capacity history (None: no directory, e.g. on the desk)
    free_places: FreePlaces | None = None

    def add(self, dim: str, category: str, count: int) -> None:
        bucket = self.by.setdefault(dim, {})
        bucket[category] = bucket.get(category, 0) + count


def percentile(ordered: Sequence[float], p: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont)."""
    if not ordered:
        return None
    h = (len(ordered) - 1) * p
    low = math.floor(h)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (h - low) * (ordered[high] - ordered[low])


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[from, to) in local time (Europe/Amsterdam), as UTC moments."""
    return (
        datetime.combine(start, time(0), ZONE).astimezone(UTC),
        datetime.combine(end, time(0), ZONE).astimezone(UTC),
    )


def cells_from_facts(facts: Iterable[CaseFacts], start: date, end: date) -> Cells:
    """The desk's way: count the facts of cases received in [start, end) (local)."""
    low, high = period_bounds(start, end)
    catalogue = load_catalogue()
    cells = Cells()
    minutes: list[float] = []
    for f in facts:
        if f.received_at is None or not (low <= f.received_at < high):
            continue
        cells.total += 1
        if f.urgency is not None:
            cells.add("urgency", f.urgency, 1)
        cells.add("age_band", f.age_band, 1)
        cells.add("caller_role", f.caller_role, 1)
        cells.add("channel", f.channel, 1)
        cells.add("hour", str(f.local_hour), 1)
        cells.decided += f.decided
        cells.reconciled += f.needed_reconciliation
        if f.ready:
            cells.ready += 1
            for bit, field_id in enumerate(catalogue.completeness_fields):
                if f.answered_mask & (1 << bit):
                    cells.answered[field_id] = cells.answered.get(field_id, 0) + 1
        if f.minutes_to_decision is not None:
            minutes.append(f.minutes_to_decision)
    minutes.sort()
    cells.minutes_n = len(minutes)
    cells.median = percentile(minutes, 0.5)
    cells.p90 = percentile(minutes, 0.9)
    return cells


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _ratio(numerator: int, denominator: int) -> dict[str, Any]:
    pct = round(100.0 * numerator / denominator, 1) if denominator else None
    return {"pct": pct, "numerator": numerator, "denominator": denominator}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def assemble(
    cells: Cells,
    *,
    region: str,
    start: date,
    end: date,
    computed_at: datetime,
    public: bool = False,
    catalogue: Catalogue | None = None,
) -> dict[str, Any]:
    """The report: every indicator of the catalogue, ids as keys."""
    catalogue = catalogue or load_catalogue()
    out: dict[str, Any] = {}
    total = cells.total
    for indicator in catalogue.indicators:
        entry: dict[str, Any]
        if indicator.id in REFERRAL_INDICATORS and cells.referrals is not None:
            entry = _referral_entry(indicator.id, cells.referrals, catalogue)
        elif not indicator.available or (
            indicator.source == "availability" and cells.free_places is None
        ):
            entry = {"value": None, "available": False, "note": NOT_AVAILABLE, "n": 0,
                     "complete": None}  # fmt: skip
        elif indicator.source == "availability" and cells.free_places is not None:
            places = cells.free_places
            entry = {"value": places.value, "n": places.n, "complete": places.complete}
        elif indicator.kind == "count":
            entry = {"value": total, "n": total, "complete": 1.0 if total else None}
        elif indicator.kind == "breakdown":
            dim = DIMENSIONS[indicator.id]
            counts = cells.by.get(dim, {})
            value = {c: counts.get(c, 0) for c in catalogue.categories_of(indicator)}
            n = sum(value.values())
            known = n - value.get("unknown", 0)
            complete = _share(n, total) if indicator.complete_over else _share(known, n)
            entry = {"value": value, "n": n, "complete": complete}
        elif indicator.kind == "minutes":
            entry = {
                "value": {"median": _round(cells.median), "p90": _round(cells.p90)},
                "n": cells.minutes_n,
                "complete": _share(cells.minutes_n, total),
            }
        elif indicator.id == "needs_reconciliation":
            entry = {"value": _ratio(cells.reconciled, total), "n": total,
                     "complete": 1.0 if total else None}  # fmt: skip
        else:  # completeness
            entry = {
                "value": {
                    f: _ratio(cells.answered.get(f, 0), cells.ready)
                    for f in catalogue.completeness_fields
                },
                "n": cells.ready,
                "complete": 1.0 if cells.ready else None,
            }
        entry["unit"] = indicator.unit
        out[indicator.id] = entry
    if public:
        out = publish(out)
    return {
        "region": region,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "computed_at": computed_at.isoformat(),
        "catalogue_version": catalogue.version,
        "public": public,
        "indicators": out,
    }


def _referral_entry(key: str, r: ReferralCells, catalogue: Catalogue) -> dict[str, Any]:
    if key == "first_contact_on_time":
        urgencies = catalogue.categories["urgency"]
        n = sum(r.contact_counted.values())
        value = {
            u: _ratio(r.contact_on_time.get(u, 0), r.contact_counted.get(u, 0)) for u in urgencies
        }
        return {"value": value, "n": n, "complete": 1.0 if n else None}
    if key == "acknowledged_on_time":
        n = r.acknowledge_counted
        return {"value": _ratio(r.acknowledged_on_time, n), "n": n,
                "complete": 1.0 if n else None}  # fmt: skip
    if key == "breaches":
        counts = {timer: r.breaches.get(timer, 0) for timer in TIMERS}
        n = sum(counts.values())
        return {"value": counts, "n": n, "complete": 1.0 if n else None}
    # referrals_declined
    from coordination.referrals import DECLINE_REASONS

    reasons = {code: r.decline_reasons.get(code, 0) for code in DECLINE_REASONS}
    value = {**_ratio(r.declined, r.requested), "reasons": reasons}
    return {"value": value, "n": r.requested, "complete": 1.0 if r.requested else None}


def _publish_referrals(out: dict[str, Any], exact: dict[str, Any]) -> None:
    """The small-number rules for the referral indicators (when computed)."""
    for key in REFERRAL_INDICATORS:
        entry = exact.get(key)
        if entry is None or entry.get("available") is False:
            continue
        value = entry["value"]
        n: Published = SMALL if is_small(entry["n"]) else entry["n"]
        if key == "first_contact_on_time":
            shown: Any = {
                u: suppress_ratio(r["numerator"], r["denominator"]) for u, r in value.items()
            }
        elif key == "acknowledged_on_time":
            shown = suppress_ratio(value["numerator"], value["denominator"])
        elif key == "breaches":
            shown, n = suppress_breakdown(value, entry["n"])
        else:
            reasons, _total = suppress_breakdown(value["reasons"], value["numerator"])
            shown = {**suppress_ratio(value["numerator"], value["denominator"]), "reasons": reasons}
        out[key] = {**entry, "value": shown, "n": n}


def publish(exact: dict[str, Any]) -> dict[str, Any]:
    """The small-number rules applied to an exact report's indicators."""
    out: dict[str, Any] = {k: dict(v) for k, v in exact.items()}
    total = exact["cases_total"]["value"]
    # A breakdown over every case whose total had to be hidden hides cases_total too
    # (and so the n of every other breakdown over every case).
    total_hidden = any(
        suppress_breakdown(exact[key]["value"], exact[key]["n"])[1] == SECONDARY
        for key in OVER_ALL_CASES
    )
    for key in DIMENSIONS:
        entry = exact[key]
        cells, shown_n = suppress_breakdown(entry["value"], entry["n"])
        if key in OVER_ALL_CASES and total_hidden and not isinstance(shown_n, str):
            shown_n = SECONDARY
        complete = entry["complete"]
        if isinstance(shown_n, str) or isinstance(cells.get("unknown"), str):
            complete = NO_PCT  # it would give the hidden count back
        out[key] = {**entry, "value": cells, "n": shown_n, "complete": complete}
    shown_total: Published = SMALL if is_small(total) else total
    if total_hidden and not is_small(total):
        shown_total = SECONDARY
    out["cases_total"] = {**exact["cases_total"], "value": shown_total, "n": shown_total}
    if isinstance(shown_total, str):
        out["cases_total"]["complete"] = NO_PCT
    minutes = exact["time_to_decision"]
    n = minutes["n"]
    out["time_to_decision"] = {
        **minutes,
        "value": minutes["value"] if n >= 10 else {"median": NO_PCT, "p90": NO_PCT},
        "n": SMALL if is_small(n) else n,
        # complete = n / cases_total would give a hidden n back
        "complete": NO_PCT if is_small(n) or isinstance(shown_total, str) else minutes["complete"],
    }
    rec = exact["needs_reconciliation"]
    out["needs_reconciliation"] = {
        **rec,
        "value": suppress_ratio(rec["value"]["numerator"], rec["value"]["denominator"]),
        "n": shown_total,
    }
    comp = exact["completeness"]
    out["completeness"] = {
        **comp,
        "value": {
            f: suppress_ratio(r["numerator"], r["denominator"]) for f, r in comp["value"].items()
        },
        "n": SMALL if is_small(comp["n"]) else comp["n"],
    }
    if isinstance(shown_total, str):
        out["needs_reconciliation"]["value"]["denominator"] = shown_total
        out["needs_reconciliation"]["value"]["pct"] = NO_PCT
    _publish_referrals(out, exact)
    return out


def to_csv(report: dict[str, Any]) -> str:
    """One row per indicator and category: indicator,category,value,n,complete."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["indicator", "category", "value", "n", "complete"])

    def cell(value: Any) -> Any:
        return "" if value is None else value

    for key, entry in report["indicators"].items():
        n, complete = cell(entry["n"]), cell(entry["complete"])
        value = entry["value"]
        if entry.get("available") is False:
            writer.writerow([key, "", entry["note"], n, complete])
        elif not isinstance(value, dict):
            writer.writerow([key, "", cell(value), n, complete])
        else:
            for category, item in value.items():
                if isinstance(item, dict):
                    for part, number in item.items():
                        writer.writerow([key, f"{category}:{part}", cell(number), n, complete])
                else:
                    writer.writerow([key, category, cell(item), n, complete])
    return buffer.getvalue()

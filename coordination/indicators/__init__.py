"""Stuurinformatie: the indicator catalogue, case facts, suppression and the dataset.

Qt-free, shared by the desk and the central API (domain/indicators.md, DESIGN.md
contract 9). Public API::

    load_catalogue() -> Catalogue             # catalogue.yaml: every indicator as data
    case_facts(case_id, versions) -> CaseFacts
    cells_from_facts(facts, start, end) -> Cells   # the desk's counting
    assemble(cells, region=, start=, end=, computed_at=, public=) -> report dict
    desk_report(cases, region, start, end, now, public) -> report dict
    to_csv(report) -> str
    suppress_breakdown(cells, total) / suppress_ratio(num, den)   # small numbers
    build_dataset(facts, region, secret) -> Dataset             # the minimal dataset
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from coordination.indicators.catalogue import NOT_AVAILABLE, Catalogue, Indicator, load_catalogue
from coordination.indicators.compute import Cells, assemble, cells_from_facts, percentile, to_csv
from coordination.indicators.facts import CaseFacts, case_facts
from coordination.indicators.suppression import suppress_breakdown, suppress_ratio


def desk_report(
    cases: Iterable[Mapping[str, Any]],
    *,
    region: str,
    start: date,
    end: date,
    now: datetime,
    public: bool = False,
) -> dict[str, Any]:
    """Indicators over the desk's own case dicts (contract-4 JSON, optionally with a
    `versions` list of earlier versions, oldest first). Training cases never count."""
    facts = []
    for case in cases:
        if case.get("training"):
            continue
        versions = list(case.get("versions") or []) or [case]
        facts.append(case_facts(str(case.get("id")), versions))
    cells = cells_from_facts(facts, start, end)
    return assemble(cells, region=region, start=start, end=end, computed_at=now, public=public)


__all__ = [
    "NOT_AVAILABLE",
    "CaseFacts",
    "Catalogue",
    "Cells",
    "Indicator",
    "assemble",
    "case_facts",
    "cells_from_facts",
    "desk_report",
    "load_catalogue",
    "percentile",
    "suppress_breakdown",
    "suppress_ratio",
    "to_csv",
]

"""The indicator catalogue (`catalogue.yaml`): the one definition of every indicator.

Read by the central API (SQL over `indicator_facts`) and by the desk (Python over its
own cases); both hand the same cells to :func:`coordination.indicators.compute.assemble`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

NOT_AVAILABLE = "not available (no data source yet)"


@dataclass(frozen=True)
class Indicator:
    id: str
    name: dict[str, str]
    definition: dict[str, str]
    numerator: str
    denominator: str | None
    clock_start: str | None
    clock_stop: str | None
    unit: str
    kind: str  # count | breakdown | minutes | ratio | ratios_by
    source: str  # cases | referrals | availability
    version: str
    categories: str | None = None
    complete_over: str | None = None

    @property
    def available(self) -> bool:
        return self.source in ("cases", "availability")


@dataclass(frozen=True)
class Catalogue:
    version: str
    zone: str
    categories: dict[str, tuple[str, ...]]
    completeness_fields: tuple[str, ...]
    indicators: tuple[Indicator, ...]

    def get(self, indicator_id: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.id == indicator_id:
                return indicator
        raise KeyError(indicator_id)

    def categories_of(self, indicator: Indicator) -> tuple[str, ...]:
        if indicator.categories == "completeness_fields":
            return self.completeness_fields
        return self.categories.get(indicator.categories or "", ())


@cache
def load_catalogue() -> Catalogue:
    text = resources.files("coordination.indicators").joinpath("catalogue.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    fields = {f for f in Indicator.__dataclass_fields__}
    return Catalogue(
        version=str(data["version"]),
        zone=str(data["zone"]),
        categories={k: tuple(str(v) for v in vs) for k, vs in data["categories"].items()},
        completeness_fields=tuple(data["completeness_fields"]),
        indicators=tuple(
            Indicator(**{k: v for k, v in item.items() if k in fields})
            for item in data["indicators"]
        ),
    )

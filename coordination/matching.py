"""Matching: which units of the directory fit a case, in what order, and why the others do not.

Exactly ``domain/coordination.md`` §3. A unit is **excluded** with every code that applies
(sorted); every other unit is a **match** with its flags, ranked by: fresh before stale,
fewer missing expertises, serving the youth's municipality first, more free places, unit
name (case-insensitive), unit id. Pure functions over the model of
:mod:`coordination.directory`: :func:`evaluate_unit` judges one unit (the desk's panel and
the central API can use it alone), :func:`match` a whole directory, :func:`match_case`
reads the case first. Flags are sorted too, like the exclusion codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from coordination import texts
from coordination.asks import Asks, asks_for_case
from coordination.directory import Directory, Unit

EXCLUSION_CODES = (
    "AGE_OUT_OF_RANGE",
    "GENDER_NOT_SERVED",
    "INTAKE_STOP",
    "LEGAL_ROUTE_NOT_OFFERED",
    "NO_CAPACITY",
    "SETTING_NOT_OFFERED",
)
FLAG_CODES = ("AGE_UNKNOWN", "EXPERTISE_MISSING", "STALE_AVAILABILITY")


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one unit fares against one case at one moment."""

    unit: Unit
    codes: tuple[str, ...]  # exclusion codes, sorted; empty for a match
    flags: tuple[str, ...]  # sorted
    free: int  # available minus running holds
    held: int  # running holds
    age_seconds: float  # how old the availability is (0 when updated after ``at``)
    stale: bool
    missing: tuple[str, ...]  # needed expertise the unit does not list
    serves_municipality: bool

    @property
    def matched(self) -> bool:
        return not self.codes

    def sort_key(self) -> tuple[bool, int, bool, int, str, str]:
        """The ranking of §3 as one key (unit ids are unique, so the order is total)."""
        return (
            self.stale,
            len(self.missing),
            not self.serves_municipality,
            -self.free,
            self.unit.name.casefold(),
            self.unit.id,
        )

    def reasons(self, asks: Asks, lang: str) -> list[str]:
        """Short sentences for the desk worker, in ``lang`` (nl or en)."""
        capacity = self.unit.capacity
        age = texts.duration(self.age_seconds, lang)
        out = [texts.text("stale" if self.stale else "fresh", lang, age=age)]
        if self.free == 1:
            unit = texts.capacity_unit(capacity.unit, 1, lang)
            out.append(texts.text("free_one", lang, unit=unit, maximum=capacity.maximum))
        else:
            units = texts.capacity_unit(capacity.unit, self.free, lang)
            out.append(
                texts.text("free_many", lang, free=self.free, units=units, maximum=capacity.maximum)
            )
        if self.held:
            out.append(texts.text("held", lang, held=self.held))
        if asks.legal_route != "voluntary":
            out.append(texts.text("route", lang, route=texts.route_label(asks.legal_route, lang)))
        if asks.expertise:
            if self.missing:
                labels = [texts.expertise_label(code, lang) for code in self.missing]
                out.append(texts.text("expertise_missing", lang, list=texts.listing(labels, lang)))
            present = [code for code in asks.expertise if code not in self.missing]
            if present:
                labels = [texts.expertise_label(code, lang) for code in present]
                out.append(texts.text("expertise_present", lang, list=texts.listing(labels, lang)))
        if asks.municipality:
            key = "serves_municipality" if self.serves_municipality else "other_municipality"
            out.append(texts.text(key, lang, municipality=asks.municipality))
        if asks.age is None:
            low, high = self.unit.min_age, self.unit.max_age
            out.append(texts.text("age_unknown", lang, min_age=low, max_age=high))
        return out


def evaluate_unit(unit: Unit, asks: Asks, at: datetime, freshness_limit_hours: float) -> Outcome:
    """Judge one unit for a case at ``at`` (no placement needed: every setting is wrong)."""
    capacity = unit.capacity
    codes = []
    age = asks.age
    if age is not None and not unit.min_age <= age <= unit.max_age:
        codes.append("AGE_OUT_OF_RANGE")
    if asks.gender != "unknown" and asks.gender not in unit.genders:
        codes.append("GENDER_NOT_SERVED")
    stop = capacity.intake_stop
    if stop is not None and stop.start <= at and (stop.until is None or at < stop.until):
        codes.append("INTAKE_STOP")
    if asks.legal_route not in unit.legal_routes:
        codes.append("LEGAL_ROUTE_NOT_OFFERED")
    held = capacity.held(at)
    free = capacity.available - held
    if free <= 0:
        codes.append("NO_CAPACITY")
    if unit.setting not in asks.settings:
        codes.append("SETTING_NOT_OFFERED")
    age_seconds = max(0.0, (at - capacity.updated).total_seconds())
    stale = age_seconds > freshness_limit_hours * 3600
    missing = tuple(code for code in asks.expertise if code not in unit.expertise)
    flags = []
    if age is None:
        flags.append("AGE_UNKNOWN")
    if missing:
        flags.append("EXPERTISE_MISSING")
    if stale:
        flags.append("STALE_AVAILABILITY")
    serves = False
    if asks.municipality:
        wanted = asks.municipality.casefold()
        serves = any(name.strip().casefold() == wanted for name in unit.municipalities)
    return Outcome(
        unit, tuple(codes), tuple(flags), free, held, age_seconds, stale, missing, serves
    )


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A unit that does not fit, with every code that applies (sorted)."""

    unit: Unit
    codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The ranked matches and the exclusions for one case at one moment."""

    at: datetime
    asks: Asks
    matches: tuple[Outcome, ...]  # ranked, best first
    excluded: tuple[Exclusion, ...]  # by unit id
    lang: str = "nl"

    @property
    def placement_needed(self) -> bool:
        return self.asks.placement_needed

    def to_json(self) -> dict[str, Any]:
        """The output of ``doorloop match`` (§3)."""
        asks = self.asks
        lang = self.lang
        return {
            "at": self.at.isoformat(),
            "placement_needed": asks.placement_needed,
            "asks": asks.to_json(),
            "matches": [
                {
                    "unit_id": outcome.unit.id,
                    "rank": rank,
                    "free": outcome.free,
                    "flags": list(outcome.flags),
                    "reasons": outcome.reasons(asks, lang),
                }
                for rank, outcome in enumerate(self.matches, start=1)
            ],
            "excluded": [
                {"unit_id": exclusion.unit.id, "codes": list(exclusion.codes)}
                for exclusion in self.excluded
            ],
        }


_CODES_FOR_MASK = tuple(
    tuple(code for bit, code in enumerate(EXCLUSION_CODES) if mask >> bit & 1)
    for mask in range(1 << len(EXCLUSION_CODES))
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_NEVER = 2**63


def _micros(moment: datetime) -> int:
    """Microseconds since 1970 (exact, so ``==`` boundaries stay boundaries)."""
    return (moment - _EPOCH) // _MICROSECOND


def _index(directory: Directory) -> list[tuple[Any, ...]]:
    """What matching reads of each unit, in unit id order, built once per directory."""
    index = directory.derived.get("matching")
    if index is None:
        rows = []
        for unit in sorted(directory.units, key=lambda unit: unit.id):
            capacity = unit.capacity
            stop = capacity.intake_stop
            rows.append(
                (
                    unit,
                    unit.min_age,
                    unit.max_age,
                    frozenset(unit.genders),
                    frozenset(unit.legal_routes),
                    unit.setting,
                    capacity.available,
                    tuple(_micros(hold.until) for hold in capacity.holds),
                    None if stop is None else _micros(stop.start),
                    _NEVER if stop is None or stop.until is None else _micros(stop.until),
                )
            )
        index = directory.derived["matching"] = rows
    return index


def match(asks: Asks, directory: Directory, at: datetime, lang: str = "nl") -> MatchResult:
    """Match every unit of ``directory`` against ``asks`` at ``at`` (an aware datetime).

    One pass decides the exclusion codes from an index of the directory (the same rules
    as :func:`evaluate_unit`, on integer times); only the matches are then judged in
    full, ranked and given reasons.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("at must carry a UTC offset")
    if not asks.placement_needed:
        return MatchResult(at, asks, (), (), lang)
    now = _micros(at)
    age = asks.age
    gender = asks.gender if asks.gender != "unknown" else None
    route = asks.legal_route
    settings = frozenset(asks.settings)
    limit = directory.freshness_limit_hours
    matches = []
    excluded = []
    for unit, low, high, genders, routes, setting, available, holds, start, until in _index(
        directory
    ):
        mask = 0  # one bit per exclusion code, in EXCLUSION_CODES order
        if age is not None and (age < low or age > high):
            mask = 1
        if gender is not None and gender not in genders:
            mask |= 2
        if start is not None and start <= now < until:
            mask |= 4
        if route not in routes:
            mask |= 8
        free = available
        for hold_until in holds:
            if now < hold_until:
                free -= 1
        if free <= 0:
            mask |= 16
        if setting not in settings:
            mask |= 32
        if mask:
            excluded.append(Exclusion(unit, _CODES_FOR_MASK[mask]))
        else:
            matches.append(evaluate_unit(unit, asks, at, limit))
    matches.sort(key=Outcome.sort_key)
    return MatchResult(at, asks, tuple(matches), tuple(excluded), lang)


def match_case(case: object, directory: Directory, at: datetime, lang: str = "nl") -> MatchResult:
    """Read the case (raises :class:`coordination.asks.CaseError`) and match it."""
    return match(asks_for_case(case, at), directory, at, lang)

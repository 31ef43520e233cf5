"""The provider directory: organisations, their units, and each unit's live capacity.

Owns the model of ``domain/coordination.md`` §2 and the strict loader and writer of
Doorloop's own file format ``doorloop-directory/1``. HSDS 3 exchange lives in
:mod:`coordination.hsds`; matching a case against the model in :mod:`coordination.matching`.

The model is plain frozen dataclasses, checked by hand rather than by pydantic: every
problem is reported with the key *and* the unit it belongs to (``units[3].min_age (unit
"u-4"): ...``), nothing is coerced (``"2"`` is not a number, ``true`` is not 1), cross-field
rules (``min_age <= max_age``, ``available <= maximum``, a unit's organisation exists) sit
next to the type checks, and matching 5,000 units reads attributes of slotted objects
without validation overhead. Qt-free and I/O-free: callers pass parsed JSON.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

FORMAT = "doorloop-directory/1"
DEFAULT_FRESHNESS_HOURS = 12.0

SETTINGS = ("ambulant_crisis", "intensive_home", "crisis_bed", "clinical", "secure_youth_care")
LEGAL_ROUTES = (
    "voluntary",
    "wvggz_crisismaatregel",
    "wvggz_zorgmachtiging",
    "wzd_ibs",
    "wzd_rm",
    "wzd_artikel_21",
    "jw_gesloten",
    "bw_uithuisplaatsing",
)
GENDERS = ("female", "male", "other")
# The expertise codes of the contract; a region may add its own (same spelling rules).
EXPERTISE = (
    "psychosis",
    "suicidality",
    "self_harm",
    "addiction",
    "intellectual_disability",
    "eating_disorder",
    "autism",
    "trauma",
)
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


class DirectoryError(ValueError):
    """A directory that breaks its format; ``problems`` name each key (and unit)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# ---- the model --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Organization:
    id: str
    name: str
    phone_24_7: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "phone_24_7": self.phone_24_7}


@dataclass(frozen=True, slots=True)
class IntakeStop:
    """A unit takes no new cases from ``start`` until ``until`` (open-ended when None)."""

    reason: str
    start: datetime  # "from" in the file
    until: datetime | None = None

    def in_force(self, at: datetime) -> bool:
        return self.start <= at and (self.until is None or at < self.until)

    def to_json(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "from": self.start.isoformat(),
            "until": self.until.isoformat() if self.until else None,
        }


@dataclass(frozen=True, slots=True)
class Hold:
    """A place reserved for a case while its referral is open; runs while ``at < until``."""

    case_id: str
    until: datetime

    def running(self, at: datetime) -> bool:
        return at < self.until

    def to_json(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "until": self.until.isoformat()}


@dataclass(frozen=True, slots=True)
class Capacity:
    unit: str
    available: int
    maximum: int
    updated: datetime
    intake_stop: IntakeStop | None = None
    holds: tuple[Hold, ...] = ()

    def held(self, at: datetime) -> int:
        """How many holds are still running at ``at``."""
        return sum(1 for hold in self.holds if hold.running(at))

    def free(self, at: datetime) -> int:
        """Available places minus the holds still running (may be 0 or less)."""
        return self.available - self.held(at)

    def to_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "available": self.available,
            "maximum": self.maximum,
            "updated": self.updated.isoformat(),
            "intake_stop": self.intake_stop.to_json() if self.intake_stop else None,
            "holds": [hold.to_json() for hold in self.holds],
        }


@dataclass(frozen=True, slots=True)
class Unit:
    """A team, ward or bed group of an organisation."""

    id: str
    organization_id: str
    name: str
    setting: str
    min_age: int
    max_age: int
    genders: tuple[str, ...]
    legal_routes: tuple[str, ...]
    expertise: tuple[str, ...]
    municipalities: tuple[str, ...]
    capacity: Capacity

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "organization_id": self.organization_id,
            "name": self.name,
            "setting": self.setting,
            "min_age": self.min_age,
            "max_age": self.max_age,
            "genders": list(self.genders),
            "legal_routes": list(self.legal_routes),
            "expertise": list(self.expertise),
            "municipalities": list(self.municipalities),
            "capacity": self.capacity.to_json(),
        }


@dataclass(frozen=True)
class Directory:
    """A region's directory as one immutable value (the desk keeps the last one pulled)."""

    organizations: tuple[Organization, ...]
    units: tuple[Unit, ...]
    freshness_limit_hours: float = DEFAULT_FRESHNESS_HOURS
    _by_id: dict[str, Unit] = field(default_factory=dict, init=False, repr=False, compare=False)
    # data other modules derive from this (immutable) directory once, e.g. matching's index
    derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update((unit.id, unit) for unit in self.units)

    def unit(self, unit_id: str) -> Unit:
        return self._by_id[unit_id]

    def organization(self, organization_id: str) -> Organization:
        for organization in self.organizations:
            if organization.id == organization_id:
                return organization
        raise KeyError(organization_id)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": FORMAT,
            "organizations": [organization.to_json() for organization in self.organizations],
            "units": [unit.to_json() for unit in self.units],
        }
        if self.freshness_limit_hours != DEFAULT_FRESHNESS_HOURS:
            data["freshness_limit_hours"] = self.freshness_limit_hours
        return data


# ---- the loader -------------------------------------------------------------------------


class _Problems:
    """Collects every problem of one document; messages name the key and the unit."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str, note: str = "") -> None:
        self.items.append(f"{where}{note}: {message}")


def _keys(
    value: object,
    where: str,
    note: str,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    problems: _Problems,
) -> Mapping[str, Any] | None:
    """``value`` as an object with exactly these keys, or None (problems added)."""
    if not isinstance(value, Mapping):
        problems.add(where, f"must be an object, not {_kind(value)}", note)
        return None
    allowed = set(required) | set(optional)
    for key in value:
        if key not in allowed:
            problems.add(f"{where}.{key}" if where else str(key), "unknown key", note)
    for key in required:
        if key not in value:
            problems.add(f"{where}.{key}" if where else key, "is missing", note)
    return value


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _text(value: object, where: str, note: str, problems: _Problems) -> str | None:
    if not isinstance(value, str) or not value.strip():
        problems.add(where, f"must be non-empty text, not {_kind(value)}", note)
        return None
    return value


def _optional_text(value: object, where: str, note: str, problems: _Problems) -> str | None:
    return None if value is None else _text(value, where, note, problems)


def _count(value: object, where: str, note: str, problems: _Problems) -> int | None:
    """A whole number 0 or more (``2.0`` is accepted as 2; ``true`` and ``"2"`` are not)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(where, f"must be a whole number, not {_kind(value)}", note)
        return None
    if value < 0:
        problems.add(where, f"must be 0 or more, not {value}", note)
        return None
    return value


def parse_datetime(value: object) -> datetime | None:
    """An ISO 8601 date-time with a UTC offset, or None when it is not one."""
    if not isinstance(value, str) or len(value) < 16:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None and parsed.utcoffset() is not None else None


def _datetime(value: object, where: str, note: str, problems: _Problems) -> datetime | None:
    parsed = parse_datetime(value)
    if parsed is None:
        shown = repr(value) if isinstance(value, str) else _kind(value)
        problems.add(where, f"must be an ISO date-time with an offset, not {shown}", note)
    return parsed


def _codes(
    value: object,
    where: str,
    note: str,
    problems: _Problems,
    allowed: tuple[str, ...] | None,
    *,
    at_least_one: bool,
) -> tuple[str, ...] | None:
    """A list of distinct codes, each one of ``allowed`` (or spelled like a code)."""
    if not isinstance(value, list):
        problems.add(where, f"must be a list, not {_kind(value)}", note)
        return None
    if at_least_one and not value:
        problems.add(where, "must list at least one value", note)
        return None
    seen: list[str] = []
    ok = True
    for index, item in enumerate(value):
        spot = f"{where}[{index}]"
        if allowed is not None:
            if item not in allowed:
                shown = repr(item) if isinstance(item, str) else _kind(item)
                problems.add(spot, f"unknown value {shown}; one of {', '.join(allowed)}", note)
                ok = False
                continue
        elif not isinstance(item, str) or not CODE_PATTERN.match(item):
            shown = repr(item) if isinstance(item, str) else _kind(item)
            problems.add(spot, f"{shown} is not a code (lower case, digits, _)", note)
            ok = False
            continue
        if item in seen:
            problems.add(spot, f"{item!r} is listed twice", note)
            ok = False
            continue
        seen.append(item)
    return tuple(seen) if ok else None


def _names(value: object, where: str, note: str, problems: _Problems) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        problems.add(where, f"must be a list, not {_kind(value)}", note)
        return None
    names = []
    for index, item in enumerate(value):
        name = _text(item, f"{where}[{index}]", note, problems)
        if name is None:
            return None
        names.append(name)
    return tuple(names)


def _intake_stop(value: object, where: str, note: str, problems: _Problems) -> IntakeStop | None:
    data = _keys(value, where, note, ("reason", "from"), ("until",), problems)
    if data is None or "reason" not in data or "from" not in data:
        return None
    reason = _text(data["reason"], f"{where}.reason", note, problems)
    start = _datetime(data["from"], f"{where}.from", note, problems)
    until = None
    if data.get("until") is not None:
        until = _datetime(data["until"], f"{where}.until", note, problems)
        if until is None:
            return None
    if reason is None or start is None:
        return None
    if until is not None and until <= start:
        problems.add(f"{where}.until", "must be after intake_stop.from", note)
        return None
    return IntakeStop(reason, start, until)


def _holds(value: object, where: str, note: str, problems: _Problems) -> tuple[Hold, ...] | None:
    if not isinstance(value, list):
        problems.add(where, f"must be a list, not {_kind(value)}", note)
        return None
    holds = []
    for index, item in enumerate(value):
        spot = f"{where}[{index}]"
        data = _keys(item, spot, note, ("case_id", "until"), (), problems)
        if data is None or "case_id" not in data or "until" not in data:
            return None
        case_id = _text(data["case_id"], f"{spot}.case_id", note, problems)
        until = _datetime(data["until"], f"{spot}.until", note, problems)
        if case_id is None or until is None:
            return None
        holds.append(Hold(case_id, until))
    return tuple(holds)


def _capacity(value: object, where: str, note: str, problems: _Problems) -> Capacity | None:
    required = ("unit", "available", "maximum", "updated")
    data = _keys(value, where, note, required, ("intake_stop", "holds"), problems)
    if data is None or any(key not in data for key in required):
        return None
    before = len(problems.items)
    unit = _text(data["unit"], f"{where}.unit", note, problems)
    available = _count(data["available"], f"{where}.available", note, problems)
    maximum = _count(data["maximum"], f"{where}.maximum", note, problems)
    updated = _datetime(data["updated"], f"{where}.updated", note, problems)
    stop = None
    if data.get("intake_stop") is not None:
        stop = _intake_stop(data["intake_stop"], f"{where}.intake_stop", note, problems)
    holds = _holds(data.get("holds", []), f"{where}.holds", note, problems)
    if available is not None and maximum is not None and available > maximum:
        problems.add(
            f"{where}.available", f"{available} is more than capacity.maximum ({maximum})", note
        )
    if len(problems.items) > before:
        return None
    assert unit is not None and available is not None and maximum is not None
    assert updated is not None and holds is not None
    return Capacity(unit, available, maximum, updated, stop, holds)


_UNIT_REQUIRED = (
    "id", "organization_id", "name", "setting", "min_age", "max_age", "genders",
    "legal_routes", "capacity",
)  # fmt: skip
_UNIT_OPTIONAL = ("expertise", "municipalities")


def _unit(value: object, where: str, organizations: set[str], problems: _Problems) -> Unit | None:
    unit_id = value.get("id") if isinstance(value, Mapping) else None
    note = f' (unit "{unit_id}")' if isinstance(unit_id, str) and unit_id else ""
    data = _keys(value, where, note, _UNIT_REQUIRED, _UNIT_OPTIONAL, problems)
    if data is None or any(key not in data for key in _UNIT_REQUIRED):
        return None
    before = len(problems.items)
    ident = _text(data["id"], f"{where}.id", note, problems)
    organization_id = _text(data["organization_id"], f"{where}.organization_id", note, problems)
    if organization_id is not None and organization_id not in organizations:
        problems.add(
            f"{where}.organization_id", f"no organisation with id {organization_id!r}", note
        )
    name = _text(data["name"], f"{where}.name", note, problems)
    setting = data["setting"]
    if setting not in SETTINGS:
        shown = repr(setting) if isinstance(setting, str) else _kind(setting)
        problems.add(
            f"{where}.setting", f"unknown value {shown}; one of {', '.join(SETTINGS)}", note
        )
    min_age = _count(data["min_age"], f"{where}.min_age", note, problems)
    max_age = _count(data["max_age"], f"{where}.max_age", note, problems)
    if min_age is not None and max_age is not None and min_age > max_age:
        problems.add(f"{where}.min_age", f"{min_age} is more than max_age ({max_age})", note)
    genders = _codes(
        data["genders"], f"{where}.genders", note, problems, GENDERS, at_least_one=True
    )
    routes = _codes(
        data["legal_routes"],
        f"{where}.legal_routes",
        note,
        problems,
        LEGAL_ROUTES,
        at_least_one=True,
    )
    expertise = _codes(
        data.get("expertise", []), f"{where}.expertise", note, problems, None, at_least_one=False
    )
    municipalities = _names(
        data.get("municipalities", []), f"{where}.municipalities", note, problems
    )
    capacity = _capacity(data["capacity"], f"{where}.capacity", note, problems)
    if len(problems.items) > before:
        return None
    assert ident and organization_id and name and min_age is not None and max_age is not None
    assert genders and routes and expertise is not None and municipalities is not None
    assert capacity is not None
    return Unit(
        ident, organization_id, name, setting, min_age, max_age,
        genders, routes, expertise, municipalities, capacity,
    )  # fmt: skip


def load_directory(data: object) -> Directory:
    """A ``doorloop-directory/1`` document (parsed JSON) as a :class:`Directory`.

    Raises :class:`DirectoryError` listing every problem, each naming its key and unit.
    """
    if not isinstance(data, Mapping):
        raise DirectoryError([f"the directory must be a JSON object, not {_kind(data)}"])
    problems = _Problems()
    top = _keys(
        data, "", "", ("format", "organizations", "units"), ("freshness_limit_hours",), problems
    )
    assert top is not None
    if "format" in top and top["format"] != FORMAT:
        problems.add("format", f"must be {FORMAT!r}, not {top['format']!r}")
    limit = DEFAULT_FRESHNESS_HOURS
    if "freshness_limit_hours" in top:
        raw = top["freshness_limit_hours"]
        if (
            isinstance(raw, bool)
            or not isinstance(raw, int | float)
            or not math.isfinite(raw)
            or raw <= 0
        ):
            problems.add("freshness_limit_hours", "must be a number of hours above 0")
        else:
            limit = float(raw)
    organizations = _organizations(top.get("organizations", []), problems)
    known = {organization.id for organization in organizations}
    units: list[Unit] = []
    raw_units = top.get("units", [])
    if not isinstance(raw_units, list):
        problems.add("units", f"must be a list, not {_kind(raw_units)}")
        raw_units = []
    seen: set[str] = set()
    for index, item in enumerate(raw_units):
        unit = _unit(item, f"units[{index}]", known, problems)
        if unit is None:
            continue
        if unit.id in seen:
            problems.add(f"units[{index}].id", "is used by another unit", f' (unit "{unit.id}")')
            continue
        seen.add(unit.id)
        units.append(unit)
    if problems.items:
        raise DirectoryError(problems.items)
    return Directory(tuple(organizations), tuple(units), limit)


def _organizations(value: object, problems: _Problems) -> list[Organization]:
    if not isinstance(value, list):
        problems.add("organizations", f"must be a list, not {_kind(value)}")
        return []
    organizations = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        where = f"organizations[{index}]"
        ident = item.get("id") if isinstance(item, Mapping) else None
        note = f' (organisation "{ident}")' if isinstance(ident, str) and ident else ""
        data = _keys(item, where, note, ("id", "name"), ("phone_24_7",), problems)
        if data is None or "id" not in data or "name" not in data:
            continue
        before = len(problems.items)
        org_id = _text(data["id"], f"{where}.id", note, problems)
        name = _text(data["name"], f"{where}.name", note, problems)
        phone = _optional_text(data.get("phone_24_7"), f"{where}.phone_24_7", note, problems)
        if org_id in seen:
            problems.add(f"{where}.id", "is used by another organisation", note)
        if len(problems.items) > before or org_id is None or name is None:
            continue
        seen.add(org_id)
        organizations.append(Organization(org_id, name, phone))
    return organizations


def age_on(birth: date, day: date) -> int:
    """Whole years between ``birth`` and ``day`` (a birthday on 29 February counts on 1 March)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


__all__ = [
    "DEFAULT_FRESHNESS_HOURS",
    "EXPERTISE",
    "FORMAT",
    "GENDERS",
    "LEGAL_ROUTES",
    "SETTINGS",
    "Capacity",
    "Directory",
    "DirectoryError",
    "Hold",
    "IntakeStop",
    "Organization",
    "Unit",
    "age_on",
    "load_directory",
    "parse_datetime",
]

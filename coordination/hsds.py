"""HSDS 3 JSON import and export of the directory (Open Referral, schema 3.1).

Export writes one page of the HSDS API's ``organization_list`` shape (``contents``: full
organisations, each with its ``services``). A Doorloop unit is an HSDS ``service``:

=========================  ==========================================================
Doorloop                   HSDS 3
=========================  ==========================================================
organization.id / name     organization.id / name (``description`` is written empty)
organization.phone_24_7    organization.phones[] with ``description: "24/7"``
unit.id / name             service.id / name, ``status: "active"``
unit.organization_id       service.organization_id
unit.min_age / max_age     service.minimum_age / maximum_age (both inclusive)
unit.municipalities        service.service_areas[].name
unit.capacity              service.capacities[0] (service_capacity): ``available``,
                           ``maximum``, ``updated``, ``unit.name``
everything else            service.doorloop (the extension, below)
freshness_limit_hours      doorloop.freshness_limit_hours on the page
=========================  ==========================================================

HSDS has no field for the setting, the genders admitted, the legal routes, the
expertise, an intake stop or holds. They travel in one documented additional property
per service, ``"doorloop": {"setting", "genders", "legal_routes", "expertise",
"intake_stop", "holds"}`` (HSDS allows additional properties when documented; see
docs/matching.md). Ids are passed through; the ids HSDS needs that Doorloop has not
(phones, service areas, capacities, capacity units) are UUID 5 values derived from the
unit or organisation id, so an export is the same every time.

Import reads that page shape or a bare list of organisations, ignores HSDS properties it
does not use, skips services whose ``status`` is ``inactive`` or ``defunct``, and then
goes through the strict ``doorloop-directory/1`` loader, so the same checks apply.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from coordination.directory import (
    DEFAULT_FRESHNESS_HOURS,
    FORMAT,
    Directory,
    DirectoryError,
    load_directory,
)

EXTENSION = "doorloop"
NAMESPACE = uuid.UUID("5b0f8f3e-6f7c-4f5e-9a61-0d00c0a1e5d1")  # Doorloop's HSDS id space
PHONE_24_7 = "24/7"
SKIPPED_STATUSES = ("inactive", "defunct")
_EXTENSION_KEYS = ("setting", "genders", "legal_routes", "expertise", "intake_stop", "holds")


def _derived(kind: str, *parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join((kind, *parts))))


def to_hsds(directory: Directory) -> dict[str, Any]:
    """The directory as one HSDS 3 ``organization_list`` page (JSON-ready)."""
    services: dict[str, list[dict[str, Any]]] = {org.id: [] for org in directory.organizations}
    for unit in directory.units:
        capacity = unit.capacity.to_json()
        services[unit.organization_id].append(
            {
                "id": unit.id,
                "organization_id": unit.organization_id,
                "name": unit.name,
                "status": "active",
                "minimum_age": unit.min_age,
                "maximum_age": unit.max_age,
                "service_areas": [
                    {
                        "id": _derived("service_area", unit.id, name),
                        "service_id": unit.id,
                        "name": name,
                    }
                    for name in unit.municipalities
                ],
                "capacities": [
                    {
                        "id": _derived("capacity", unit.id),
                        "service_id": unit.id,
                        "unit": {
                            "id": _derived("unit", capacity["unit"]),
                            "name": capacity["unit"],
                        },
                        "available": capacity["available"],
                        "maximum": capacity["maximum"],
                        "updated": capacity["updated"],
                    }
                ],
                EXTENSION: {
                    "setting": unit.setting,
                    "genders": list(unit.genders),
                    "legal_routes": list(unit.legal_routes),
                    "expertise": list(unit.expertise),
                    "intake_stop": capacity["intake_stop"],
                    "holds": capacity["holds"],
                },
            }
        )
    contents = []
    for org in directory.organizations:
        phones = []
        if org.phone_24_7:
            phones.append(
                {
                    "id": _derived("phone", org.id),
                    "organization_id": org.id,
                    "number": org.phone_24_7,
                    "type": "voice",
                    "description": PHONE_24_7,
                }
            )
        contents.append(
            {
                "id": org.id,
                "name": org.name,
                "description": "",
                "phones": phones,
                "services": services[org.id],
            }
        )
    page: dict[str, Any] = {
        "total_items": len(contents),
        "total_pages": 1,
        "page_number": 1,
        "size": len(contents),
        "first_page": True,
        "last_page": True,
        "empty": not contents,
        "contents": contents,
    }
    if directory.freshness_limit_hours != DEFAULT_FRESHNESS_HOURS:
        page[EXTENSION] = {"freshness_limit_hours": directory.freshness_limit_hours}
    return page


def from_hsds(data: object) -> Directory:
    """An HSDS 3 page (or list of organisations) as a :class:`Directory`.

    Raises :class:`DirectoryError` naming the HSDS key (structure) or the unit and the
    ``doorloop-directory/1`` key (values).
    """
    problems: list[str] = []
    page_extension: Mapping[str, Any] = {}
    if isinstance(data, Mapping):
        contents = data.get("contents")
        where = "contents"
        raw_extension = data.get(EXTENSION, {})
        if not isinstance(raw_extension, Mapping):
            problems.append(f"{EXTENSION}: must be an object")
        else:
            page_extension = raw_extension
    else:
        contents, where = data, ""
    if not isinstance(contents, list):
        raise DirectoryError([f"{where or 'the document'}: must be a list of HSDS organizations"])
    organizations: list[dict[str, Any]] = []
    units: list[dict[str, Any]] = []
    for index, org in enumerate(contents):
        spot = f"{where}[{index}]"
        if not isinstance(org, Mapping):
            problems.append(f"{spot}: must be an organization object")
            continue
        organizations.append(
            {"id": org.get("id"), "name": org.get("name"), "phone_24_7": _phone(org)}
        )
        services = org.get("services", [])
        if not isinstance(services, list):
            problems.append(f"{spot}.services: must be a list")
            continue
        for number, service in enumerate(services):
            unit = _unit(service, org.get("id"), f"{spot}.services[{number}]", problems)
            if unit is not None:
                units.append(unit)
    if problems:
        raise DirectoryError(problems)
    document: dict[str, Any] = {"format": FORMAT, "organizations": organizations, "units": units}
    for key, value in page_extension.items():
        document[key] = value  # the loader rejects anything but freshness_limit_hours
    return load_directory(document)


def _phone(org: Mapping[str, Any]) -> str | None:
    phones = org.get("phones")
    if not isinstance(phones, list):
        return None
    for phone in phones:
        if (
            isinstance(phone, Mapping)
            and str(phone.get("description", "")).strip().casefold() == PHONE_24_7
        ):
            number = phone.get("number")
            return number if isinstance(number, str) else None
    return None


def _unit(service: object, org_id: object, spot: str, problems: list[str]) -> dict[str, Any] | None:
    if not isinstance(service, Mapping):
        problems.append(f"{spot}: must be a service object")
        return None
    if service.get("status") in SKIPPED_STATUSES:
        return None
    ident = service.get("id")
    note = f' (service "{ident}")' if isinstance(ident, str) else ""
    extension = service.get(EXTENSION)
    if not isinstance(extension, Mapping):
        problems.append(
            f"{spot}.{EXTENSION}{note}: is missing; HSDS cannot say the setting, genders "
            "and legal routes, so Doorloop needs its extension object"
        )
        return None
    for key in extension:
        if key not in _EXTENSION_KEYS:
            problems.append(f"{spot}.{EXTENSION}.{key}{note}: unknown key")
    capacities = service.get("capacities")
    if not isinstance(capacities, list) or len(capacities) != 1:
        problems.append(f"{spot}.capacities{note}: must list exactly one service_capacity")
        return None
    capacity = capacities[0]
    if not isinstance(capacity, Mapping):
        problems.append(f"{spot}.capacities[0]{note}: must be an object")
        return None
    measure = capacity.get("unit")
    if not isinstance(measure, Mapping):
        problems.append(f"{spot}.capacities[0].unit{note}: must be an HSDS unit object")
        return None
    areas = service.get("service_areas", [])
    if not isinstance(areas, list) or not all(isinstance(area, Mapping) for area in areas):
        problems.append(f"{spot}.service_areas{note}: must be a list of service_area objects")
        return None
    unit_org = service.get("organization_id", org_id)
    if unit_org != org_id:
        problems.append(f"{spot}.organization_id{note}: differs from its organization's id")
        return None
    full_capacity: dict[str, Any] = {
        "unit": measure.get("name"),
        "available": capacity.get("available"),
        "maximum": capacity.get("maximum"),
        "updated": capacity.get("updated"),
    }
    for key in ("intake_stop", "holds"):
        if key in extension:
            full_capacity[key] = extension[key]
    unit: dict[str, Any] = {
        "id": ident,
        "organization_id": org_id,
        "name": service.get("name"),
        "setting": extension.get("setting"),
        "min_age": service.get("minimum_age"),
        "max_age": service.get("maximum_age"),
        "genders": extension.get("genders"),
        "legal_routes": extension.get("legal_routes"),
        "expertise": extension.get("expertise", []),
        "municipalities": [area.get("name") for area in areas],
        "capacity": full_capacity,
    }
    return unit

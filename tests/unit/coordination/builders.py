"""Synthetic directories and cases for the coordination tests (no real person or provider).

The baseline unit fits the baseline case: a 15-year-old girl from Noordhaven, voluntary,
crisis admission, suicide plan; each test changes one thing and looks at the effect.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from coordination.directory import Directory, load_directory

CET = timezone(timedelta(hours=1))
AT = datetime(2026, 12, 3, 10, 0, tzinfo=CET)
EXAMPLES = Path(__file__).resolve().parents[3] / "coordination" / "examples"


def iso(moment: datetime) -> str:
    return moment.isoformat()


def unit_json(unit_id: str = "u-1", **changes: Any) -> dict[str, Any]:
    """A valid unit; ``capacity`` in ``changes`` is merged into the baseline capacity."""
    unit: dict[str, Any] = {
        "id": unit_id,
        "organization_id": "org-1",
        "name": f"Eenheid {unit_id}",
        "setting": "crisis_bed",
        "min_age": 12,
        "max_age": 17,
        "genders": ["female", "male", "other"],
        "legal_routes": ["voluntary", "wvggz_crisismaatregel"],
        "expertise": ["suicidality"],
        "municipalities": ["Noordhaven"],
        "capacity": {
            "unit": "bed",
            "available": 2,
            "maximum": 4,
            "updated": iso(AT - timedelta(hours=1)),
            "intake_stop": None,
            "holds": [],
        },
    }
    capacity = changes.pop("capacity", {})
    unit.update(changes)
    unit["capacity"] = {**unit["capacity"], **capacity}
    return unit


def directory_json(*units: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {
        "format": "doorloop-directory/1",
        "organizations": [
            {"id": "org-1", "name": "Jeugd-GGZ Proefregio", "phone_24_7": "0880000001"},
            {"id": "org-2", "name": "Stichting Testhuis", "phone_24_7": None},
        ],
        "units": list(units) if units else [unit_json()],
        **top,
    }


def directory(*units: dict[str, Any], **top: Any) -> Directory:
    return load_directory(directory_json(*units, **top))


BASE_ANSWERS: dict[str, Any] = {
    "youth.birth_date": "2011-04-12",
    "youth.gender": "female",
    "youth.municipality": "Noordhaven",
    "risk.suicidality": "plan",
    "risk.self_harm": "none",
    "risk.psychotic_symptoms": "no",
    "risk.intoxication": "no",
    "background.substance_use": "none",
    "background.intellectual_disability": "no",
    "triage.intervention": "crisis_admission",
}


def case_json(
    legal_flags: list[Any] | None = None, *, without: tuple[str, ...] = (), **answers: Any
) -> dict[str, Any]:
    """A contract-4 case; answers are given with ``_`` for ``.`` (``youth_gender=...``).

    ``legal_flags`` None leaves the key out (the rules are then evaluated).
    """
    merged = copy.deepcopy(BASE_ANSWERS)
    for key, value in answers.items():
        merged[key.replace("__", ".")] = value
    for key in without:
        merged.pop(key, None)
    case: dict[str, Any] = {
        "id": "0d5e1f2a-0000-4000-8000-0000000000aa",
        "form": {"id": "intake", "version": "1"},
        "status": "triaged",
        "answers": merged,
        "created_at": "2026-12-03T09:00:00+01:00",
        "updated_at": "2026-12-03T09:30:00+01:00",
    }
    if legal_flags is not None:
        case["legal_flags"] = legal_flags
    return case


def flag(code: str) -> dict[str, Any]:
    """A stored legal flag as the desk exports it."""
    return {"code": code, "severity": "required", "title": {"nl": code, "en": code}}

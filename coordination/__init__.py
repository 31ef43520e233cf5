"""Coordination of care after triage: the provider directory and matching (Qt-free).

Shared by the desk and the central API, like doorloop_protocol (DESIGN.md); imports
neither. The contract is ``domain/coordination.md`` §2–§3 and DESIGN.md contract 8.

Public API::

    load_directory(data) -> Directory        # doorloop-directory/1; raises DirectoryError
    to_hsds(directory) / from_hsds(data)     # HSDS 3 JSON export and import
    asks_for_case(case, at) -> Asks          # what a contract-4 case asks; CaseError
    match(asks, directory, at, lang)         # -> MatchResult (.to_json() is §3's output)
    match_case(case, directory, at, lang)    # both steps
    evaluate_unit(unit, asks, at, limit)     # one unit: codes, flags, free, sort key

Modules: directory (model + loader), hsds, asks, matching, texts (nl/en words), cli.
"""

from __future__ import annotations

from coordination.asks import Asks, CaseError, asks_for_case
from coordination.directory import (
    Capacity,
    Directory,
    DirectoryError,
    Hold,
    IntakeStop,
    Organization,
    Unit,
    load_directory,
)
from coordination.hsds import from_hsds, to_hsds
from coordination.matching import (
    EXCLUSION_CODES,
    FLAG_CODES,
    MatchResult,
    Outcome,
    evaluate_unit,
    match,
    match_case,
)

__all__ = [
    "EXCLUSION_CODES",
    "FLAG_CODES",
    "Asks",
    "Capacity",
    "CaseError",
    "Directory",
    "DirectoryError",
    "Hold",
    "IntakeStop",
    "MatchResult",
    "Organization",
    "Outcome",
    "Unit",
    "asks_for_case",
    "evaluate_unit",
    "from_hsds",
    "load_directory",
    "match",
    "match_case",
    "to_hsds",
]

"""The region's directory as the desk last pulled it, with its *stand van* time.

The central API publishes each unit (with capacity and running holds), organisation and
the region's freshness limit as reference data (``directory_unit``,
``directory_organization``, ``directory_region``); the desk keeps them in its store and
builds a ``coordination.directory.Directory`` from them whenever a search needs one, so
*Plaats zoeken* works offline. ``as_of`` is when the last complete pull ended: the copy was
current then (domain/coordination.md §2). Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coordination.directory import FORMAT, Directory, load_directory, parse_datetime
from desktop.store.sync_state import SyncState

DIRECTORY_AS_OF = "directory.as_of"
DIRECTORY_KINDS = ("directory_unit", "directory_organization", "directory_region")


@dataclass(frozen=True)
class DeskDirectory:
    directory: Directory
    as_of: datetime | None  # None: never pulled completely (only units kept from answers)


def desk_directory(state: SyncState) -> DeskDirectory | None:
    """The kept directory, or None when this desk has none (never synced a directory).

    Raises ``coordination.directory.DirectoryError`` when the kept copy breaks the format
    (the server checks every unit, so this means a damaged store)."""
    units = state.reference("directory_unit")
    if not units:
        return None
    document: dict[str, object] = {
        "format": FORMAT,
        "organizations": state.reference("directory_organization"),
        "units": units,
    }
    for settings in state.reference("directory_region"):
        if "freshness_limit_hours" in settings:
            document["freshness_limit_hours"] = settings["freshness_limit_hours"]
    as_of = state.get(DIRECTORY_AS_OF)
    return DeskDirectory(load_directory(document), parse_datetime(as_of) if as_of else None)

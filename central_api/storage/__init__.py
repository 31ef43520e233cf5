"""The central storage: regions, users, devices, case versions, the change log and audit.

One facade, `Storage`, over SQLAlchemy Core that works the same on PostgreSQL and SQLite;
its parts live in one module per area:

- `core`: the engine, the sequence lock, health, the server audit, errors and records;
- `accounts`: regions, users, devices and the principal behind a token;
- `push`: versions and audit events pushed by the desks (held versions, workflow rules);
- `pull`: the changes a principal may see after a cursor;
- `reference`: provider lists and form definitions;
- `directory`: the region directories: units, live capacity with history, holds;
- `retention`: purging cases and compacting the change log;
- `access`: who sees which case, region privacy settings, break-the-glass (issue 21).

Every write that hands out server sequence numbers runs in one transaction holding the
`counters` "seq" row lock (`StorageCore._write`), so sequence numbers are strictly
increasing, never reused, and a pull never sees a later number before an earlier one has
committed. A push decides before it takes the lock and checks under it that what it read
is unchanged (`StorageCore._write_late`, `push`).

The change log (`changes`) holds one row per live object at its latest sequence number
(case versions, case states, providers, form definitions) plus tombstones for removed
objects. `compact` drops old tombstones and raises the horizon; a pull with
`0 < since < horizon` could have missed a removal and gets `CursorExpired` (HTTP 410).
"""

from __future__ import annotations

from central_api.storage.access import Access, AccessRefused, BadReason
from central_api.storage.accounts import Accounts
from central_api.storage.core import (
    AlreadyExists,
    CursorExpired,
    DeviceRecord,
    ImportSummary,
    NotFound,
    Principal,
    StorageError,
    UserRecord,
)
from central_api.storage.directory import DirectoryStore
from central_api.storage.pull import Pull
from central_api.storage.push import Push
from central_api.storage.reference import Reference
from central_api.storage.retention import Retention

__all__ = [
    "AccessRefused",
    "AlreadyExists",
    "BadReason",
    "CursorExpired",
    "DeviceRecord",
    "ImportSummary",
    "NotFound",
    "Principal",
    "Storage",
    "StorageError",
    "UserRecord",
]


class Storage(Accounts, Push, Pull, Reference, DirectoryStore, Retention, Access):
    """The central database, opened on one SQLAlchemy engine (see the parts above)."""

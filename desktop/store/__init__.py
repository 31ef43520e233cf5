"""The encrypted local store: SQLCipher, migrations, repositories, outbox, audit.

Importing the package loads neither pydantic nor sqlite-utils (start-up time): the
pydantic models ``Case``, ``CaseVersion`` and ``AuditEvent`` load on first access, as
do the outbox and ``Store.db``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from desktop.store.audit import ChainReport, verify_audit_chain
from desktop.store.errors import (
    NotFoundError,
    StoreError,
    StoreLocked,
    WrongPassphrase,
)
from desktop.store.records import ROLES, Actor, CaseSummary, Profile
from desktop.store.store import (
    MIN_PASSPHRASE_LENGTH,
    Store,
    actor_for,
    database_path,
    open_store,
    store_exists,
)

if TYPE_CHECKING:
    from desktop.store.models import AuditEvent, Case, CaseVersion

_MODELS = frozenset({"AuditEvent", "Case", "CaseVersion"})


def __getattr__(name: str) -> Any:
    if name in _MODELS:
        from desktop.store import models

        return getattr(models, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "MIN_PASSPHRASE_LENGTH",
    "ROLES",
    "Actor",
    "AuditEvent",
    "Case",
    "CaseSummary",
    "CaseVersion",
    "ChainReport",
    "NotFoundError",
    "Profile",
    "Store",
    "StoreError",
    "StoreLocked",
    "WrongPassphrase",
    "actor_for",
    "database_path",
    "open_store",
    "store_exists",
    "verify_audit_chain",
]

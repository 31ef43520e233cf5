"""The encrypted local store: SQLCipher + sqlite-utils, migrations, repositories, outbox, audit."""

from desktop.store.audit import ChainReport, verify_audit_chain
from desktop.store.errors import (
    NotFoundError,
    StoreError,
    StoreLocked,
    WrongPassphrase,
)
from desktop.store.models import ROLES, Actor, AuditEvent, Case, CaseSummary, CaseVersion, Profile
from desktop.store.store import (
    MIN_PASSPHRASE_LENGTH,
    Store,
    actor_for,
    database_path,
    open_store,
    store_exists,
)

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

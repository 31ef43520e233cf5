"""The encrypted local store: SQLCipher, migrations, repositories, outbox, audit.

The names below load on first use (PEP 562), so the app can import
:mod:`desktop.store.database` and start deriving the key before anything else; and
none of them loads pydantic or sqlite-utils until a case, a version, an audit event,
the outbox or ``Store.db`` is used.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.store.audit import ChainReport, verify_audit_chain
    from desktop.store.errors import (
        NotFoundError,
        PermissionDenied,
        StoreError,
        StoreLocked,
        WrongPassphrase,
    )
    from desktop.store.keyslots import configure_kdf, slot_named
    from desktop.store.models import AuditEvent, Case, CaseVersion
    from desktop.store.records import ROLES, Actor, CaseSummary, CaseView, Profile
    from desktop.store.referrals import (
        OverdueAlert,
        PlacementNeeded,
        ReferralRepository,
        ReferralView,
        RefusedEvent,
    )
    from desktop.store.slot_kdf import MIN_PASSPHRASE_LENGTH, SlotInfo, list_users, store_exists
    from desktop.store.store import Store, actor_for, database_path, open_store

_WHERE = {
    "ChainReport": "audit",
    "verify_audit_chain": "audit",
    "NotFoundError": "errors",
    "PermissionDenied": "errors",
    "SlotInfo": "slot_kdf",
    "configure_kdf": "keyslots",
    "list_users": "slot_kdf",
    "slot_named": "keyslots",
    "StoreError": "errors",
    "StoreLocked": "errors",
    "WrongPassphrase": "errors",
    "AuditEvent": "models",
    "Case": "models",
    "CaseVersion": "models",
    "ROLES": "records",
    "Actor": "records",
    "CaseSummary": "records",
    "CaseView": "records",
    "Profile": "records",
    "OverdueAlert": "referrals",
    "PlacementNeeded": "referrals",
    "ReferralRepository": "referrals",
    "ReferralView": "referrals",
    "RefusedEvent": "referrals",
    "MIN_PASSPHRASE_LENGTH": "slot_kdf",
    "Store": "store",
    "actor_for": "store",
    "database_path": "store",
    "open_store": "store",
    "store_exists": "slot_kdf",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    qualified = f"{__name__}.{module}"
    __import__(qualified)  # (an import statement's path, which -X importtime reports)
    value = getattr(sys.modules[qualified], name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


__all__ = [
    "MIN_PASSPHRASE_LENGTH",
    "ROLES",
    "Actor",
    "AuditEvent",
    "Case",
    "CaseSummary",
    "CaseVersion",
    "CaseView",
    "ChainReport",
    "NotFoundError",
    "OverdueAlert",
    "PermissionDenied",
    "PlacementNeeded",
    "Profile",
    "ReferralRepository",
    "ReferralView",
    "RefusedEvent",
    "SlotInfo",
    "Store",
    "StoreError",
    "StoreLocked",
    "WrongPassphrase",
    "actor_for",
    "configure_kdf",
    "database_path",
    "list_users",
    "open_store",
    "slot_named",
    "store_exists",
    "verify_audit_chain",
]

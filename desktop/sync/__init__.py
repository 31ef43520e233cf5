"""Client of the central API: outbox push, pulls, backoff. No widgets here.

Import from here: ``SyncEngine`` (blocking engine on its own store), ``SyncWorker``
(the engine on a thread), the events and errors. httpx loads only when a transport is
made, so importing this package stays cheap.
"""

from desktop.sync.backoff import Backoff, parse_retry_after
from desktop.sync.engine import SyncEngine, audit_item, version_item
from desktop.sync.errors import (
    AuthRequired,
    CursorExpired,
    NetworkError,
    NotLoggedIn,
    RequestRejected,
    ServerBusy,
    SyncError,
    SyncStopped,
    TrainingStoreRefused,
    TransientError,
)
from desktop.sync.events import (
    DeviceWiped,
    ItemQuarantined,
    LoginRequired,
    ReconciliationNeeded,
    StatusChanged,
    SyncEvent,
    SyncFinished,
    SyncReport,
    SyncStatus,
    WipeStarting,
)
from desktop.sync.transport import HttpTransport, Transport
from desktop.sync.worker import LoginFinished, LogoutFinished, SyncWorker, WorkerStopped

__all__ = [
    "AuthRequired",
    "Backoff",
    "CursorExpired",
    "DeviceWiped",
    "HttpTransport",
    "ItemQuarantined",
    "LoginFinished",
    "LoginRequired",
    "LogoutFinished",
    "NetworkError",
    "NotLoggedIn",
    "ReconciliationNeeded",
    "RequestRejected",
    "ServerBusy",
    "StatusChanged",
    "SyncEngine",
    "SyncError",
    "SyncEvent",
    "SyncFinished",
    "SyncReport",
    "SyncStatus",
    "SyncStopped",
    "SyncWorker",
    "TrainingStoreRefused",
    "TransientError",
    "Transport",
    "WipeStarting",
    "WorkerStopped",
    "audit_item",
    "parse_retry_after",
    "version_item",
]

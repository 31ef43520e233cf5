"""What the desk knows of its sync without asking the server: the status and forgetting
the device's registration. Qt-free.

One implementation for the engine (on the sync worker's connection) and the desk
session (``DeskSession.sync_status`` / ``forget_sync_device``, on the UI's connection,
which the UI's bridge uses when no worker runs): the two never drift apart.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from desktop.store import actor_for
from desktop.sync.events import SyncStatus

if TYPE_CHECKING:
    from desktop.store import Store
    from desktop.store.sync_state import SyncState
    from desktop.sync.credentials import Credentials

SERVER_URL = "server.url"
DEVICE_ID = "auth.device_id"
NEEDS_LOGIN = "auth.needs_login"
LAST_SUCCESS = "sync.last_success"


def last_success(state: SyncState) -> datetime | None:
    value = state.get(LAST_SUCCESS)
    return datetime.fromisoformat(value) if value else None


def logged_in(state: SyncState, credentials: Credentials) -> bool:
    url, device = state.get(SERVER_URL), state.get(DEVICE_ID)
    return bool(url and device and credentials.token(url, device))


def sync_status(
    store: Store,
    state: SyncState,
    credentials: Credentials,
    *,
    online: bool = False,
    running: bool = False,
) -> SyncStatus:
    """The status bar's facts from the store; ``online`` and ``running`` are the engine's
    (False where no engine runs)."""
    outbox = store.outbox
    return SyncStatus(
        online=online,
        last_success=last_success(state),
        unsynced=outbox.unsynced_count(),
        quarantined=len(outbox.items("quarantined")),
        needs_reconciliation=len(state.reconciliation_cases()),
        logged_in=logged_in(state, credentials),
        needs_login=state.get(NEEDS_LOGIN) == "1",
        running=running,
    )


def forget_device(
    store: Store, state: SyncState, credentials: Credentials, *, revoked: bool
) -> None:
    """Forget the device's token here and audit ``logout`` (``revoked``: whether the
    server revoked it; when not, the server lists the device as active until an
    administrator revokes it). One transaction."""
    url, device = state.get(SERVER_URL), state.get(DEVICE_ID)
    profile = store.profile()
    with store.atomic():
        credentials.forget(url, device)
        state.delete(NEEDS_LOGIN)
        if profile is not None:
            store.audit.append(
                actor_for(profile),
                "logout",
                outcome="success" if revoked else "failure",
                details={"server": url, "device": device, "revoked": revoked},
            )

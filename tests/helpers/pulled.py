"""Pulling a case version the way the sync engine stores one, for tests.

The engine stores a pulled page on its own connection, on its worker thread, inside one
transaction (``SyncEngine._apply_page``: ``store.atomic()`` + ``SyncState.apply_version``).
:func:`pull_on_worker_thread` does just that: a second :class:`~desktop.store.Store` on
the same file, opened and written on a thread of its own.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desktop.store import open_store
from desktop.store.sync_state import ApplyOutcome, SyncState

OTHER_DEVICE = str(uuid.uuid4())


def version_item(
    case_id: str,
    answers: dict[str, Any],
    *,
    base_version_id: str | None,
    number: int,
    status: str = "draft",
    by: str = "Otto Overdijk",
    created_at: datetime | None = None,
) -> dict[str, Any]:
    """A wire ``VersionItem`` (as JSON) made on another device."""
    moment = (created_at or datetime.now(UTC)).isoformat()
    return {
        "version_id": str(uuid.uuid4()),
        "case_id": case_id,
        "base_version_id": base_version_id,
        "resolves": [],
        "number": number,
        "form": {"id": "intake", "version": "1"},
        "status": status,
        "answers": answers,
        "region": "demo",
        "training": False,
        "created_at": moment,
        "updated_at": moment,
        "device_time": moment,
        "created_by": "user-otto",
        "created_by_name": by,
        "device_id": OTHER_DEVICE,
        "reason": None,
        "legal_flags": [],
        "legal_decision_date": None,
        "banners_shown": [],
    }


def pull_on_worker_thread(data_dir: Path, passphrase: str, item: dict[str, Any]) -> ApplyOutcome:
    """Store ``item`` as the sync worker does (own store, own thread, one transaction)."""
    outcome: list[ApplyOutcome] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            store = open_store(data_dir, passphrase)
            try:
                with store.atomic():
                    outcome.append(SyncState(store.db, user=store.current_user).apply_version(item))
            finally:
                store.close()
        except BaseException as exc:  # handed to the test's thread
            errors.append(exc)

    thread = threading.Thread(target=work, name="doorloop-sync-test")
    thread.start()
    thread.join(30)
    if errors:
        raise errors[0]
    return outcome[0]

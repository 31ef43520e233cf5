"""Several users on one desk PC, each syncing with their own central login, against the
real central API over HTTP (PostgreSQL, SQLite).

Anna (desk) and Tim (triagist) share one data dir, each with their own passphrase. Each
logs in to the central server as themselves: their device tokens, server devices and
cursors are their own, and what each of them made goes to the server only with their
own token (the server records which device pushed it). A switch of user never sends
one user's work with another's token.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from central_api import db
from desktop.session.desk import DeskSession
from desktop.store import Store, open_store
from desktop.store.sync_state import SyncState
from desktop.sync import SyncEngine
from tests.integration.sync.conftest import (
    PASSPHRASE,
    PASSWORD,
    Central,
    add_user,
    fast_backoff,
    fresh_region,
)

pytestmark = pytest.mark.parametrize(
    "database_url", ["postgresql", "sqlite"], indirect=True, scope="module"
)

TIM_PASSPHRASE = "tim zijn eigen wachtwoordzin"


def _engine(store: Store) -> SyncEngine:
    return SyncEngine(store, backoff=fast_backoff(), max_attempts=5, use_keyring=False)


def _pushed_by(central: Central) -> dict[str, tuple[str, str]]:
    """version id → (the device that pushed it, the author named in it)."""
    storage = central.storage()
    try:
        with storage.engine.connect() as conn:
            rows = conn.execute(
                select(db.versions.c.id, db.versions.c.pushed_by_device, db.versions.c.body)
            ).all()
    finally:
        storage.close()
    return {row.id: (row.pushed_by_device, json.loads(row.body)["created_by"]) for row in rows}


def _audit_pushed_by(central: Central) -> dict[str, str]:
    """audit event user id → the devices that pushed that user's events."""
    storage = central.storage()
    try:
        with storage.engine.connect() as conn:
            rows = conn.execute(
                select(db.audit_events.c.pushed_by_device, db.audit_events.c.body)
            ).all()
    finally:
        storage.close()
    devices: dict[str, set[str]] = {}
    for row in rows:
        devices.setdefault(json.loads(row.body)["user_id"], set()).add(row.pushed_by_device)
    return {user: ",".join(sorted(found)) for user, found in devices.items()}


def test_each_user_syncs_with_their_own_login_and_token(central: Central, tmp_path: Path) -> None:
    region = fresh_region(central)
    anna_login = add_user(central, role="desk", region=region)
    tim_login = add_user(central, role="triagist", region=region)
    data = tmp_path / "desk-pc"

    store = open_store(data, PASSPHRASE)
    store.create_profile("Anna de Vries", "desk", region=region)
    tim_local = store.add_user("Tim Triagist", "triagist", TIM_PASSPHRASE).local_id
    anna_engine = _engine(store)
    anna_engine.login(central.url, anna_login, PASSWORD, device_name="balie-pc")
    anna = DeskSession(store, store.profile())  # type: ignore[arg-type]
    case = anna.new_case({"youth.first_name": "Sem", "youth.age_estimate": 15})
    assert anna_engine.sync().outcome == "ok"
    anna_device = anna_engine.device_id
    anna_central_id = anna.profile.user_id
    assert anna_central_id != anna.profile.local_id, "linked to the central user at login"

    # Tim on the same PC, with his own passphrase: not logged in until he logs in himself
    tim_store = open_store(data, TIM_PASSPHRASE, user=tim_local)
    tim_engine = _engine(tim_store)
    assert not tim_engine.logged_in, "Anna's login is not Tim's"
    assert SyncState(tim_store.db, user=tim_local).get("auth.device_id") is None
    tim_engine.login(central.url, tim_login, PASSWORD, device_name="balie-pc")
    tim_device = tim_engine.device_id
    assert tim_device and tim_device != anna_device, "each user has a server device of their own"
    anna_token = anna_engine.credentials.token(central.url, anna_device or "")
    tim_token = tim_engine.credentials.token(central.url, tim_device)
    assert anna_token and tim_token and anna_token != tim_token
    assert anna_engine.logged_in, "Tim's login leaves Anna's as it was"

    # Tim pulls Anna's case and decides it; meanwhile Anna typed more that is not sent yet
    assert tim_engine.sync().outcome == "ok"
    tim = DeskSession(tim_store, tim_store.profile())  # type: ignore[arg-type]
    anna.save_answers(case.id, {"situation.reason": "Sem belt opnieuw."})
    anna_pending = store.outbox.unsynced_count(author=anna_central_id)
    assert anna_pending > 0
    tim.save_answers(case.id, {"triage.rationale": "Tim kijkt mee."})
    assert tim_engine.sync().outcome == "ok"
    # Tim's run sent only Tim's work: Anna's edit still waits for her own token
    assert store.outbox.unsynced_count(author=anna_central_id) == anna_pending
    assert tim_store.outbox.unsynced_count(author=tim.profile.user_id) == 0

    assert anna_engine.sync().outcome == "ok"
    assert store.outbox.unsynced_count(author=anna_central_id) == 0
    for version_id, (device, author) in _pushed_by(central).items():
        expected = {anna_central_id: anna_device, tim.profile.user_id: tim_device}[author]
        assert device == expected, f"version {version_id} of {author} pushed by {device}"
    audit = _audit_pushed_by(central)
    assert audit[anna_central_id] == anna_device
    assert audit[tim.profile.user_id] == tim_device

    # each user's cursor is their own
    assert SyncState(store.db, user=store.current_user).pull_since() > 0
    assert SyncState(tim_store.db, user=tim_local).pull_since() > 0
    for each, engine in ((tim_store, tim_engine), (store, anna_engine)):
        engine.close()
        each.close()

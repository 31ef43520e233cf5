"""One sync status and one logout step for the engine and the session (the UI's bridge
uses the session's when no worker runs): the two cannot drift apart."""

from __future__ import annotations

from desktop.session import DeskSession
from desktop.store.sync_state import SyncState
from desktop.sync import SyncEngine
from desktop.sync.credentials import Credentials
from desktop.sync.local import DEVICE_ID, LAST_SUCCESS, SERVER_URL
from tests.unit.test_desk import ready_case


def test_the_session_reports_what_the_engine_reports(desk: DeskSession) -> None:
    ready_case(desk)
    store = desk.store
    state = SyncState(store.db, user=store.current_user)
    with store.atomic():
        state.set(SERVER_URL, "https://central.example")
        state.set(DEVICE_ID, "device-1")
        state.set(LAST_SUCCESS, "2026-11-23T03:00:00+00:00")
        Credentials(state, use_keyring=False).save("https://central.example", "device-1", "token")
    engine = SyncEngine(store, use_keyring=False)
    from_session = desk.sync_status(use_keyring=False)
    assert from_session == engine.status()
    assert from_session.logged_in and from_session.unsynced >= 1


def test_forgetting_the_device_without_the_server_is_audited_as_not_revoked(
    desk: DeskSession,
) -> None:
    store = desk.store
    state = SyncState(store.db, user=store.current_user)
    with store.atomic():
        state.set(SERVER_URL, "https://central.example")
        state.set(DEVICE_ID, "device-1")
        Credentials(state, use_keyring=False).save("https://central.example", "device-1", "token")
    desk.forget_sync_device(use_keyring=False)
    assert not desk.sync_status(use_keyring=False).logged_in
    event = store.audit.events()[-1]
    assert (event.action, event.outcome, event.details["revoked"]) == ("logout", "failure", False)

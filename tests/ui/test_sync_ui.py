"""The desk's sync UI against a real `doorloop-central serve` process (SQLite, loopback).

Login dialog messages (invalid address, unreachable server, wrong password), the status
bar after a sync, the "log in again" notice for a revoked device (and no retries after
it), syncing while locked (then the worker ends) and restart at unlock, logout revoking
the device on the server, the reconcile notice going away on both desks once a merge
syncs, and sync off in a training session.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from central_api.storage import DeviceRecord
from desktop.session.desk import DeskSession
from desktop.store import Store, open_store
from desktop.ui.login_dialog import LoginDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.sync_bridge import SyncBridge
from tests.helpers.stores import PASSPHRASE, make_session
from tests.integration.sync.conftest import (
    PASSWORD,
    REGION,
    Central,
    add_user,
    free_port,
    server_versions,
    sqlite_central,
)

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Central]:
    with sqlite_central(tmp_path_factory.mktemp("central")) as server:
        yield server


def _fast_options() -> dict[str, object]:
    import random

    from desktop.sync import Backoff

    return {
        "use_keyring": False,
        "backoff": Backoff(base=0.02, cap=0.1, rng=random.Random(3)),
        "max_attempts": 2,
    }


@pytest.fixture
def desk(qtbot: QtBot, session: DeskSession, tmp_path: Path) -> Iterator[MainWindow]:
    window = MainWindow(session)
    qtbot.addWidget(window)
    bridge = SyncBridge(window, tmp_path / "data", interval=3600, engine_options=_fast_options())
    window.attach_sync(bridge)
    bridge.start(PASSPHRASE)
    window.show()
    yield window
    bridge.stop()


def _login_dialog(qtbot: QtBot, window: MainWindow) -> LoginDialog:
    window.sync_login_action.trigger()
    dialog = window.findChild(LoginDialog)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


def _try(qtbot: QtBot, dialog: LoginDialog, url: str, user: str, password: str) -> str:
    dialog.server.setText(url)
    dialog.username.setText(user)
    dialog.password.setText(password)
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=15_000)
    assert dialog.password.text() == ""  # never left in the field
    return dialog.message.text()


def test_login_messages_then_online_with_last_sync(
    qtbot: QtBot, desk: MainWindow, central: Central
) -> None:
    session = desk.session
    session.store.cases.create(session.actor, answers={"youth.first_name": "Sem"})
    # an item that cannot be sent: quarantined with a visible notice, the rest goes on
    session.store.outbox.put("version", str(uuid.uuid4()), {"version_id": "kapot"}, None)
    bridge = desk.sync_bridge
    qtbot.waitUntil(lambda: bridge.status is not None, timeout=15_000)
    assert "Niet aangemeld" in desk.connection_label.text()
    user = add_user(central)
    dialog = _login_dialog(qtbot, desk)
    assert dialog.device.text()  # defaults to the host name

    dialog.server.setText("centraal zonder schema")
    dialog.username.setText(user)
    dialog.password.setText(PASSWORD)
    dialog.submit()
    assert not dialog.busy
    assert "geen geldig serveradres" in dialog.message.text()

    nobody = f"http://127.0.0.1:{free_port()}"
    assert "niet bereikbaar" in _try(qtbot, dialog, nobody, user, PASSWORD)
    assert "verkeerd wachtwoord" in _try(qtbot, dialog, central.url, user, "fout-wachtwoord")
    assert dialog.isVisible()

    with qtbot.waitSignal(bridge.sync_finished, timeout=20_000) as finished:
        dialog.server.setText(central.url)
        dialog.username.setText(user)
        dialog.password.setText(PASSWORD)
        dialog.submit()
    assert finished.args[0].outcome == "ok"
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: "Online" in desk.connection_label.text(), timeout=10_000)
    text = desk.connection_label.text()
    assert "laatst gesynchroniseerd" in text
    assert "niet verzonden" not in text  # unsent items are counted once, with a label:
    assert desk.unsynced_label.text() == "1 casusversie nog niet verzonden"  # the refused one
    assert "1 geweigerd door de server" in text
    quarantined = [k for k in bridge.notices.texts() if k.startswith("quarantine_")]
    assert len(quarantined) == 1
    assert "geweigerd" in bridge.notices.texts()[quarantined[0]]
    assert bridge.status.last_success is not None
    assert session.store.outbox.items("pending") == []
    assert session.store.outbox.items("sending") == []

    # F5 syncs again without blocking; the case list stays usable
    with qtbot.waitSignal(bridge.sync_finished, timeout=20_000) as again:
        desk.sync_now_action.trigger()
    assert again.args[0].outcome == "ok"

    with qtbot.waitSignal(bridge.logout_finished, timeout=20_000) as logged_out:
        desk.sync_logout_action.trigger()
    assert logged_out.args == [True]
    assert "Niet aangemeld" in desk.connection_label.text()


def test_revoked_device_asks_to_log_in_again_and_stops_retrying(
    qtbot: QtBot, desk: MainWindow, central: Central
) -> None:
    bridge = desk.sync_bridge
    user = add_user(central)
    with qtbot.waitSignal(bridge.sync_finished, timeout=20_000):
        assert bridge.login(central.url, user, PASSWORD, "desk-test")
    storage = central.storage()
    try:
        devices = [d for d in storage.list_devices(REGION) if d.name == "desk-test"]
        for device in devices:
            storage.revoke_device(device.id)
    finally:
        storage.close()
    with qtbot.waitSignal(bridge.sync_finished, timeout=20_000) as refused:
        desk.sync_now_action.trigger()
    assert refused.args[0].outcome == "login_required"
    qtbot.waitUntil(lambda: "login" in bridge.notices.texts(), timeout=5_000)
    assert "opnieuw aan" in bridge.notices.texts()["login"]
    assert bridge.notices.isVisible()
    qtbot.waitUntil(lambda: "Niet aangemeld" in desk.connection_label.text(), timeout=5_000)
    runs = len(bridge.reports)
    # asking again does not reach the server: no further run, the notice stays
    desk.sync_now_action.trigger()
    bridge._worker.request_sync()  # even a direct request is not retried by the worker
    qtbot.wait(300)
    assert len(bridge.reports) == runs
    assert "login" in bridge.notices.texts()


def _unlock(qtbot: QtBot, desk: MainWindow) -> None:
    desk.overlay.panel.passphrase.setText(PASSPHRASE)
    desk.overlay.panel.submit()
    qtbot.waitUntil(lambda: not desk.session.store.locked, timeout=15_000)


def test_a_locked_desk_keeps_syncing_what_was_committed(
    qtbot: QtBot, desk: MainWindow, central: Central
) -> None:
    bridge = desk.sync_bridge
    user = add_user(central)
    with qtbot.waitSignal(bridge.sync_finished, timeout=20_000):
        assert bridge.login(central.url, user, PASSWORD, "desk-locked")
    session = desk.session
    case = session.store.cases.create(session.actor, answers={"youth.first_name": "Noor"})
    stopped: list[object] = []
    bridge.worker_event.connect(
        lambda e: stopped.append(e) if type(e).__name__ == "WorkerStopped" else None
    )
    desk.lock()  # committed just before the lock, never synced by hand
    assert session.store.locked
    qtbot.waitUntil(lambda: case.version.id in server_versions(central), timeout=20_000)
    # nothing left to send: the worker ends by itself and its store (and key) close
    qtbot.waitUntil(lambda: not bridge.running, timeout=20_000)
    # its last event crosses to the UI thread through a queued signal, after the thread ended
    qtbot.waitUntil(lambda: bool(stopped), timeout=5_000)
    assert [getattr(e, "reason", None) for e in stopped] == ["sent"]
    assert bridge.reports[-1].outcome == "ok"
    _unlock(qtbot, desk)
    assert bridge.running  # a new worker, from the passphrase just typed
    # it syncs at once (no waiting for the first interval) and says so
    qtbot.waitUntil(lambda: "Online" in desk.connection_label.text(), timeout=15_000)


def test_lock_without_login_stops_the_worker_and_unlock_restarts_it(
    qtbot: QtBot, desk: MainWindow
) -> None:
    bridge = desk.sync_bridge
    qtbot.waitUntil(lambda: bridge.status is not None, timeout=15_000)
    assert bridge.running
    desk.lock()
    qtbot.waitUntil(lambda: not bridge.running, timeout=15_000)  # it could send nothing
    assert desk.session.store.locked
    _unlock(qtbot, desk)
    assert bridge.running
    bridge.status = None
    qtbot.waitUntil(lambda: bridge.status is not None, timeout=15_000)


def test_logout_revokes_this_device_on_the_server(
    qtbot: QtBot, desk: MainWindow, central: Central
) -> None:
    bridge = desk.sync_bridge
    user = add_user(central)
    name = f"desk-{uuid.uuid4().hex[:6]}"
    with qtbot.waitSignal(bridge.sync_finished, timeout=20_000):
        assert bridge.login(central.url, user, PASSWORD, name)

    def devices() -> list[DeviceRecord]:
        storage = central.storage()
        try:
            return [d for d in storage.list_devices(REGION) if d.name == name]
        finally:
            storage.close()

    assert [d.revoked_at is None for d in devices()] == [True]
    with qtbot.waitSignal(bridge.logout_finished, timeout=20_000) as finished:
        desk.sync_logout_action.trigger()
    assert finished.args == [True]
    assert [d.revoked_at is not None for d in devices()] == [True]
    assert "Niet aangemeld" in desk.connection_label.text()
    assert bridge.status is not None and not bridge.status.logged_in
    events = [e for e in desk.session.store.audit.events() if e.action == "logout"]
    assert events and events[-1].details["revoked"] is True
    # logging in again leaves one active device for this desk, not two
    with qtbot.waitSignal(bridge.sync_finished, timeout=20_000):
        assert bridge.login(central.url, user, PASSWORD, name)
    assert sorted(d.revoked_at is None for d in devices()) == [False, True]


def test_logout_with_the_server_down_forgets_here_and_says_so(
    qtbot: QtBot, desk: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "down.sqlite3"
    server = Central(f"sqlite:///{path}")
    server.start()
    storage = server.storage()
    storage.add_region(REGION)
    storage.close()
    bridge = desk.sync_bridge
    user = add_user(server)
    with qtbot.waitSignal(bridge.sync_finished, timeout=20_000):
        assert bridge.login(server.url, user, PASSWORD, "desk-down")
    server.stop()
    with qtbot.waitSignal(bridge.logout_finished, timeout=30_000) as finished:
        desk.sync_logout_action.trigger()
    assert finished.args == [False]
    assert "beheerder" in bridge.notices.texts()["logout"]
    assert "Niet aangemeld" in desk.connection_label.text()


def test_training_session_never_starts_a_worker(qtbot: QtBot, tmp_path: Path) -> None:
    store: Store = open_store(tmp_path / "train", PASSPHRASE, training=True)
    try:
        session = make_session(store)
        window = MainWindow(session)
        qtbot.addWidget(window)
        bridge = SyncBridge(window, tmp_path / "train")
        window.attach_sync(bridge)
        bridge.start(PASSPHRASE)
        assert not bridge.running
        assert window.connection_label.text() == "oefenomgeving: synchronisatie uit"
        window.sync_now_action.trigger()
        window.sync_login_action.trigger()
        assert window.findChild(LoginDialog) is None
        assert not bridge.running
        assert window.connection_label.text() == "oefenomgeving: synchronisatie uit"
    finally:
        store.close()


def test_the_reconcile_notice_goes_away_on_both_desks_once_the_merge_syncs(
    qtbot: QtBot, desk: MainWindow, central: Central, tmp_path: Path
) -> None:
    from desktop.session.reconcile import Reconciler
    from desktop.store import actor_for
    from tests.integration.sync.conftest import new_device

    bridge = desk.sync_bridge
    user = add_user(central)
    with qtbot.waitSignal(bridge.sync_finished, timeout=20_000):
        assert bridge.login(central.url, user, PASSWORD, "desk-a")
    session = desk.session
    store_b, engine_b = new_device(tmp_path / "b", central.url, user)
    otto = actor_for(store_b.profile())  # type: ignore[arg-type]
    case = session.store.cases.create(session.actor, answers={"youth.first_name": "Noor"})
    session.store.cases.set_status(case.id, "ready_for_triage", session.actor, seal=True)

    def sync_here() -> None:
        with qtbot.waitSignal(bridge.sync_finished, timeout=20_000) as done:
            desk.sync_now_action.trigger()
        assert done.args[0].outcome == "ok"

    sync_here()
    assert engine_b.sync().outcome == "ok"
    session.store.cases.save_answers(
        case.id, {"youth.municipality": "Utrecht"}, session.actor, reason="a", action="amend"
    )
    store_b.cases.save_answers(
        case.id, {"youth.municipality": "Zeist"}, otto, reason="b", action="amend"
    )
    sync_here()
    assert engine_b.sync().outcome == "ok"
    sync_here()  # pulls Otto's version: two on the same base
    qtbot.waitUntil(lambda: "reconcile" in bridge.notices.texts(), timeout=5_000)
    assert session.store.cases.get(case.id).status == "needs_reconciliation"
    # Otto merges on his laptop; this desk pulls the merge and the notice goes away
    Reconciler(store_b).resolve(case.id, {}, otto)
    assert engine_b.sync().outcome == "ok"
    assert engine_b.status().needs_reconciliation == 0
    sync_here()
    qtbot.waitUntil(lambda: "reconcile" not in bridge.notices.texts(), timeout=5_000)
    assert session.store.cases.get(case.id).status != "needs_reconciliation"
    assert bridge.status is not None and bridge.status.needs_reconciliation == 0

"""Remote wipe (issue 21) with a real server and a real encrypted store: a device revoked
as lost erases its store at its next contact and confirms; the admin sees it confirmed.
A plain revocation (logout, new password) never wipes (test_scenarios covers it)."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

from central_api.__main__ import main
from desktop.store import database_path, open_store
from desktop.store.keyslots import slots_dir
from desktop.sync import DeviceWiped, LoginRequired, SyncEvent, WipeStarting
from tests.integration.sync.conftest import Central, add_user, fresh_region, new_device
from tests.integration.sync.helpers import offline_work


def test_a_device_revoked_as_lost_erases_its_store_and_confirms(
    central: Central, tmp_path: Path
) -> None:
    region = fresh_region(central)
    username = add_user(central, region=region)
    store, engine = new_device(tmp_path / "lost", central.url, username, region=region)
    offline_work(store, 2)
    assert engine.sync().outcome == "ok"
    path = database_path(tmp_path / "lost")
    assert path.exists()
    before = path.read_bytes()[:16]  # SQLCipher's salt: the key needs it
    slots = slots_dir(path)  # each user's wrapped store key

    def slot_files() -> list[Path]:
        return [p for p in slots.rglob("*") if p.is_file()] if slots.exists() else []

    assert slot_files()
    device_id = engine.device_id or ""

    out = io.StringIO()
    with redirect_stdout(out):
        assert (
            main(["device", "revoke", device_id, "--wipe", "--database-url", central.database_url])
            == 0
        )
    events: list[SyncEvent] = []
    intact_when_asked: list[bool] = []

    def listener(event: SyncEvent) -> None:
        events.append(event)
        if isinstance(event, WipeStarting):  # as the desk's window does once it let go
            intact_when_asked.append(path.exists() and path.read_bytes()[:16] == before)
            event.let_go.set()

    engine.subscribe(listener)
    report = engine.sync()
    # readers are asked to let go before anything is erased, and the erase follows
    assert intact_when_asked == [True]
    kinds = [type(e) for e in events]
    assert kinds.index(WipeStarting) < kinds.index(DeviceWiped)
    assert report.outcome == "wiped" and engine.wiped
    assert not path.exists() and not path.with_name(path.name + "-wal").exists()
    assert slot_files() == []  # no passphrase can unwrap the store key any more
    assert [e for e in events if isinstance(e, LoginRequired) and "gewist" in e.message]
    assert engine.sync().outcome == "wiped"  # and it never knocks again
    fresh = open_store(tmp_path / "lost", "correct horse battery staple")
    try:
        assert fresh.profile() is None  # a new, empty store: nothing of the old one
        assert path.read_bytes()[:16] != before
    finally:
        fresh.close()

    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["device", "list", "--json", "--database-url", central.database_url]) == 0
    listed = {d["id"]: d for d in json.loads(out.getvalue())}
    assert listed[device_id]["wipe_requested"] and listed[device_id]["wipe_confirmed_at"]
    storage = central.storage()
    try:
        confirmed = storage.server_audit("device.wipe_confirmed")
        assert [row["device_id"] for row in confirmed] == [device_id]
    finally:
        storage.close()

"""Sync scenarios against the real central API (PostgreSQL and SQLite)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from desktop.store import actor_for, open_store
from desktop.sync import ItemQuarantined, LoginRequired, SyncEngine, SyncEvent, version_item
from desktop.sync.errors import SyncError
from doorloop_protocol import Provider, PushRequest
from tests.integration.sync.conftest import (
    PASSPHRASE,
    PASSWORD,
    Central,
    add_user,
    fast_backoff,
    fresh_region,
    new_device,
    server_versions,
)
from tests.integration.sync.helpers import local_version_hashes, local_versions, offline_work
from tests.integration.sync.proxy import FaultProxy

pytestmark = pytest.mark.parametrize(
    "database_url", ["postgresql", "sqlite"], indirect=True, scope="module"
)


def _desk(central: Central, tmp_path: Path, name: str, username: str, region: str, url=None):  # type: ignore[no-untyped-def]
    return new_device(tmp_path / name, url or central.url, username, region=region)


def test_two_desks_amending_the_same_base_keep_both(central: Central, tmp_path: Path) -> None:
    region = fresh_region(central)
    username = add_user(central, region=region)
    store_a, engine_a = _desk(central, tmp_path, "a", username, region)
    store_b, engine_b = _desk(central, tmp_path, "b", username, region)
    actor_a = actor_for(store_a.profile())  # type: ignore[arg-type]
    actor_b = actor_for(store_b.profile())  # type: ignore[arg-type]
    case = store_a.cases.create(actor_a, region=region, answers={"youth.first_name": "Noor"})
    assert engine_a.sync().outcome == "ok"
    assert engine_b.sync().outcome == "ok"
    base = store_b.cases.get(case.id).version.id
    assert base == case.version.id
    store_a.cases.save_answers(case.id, {"youth.municipality": "Utrecht"}, actor_a)
    store_b.cases.save_answers(case.id, {"youth.municipality": "Zeist"}, actor_b)
    events: list[SyncEvent] = []
    engine_b.subscribe(events.append)
    assert engine_a.sync().outcome == "ok"
    report_b = engine_b.sync()
    assert report_b.outcome == "ok"
    assert case.id in report_b.conflicts
    assert engine_a.sync().outcome == "ok"
    for store in (store_a, store_b):
        versions = store.cases.versions(case.id)
        answers = {v.answers.get("youth.municipality") for v in versions}
        assert answers == {None, "Utrecht", "Zeist"}
        assert sum(1 for v in versions if v.version.base_version_id == base) == 2
        assert store.cases.get(case.id).status == "needs_reconciliation"
        assert store.outbox.unsynced_count() == 0
    assert engine_b.status().needs_reconciliation == 1
    assert any(type(e).__name__ == "ReconciliationNeeded" for e in events)


def test_a_version_arriving_before_its_base(central: Central, tmp_path: Path) -> None:
    region = fresh_region(central)
    username = add_user(central, region=region)
    store_a, engine_a = _desk(central, tmp_path, "a", username, region)
    store_b, engine_b = _desk(central, tmp_path, "b", username, region)
    actor = actor_for(store_a.profile())  # type: ignore[arg-type]
    case = store_a.cases.create(actor, region=region, answers={"youth.first_name": "Sem"})
    store_a.cases.set_status(case.id, "ready_for_triage", actor, seal=True)
    store_a.cases.save_answers(case.id, {"youth.municipality": "Ede"}, actor)
    items = store_a.outbox.take(kinds=("version",))
    first, second = items
    assert second.payload["base_version_id"] == first.item_id
    # The second version travels alone first: the server holds it until its base comes.
    transport = engine_a._connected()
    response = transport.push(PushRequest(versions=[version_item(second.payload)]))
    assert response.versions[0].result == "held"
    assert engine_b.sync().outcome == "ok"
    with pytest.raises(Exception):  # noqa: B017 - nothing of the case reached desk b
        store_b.cases.get(case.id)
    assert engine_a.sync().outcome == "ok"
    assert engine_b.sync().outcome == "ok"
    pulled = store_b.cases.get(case.id)
    assert pulled.version.id == second.item_id
    assert pulled.answers["youth.municipality"] == "Ede"
    assert pulled.status == "ready_for_triage"
    assert {v.version.id for v in store_b.cases.versions(case.id)} == {
        first.item_id,
        second.item_id,
    }


def test_revoked_device_stops_syncing_without_retrying(
    central: Central, proxy: FaultProxy, tmp_path: Path
) -> None:
    region = fresh_region(central)
    username = add_user(central, region=region)
    store, engine = new_device(tmp_path / "a", proxy.url, username, region=region)
    offline_work(store, 2)
    storage = central.storage()
    storage.revoke_device(engine.device_id or "")
    storage.close()
    events: list[SyncEvent] = []
    engine.subscribe(events.append)
    before = proxy.count("/v1/sync")
    report = engine.sync()
    assert report.outcome == "login_required"
    assert proxy.count("/v1/sync") == before + 1  # one 401, never retried
    assert engine.status().needs_login
    assert [e for e in events if isinstance(e, LoginRequired)]
    # Later runs do not knock on the server again until the user logs in.
    assert engine.sync().outcome == "login_required"
    assert proxy.count("/v1/sync") == before + 1
    assert store.outbox.unsynced_count() > 0
    # nothing sent (the events from before the desk was linked stay local)
    assert {i.state for i in store.outbox.items()} - {"local"} == {"pending"}
    engine.login(proxy.url, username, PASSWORD)
    again = engine.sync()
    assert again.outcome == "ok", again
    assert store.outbox.unsynced_count() == 0


def test_expired_cursor_gets_a_full_resync(central: Central, tmp_path: Path) -> None:
    region = fresh_region(central)
    username = add_user(central, region=region)
    store_a, engine_a = _desk(central, tmp_path, "a", username, region)
    store_b, engine_b = _desk(central, tmp_path, "b", username, region)
    storage = central.storage()
    storage.import_providers(
        region,
        [
            Provider(id="p1", region=region, name="Jeugdteam Oost"),
            Provider(id="p2", region=region, name="Crisisdienst Zuid"),
        ],
    )
    offline_work(store_a, 3)
    assert engine_a.sync().outcome == "ok"
    assert engine_b.sync().outcome == "ok"
    assert {p["id"] for p in engine_b.providers()} == {"p1", "p2"}
    storage.import_providers(region, [Provider(id="p1", region=region, name="Jeugdteam Oost")])
    offline_work(store_a, 2)
    assert engine_a.sync().outcome == "ok"
    dropped, horizon = storage.compact(up_to_seq=storage.last_seq())
    storage.close()
    assert dropped >= 1
    assert 0 < engine_b.state.pull_since() < horizon
    report = engine_b.sync()
    assert report.outcome == "ok"
    assert report.full_resync
    assert {p["id"] for p in engine_b.providers()} == {"p1"}
    assert local_versions(store_b) == set(local_version_hashes(store_a))


def test_rejected_version_is_quarantined_and_others_go_on(central: Central, tmp_path: Path) -> None:
    region = fresh_region(central)
    username = add_user(central, region=region)
    store, engine = _desk(central, tmp_path, "a", username, region)
    actor = actor_for(store.profile())  # type: ignore[arg-type]
    good = store.cases.create(actor, region=region, answers={"youth.first_name": "Ada"})
    wrong = store.cases.create(actor, region="elders", answers={"youth.first_name": "Bo"})
    bad = store.cases.create(actor, region=region, answers={"youth.first_name": "Nul\x00"})
    events: list[SyncEvent] = []
    engine.subscribe(events.append)
    report = engine.sync()
    assert report.outcome == "ok"
    assert report.quarantined == 2
    notices = {e.case_id: e for e in events if isinstance(e, ItemQuarantined)}
    assert set(notices) == {wrong.id, bad.id}
    assert notices[wrong.id].reason == "wrong_region"
    assert "youth.first_name" in notices[bad.id].message
    assert store.cases.get(good.id).sync_state == "synced"
    assert store.cases.get(wrong.id).sync_state == "conflict"
    assert good.version.id in server_versions(central)
    assert engine.status().quarantined == 2


def test_pull_interrupted_mid_page_applies_each_page_once(
    central: Central, proxy: FaultProxy, tmp_path: Path
) -> None:
    region = fresh_region(central)
    username = add_user(central, region=region)
    store_a, engine_a = _desk(central, tmp_path, "a", username, region)
    offline_work(store_a, 20)
    assert engine_a.sync().outcome == "ok"
    store_b, engine_b = new_device(
        tmp_path / "b", proxy.url, username, region=region, pull_limit=25
    )
    cuts = iter([True, False, True, True, False])

    def policy(method: str, path: str):  # type: ignore[no-untyped-def]
        if path.startswith("/v1/sync/pull") and next(cuts, False):
            return "truncate"
        return None

    proxy.policy = policy
    report = engine_b.sync()
    assert report.outcome == "ok"
    assert proxy.count("/v1/sync/pull", "truncate") == 3
    assert local_versions(store_b) == set(local_version_hashes(store_a))
    rows = store_b.db.execute(
        "SELECT count(*), count(DISTINCT version_id) FROM case_versions"
    ).fetchone()
    assert rows[0] == rows[1] == 60
    assert engine_b.state.pull_since() == engine_a.state.pull_since()


def test_a_device_clock_a_year_off_does_not_order_changes(central: Central, tmp_path: Path) -> None:
    region = fresh_region(central)
    username = add_user(central, region=region)
    store_a, engine_a = _desk(central, tmp_path, "a", username, region)
    store_b, engine_b = _desk(central, tmp_path, "b", username, region)
    store_c, engine_c = _desk(central, tmp_path, "c", username, region)
    (case_a,) = offline_work(store_a, 1)
    year = timedelta(days=365)
    for item in store_a.outbox.items("pending"):
        if item.kind != "version":
            continue
        payload = dict(item.payload)
        for key in ("created_at", "updated_at", "device_time"):
            payload[key] = (datetime.fromisoformat(payload[key]) + year).isoformat()
        store_a.outbox.put("version", item.item_id, payload, item.case_id)
    future = local_version_hashes(store_a)
    assert engine_a.sync().outcome == "ok"
    (case_b,) = offline_work(store_b, 1)
    assert engine_b.sync().outcome == "ok"
    assert server_versions(central).keys() >= future.keys()
    assert engine_c.sync().outcome == "ok"
    # Server order: desk a's versions (a year "ahead") come before desk b's later ones.
    storage = central.storage()
    from sqlalchemy import select

    from central_api import db

    with storage.engine.connect() as conn:
        rows = conn.execute(
            select(db.changes.c.seq, db.changes.c.object_id, db.changes.c.data).where(
                db.changes.c.kind == "case_version"
            )
        ).all()
    storage.close()
    seq_of = {row.object_id: row.seq for row in rows}
    assert max(seq_of[v] for v in future) < min(seq_of[v] for v in local_version_hashes(store_b))
    kept = json.loads(next(r.data for r in rows if r.object_id in future))
    assert datetime.fromisoformat(kept["device_time"]) > datetime.now().astimezone() + year / 2
    assert store_c.cases.get(case_a).created_at > datetime.now().astimezone() + year / 2
    assert store_c.cases.get(case_b).status == "ready_for_triage"


def test_a_login_whose_answer_was_lost_gets_the_same_device_when_retried(
    central: Central, proxy: FaultProxy, tmp_path: Path
) -> None:
    region = fresh_region(central)
    username = add_user(central, region=region)
    store = open_store(tmp_path / "a", PASSPHRASE)
    store.create_profile("Desk a", "desk", region=region)
    engine = SyncEngine(store, backoff=fast_backoff(), max_attempts=3, use_keyring=False)
    try:
        lost = {"first": True}

        def drop_first_login_answer(method: str, path: str) -> str | None:
            if path.startswith("/v1/auth/login") and lost.pop("first", False):
                return "drop_response"  # the server registered the device; the answer is lost
            return None

        proxy.policy = drop_first_login_answer  # type: ignore[assignment]
        with pytest.raises(SyncError):
            engine.login(proxy.url, username, PASSWORD)
        assert not engine.logged_in
        response = engine.login(proxy.url, username, PASSWORD)
        assert proxy.count("/v1/auth/login") == 2
        storage = central.storage()
        try:
            devices = [d for d in storage.list_devices(region) if d.username == username]
        finally:
            storage.close()
        assert [(d.id, d.revoked_at) for d in devices] == [(str(response.device_id), None)]
        offline_work(store, 1)
        assert engine.sync().outcome == "ok"
    finally:
        engine.close()
        store.close()

"""Logging out and in again against the real central API over HTTP (PostgreSQL, SQLite):
*Afmelden* revokes this device on the server, then forgets the token here; logging in
again leaves one active device, not two; a merge made on one desk ends the competition
on the other after it pulls."""

from __future__ import annotations

from pathlib import Path

import pytest

from central_api.storage import DeviceRecord
from desktop.session.reconcile import BOTH_TEXTS, Reconciler
from desktop.store import actor_for
from desktop.sync import AuthRequired, HttpTransport
from tests.integration.sync.conftest import (
    PASSWORD,
    Central,
    add_user,
    fresh_region,
    new_device,
)

pytestmark = pytest.mark.parametrize(
    "database_url", ["postgresql", "sqlite"], indirect=True, scope="module"
)


def _devices(central: Central, region: str) -> list[DeviceRecord]:
    storage = central.storage()
    try:
        return storage.list_devices(region)
    finally:
        storage.close()


def test_logout_revokes_the_device_and_forgets_the_token(central: Central, tmp_path: Path) -> None:
    region = fresh_region(central)
    username = add_user(central, region=region)
    store, engine = new_device(tmp_path / "a", central.url, username, region=region)
    assert engine.sync().outcome == "ok"
    device = engine.device_id
    token = engine.credentials.token(central.url, device or "")
    assert token
    assert [(d.id, d.revoked_at) for d in _devices(central, region)] == [(device, None)]

    assert engine.logout() is True
    (record,) = _devices(central, region)
    assert record.id == device and record.revoked_at is not None
    assert not engine.logged_in
    assert engine.credentials.token(central.url, device or "") is None
    # the old token works nowhere any more
    transport = HttpTransport(central.url, token)
    try:
        with pytest.raises(AuthRequired):
            transport.pull(0, 10)
    finally:
        transport.close()
    (event,) = [e for e in store.audit.events() if e.action == "logout"]
    assert event.outcome == "success" and event.details["revoked"] is True
    assert engine.sync().outcome == "login_required"

    engine.login(central.url, username, PASSWORD, device_name="a")
    assert engine.sync().outcome == "ok"
    active = [d.id for d in _devices(central, region) if d.revoked_at is None]
    assert active == [engine.device_id]


def test_logging_in_again_without_logout_keeps_one_registration(
    central: Central, tmp_path: Path
) -> None:
    """The desk's installation id brings back the same device: one active registration."""
    region = fresh_region(central)
    username = add_user(central, region=region)
    _store, engine = new_device(tmp_path / "a", central.url, username, region=region)
    first = engine.device_id
    engine.login(central.url, username, PASSWORD, device_name="a")
    assert engine.device_id == first
    active = [d.id for d in _devices(central, region) if d.revoked_at is None]
    assert active == [first]
    assert engine.sync().outcome == "ok"


def test_a_merge_with_both_texts_ends_the_competition_on_the_other_desk(
    central: Central, tmp_path: Path
) -> None:
    region = fresh_region(central)
    username = add_user(central, region=region)
    store_a, engine_a = new_device(tmp_path / "a", central.url, username, region=region)
    store_b, engine_b = new_device(tmp_path / "b", central.url, username, region=region)
    anna = actor_for(store_a.profile())  # type: ignore[arg-type]
    otto = actor_for(store_b.profile())  # type: ignore[arg-type]
    case = store_a.cases.create(anna, region=region, answers={"youth.first_name": "Noor"})
    store_a.cases.set_status(case.id, "ready_for_triage", anna, seal=True)
    assert engine_a.sync().outcome == "ok"
    assert engine_b.sync().outcome == "ok"
    note = "risk.protective_factors"
    store_a.cases.save_answers(case.id, {note: "Oma."}, anna, reason="a", action="amend")
    store_b.cases.save_answers(
        case.id, {note: "Wel eerder gesneden (vorig jaar)."}, otto, reason="b", action="amend"
    )
    assert engine_a.sync().outcome == "ok"
    assert engine_b.sync().outcome == "ok"
    assert engine_a.sync().outcome == "ok"
    assert engine_a.status().needs_reconciliation == 1
    assert engine_b.status().needs_reconciliation == 1
    merged = Reconciler(store_a).resolve(case.id, {note: BOTH_TEXTS}, anna)
    assert engine_a.sync().outcome == "ok"
    assert engine_b.sync().outcome == "ok"
    for store, engine in ((store_a, engine_a), (store_b, engine_b)):
        assert engine.status().needs_reconciliation == 0
        here = store.cases.get(case.id)
        assert here.version.id == merged.version.id
        assert "] Oma." in here.answers[note]
        assert "] Wel eerder gesneden (vorig jaar)." in here.answers[note]
        assert here.answers[note].count("[") == 2  # each text marked with its author

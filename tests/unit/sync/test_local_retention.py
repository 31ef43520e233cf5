"""A desk keeps closed cases only a while (issue 21): after a successful sync the closed,
synced cases past the keep period are dropped (the central copy is the record); a
tombstone from the server drops the case too; a case with a version still to send stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from desktop.store import Store, actor_for, open_store
from desktop.store.sync_state import SyncState
from doorloop_protocol.privacy import RegionPrivacy
from tests.helpers.stores import PASSPHRASE, opened_store
from tests.unit.sync.test_engine import FakeServer, _engine


def _close(store: Store, case_id: str, days_ago: float) -> None:
    moment = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat(timespec="milliseconds")
    store.db.execute(
        "UPDATE cases SET status = 'closed', updated_at = ? WHERE id = ?", [moment, case_id]
    )


def _versions(store: Store, case_id: str) -> int:
    return int(
        store.db.execute(
            "SELECT count(*) FROM case_versions WHERE case_id = ?", [case_id]
        ).fetchone()[0]
    )


def test_closed_cases_past_the_keep_period_are_dropped_after_a_good_sync(store: Store) -> None:
    engine = _engine(store, FakeServer(), [])
    actor = actor_for(store.profile())  # type: ignore[arg-type]
    keep = RegionPrivacy().keep_closed_for("desk")
    old = store.cases.create(actor, answers={"youth.first_name": "Sem"}).id
    recent = store.cases.create(actor, answers={"youth.first_name": "Noor"}).id
    assert engine.sync().outcome == "ok"
    _close(store, old, keep + 1)
    _close(store, recent, keep - 1)
    unsent = store.cases.create(actor, answers={"youth.first_name": "Lotte"}).id
    _close(store, unsent, keep + 1)  # closed long ago but its version is not sent yet
    store.db.execute("UPDATE cases SET sync_state = 'synced' WHERE id = ?", [unsent])
    cutoff = (datetime.now(UTC) - timedelta(days=keep)).isoformat()
    with store.atomic():
        assert SyncState(store.db).drop_closed(cutoff) == [old]  # not the unsent one
    assert _versions(store, unsent) == 1

    assert engine.sync().outcome == "ok"
    assert store.cases.summary(old) is None and _versions(store, old) == 0
    assert store.cases.summary(recent) is not None and _versions(store, recent) == 1
    assert _versions(store, unsent) == 0  # sent by this very run, then dropped
    assert store.verify_audit_chain().ok  # the audit events stay, the chain holds

    assert RegionPrivacy().keep_closed_for("outreach") < keep  # laptops: briefly


def test_a_tombstone_drops_the_case_unless_a_version_waits(store: Store) -> None:
    actor = actor_for(store.profile())  # type: ignore[arg-type]
    sent = store.cases.create(actor, answers={"youth.first_name": "Sem"})
    store.outbox.ack([item.item_id for item in store.outbox.take() if item.kind == "version"])
    waiting = store.cases.create(actor, answers={"youth.first_name": "Noor"})
    state = SyncState(store.db)
    with store.atomic():
        state.withdraw_case(sent.id)
        state.withdraw_case(waiting.id)
    assert _versions(store, sent.id) == 0
    assert store.db.execute("SELECT count(*) FROM cases WHERE id = ?", [sent.id]).fetchone()[0] == 0
    assert _versions(store, waiting.id) == 1 and store.cases.summary(waiting.id) is None
    assert store.verify_audit_chain().ok


def test_training_cases_are_kept_only_days(tmp_path: Path) -> None:
    from doorloop_protocol.privacy import DEFAULT_RETENTION_TRAINING_DAYS

    with opened_store(tmp_path / "data") as production:
        kept = production.cases.create(
            actor_for(production.profile()),  # type: ignore[arg-type]
            answers={"youth.first_name": "Sem"},
        ).id
    store = open_store(tmp_path / "data", PASSPHRASE, training=True)
    profile = store.profile() or store.create_profile("Tess", "trainer")
    actor = actor_for(profile)
    old = store.cases.create(actor, answers={"youth.first_name": "Oefen"}, training=True).id
    new = store.cases.create(actor, answers={"youth.first_name": "Nieuw"}, training=True).id
    _close(store, old, DEFAULT_RETENTION_TRAINING_DAYS + 1)
    _close(store, new, DEFAULT_RETENTION_TRAINING_DAYS - 1)
    store.close()
    store = open_store(tmp_path / "data", PASSPHRASE, training=True)
    try:
        assert _versions(store, old) == 0 and _versions(store, new) == 1
    finally:
        store.close()
    with opened_store(tmp_path / "data") as production:
        assert _versions(production, kept) == 1  # production data is never touched
        assert production.drop_expired_training(0) == 0

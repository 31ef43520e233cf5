"""The outbox as the sync engine uses it: batches by row id, acknowledgement per case."""

from __future__ import annotations

from desktop.store import Actor, Store


def _queue(store: Store, actor: Actor, n: int) -> None:
    for i in range(n):
        store.cases.create(actor, answers={"youth.first_name": f"K{i}"})


def test_take_after_a_row_id_never_returns_a_batch_already_in_flight(
    store: Store, actor: Actor
) -> None:
    _queue(store, actor, 5)
    first = store.outbox.take(limit=4)
    second = store.outbox.take(limit=4, after=first[-1].id)
    assert {i.item_id for i in first}.isdisjoint(i.item_id for i in second)
    assert [i.id for i in first + second] == sorted(i.id for i in first + second)
    # a new run (after=0) takes what an interrupted run left "sending"
    again = store.outbox.take(limit=100)
    assert {i.item_id for i in again} >= {i.item_id for i in first + second}


def test_taking_a_version_seals_it_so_a_later_edit_becomes_a_new_version(
    store: Store, actor: Actor
) -> None:
    case = store.cases.create(actor, answers={"youth.first_name": "Sem"})
    store.outbox.take(limit=10)
    edited = store.cases.save_answers(case.id, {"youth.first_name": "Daan"}, actor)
    assert edited.version.id != case.version.id
    assert edited.version.base_version_id == case.version.id


def test_acknowledging_looks_up_a_cases_outbox_rows_by_index(store: Store) -> None:
    # Without this index acknowledging a batch scans the outbox once per case.
    plan = store.db.execute(
        "EXPLAIN QUERY PLAN SELECT 1 FROM outbox o WHERE o.case_id = ? "
        "AND o.kind = 'version' AND o.state != 'acked'",
        ["x"],
    ).fetchall()
    assert any("outbox_case_kind_state" in row[-1] for row in plan), plan


def test_acknowledged_cases_show_as_synced_once_no_version_waits(
    store: Store, actor: Actor
) -> None:
    case = store.cases.create(actor, answers={"youth.first_name": "Sem"})
    items = store.outbox.take(limit=10)
    store.outbox.ack([i.item_id for i in items])
    (summary,) = [s for s in store.cases.summaries() if s.id == case.id]
    assert summary.sync_state == "synced"


def test_wire_items_are_the_stored_payloads_without_the_stores_own_keys(
    store: Store, actor: Actor
) -> None:
    import json

    from doorloop_protocol import AuditEventItem, VersionItem

    case = store.cases.create(actor, answers={"youth.first_name": "Zoë", "youth.age": 15})
    stored = {i.item_id: i.payload for i in store.outbox.items()}
    wire = store.outbox.take_wire(limit=10)
    assert {w.kind for w in wire} == {"version", "audit"}
    for item in wire:
        data = json.loads(item.wire_json)
        expected = dict(stored[item.item_id])
        expected.pop("id" if item.kind == "version" else "seq")
        assert data == expected  # every other value exactly as written
        model = VersionItem if item.kind == "version" else AuditEventItem
        model.model_validate_json(item.wire_json)  # and it is a valid wire item
        assert item.training is False
    (version,) = [w for w in wire if w.kind == "version"]
    assert version.case_id == case.id
    assert json.loads(version.wire_json)["answers"]["youth.first_name"] == "Zoë"


def test_each_item_goes_with_its_makers_token_a_referral_move_too(
    store: Store, actor: Actor
) -> None:
    """Several users on one PC: a run takes only what the signed-in user made (a version by
    its author, an audit event by its user, a referral move by its actor)."""
    store.outbox.put(
        "referral_event",
        "ev-1",
        {"event_id": "ev-1", "move": "request", "actor_id": "tim"},
        None,
    )
    anna = actor.user_id
    assert store.outbox.unsynced_count("referral_event", author="tim") == 1
    assert store.outbox.unsynced_count("referral_event", author=anna) == 0
    wire = store.outbox.take_wire(limit=10, kinds=("referral_event",), author="tim")
    assert len(wire) == 1
    assert store.outbox.take_wire(limit=10, kinds=("referral_event",), author=anna) == []

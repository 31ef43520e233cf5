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

"""The case change feed: every committed write of a case is told, by any writer, once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from desktop.session.reconcile import Reconciler
from desktop.store import Actor, Store
from desktop.store.changes import CasesChanged
from desktop.store.sync_state import SyncState
from tests.helpers.pulled import pull_on_worker_thread, version_item
from tests.helpers.stores import PASSPHRASE


class Heard:
    def __init__(self, store: Store) -> None:
        self.changes: list[tuple[str, frozenset[str]]] = []
        self.unsubscribe = store.changes.subscribe(self)

    def __call__(self, change: CasesChanged) -> None:
        self.changes.append((threading.current_thread().name, change.case_ids))

    def ids(self) -> list[frozenset[str]]:
        return [ids for _thread, ids in self.changes]


def test_local_create_edit_status_and_banner_are_each_told_after_commit(
    store: Store, actor: Actor
) -> None:
    heard = Heard(store)
    case = store.cases.create(actor, answers={"youth.first_name": "Sem"})
    store.cases.save_answers(case.id, {"youth.last_name": "Bakker"}, actor)
    store.cases.set_status(case.id, "ready_for_triage", actor)
    store.cases.record_banner(case.id, "high_suicide_risk", actor)
    assert heard.ids() == [frozenset({case.id})] * 4


def test_an_edit_that_changes_nothing_and_a_rollback_are_not_told(
    store: Store, actor: Actor
) -> None:
    case = store.cases.create(actor, answers={"youth.first_name": "Sem"})
    heard = Heard(store)
    store.cases.save_answers(case.id, {"youth.first_name": "Sem"}, actor)
    with pytest.raises(RuntimeError), store.atomic():
        store.cases.save_answers(case.id, {"youth.first_name": "Daan"}, actor)
        raise RuntimeError("rolled back")
    assert heard.ids() == []
    assert store.cases.get(case.id).answers["youth.first_name"] == "Sem"


def test_one_transaction_with_several_writes_is_told_once_after_its_commit(
    store: Store, actor: Actor
) -> None:
    first = store.cases.create(actor)
    second = store.cases.create(actor)
    heard = Heard(store)
    with store.atomic():
        store.cases.save_answers(first.id, {"youth.first_name": "Sem"}, actor)
        store.cases.save_answers(second.id, {"youth.first_name": "Noor"}, actor)
        assert heard.ids() == []  # not before the commit
    assert heard.ids() == [frozenset({first.id, second.id})]


def test_a_pull_on_the_sync_workers_connection_and_thread_is_told(
    store: Store, actor: Actor, data_dir: Path
) -> None:
    case = store.cases.create(actor, answers={"youth.first_name": "Sem"})
    case = store.cases.set_status(case.id, "draft", actor, seal=True)
    heard = Heard(store)
    new_case = version_item(
        "a" * 8 + "-0000-4000-8000-000000000001", {}, base_version_id=None, number=1
    )
    advanced = version_item(
        case.id,
        {**case.answers, "risk.suicidality": "plan"},
        base_version_id=case.version.id,
        number=2,
    )
    assert pull_on_worker_thread(data_dir, PASSPHRASE, new_case) == "new_case"
    assert pull_on_worker_thread(data_dir, PASSPHRASE, advanced) == "advanced"
    assert heard.changes == [
        ("doorloop-sync-test", frozenset({new_case["case_id"]})),
        ("doorloop-sync-test", frozenset({case.id})),
    ]
    assert store.cases.get(case.id).answers["risk.suicidality"] == "plan"


def test_case_state_withdrawal_outbox_ack_and_reconciliation_are_told(
    store: Store, actor: Actor
) -> None:
    case = store.cases.create(actor, answers={"youth.first_name": "Sem"})
    state = SyncState(store.db, user=store.current_user)
    heard = Heard(store)
    with store.atomic():
        state.apply_case_state({"case_id": case.id, "needs_reconciliation": True})
    taken = store.outbox.take()
    store.outbox.ack([item.item_id for item in taken if item.kind == "version"])
    with store.atomic():
        state.withdraw_case(case.id)
    assert heard.ids() == [frozenset({case.id})] * 3

    other = store.cases.create(actor, answers={"youth.first_name": "Noor"})
    other = store.cases.set_status(other.id, "draft", actor, seal=True)
    local = store.cases.save_answers(other.id, {"youth.last_name": "A"}, actor)
    with store.atomic():
        state.apply_version(
            version_item(
                other.id,
                {**other.answers, "youth.last_name": "B"},
                base_version_id=other.version.id,
                number=2,
            )
        )
    heard.changes.clear()
    Reconciler(store).resolve(other.id, {"youth.last_name": local.version.id}, actor)
    assert heard.ids() == [frozenset({other.id})]


def test_a_failing_listener_neither_undoes_the_commit_nor_silences_the_others(
    store: Store, actor: Actor
) -> None:
    def broken(_change: CasesChanged) -> None:
        raise ValueError("listener bug")

    store.changes.subscribe(broken)
    heard = Heard(store)
    case = store.cases.create(actor)
    assert heard.ids() == [frozenset({case.id})]
    assert store.cases.get(case.id).status == "draft"
    heard.unsubscribe()
    store.cases.save_answers(case.id, {"youth.first_name": "Sem"}, actor)
    assert heard.ids() == [frozenset({case.id})]

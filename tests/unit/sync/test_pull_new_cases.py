"""A pulled page's versions of cases new to this desk are stored together
(``SyncEngine._apply_page`` with ``_NewCases``, ``heads.insert_cases``): the store ends up
with exactly the rows the one-by-one way writes, the change feed hears of the same cases,
and a page is still all or nothing."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.store import Store, actor_for, open_store
from desktop.store.changes import CasesChanged
from desktop.store.sync_state import SyncState
from desktop.sync import SyncEngine
from desktop.sync.transport import Transport
from doorloop_protocol import PullResponse
from tests.helpers.pulled import version_item
from tests.helpers.stores import PASSPHRASE

TABLES = {
    "cases": "SELECT * FROM cases ORDER BY n",
    "case_versions": "SELECT * FROM case_versions ORDER BY rowid",
    "version_resolves": "SELECT * FROM version_resolves ORDER BY version_id, resolved_version_id",
    "case_search": "SELECT rowid, search_text FROM case_search ORDER BY rowid",
    "sync_checkpoint": "SELECT * FROM sync_checkpoint ORDER BY key",
    "outbox": "SELECT * FROM outbox ORDER BY id",
    "audit_log": "SELECT * FROM audit_log ORDER BY seq",
}

RICH = {
    "call.received_at": "2026-11-23T03:12:00+01:00",
    "triage.urgency": "U1",
    "youth.first_name": "Sem",
    "youth.last_name": "de Wit",
    "youth.municipality": "Zeist",
    "youth.age_estimate": 15.5,
    "call.caller_name": "Ellen Jansen",
}


def rows(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    return {
        name: [tuple(r) for r in store.sql.execute(sql).fetchall()] for name, sql in TABLES.items()
    }


def no_transport(url: str, token: str | None) -> Transport:
    raise AssertionError("these tests store pages without a server")


def change(seq: int, item: dict[str, Any]) -> dict[str, Any]:
    return {"seq": seq, "kind": "case_version", "id": item["version_id"], "data": item}


class Desks:
    """Two identical copies of one desk store: one stores pages the batched way, one
    the one-by-one way."""

    def __init__(self, root: Path) -> None:
        base = root / "base"
        store = open_store(base, PASSPHRASE)
        store.create_profile("Anna de Vries", "desk")
        actor = actor_for(store.profile())  # type: ignore[arg-type]
        self.local = store.cases.create(actor, answers={"youth.first_name": "Noor"})
        self.pulled = version_item(
            str(uuid.uuid4()), {"youth.first_name": "Daan"}, base_version_id=None, number=1
        )
        state = SyncState(store.db, user=store.current_user)
        with store.atomic():
            state.apply_version(self.pulled)
        # a local version of a case not on this desk (yet) waits in the outbox
        self.waiting_case = str(uuid.uuid4())
        store.sql.execute(
            "INSERT INTO outbox (kind, item_id, case_id, payload, created_at) "
            "VALUES ('version', ?, ?, '{}', '2026-01-01T00:00:00+00:00')",
            [str(uuid.uuid4()), self.waiting_case],
        )
        store.close()
        shutil.copytree(base, root / "slow")
        shutil.copytree(base, root / "fast")
        self.slow = self._engine(open_store(root / "slow", PASSPHRASE), batched=False)
        self.fast = self._engine(open_store(root / "fast", PASSPHRASE), batched=True)
        self.heard: dict[bool, list[frozenset[str]]] = {False: [], True: []}
        for engine in (self.slow, self.fast):
            heard = self.heard[engine.batch_new_cases]

            def listen(change: CasesChanged, heard: list[frozenset[str]] = heard) -> None:
                heard.append(change.case_ids)

            engine.store.changes.subscribe(listen)

    @staticmethod
    def _engine(store: Store, *, batched: bool) -> SyncEngine:
        engine = SyncEngine(store, transport_factory=no_transport, use_keyring=False)
        engine.batch_new_cases = batched
        return engine

    def apply(self, changes: list[dict[str, Any]], since: int) -> None:
        page = PullResponse.model_validate(
            {"changes": changes, "next_since": since, "has_more": False}
        )
        for engine in (self.slow, self.fast):
            counts: dict[str, int] = {"pulled": 0}
            engine._apply_page(page, False, counts)

    def close(self) -> None:
        self.slow.store.close()
        self.fast.store.close()


@pytest.fixture
def desks(tmp_path: Path) -> Iterator[Desks]:
    made = Desks(tmp_path)
    yield made
    made.close()


def mixed_page(desks: Desks) -> list[dict[str, Any]]:
    """New cases, a second version of one of them, a repeat, a competing version of a
    local case, a case state, a dropped case coming back, a new case with local work
    waiting: every way through ``apply_version`` in one page."""
    a1 = version_item(str(uuid.uuid4()), RICH, base_version_id=None, number=1)
    a1["number"] = None  # the server may leave the number out
    b1 = version_item(
        str(uuid.uuid4()), {"triage.urgency": "U3"}, base_version_id=None, number=1, status="closed"
    )
    b1["legal_flags"] = [{"code": "bopz", "label": "Machtiging"}]
    b1["legal_decision_date"] = "2026-11-20"
    b1["banners_shown"] = [{"id": "safety", "shown_at": "2026-11-23T03:13:00+01:00"}]
    a2 = version_item(
        a1["case_id"], {**RICH, "triage.urgency": "U2"}, base_version_id=a1["version_id"], number=2
    )
    c1 = version_item(
        str(uuid.uuid4()), {"youth.first_name": "Ilse"}, base_version_id=None, number=3
    )
    competing = version_item(
        desks.local.id, {"youth.first_name": "Noortje"}, base_version_id=None, number=1
    )
    back = version_item(
        desks.pulled["case_id"],
        {"youth.first_name": "Daan B."},
        base_version_id=desks.pulled["version_id"],
        number=2,
    )
    waiting = version_item(
        desks.waiting_case, {"youth.first_name": "Fenna"}, base_version_id=None, number=1
    )
    new = [
        version_item(
            str(uuid.uuid4()), {"youth.first_name": f"N{i}"}, base_version_id=None, number=1
        )
        for i in range(5)
    ]
    items = [
        change(1, a1),
        change(2, b1),
        change(3, a2),
        change(4, c1),
        change(5, b1),
        change(6, competing),
        change(7, desks.pulled),  # known already
        {
            "seq": 8,
            "kind": "case_state",
            "id": a1["case_id"],
            "data": {
                "case_id": a1["case_id"],
                "region": "demo",
                "status": "draft",
                "head_version_ids": [a2["version_id"]],
                "needs_reconciliation": False,
            },
        },
        {
            "seq": 9,
            "kind": "tombstone",
            "id": desks.pulled["case_id"],
            "data": {"object_kind": "case_state"},
        },
        change(10, back),
        change(11, waiting),
    ]
    items += [change(12 + i, item) for i, item in enumerate(new)]
    return items


def test_a_mixed_page_is_stored_exactly_as_one_by_one(desks: Desks) -> None:
    before = rows(desks.fast.store)
    assert before == rows(desks.slow.store)
    desks.apply(mixed_page(desks), since=40)
    after = rows(desks.fast.store)
    assert after == rows(desks.slow.store)
    assert len(after["cases"]) == len(before["cases"]) + 9  # a, b, c, waiting, 5 new
    assert after != before
    assert desks.heard[True] == desks.heard[False]
    assert len(desks.heard[True]) == 1 and len(desks.heard[True][0]) == 11
    states = dict(desks.fast.store.sql.execute("SELECT id, sync_state FROM cases").fetchall())
    assert states[desks.waiting_case] == "local"  # its local version still waits
    assert desks.fast.state.pull_since() == 40


def test_new_cases_take_the_batched_way(desks: Desks, monkeypatch: pytest.MonkeyPatch) -> None:
    one_by_one: list[str] = []
    original = SyncState.apply_version

    def counted(self: SyncState, item: dict[str, Any]) -> Any:
        one_by_one.append(str(item["version_id"]))
        return original(self, item)

    monkeypatch.setattr(SyncState, "apply_version", counted)
    page = PullResponse.model_validate(
        {"changes": mixed_page(desks), "next_since": 40, "has_more": False}
    )
    desks.fast._apply_page(page, False, {"pulled": 0})
    # of the 14 versions only these 5 go one by one: a2 (its case came in this page),
    # the repeat of b1, the competing one, the known one, and the dropped case's return
    assert len(one_by_one) == 5
    assert desks.fast.state.pull_since() == 40


def test_a_stale_look_at_the_store_falls_back_to_one_by_one(
    desks: Desks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the batch meet a case or version stored after all, nothing of the batch
    stays and each change goes the one-by-one way: the same rows."""
    monkeypatch.setattr(SyncState, "stored_ids", lambda self, v, c: (set(), set()))
    desks.apply(mixed_page(desks), since=40)
    assert rows(desks.fast.store) == rows(desks.slow.store)


def test_a_page_that_fails_leaves_none_of_its_new_cases(
    desks: Desks, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = rows(desks.fast.store)

    def crash(self: SyncState, since: int) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(SyncState, "set_pull_since", crash)
    page = PullResponse.model_validate(
        {"changes": mixed_page(desks), "next_since": 40, "has_more": False}
    )
    with pytest.raises(RuntimeError):
        desks.fast._apply_page(page, False, {"pulled": 0})
    assert rows(desks.fast.store) == before
    assert desks.heard[True] == []

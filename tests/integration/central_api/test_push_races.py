"""A push decides before it takes the sequence lock (central_api.storage.push): a push that
commits in between must never be missed. Each test lets push B commit exactly between
push A's decisions and A taking the lock (PostgreSQL, where that can happen), and checks
the outcome is the one of the two pushes one after the other. On SQLite a write
transaction holds the database from its start, so B waits for A instead.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from central_api import db
from central_api.storage import Principal, Storage
from central_api.storage.core import SeqLock
from doorloop_protocol import AuditEventItem, VersionItem
from tests.integration.central_api.conftest import PG_URL, _admin_sql, audit_event, version

PASSWORD = "race password 1"


@pytest.fixture
def pg_storage(pg_template: str) -> Iterator[Storage]:
    name = f"doorloop_test_{secrets.token_hex(6)}"
    _admin_sql(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    store = Storage.open(PG_URL.format(name=name))
    try:
        yield store
    finally:
        store.close()
        _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def desk(storage: Storage, name: str) -> Principal:
    """A signed-in device of user `name` in region noord (a new device each call)."""
    if "noord" not in storage.regions():
        storage.add_region("noord")
    if storage.authenticate(name, PASSWORD) is None:
        storage.add_user(name, PASSWORD, role="desk", region="noord")
    user = storage.authenticate(name, PASSWORD)
    assert user is not None
    _device, token = storage.register_device(user, f"{name} pc")
    principal = storage.principal(token)
    assert principal is not None
    return principal


def item(who: Principal, **overrides: Any) -> VersionItem:
    return VersionItem.model_validate(
        version(created_by=who.user_id, device_id=who.device_id, **overrides)
    )


def between(monkeypatch: pytest.MonkeyPatch, push_b: Callable[[], object]) -> list[str]:
    """Run `push_b` once, when the next push has decided and is about to take the lock."""
    taken = SeqLock.take
    ran: list[str] = []

    def take(self: SeqLock) -> list[int]:
        if not ran:
            ran.append("b")
            push_b()
        return taken(self)

    monkeypatch.setattr(SeqLock, "take", take)
    return ran


def stored(storage: Storage, case_id: str) -> tuple[dict[str, str], list[str], int]:
    """(version id -> state, the case's heads, its number of case_version changes)."""
    with storage.engine.connect() as conn:
        states = dict(
            conn.execute(
                db.versions.select()
                .with_only_columns(db.versions.c.id, db.versions.c.state)
                .where(db.versions.c.case_id == case_id)
            ).all()
        )
        heads = json.loads(
            conn.execute(
                db.cases.select()
                .with_only_columns(db.cases.c.heads)
                .where(db.cases.c.id == case_id)
            ).scalar_one()
        )
        changes = conn.execute(
            db.changes.select()
            .with_only_columns(db.changes.c.seq)
            .where(db.changes.c.kind == "case_version", db.changes.c.object_id.in_(states))
        ).all()
        conn.rollback()
    return states, heads, len(changes)


def test_the_same_version_pushed_twice_at_once_is_stored_once(
    pg_storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, a2 = desk(pg_storage, "anna"), desk(pg_storage, "anna")  # two devices of one user
    v1 = item(a)
    ran = between(monkeypatch, lambda: pg_storage.push(a2, [v1], []))
    result = pg_storage.push(a, [v1], [])
    assert ran == ["b"]
    assert [r.result for r in result.versions] == ["duplicate"]
    states, heads, changes = stored(pg_storage, str(v1.case_id))
    assert states == {str(v1.version_id): "applied"} and changes == 1
    assert heads == [str(v1.version_id)]
    audit = pg_storage.server_audit("sync.push")
    assert [row["detail"]["versions"] for row in audit] == [{"created": 1}, {"duplicate": 1}]


def test_a_base_that_arrives_meanwhile_applies_the_version_instead_of_holding_it(
    pg_storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = desk(pg_storage, "anna"), desk(pg_storage, "bram")
    base = item(b)
    child = item(a, case_id=str(base.case_id), base=str(base.version_id))
    between(monkeypatch, lambda: pg_storage.push(b, [base], []))
    result = pg_storage.push(a, [child], [])
    assert [r.result for r in result.versions] == ["created"]
    states, heads, changes = stored(pg_storage, str(base.case_id))
    assert set(states.values()) == {"applied"} and changes == 2
    assert heads == [str(child.version_id)]


def test_a_version_held_meanwhile_on_a_pushed_base_is_released(
    pg_storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = desk(pg_storage, "anna"), desk(pg_storage, "bram")
    base = item(a)
    child = item(b, case_id=str(base.case_id), base=str(base.version_id))
    between(monkeypatch, lambda: pg_storage.push(b, [child], []))
    result = pg_storage.push(a, [base], [])
    assert [r.result for r in result.versions] == ["created"]
    states, heads, changes = stored(pg_storage, str(base.case_id))
    assert set(states.values()) == {"applied"} and changes == 2
    assert heads == [str(child.version_id)]
    assert pg_storage.server_audit("sync.push")[-1]["detail"]["released"] == 1


def test_a_concurrent_version_on_the_same_base_keeps_both_heads(
    pg_storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = desk(pg_storage, "anna"), desk(pg_storage, "bram")
    base = item(a)
    pg_storage.push(a, [base], [])
    mine = item(a, case_id=str(base.case_id), base=str(base.version_id), answers={"n": 1})
    theirs = item(b, case_id=str(base.case_id), base=str(base.version_id), answers={"n": 2})
    between(monkeypatch, lambda: pg_storage.push(b, [theirs], []))
    result = pg_storage.push(a, [mine], [])
    assert [r.result for r in result.versions] == ["conflict"]
    _states, heads, changes = stored(pg_storage, str(base.case_id))
    assert sorted(heads) == sorted([str(mine.version_id), str(theirs.version_id)])
    assert changes == 3
    pulled = json.loads(pg_storage.pull(a, 0, 100))["changes"]
    seqs = [change["seq"] for change in pulled]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    state = [c for c in pulled if c["kind"] == "case_state"]
    assert len(state) == 1 and state[0]["data"]["needs_reconciliation"] is True


def test_the_same_audit_event_pushed_twice_at_once_is_stored_once(
    pg_storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, a2 = desk(pg_storage, "anna"), desk(pg_storage, "anna")
    event = AuditEventItem.model_validate(
        audit_event(user_id=a.user_id, role=a.role, device_id=a.device_id)
    )
    between(monkeypatch, lambda: pg_storage.push(a2, [], [event]))
    result = pg_storage.push(a, [], [event])
    assert [r.result for r in result.audit_events] == ["duplicate"]
    with pg_storage.engine.connect() as conn:
        count = conn.execute(
            db.audit_events.select().where(db.audit_events.c.id == str(event.event_id))
        ).all()
        conn.rollback()
    assert len(count) == 1


def test_on_sqlite_a_second_writer_waits_for_the_first(
    tmp_path: Any, sqlite_template: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "central.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    storage = Storage.open(f"sqlite:///{path}")
    try:
        a = desk(storage, "anna")
        v1 = item(a)
        done = threading.Event()
        seen: list[str] = []

        def second_push() -> None:
            storage.push(a, [v1], [])
            done.set()

        def push_b() -> None:
            threading.Thread(target=second_push, daemon=True).start()
            seen.append("finished" if done.wait(0.5) else "waiting")

        between(monkeypatch, push_b)
        assert [r.result for r in storage.push(a, [v1], []).versions] == ["created"]
        assert done.wait(10)
        assert seen == ["waiting"]
        states, _heads, changes = stored(storage, str(v1.case_id))
        assert states == {str(v1.version_id): "applied"} and changes == 1
    finally:
        storage.close()

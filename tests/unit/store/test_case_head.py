"""One write path for a case head: the list row follows the head version's content.

The deadline (and every other list column) of a case is derived from its head version
when the head moves: by a local edit, a pulled version or a reconciliation. A U1 case
decided on desk A shows the same response deadline on desk B after a pull.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from desktop.session.desk import DeskSession
from desktop.session.reconcile import Reconciler
from desktop.store import Profile, Store, open_store
from desktop.store.outbox import Outbox
from desktop.store.sync_state import SyncState

PASSPHRASE = "correct horse battery staple"
AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 23, 3, 30, tzinfo=AMS)
RECEIVED = "2026-11-23T03:12:00+01:00"
U1_DEADLINE = "2026-11-23T04:12:00+01:00"  # U1: within 60 minutes of the call
INTAKE: dict[str, Any] = {
    "call.received_at": RECEIVED,
    "call.channel": "phone",
    "call.caller_role": "gp",
    "call.caller_name": "Dokter Testma",
    "call.caller_organisation": "Huisartsenpraktijk Voorbeeld",
    "call.caller_phone": "0612345678",
    "youth.first_name": "Sem",
    "youth.birth_date": "2012-05-04",
    "youth.current_location": "home",
    "authority.situation": "joint_parents",
    "situation.reason": "Gedachten aan de dood met een plan.",
    "risk.suicidality": "plan",
}


def _open(path: Path, name: str) -> Store:
    store = open_store(path, PASSPHRASE)
    store.create_profile(name, "desk")
    return store


@pytest.fixture
def desks(tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    a, b = _open(tmp_path / "a", "Anna de Vries"), _open(tmp_path / "b", "Bram Bos")
    yield a, b
    a.close()
    b.close()


def session(store: Store, role: str) -> DeskSession:
    profile = store.profile()
    assert profile is not None
    if role != "desk":
        profile = Profile(
            user_id=str(uuid.uuid4()),
            display_name=f"{profile.display_name} ({role})",
            role=role,  # type: ignore[arg-type]
            device_id=profile.device_id,
            created_at=datetime.now(UTC),
        )
    return DeskSession(store, profile, clock=lambda: NOW)


def decided_u1(store: Store) -> str:
    desk = session(store, "desk")
    case = desk.new_case()
    desk.save_answers(case.id, INTAKE)
    desk.mark_ready(case.id)
    session(store, "triagist").decide_triage(
        case.id, "U1", "assessment_on_site", "Plan en middelen; duo gaat ter plaatse."
    )
    return case.id


def sent(store: Store) -> list[dict[str, Any]]:
    """What desk A sends (the outbox's wire items), and acknowledges as sent."""
    outbox: Outbox = store.outbox
    wire = outbox.take_wire(1000, ("version",))
    outbox.ack([item.item_id for item in wire])
    now = datetime.now(UTC).isoformat()
    items = []
    for item in wire:
        payload = json.loads(item.wire_json)
        payload.setdefault("updated_at", now)
        items.append(payload)
    return items


def pull(store: Store, items: list[dict[str, Any]]) -> None:
    with store.atomic():
        state = SyncState(store.db, user=store.current_user)
        for item in items:
            state.apply_version(item)


def test_a_pulled_decided_case_keeps_its_deadline(desks: tuple[Store, Store]) -> None:
    a, b = desks
    case_id = decided_u1(a)
    assert a.cases.summary(case_id).deadline == U1_DEADLINE  # type: ignore[union-attr]
    pull(b, sent(a))
    row = b.cases.summary(case_id)
    assert row is not None
    assert (row.urgency, row.deadline) == ("U1", U1_DEADLINE)


def test_an_amendment_moves_the_deadline_on_both_desks(desks: tuple[Store, Store]) -> None:
    a, b = desks
    case_id = decided_u1(a)
    pull(b, sent(a))
    session(a, "triagist").amend_triage(
        case_id, {"triage.urgency": "U2"}, "Nagebeld: geen acuut gevaar meer."
    )
    amended = a.cases.summary(case_id)
    assert amended is not None and amended.urgency == "U2"
    assert amended.deadline not in (None, U1_DEADLINE)
    pull(b, sent(a))
    assert b.cases.summary(case_id) == amended.__class__(
        **{**_fields(amended), "sync_state": "synced", "updated_at": _updated(b, case_id)}
    )


def test_a_reconciled_case_takes_the_deadline_of_its_merged_version(
    desks: tuple[Store, Store],
) -> None:
    a, b = desks
    case_id = decided_u1(a)
    pull(b, sent(a))
    # both desks amend the decided U1 case: A to U2, B to U3
    session(a, "triagist").amend_triage(case_id, {"triage.urgency": "U2"}, "Nagebeld door A.")
    session(b, "triagist").amend_triage(case_id, {"triage.urgency": "U3"}, "Nagebeld door B.")
    from_a, from_b = sent(a), sent(b)
    pull(b, from_a)
    pull(a, from_b)
    assert a.cases.summary(case_id).status == "needs_reconciliation"  # type: ignore[union-attr]
    reconciler = Reconciler(a)
    described = reconciler.describe(case_id)
    b_head = next(h for h in described.heads if h.answers["triage.urgency"] == "U3")
    choices = {d.field_id: b_head.version.id for d in described.diffs}
    reconciler.resolve(case_id, choices, session(a, "triagist").actor)
    merged = a.cases.summary(case_id)
    u3 = a.cases.get(case_id)
    assert merged is not None and merged.urgency == "U3"
    assert merged.deadline == session(a, "desk").evaluate(u3).derived["triage.deadline"]
    assert merged.deadline != amended_deadline(a, case_id, "U2")
    pull(b, sent(a))
    on_b = b.cases.summary(case_id)
    assert on_b is not None and (on_b.urgency, on_b.deadline) == ("U3", merged.deadline)
    assert on_b.status != "needs_reconciliation"


def amended_deadline(store: Store, case_id: str, urgency: str) -> str | None:
    desk = session(store, "desk")
    case = store.cases.get(case_id)
    return desk.evaluate(case, {**case.answers, "triage.urgency": urgency}).derived[
        "triage.deadline"
    ]


def _fields(row: object) -> dict[str, Any]:
    return {name: getattr(row, name) for name in row.__slots__}  # type: ignore[attr-defined]


def _updated(store: Store, case_id: str) -> str:
    row = store.cases.summary(case_id)
    assert row is not None
    return row.updated_at


def test_migration_moves_resolves_into_their_table_and_derives_lost_deadlines(
    desks: tuple[Store, Store],
) -> None:
    """A store of schema 2 (resolves as sync_checkpoint keys, a pulled U1 case without its
    deadline) opens at schema 3 with the links in ``version_resolves`` and the deadline."""
    a, b = desks
    case_id = decided_u1(a)
    pull(b, sent(a))
    head = b.cases.get(case_id).version.id
    sql = b.sql
    with sql.atomic():
        sql.execute("DROP TABLE version_resolves")
        sql.execute("ALTER TABLE case_versions DROP COLUMN legal_decision_date")
        sql.execute(
            "INSERT INTO sync_checkpoint (key, value) VALUES (?, ?)",
            [f"reconcile.resolves:{head}", json.dumps(["other-head"])],
        )
        sql.execute("UPDATE cases SET deadline = NULL WHERE id = ?", [case_id])
        sql.execute("DROP TABLE users")  # schema 4's; made again from the profile row
        sql.execute("PRAGMA user_version = 2")
    b.lock()
    b.unlock(PASSPHRASE)
    assert b.cases.summary(case_id).deadline == U1_DEADLINE  # type: ignore[union-attr]
    assert SyncState(b.db, user=b.current_user).resolved_versions(case_id) == {"other-head"}
    keys = b.sql.execute("SELECT count(*) FROM sync_checkpoint WHERE key LIKE 'reconcile%'")
    assert keys.fetchone()[0] == 0

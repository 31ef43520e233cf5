"""The hash-chained audit trail shows edits, deletions and truncation (NEN 7513)."""

from __future__ import annotations

import pytest

from desktop.store import Actor, Store


def _events(store: Store, actor: Actor) -> str:
    case = store.cases.create(actor, answers={"youth.first_name": "Lotte"})
    store.cases.open(case.id, actor)
    store.cases.save_answers(case.id, {"youth.last_name": "Bakker"}, actor)
    store.cases.record(actor, "print", case.id, {"kind": "handover", "sections": ["youth"]})
    store.cases.record(actor, "export", case.id, {"format": "json"})
    return case.id


def test_every_kind_of_access_is_recorded_with_who_what_where(store: Store, actor: Actor) -> None:
    case_id = _events(store, actor)
    events = store.audit.events(case_id=case_id)
    assert [e.action for e in events] == ["create", "read", "update", "print", "export"]
    for event in events:
        assert event.user_id == actor.user_id
        assert event.display_name == "Anna de Vries"
        assert event.role == "desk"
        assert event.device_id == actor.device_id
        assert event.outcome == "success"
        assert event.at_utc.endswith("+00:00")
    assert events[2].details == {"fields": ["youth.last_name"]}
    assert "Bakker" not in str([e.model_dump() for e in events]), "no case content in audit"
    assert store.verify_audit_chain().ok


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ("UPDATE audit_log SET outcome = 'failure' WHERE seq = {seq}", "row was edited"),
        ("UPDATE audit_log SET user_id = 'someone-else' WHERE seq = {seq}", "row was edited"),
        ("DELETE FROM audit_log WHERE seq = {seq}", "row before it was deleted"),
    ],
)
def test_tampering_is_found_at_the_first_bad_row(
    store: Store, actor: Actor, tamper: str, reason: str
) -> None:
    _events(store, actor)
    target = 3
    store.db.execute(tamper.format(seq=target))
    report = store.verify_audit_chain()
    assert not report.ok
    assert report.reason == reason
    assert report.first_bad_seq == (target if "UPDATE" in tamper else target + 1)


def test_truncating_the_tail_is_found(store: Store, actor: Actor) -> None:
    _events(store, actor)
    last = store.db.execute("SELECT max(seq) FROM audit_log").fetchone()[0]
    store.db.execute("DELETE FROM audit_log WHERE seq = ?", [last])
    report = store.verify_audit_chain()
    assert not report.ok
    assert report.reason == "rows at the end were deleted"


def test_rehashing_an_edited_row_still_breaks_the_next_link(store: Store, actor: Actor) -> None:
    from desktop.store.audit import event_hash

    _events(store, actor)
    cursor = store.db.execute("SELECT * FROM audit_log WHERE seq = 2")
    names = [d[0] for d in cursor.description]
    row = dict(zip(names, cursor.fetchone(), strict=True))
    row["outcome"] = "failure"
    store.db.execute(
        "UPDATE audit_log SET outcome = 'failure', hash = ? WHERE seq = 2", [event_hash(row)]
    )
    report = store.verify_audit_chain()
    assert (report.ok, report.first_bad_seq) == (False, 3)


def test_unknown_actions_are_refused(store: Store, actor: Actor) -> None:
    with pytest.raises(ValueError, match="unknown audit action"):
        store.audit.append(actor, "peek")

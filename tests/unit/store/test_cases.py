"""Cases, versions, outbox and the searchable list."""

from __future__ import annotations

import pytest

from desktop.store import Actor, NotFoundError, Store


def test_autosave_edits_the_open_version_in_place(store: Store, actor: Actor) -> None:
    case = store.cases.create(actor, answers={"call.channel": "phone"})
    store.cases.save_answers(case.id, {"youth.first_name": "Sem"}, actor)
    case = store.cases.save_answers(
        case.id, {"youth.first_name": "Sam", "call.channel": None}, actor
    )
    assert case.answers == {"youth.first_name": "Sam"}
    assert [v.version.number for v in store.cases.versions(case.id)] == [1]
    pending = store.outbox.items("pending")
    versions = [item for item in pending if item.kind == "version"]
    assert len(versions) == 1, "one outbox row per version, its payload replaced"
    assert versions[0].payload["answers"] == {"youth.first_name": "Sam"}
    assert versions[0].payload["form"] == {"id": "intake", "version": "1"}


def test_a_sealed_version_is_never_overwritten(store: Store, actor: Actor) -> None:
    case = store.cases.create(actor, answers={"youth.first_name": "Sem"})
    first = case.version.id
    taken = store.outbox.take(kinds=("version",))
    assert [item.item_id for item in taken] == [first]
    case = store.cases.save_answers(case.id, {"youth.first_name": "Sam"}, actor)
    assert case.version.number == 2
    assert case.version.base_version_id == first
    history = store.cases.versions(case.id)
    assert history[0].answers == {"youth.first_name": "Sem"}, "sent content unchanged"
    assert history[1].answers == {"youth.first_name": "Sam"}
    payloads = {item.item_id: item.payload for item in store.outbox.items()}
    assert payloads[first]["answers"] == {"youth.first_name": "Sem"}


def test_status_change_with_seal_starts_a_new_version_on_the_next_edit(
    store: Store, actor: Actor
) -> None:
    case = store.cases.create(actor)
    case = store.cases.set_status(
        case.id, "triaged", actor, answers={"triage.urgency": "U1"}, seal=True
    )
    assert case.status == "triaged"
    assert case.version.sealed
    amended = store.cases.save_answers(
        case.id, {"triage.urgency": "U2"}, actor, reason="Nieuwe informatie van school"
    )
    assert amended.version.number == 2
    assert amended.version.reason == "Nieuwe informatie van school"
    events = store.audit.events(case_id=case.id)
    assert events[-1].details == {
        "fields": ["triage.urgency"],
        "reason": "Nieuwe informatie van school",
    }


def test_ack_marks_the_case_synced(store: Store, actor: Actor) -> None:
    case = store.cases.create(actor)
    assert store.cases.get(case.id).sync_state == "pending"
    taken = store.outbox.take()
    store.outbox.ack([item.item_id for item in taken])
    assert store.cases.get(case.id).sync_state == "synced"
    assert store.outbox.unsynced_count() == 0


def test_release_and_quarantine(store: Store, actor: Actor) -> None:
    case = store.cases.create(actor)
    taken = store.outbox.take(kinds=("version",))
    store.outbox.release([taken[0].item_id], "connection reset")
    again = store.outbox.take(kinds=("version",))
    assert [i.item_id for i in again] == [taken[0].item_id]
    assert again[0].attempts == 2
    store.outbox.quarantine(taken[0].item_id, "422: answers.youth.bsn invalid")
    assert store.cases.get(case.id).sync_state == "conflict"
    assert store.outbox.items("quarantined")[0].last_error == "422: answers.youth.bsn invalid"


def test_search_over_name_caller_and_municipality(store: Store, actor: Actor) -> None:
    store.cases.create(
        actor,
        answers={
            "youth.first_name": "Fleur",
            "youth.last_name": "de Boer",
            "call.received_at": "2026-11-20T10:00:00+01:00",
        },
    )
    store.cases.create(
        actor,
        answers={
            "call.caller_name": "Huisarts Ömer Yılmaz",
            "call.received_at": "2026-11-21T10:00:00+01:00",
        },
    )
    store.cases.create(
        actor,
        answers={
            "youth.municipality": "Súdwest-Fryslân",
            "call.received_at": "2026-11-22T10:00:00+01:00",
        },
    )
    names = lambda term: [s.youth_name for s in store.cases.summaries(term)]  # noqa: E731
    assert names("fleur") == ["Fleur de Boer"]
    assert names("DE BOER") == ["Fleur de Boer"]
    assert len(store.cases.summaries("yılmaz")) == 1
    assert len(store.cases.summaries("súdwest")) == 1
    assert store.cases.summaries("100%") == []
    assert [s.received_at[:10] for s in store.cases.summaries("")] == [
        "2026-11-22",
        "2026-11-21",
        "2026-11-20",
    ]
    assert store.cases.count("") == 3


def test_delete_withdraws_from_the_list_but_keeps_history(store: Store, actor: Actor) -> None:
    case = store.cases.create(actor)
    store.cases.delete(case.id, actor)
    assert store.cases.count() == 0
    with pytest.raises(NotFoundError):
        store.cases.get(case.id)
    assert store.cases.versions(case.id), "versions are kept"
    assert store.audit.events(case_id=case.id)[-1].action == "delete"


def test_banner_recorded_once(store: Store, actor: Actor) -> None:
    case = store.cases.create(actor)
    store.cases.record_banner(case.id, "unsafe_home", actor)
    case = store.cases.record_banner(case.id, "unsafe_home", actor)
    assert [b["id"] for b in case.banners_shown] == ["unsafe_home"]
    assert [e.action for e in store.audit.events(case_id=case.id)].count("banner_shown") == 1


def test_migrations_are_idempotent(store: Store) -> None:
    from desktop.store.database import migrate, schema_version

    before = schema_version(store.db)
    assert migrate(store.db) == []
    assert schema_version(store.db) == before >= 1


def test_training_store_is_separate_and_never_queues_versions(data_dir, actor: Actor) -> None:  # type: ignore[no-untyped-def]
    from desktop.store import open_store
    from tests.helpers.stores import PASSPHRASE

    training = open_store(data_dir, PASSPHRASE, training=True)
    case = training.cases.create(actor, training=True)
    assert training.path != data_dir / "doorloop.db"
    assert training.outbox.items() == []
    assert training.cases.get(case.id).sync_state == "local"
    training.close()

"""Reconciliation (issue 6.5): two devices amend the same base; a person picks per field."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.session.reconcile import (
    BOTH_TEXTS,
    STATUS_FIELD,
    FieldDiff,
    ReconcileError,
    Reconciler,
    merge,
)
from desktop.store import Actor, Store, actor_for
from desktop.store.models import CaseVersion, VersionInfo
from desktop.store.sync_state import SyncState
from desktop.sync import version_item

OTHER_DEVICE = str(uuid.uuid4())


def _actor(store: Store) -> Actor:
    profile = store.profile()
    assert profile is not None
    return actor_for(profile)


def conflicting_case(store: Store) -> tuple[str, str, str, str]:
    """A case whose sealed v1 was amended here (v2 local) and on another device (v2 pulled).

    Returns (case id, base id, local head id, pulled head id).
    """
    actor = _actor(store)
    case = store.cases.create(
        actor,
        answers={
            "call.received_at": "2026-11-23T03:12:00+01:00",
            "youth.first_name": "Sem",
            "youth.municipality": "Utrecht",
            "call.caller_name": "Juf Ineke",
        },
    )
    case = store.cases.set_status(case.id, "ready_for_triage", actor, seal=True)
    base_id = case.version.id
    local = store.cases.save_answers(
        case.id,
        {"youth.municipality": "Zeist", "youth.last_name": "Bakker"},
        actor,
        reason="adres nagebeld",
        action="amend",
    )
    assert local.version.base_version_id == base_id
    now = datetime.now(UTC).isoformat()
    pulled_id = str(uuid.uuid4())
    outcome = SyncState(store.db, user=store.current_user).apply_version(
        {
            "version_id": pulled_id,
            "case_id": case.id,
            "base_version_id": base_id,
            "resolves": [],
            "number": 2,
            "form": {"id": "intake", "version": "1"},
            "status": "ready_for_triage",
            "answers": {
                "call.received_at": "2026-11-23T03:12:00+01:00",
                "youth.first_name": "Sem",
                "youth.municipality": "Amersfoort",
                "call.caller_name": "Ineke de Groot",
            },
            "region": "demo",
            "training": False,
            "created_at": now,
            "updated_at": now,
            "device_time": now,
            "created_by": "user-b",
            "created_by_name": "Bram",
            "device_id": OTHER_DEVICE,
            "reason": "beller nagebeld",
            "legal_flags": [],
            "legal_decision_date": None,
            "banners_shown": [],
        }
    )
    assert outcome == "conflict"
    return case.id, base_id, local.version.id, pulled_id


def test_lists_the_case_and_its_two_heads_with_a_field_diff(store: Store) -> None:
    case_id, _base_id, local_id, pulled_id = conflicting_case(store)
    reconciler = Reconciler(store)
    assert reconciler.cases() == [case_id]
    described = reconciler.describe(case_id)
    assert {h.version.id for h in described.heads} == {local_id, pulled_id}
    diffs = {d.field_id: d.values for d in described.diffs}
    assert diffs == {
        "youth.municipality": {local_id: "Zeist", pulled_id: "Amersfoort"},
        "youth.last_name": {local_id: "Bakker", pulled_id: None},
        "call.caller_name": {local_id: "Juf Ineke", pulled_id: "Ineke de Groot"},
    }
    assert {"call.received_at", "youth.first_name"} <= set(described.same)
    labels = {d.field_id: d.label for d in described.diffs}
    assert labels["youth.municipality"] != "youth.municipality"  # a label from the form


def test_resolve_picks_per_field_keeps_both_heads_and_is_audited(store: Store) -> None:
    case_id, _base_id, local_id, pulled_id = conflicting_case(store)
    reconciler = Reconciler(store)
    actor = _actor(store)
    before = {v.version.id for v in store.cases.versions(case_id)}
    result = reconciler.resolve(
        case_id,
        {
            "youth.municipality": pulled_id,
            "call.caller_name": pulled_id,
            "youth.last_name": local_id,
        },
        actor,
    )
    # based on the head chosen most often, resolving the other
    assert result.version.base_version_id == pulled_id
    assert result.answers == {
        "call.received_at": "2026-11-23T03:12:00+01:00",
        "youth.first_name": "Sem",
        "youth.municipality": "Amersfoort",
        "call.caller_name": "Ineke de Groot",
        "youth.last_name": "Bakker",
    }
    assert result.version.sealed
    assert result.version.number == 3
    # nothing lost: every earlier version is still in the history, unchanged
    after = {v.version.id: v for v in store.cases.versions(case_id)}
    assert before | {result.version.id} == set(after)
    assert after[local_id].answers["youth.municipality"] == "Zeist"
    assert after[pulled_id].answers["youth.municipality"] == "Amersfoort"
    case = store.cases.get(case_id)
    assert case.status == "ready_for_triage"
    assert case.version.id == result.version.id
    assert reconciler.cases() == []
    assert [h.version.id for h in reconciler.heads(case_id)] == [result.version.id]
    # the outbox sends it with both bases named: base + resolves
    item = next(i for i in store.outbox.items() if i.item_id == result.version.id)
    wire = version_item(item.payload)
    assert str(wire.base_version_id) == pulled_id
    assert [str(r) for r in wire.resolves] == [local_id]
    events = [e for e in store.audit.events(case_id=case_id) if e.action == "reconcile"]
    assert len(events) == 1
    details = events[0].details
    assert details["resolves"] == [local_id]
    assert details["base"] == pulled_id
    assert details["fields"]["youth.last_name"] == local_id


def test_an_edit_after_reconciling_builds_on_the_new_version(store: Store) -> None:
    case_id, _base, local_id, pulled_id = conflicting_case(store)
    actor = _actor(store)
    result = Reconciler(store).resolve(case_id, {}, actor, base_version_id=local_id)
    assert result.answers["youth.municipality"] == "Zeist"
    edited = store.cases.save_answers(case_id, {"youth.municipality": "Bunnik"}, actor)
    assert edited.version.base_version_id == result.version.id
    payload = next(i for i in store.outbox.items() if i.item_id == result.version.id).payload
    assert payload["resolves"] == [pulled_id]


def test_refuses_unknown_versions_and_fields_and_cases_without_conflict(store: Store) -> None:
    case_id, base_id, local_id, _pulled_id = conflicting_case(store)
    reconciler = Reconciler(store)
    actor = _actor(store)
    with pytest.raises(ReconcileError):
        reconciler.resolve(case_id, {"youth.municipality": base_id}, actor)
    with pytest.raises(ReconcileError):
        reconciler.resolve(case_id, {"youth.first_name": local_id}, actor)
    with pytest.raises(ReconcileError):
        reconciler.resolve(case_id, {}, actor, base_version_id=base_id)
    other = store.cases.create(actor, answers={"youth.first_name": "Noor"})
    with pytest.raises(ReconcileError):
        reconciler.describe(other.id)
    assert len(store.cases.versions(case_id)) == 3  # nothing written by refused calls


def _version(vid: str, answers: dict[str, Any], status: str) -> CaseVersion:
    return CaseVersion(
        case_id="c",
        version=VersionInfo(
            id=vid,
            number=2,
            created_at=datetime.now(UTC),
            created_by="u",
            created_by_name="U",
            device_id="d",
            status=status,  # type: ignore[arg-type]
        ),
        answers=answers,
    )


_values = st.one_of(st.none(), st.text(max_size=5), st.integers(), st.booleans())
_fields = st.dictionaries(st.sampled_from(["a", "b", "c", "d", "e"]), _values, max_size=5)


# generating five small dicts can take long on a busy machine; the property is what counts
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    left=_fields,
    right=_fields,
    pick_right=st.sets(st.sampled_from(["a", "b", "c", "d", "e", STATUS_FIELD])),
    statuses=st.tuples(
        st.sampled_from(["draft", "triaged", "needs_reconciliation"]),
        st.sampled_from(["draft", "closed"]),
    ),
)
def test_merge_takes_each_chosen_value_and_keeps_the_rest(
    left: dict[str, Any],
    right: dict[str, Any],
    pick_right: set[str],
    statuses: tuple[str, str],
) -> None:
    left = {k: v for k, v in left.items() if v is not None}
    right = {k: v for k, v in right.items() if v is not None}
    a, b = _version("A", left, statuses[0]), _version("B", right, statuses[1])
    diffs = [
        FieldDiff(f, f, {"A": left.get(f), "B": right.get(f)})
        for f in sorted(set(left) | set(right))
        if left.get(f) != right.get(f)
    ]
    if statuses[0] != statuses[1]:
        diffs.append(FieldDiff(STATUS_FIELD, "Status", {"A": statuses[0], "B": statuses[1]}))
    choices = {d.field_id: "B" for d in diffs if d.field_id in pick_right}
    answers, status = merge(a, tuple(diffs), choices, (a, b))
    for field in set(left) | set(right):
        expected = right.get(field) if field in choices else left.get(field)
        assert answers.get(field) == expected
    assert None not in answers.values()
    expected_status = statuses[1] if STATUS_FIELD in choices else statuses[0]
    if expected_status == "needs_reconciliation":
        expected_status = statuses[1]
    assert status == expected_status
    json.dumps(answers)


def test_a_reconciliation_pulled_from_another_desk_ends_the_competition_here(
    store: Store,
) -> None:
    case_id, _base_id, local_id, pulled_id = conflicting_case(store)
    # our own amendment reached the server before the other desk reconciled
    store.outbox.ack([i.item_id for i in store.outbox.items()])
    now = datetime.now(UTC).isoformat()
    resolved_id = str(uuid.uuid4())
    outcome = SyncState(store.db, user=store.current_user).apply_version(
        {
            "version_id": resolved_id,
            "case_id": case_id,
            "base_version_id": pulled_id,
            "resolves": [local_id],
            "number": 3,
            "form": {"id": "intake", "version": "1"},
            "status": "ready_for_triage",
            "answers": {"youth.first_name": "Sem", "youth.municipality": "Zeist"},
            "region": "demo",
            "training": False,
            "created_at": now,
            "updated_at": now,
            "device_time": now,
            "created_by": "user-b",
            "created_by_name": "Bram",
            "device_id": OTHER_DEVICE,
            "reason": None,
            "legal_flags": [],
            "legal_decision_date": None,
            "banners_shown": [],
        }
    )
    assert outcome == "advanced"
    reconciler = Reconciler(store)
    assert reconciler.cases() == []
    # the resolved local head no longer competes, though nothing here builds on it
    assert [h.version.id for h in reconciler.heads(case_id)] == [resolved_id]
    assert store.cases.get(case_id).version.id == resolved_id


OTTO_TIME = "2026-12-03T08:50:00+00:00"  # 09:50 in the desk's local time (Amsterdam)
OTTO_REASON = (
    "Somber sinds de zomer; de school meldt verzuim en de mentor maakt zich zorgen. "
    "Moeder vertelt dat Sem zich terugtrekt op zijn kamer, nauwelijks eet en 's nachts "
    "berichten stuurt aan vrienden over 'er niet meer willen zijn'. Vader is niet bereikbaar."
)


def notes_case(store: Store) -> tuple[str, str, str, str]:
    """A sealed v1 amended here (Anna: a note and 'Concreet plan') and by Otto on another
    laptop at 09:50 local time (another note, means available 'yes').

    Returns (case id, base id, local head id, pulled head id).
    """
    actor = _actor(store)
    case = store.cases.create(
        actor,
        answers={
            "youth.first_name": "Sem",
            "risk.suicidality": "thoughts",
            "risk.protective_factors": "Oma woont om de hoek.",
            "situation.reason": "Somber.",
        },
    )
    case = store.cases.set_status(case.id, "ready_for_triage", actor, seal=True)
    base_id = case.version.id
    local = store.cases.save_answers(
        case.id,
        {
            "risk.suicidality": "plan",
            "risk.protective_factors": "Oma en de mentor op school.",
            "situation.reason": "Somber, slaapt slecht.",
        },
        actor,
        reason="nagebeld",
        action="amend",
    )
    pulled_id = str(uuid.uuid4())
    outcome = SyncState(store.db, user=store.current_user).apply_version(
        {
            "version_id": pulled_id,
            "case_id": case.id,
            "base_version_id": base_id,
            "resolves": [],
            "number": 2,
            "form": {"id": "intake", "version": "1"},
            "status": "ready_for_triage",
            "answers": {
                "youth.first_name": "Sem",
                "risk.suicidality": "thoughts",
                "risk.means_available": "yes",
                "risk.protective_factors": "Wel eerder gesneden (vorig jaar).",
                "situation.reason": OTTO_REASON,
            },
            "region": "demo",
            "training": False,
            "created_at": "2026-12-03T08:30:00+00:00",  # the case's creation
            "updated_at": OTTO_TIME,  # this version's own time
            "device_time": OTTO_TIME,
            "created_by": "user-otto",
            "created_by_name": "Otto Jansen",
            "device_id": OTHER_DEVICE,
            "reason": "op huisbezoek",
            "legal_flags": [],
            "legal_decision_date": None,
            "banners_shown": [],
        }
    )
    assert outcome == "conflict"
    return case.id, base_id, local.version.id, pulled_id


def test_a_pulled_version_keeps_its_own_time_not_the_cases(store: Store) -> None:
    case_id, _base, _local, pulled_id = notes_case(store)
    pulled = next(v for v in store.cases.versions(case_id) if v.version.id == pulled_id)
    assert pulled.version.created_at == datetime.fromisoformat(OTTO_TIME)


def test_both_texts_are_kept_each_marked_with_author_and_local_time(store: Store) -> None:
    case_id, _base, local_id, pulled_id = notes_case(store)
    reconciler = Reconciler(store)
    described = reconciler.describe(case_id)
    diffs = {d.field_id: d for d in described.diffs}
    assert diffs["risk.protective_factors"].free_text
    assert not diffs["risk.suicidality"].free_text
    result = reconciler.resolve(
        case_id,
        {
            "risk.protective_factors": BOTH_TEXTS,
            "risk.suicidality": local_id,
            "risk.means_available": pulled_id,
        },
        _actor(store),
    )
    text = result.answers["risk.protective_factors"]
    assert "[Anna de Vries, " in text
    assert "] Oma en de mentor op school." in text
    assert "[Otto Jansen, 03-12-2026 09:50] Wel eerder gesneden (vorig jaar)." in text
    assert result.answers["risk.suicidality"] == "plan"
    assert result.answers["risk.means_available"] == "yes"
    # the outbox sends exactly these answers, resolving the other head
    item = next(i for i in store.outbox.items() if i.item_id == result.version.id)
    assert version_item(item.payload).answers["risk.protective_factors"] == text
    event = next(e for e in store.audit.events(case_id=case_id) if e.action == "reconcile")
    assert event.details["fields"]["risk.protective_factors"] == BOTH_TEXTS


def test_an_edited_merged_text_is_stored_and_audited_as_edited(store: Store) -> None:
    case_id, _base, local_id, _pulled = notes_case(store)
    reconciler = Reconciler(store)
    actor = _actor(store)
    with pytest.raises(ReconcileError):  # only free text can be merged by hand
        reconciler.resolve(case_id, {}, actor, texts={"risk.suicidality": "plan"})
    with pytest.raises(ReconcileError):
        reconciler.resolve(case_id, {"risk.suicidality": BOTH_TEXTS}, actor)
    with pytest.raises(ReconcileError):  # an emptied text would lose both notes
        reconciler.resolve(case_id, {}, actor, texts={"risk.protective_factors": "  "})
    assert len(store.cases.versions(case_id)) == 3
    merged = "Oma en de mentor helpen. Wel eerder gesneden (vorig jaar)."
    result = reconciler.resolve(
        case_id,
        {"risk.protective_factors": local_id},
        actor,
        texts={"risk.protective_factors": merged + "\n"},
    )
    assert result.answers["risk.protective_factors"] == merged
    event = next(e for e in store.audit.events(case_id=case_id) if e.action == "reconcile")
    assert event.details["fields"]["risk.protective_factors"] == "edited"

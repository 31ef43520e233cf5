"""Referrals in the desk session: refer a triaged case, answer it as the receiving party,
refusals with Dutch reasons naming the field, both timers from the form and the case's
deadline, Verlopen afspraken (longest overdue first, acknowledged alerts survive a
restart), Plaatsing nodig, and the outbox and audit of every move."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop.session.desk import DeskSession
from desktop.session.referrals import ReferralRefused, decline_reason_labels
from desktop.store import Profile, Store
from desktop.store.sync_state import SyncState
from tests.helpers.stores import opened_store
from tests.unit.test_desk import AMS, INTAKE, RECEIVED

T0 = datetime(2026, 11, 23, 3, 30, tzinfo=AMS)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def session(store: Store, role: str, clock: Clock, name: str = "Tess") -> DeskSession:
    profile = store.profile()
    assert profile is not None
    if role != profile.role:
        profile = Profile(
            user_id=str(uuid.uuid4()),
            display_name=name,
            role=role,  # type: ignore[arg-type]
            device_id=profile.device_id,
            created_at=datetime.now(UTC),
            region=profile.region,
        )
    return DeskSession(store, profile, clock=clock)


def bind_organization(store: Store, organization: str) -> None:
    SyncState(store.db).set("auth.user", json.dumps({"organization_id": organization}))


@pytest.fixture
def clock() -> Clock:
    return Clock()


def triaged_case(store: Store, clock: Clock, urgency: str = "U2") -> str:
    desk = session(store, "desk", clock)
    case = desk.new_case()
    desk.save_answers(case.id, INTAKE)
    desk.mark_ready(case.id)
    triagist = session(store, "triagist", clock)
    triagist.decide_triage(case.id, urgency, "ambulatory_crisis_care", "Crisishulp vandaag.")
    return case.id


def test_refer_computes_both_timers_and_queues_the_event(store: Store, clock: Clock) -> None:
    case_id = triaged_case(store, clock)
    sender = session(store, "triagist", clock)
    view = sender.referrals.refer(case_id, unit_id="u-1", organization_id="org-1")
    ref = view.referral
    assert ref.status.value == "requested"
    assert ref.acknowledge_by == T0 + timedelta(minutes=30)  # U2 in the intake format
    assert ref.first_contact_by == datetime.fromisoformat(RECEIVED) + timedelta(hours=4)
    queued = [item for item in store.outbox.items() if item.kind == "referral_event"]
    assert [item.payload["move"] for item in queued] == ["request"]
    assert queued[0].payload["region"] == sender.profile.region
    summary = ref.summary  # what the receiving party sees before it accepts
    assert summary["urgency"] == "U2" and summary["legal_route"] == "voluntary"
    assert summary["age_band"] == "12_15" and summary["settings"] == ["ambulant_crisis"]
    assert "youth.first_name" not in json.dumps(summary)
    actions = [e.action for e in store.audit.events(case_id=case_id)]
    assert actions[-1] == "referral"


def test_only_a_triaged_case_is_referred(store: Store, clock: Clock) -> None:
    desk = session(store, "desk", clock)
    case = desk.new_case()
    sender = session(store, "triagist", clock)
    with pytest.raises(ReferralRefused) as refused:
        sender.referrals.refer(case.id, name="Huisarts Jansen")
    assert refused.value.field == "case_id"


def test_the_flow_with_a_receiver_of_the_organisation(store: Store, clock: Clock) -> None:
    case_id = triaged_case(store, clock)
    sender = session(store, "coordinator", clock)
    rid = sender.referrals.refer(case_id, unit_id="u-1", organization_id="org-1").referral.id
    bind_organization(store, "org-1")
    party = session(store, "receiver", clock, "Rob Ontvanger")
    assert [v.referral.id for v in party.referrals.for_my_organization()] == [rid]
    assert set(party.referrals.next_moves(rid)) == {"receive", "accept", "decline"}
    assert sender.referrals.next_moves(rid) == ["cancel"]
    party.referrals.receive(rid)
    agreed = T0 + timedelta(hours=1)
    view = party.referrals.accept(rid, agreed)
    assert view.referral.first_contact_agreed == agreed
    party.referrals.start(rid)
    done = party.referrals.complete(rid)
    assert done.referral.status.value == "completed"
    moves = [i.payload["move"] for i in store.outbox.items() if i.kind == "referral_event"]
    assert moves == ["request", "receive", "accept", "start", "complete"]


def test_refusals_name_the_field_in_dutch(store: Store, clock: Clock) -> None:
    case_id = triaged_case(store, clock)
    sender = session(store, "triagist", clock)
    rid = sender.referrals.refer(case_id, unit_id="u-1", organization_id="org-1").referral.id
    with pytest.raises(ReferralRefused) as refused:
        sender.referrals.accept(rid, T0)
    assert refused.value.code == "role_not_allowed"
    assert refused.value.reasons == ("Uw rol mag deze stap in de verwijzing niet zetten.",)
    with pytest.raises(ReferralRefused) as refused:
        sender.referrals.refer(case_id, name="Tweede partij")
    assert (refused.value.field, refused.value.code) == ("case_id", "open_referral_exists")
    bind_organization(store, "org-1")
    party = session(store, "receiver", clock)
    with pytest.raises(ReferralRefused) as refused:
        party.referrals.decline(rid, "other")
    assert refused.value.field == "payload.text"
    assert "toelichting" in refused.value.reasons[0]
    bind_organization(store, "org-2")
    with pytest.raises(ReferralRefused) as refused:
        party.referrals.receive(rid)
    assert refused.value.code == "other_organization"
    assert len(decline_reason_labels()) == 6


def test_overdue_alerts_longest_first_and_acknowledged_across_a_restart(
    tmp_path: Path, clock: Clock
) -> None:
    with opened_store(tmp_path) as store:
        first = triaged_case(store, clock, "U1")
        second = triaged_case(store, clock, "U2")
        sender = session(store, "triagist", clock)
        r1 = sender.referrals.refer(first, name="Crisisdienst Noord").referral.id
        r2 = sender.referrals.refer(second, name="Jeugdteam Zuid").referral.id
        clock.now = T0 + timedelta(minutes=20)  # U1 acknowledge (15 min) passed
        assert [(a.referral_id, a.timer) for a in sender.referrals.overdue()] == [
            (r1, "acknowledge")
        ]
        clock.now = T0 + timedelta(minutes=45)  # U2 (30 min) passed; U1 longer overdue,
        alerts = sender.referrals.overdue()  # and U1's deadline (03:12 + 1 h) passed too
        assert [(a.referral_id, a.timer) for a in alerts] == [
            (r1, "acknowledge"),
            (r2, "acknowledge"),
            (r1, "first_contact"),
        ]
        assert [a.overdue for a in alerts] == [timedelta(minutes=m) for m in (30, 15, 3)]
        sender.referrals.acknowledge_alert(r1, "acknowledge")
        assert len(sender.referrals.alerting()) == 2
        user = sender.actor.user_id
        profile = sender.profile
    with opened_store(tmp_path) as store:  # a restart: the acknowledgement is kept
        again = DeskSession(store, profile, clock=clock)
        alerts = again.referrals.overdue()
        assert [(a.referral_id, a.acknowledged) for a in alerts] == [
            (r1, True),
            (r2, False),
            (r1, False),
        ]
        assert store.referrals.acknowledged(user) == {(r1, "acknowledge")}
        actions = [e.action for e in store.audit.events()]
        assert "referral_alert_ack" in actions


def test_an_answered_referral_leaves_the_overdue_list(store: Store, clock: Clock) -> None:
    case_id = triaged_case(store, clock, "U1")
    sender = session(store, "triagist", clock)
    rid = sender.referrals.refer(case_id, name="Crisisdienst").referral.id
    clock.now = T0 + timedelta(minutes=20)
    assert len(sender.referrals.overdue()) == 1
    sender.referrals.receive(rid, on_behalf_of="M. Bakker (telefoon)")  # named party
    assert sender.referrals.overdue() == []
    states = {t.timer: t for t in sender.referrals.timers(rid)}
    assert states["acknowledge"].breached and not states["acknowledge"].alert


def test_needs_placement_after_a_decline_until_a_new_referral(store: Store, clock: Clock) -> None:
    case_id = triaged_case(store, clock)
    sender = session(store, "triagist", clock)
    rid = sender.referrals.refer(case_id, name="Kliniek West").referral.id
    assert sender.referrals.needs_placement() == []
    sender.referrals.decline(rid, "no_capacity", on_behalf_of="Kliniek West (telefoon)")
    [row] = sender.referrals.needs_placement()
    assert (row.case_id, row.status, row.closed_reason) == (case_id, "declined", "no_capacity")
    sender.referrals.refer(case_id, name="Kliniek Oost")
    assert sender.referrals.needs_placement() == []
    rid2 = sender.referrals.of_case(case_id)[-1].referral.id
    sender.referrals.cancel(rid2, "Jeugdige opgenomen via SEH")
    [row] = sender.referrals.needs_placement()
    assert (row.referral_id, row.closed_reason) == (rid2, "Jeugdige opgenomen via SEH")
    assert [v.referral.status.value for v in sender.referrals.of_case(case_id)] == [
        "declined",
        "cancelled",
    ]


def test_a_pulled_answer_wins_and_the_refused_local_one_stays_visible(
    store: Store, clock: Clock
) -> None:
    case_id = triaged_case(store, clock)
    sender = session(store, "triagist", clock)
    view = sender.referrals.refer(case_id, name="Kliniek West")
    rid, request_id = view.referral.id, view.referral.last_event_id
    mine = sender.referrals.decline(rid, "age", on_behalf_of="telefoon")
    local_id = mine.referral.last_event_id
    other = {
        "event_id": str(uuid.uuid4()), "referral_id": rid, "case_id": case_id,
        "region": sender.profile.region, "move": "accept", "actor_id": "u-9",
        "actor_role": "coordinator", "actor_organization_id": None, "actor_name": "Cor",
        "device_id": str(uuid.uuid4()), "at": T0.isoformat(), "after": request_id,
        "payload": {"first_contact_at": T0.isoformat()},
    }  # fmt: skip
    request = json.loads(
        store.sql.execute(
            "SELECT body FROM referral_events WHERE event_id = ?", [request_id]
        ).fetchone()[0]
    )
    with store.atomic():
        store.referrals.apply_pulled(request, 10)
        store.referrals.apply_pulled(other, 11)
    shown = sender.referrals.get(rid)
    assert shown is not None and shown.referral.status.value == "accepted"
    assert [e.event_id for e, _p in shown.conflicts] == [local_id]
    with store.atomic():
        store.referrals.mark_refused(local_id, "concurrent_move: moved meanwhile")
    shown = sender.referrals.get(rid)
    assert shown is not None and shown.conflicts == ()
    assert [r.event.event_id for r in shown.refused] == [local_id]
    assert shown.referral.status.value == "accepted"


def test_a_referral_move_reaches_the_change_feed_after_the_commit(
    store: Store, clock: Clock
) -> None:
    case_id = triaged_case(store, clock)
    heard: list[frozenset[str]] = []
    unsubscribe = store.changes.subscribe(lambda change: heard.append(change.case_ids))
    try:
        sender = session(store, "triagist", clock)
        rid = sender.referrals.refer(case_id, name="Kliniek West").referral.id
        assert heard and case_id in heard[-1]
        heard.clear()
        sender.referrals.cancel(rid, "Elders geplaatst")
        assert heard == [frozenset({case_id})]
    finally:
        unsubscribe()

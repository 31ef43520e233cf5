"""Referrals between desks through the real central API over HTTP (PostgreSQL, SQLite):
a referral goes requested → received → accepted → in progress → completed across a
sender's desk and a receiver's desk; a breach is recorded once by the server and shows
on both desks after one sync; two receivers answering at once end in one stored answer
and a visible conflict on the loser's desk; under the fault proxy every referral event
arrives exactly once."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from central_api import db
from desktop.session import DeskSession
from desktop.sync import SyncEngine
from tests.integration.sync.conftest import (
    PASSWORD,
    Central,
    add_user,
    fresh_region,
    new_device,
)
from tests.integration.sync.proxy import FaultProxy, random_policy

pytestmark = pytest.mark.parametrize(
    "database_url", ["postgresql", "sqlite"], indirect=True, scope="module"
)

AMS = ZoneInfo("Europe/Amsterdam")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def intake(received: datetime) -> dict[str, Any]:
    return {
        "call.received_at": received.isoformat(timespec="seconds"),
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


def sender_desk(
    central: Central, region: str, path: Path, clock: Clock, url: str | None = None
) -> tuple[DeskSession, SyncEngine]:
    username = add_user(central, role="coordinator", region=region)
    store, engine = new_device(path, url or central.url, username, region=region)
    profile = store.profile()
    assert profile is not None and profile.role == "coordinator"  # taken from the server
    return DeskSession(store, profile, clock=clock), engine


def receiver_desk(
    central: Central, region: str, path: Path, clock: Clock, organization: str = "org-1"
) -> tuple[DeskSession, SyncEngine]:
    username = f"ontvanger-{secrets.token_hex(4)}"
    storage = central.storage()
    try:
        storage.add_user(
            username, PASSWORD, role="receiver", region=region, organization_id=organization
        )
    finally:
        storage.close()
    store, engine = new_device(path, central.url, username, region=region)
    profile = store.profile()
    assert profile is not None and profile.role == "receiver"
    session = DeskSession(store, profile, clock=clock)
    assert session.organization_id() == organization  # learnt at login
    return session, engine


def triaged(
    session: DeskSession, engine: SyncEngine, received: datetime, urgency: str = "U2"
) -> str:
    """A decided case (synced once it is ready: the server takes each step from its
    base version, as in test_deadlines)."""
    case = session.new_case(intake(received))
    session.mark_ready(case.id)
    ok(engine)
    session.decide_triage(case.id, urgency, "ambulatory_crisis_care", "Crisishulp vandaag.")
    return case.id


def ok(engine: SyncEngine) -> None:
    report = engine.sync()
    assert report.outcome == "ok", report


def test_a_referral_goes_all_the_way_across_two_desks(central: Central, tmp_path: Path) -> None:
    region = fresh_region(central)
    clock = Clock(datetime.now(AMS).replace(microsecond=0))
    a, engine_a = sender_desk(central, region, tmp_path / "a", clock)
    b, engine_b = receiver_desk(central, region, tmp_path / "b", clock)
    case_id = triaged(a, engine_a, clock.now)
    rid = a.referrals.refer(case_id, unit_id="u-1", organization_id="org-1").referral.id
    ok(engine_a)
    ok(engine_b)
    assert [i.last_error for i in a.store.outbox.items("quarantined")] == []
    [mine] = b.referrals.for_my_organization()
    assert mine.referral.id == rid and mine.referral.status.value == "requested"
    assert b.store.cases.summary(case_id) is None  # a receiver does not get the case
    b.referrals.receive(rid)
    ok(engine_b)
    b.referrals.accept(rid, clock.now + timedelta(hours=1))
    ok(engine_b)
    ok(engine_a)
    view = a.referrals.get(rid)
    assert view is not None and view.referral.status.value == "accepted"
    assert view.referral.first_contact_agreed == clock.now + timedelta(hours=1)
    b.referrals.start(rid)
    b.referrals.complete(rid)
    ok(engine_b)
    ok(engine_a)
    view = a.referrals.get(rid)
    assert view is not None and view.referral.status.value == "completed"
    assert view.pending == 0 and view.refused == ()
    for store in (a.store, b.store):
        states = {i.state for i in store.outbox.items() if i.kind == "referral_event"}
        assert states <= {"acked"}
        assert store.verify_audit_chain().ok


def test_a_breach_is_recorded_once_and_shows_on_both_desks(
    central: Central, tmp_path: Path
) -> None:
    region = fresh_region(central)
    then = datetime.now(AMS).replace(microsecond=0) - timedelta(hours=1)
    clock = Clock(then)  # a desk that was offline an hour ago: the timers have passed
    a, engine_a = sender_desk(central, region, tmp_path / "a", clock)
    b, engine_b = receiver_desk(central, region, tmp_path / "b", clock)
    case_id = triaged(a, engine_a, then, "U1")
    rid = a.referrals.refer(case_id, unit_id="u-1", organization_id="org-1").referral.id
    clock.now = datetime.now(AMS)
    alerts = a.referrals.overdue()  # at once on the desk, before any sync
    assert [(x.referral_id, x.timer) for x in alerts] == [
        (rid, "acknowledge"),
        (rid, "first_contact"),
    ]
    ok(engine_a)
    ok(engine_b)
    ok(engine_a)
    assert [(x.referral_id, x.timer) for x in b.referrals.overdue()] == [
        (rid, "acknowledge"),
        (rid, "first_contact"),
    ]
    storage = central.storage()
    try:
        with storage.engine.connect() as conn:
            moves = conn.execute(
                select(db.referral_events.c.move).where(db.referral_events.c.referral_id == rid)
            ).scalars()
            breaches = [m for m in moves if m == "breach"]
        audited = [
            r for r in storage.server_audit("referral.breach") if r["detail"]["referral_id"] == rid
        ]
    finally:
        storage.close()
    assert len(breaches) == 2 and len(audited) == 2  # acknowledge and first contact, once
    view = b.referrals.get(rid)
    assert view is not None and set(view.referral.breaches) == {"acknowledge", "first_contact"}


def test_two_receivers_answer_at_once_one_wins_the_other_sees_a_conflict(
    central: Central, tmp_path: Path
) -> None:
    region = fresh_region(central)
    clock = Clock(datetime.now(AMS).replace(microsecond=0))
    a, engine_a = sender_desk(central, region, tmp_path / "a", clock)
    b, engine_b = receiver_desk(central, region, tmp_path / "b", clock)
    c, engine_c = receiver_desk(central, region, tmp_path / "c", clock)
    case_id = triaged(a, engine_a, clock.now)
    rid = a.referrals.refer(case_id, unit_id="u-1", organization_id="org-1").referral.id
    ok(engine_a)
    ok(engine_b)
    ok(engine_c)
    b.referrals.accept(rid, clock.now + timedelta(hours=2))  # both offline, same state
    c.referrals.decline(rid, "no_capacity")
    notices: list[Any] = []
    engine_c.subscribe(notices.append)
    ok(engine_b)
    ok(engine_c)
    quarantined = [i for i in c.store.outbox.items("quarantined")]
    assert [i.kind for i in quarantined] == ["referral_event"]
    assert "concurrent_move" in (quarantined[0].last_error or "")
    assert any("verwijzing" in str(getattr(n, "message", "")) for n in notices)
    view = c.referrals.get(rid)
    assert view is not None and view.referral.status.value == "accepted"  # the stored answer
    assert [r.event.move for r in view.refused] == ["decline"]  # kept, visible
    ok(engine_a)
    shown = a.referrals.get(rid)
    assert shown is not None and shown.referral.status.value == "accepted"
    assert a.referrals.needs_placement() == []


def test_referral_events_arrive_exactly_once_under_faults(
    central: Central, proxy: FaultProxy, tmp_path: Path
) -> None:
    region = fresh_region(central)
    clock = Clock(datetime.now(AMS).replace(microsecond=0))
    a, engine_a = sender_desk(central, region, tmp_path / "a", clock, url=proxy.url)
    referral_ids = []
    for _ in range(12):
        case_id = triaged(a, engine_a, clock.now)
        view = a.referrals.refer(case_id, name="Crisisdienst Noord")
        referral_ids.append(view.referral.id)
        a.referrals.receive(view.referral.id, on_behalf_of="telefoon")
    for rid in referral_ids[:6]:
        a.referrals.cancel(rid, "Andere plek gevonden")
    local = {
        i.item_id: i.payload["move"] for i in a.store.outbox.items() if i.kind == "referral_event"
    }
    assert len(local) == 30
    proxy.policy = random_policy(0.3, seed=20261203)
    done = threading.Event()

    def run() -> None:
        for _ in range(30):
            report = engine_a.sync()
            if report.outcome == "ok" and engine_a.status().unsynced == 0:
                done.set()
                return

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(240)
    assert done.is_set()
    assert proxy.count("/v1/sync") > 0
    proxy.policy = lambda method, path: None
    ok(engine_a)
    storage = central.storage()
    try:
        with storage.engine.connect() as conn:
            stored = dict(
                conn.execute(
                    select(db.referral_events.c.id, db.referral_events.c.move).where(
                        db.referral_events.c.move != "breach",
                        db.referral_events.c.case_id.in_(
                            [v.referral.case_id for r in referral_ids if (v := a.referrals.get(r))]
                        ),
                    )
                ).all()
            )
    finally:
        storage.close()
    assert stored == local  # each once, none lost
    states = {i.state for i in a.store.outbox.items() if i.kind == "referral_event"}
    assert states == {"acked"}
    statuses = sorted(v.referral.status.value for r in referral_ids if (v := a.referrals.get(r)))
    assert statuses == ["cancelled"] * 6 + ["received"] * 6
    assert len(a.referrals.needs_placement()) == 6
    views = [a.referrals.get(r) for r in referral_ids]
    assert all(v is not None and v.pending == 0 for v in views)
    assert datetime.now(UTC) > clock.now  # the clock of the desk is a real one here

"""coordination.referrals: the moves, who may make them, the fold, both timers (incl. a
weekend and a DST change in Europe/Amsterdam) and a hypothesis state machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from coordination.referrals import (
    ACKNOWLEDGE,
    DECLINE_REASONS,
    FIRST_CONTACT,
    AckTarget,
    Move,
    MoveError,
    Referral,
    RefStatus,
    acknowledge_by,
    apply,
    breach_event,
    breach_event_id,
    check_move,
    event_from_json,
    event_to_json,
    fold,
    needs_placement,
    new_event,
    open_referral,
    overdue_alerts,
    timers,
    unrecorded_breaches,
)

AMS = ZoneInfo("Europe/Amsterdam")
T0 = datetime(2026, 12, 3, 10, 0, tzinfo=AMS)
DEVICE = "11111111-1111-1111-1111-111111111111"


def request(
    referral_id: str = "r1",
    case_id: str = "c1",
    *,
    at: datetime = T0,
    role: str = "triagist",
    ack: datetime | None = None,
    contact: datetime | None = None,
    org: str | None = "org-1",
) -> object:
    payload: dict[str, object] = (
        {"to_unit_id": "u-1", "to_organization_id": org} if org else {"to_name": "Huisarts Jansen"}
    )
    payload["urgency"] = "U2"
    if ack is not None:
        payload["acknowledge_by"] = ack.isoformat()
    if contact is not None:
        payload["first_contact_by"] = contact.isoformat()
    return new_event(
        referral_id=referral_id,
        case_id=case_id,
        move=Move.REQUEST,
        actor_id="user-t",
        actor_role=role,
        device_id=DEVICE,
        at=at,
        payload=payload,
    )


def answer(
    referral: Referral,
    move: Move,
    *,
    at: datetime,
    role: str = "receiver",
    org: str | None = "org-1",
    payload: dict[str, object] | None = None,
    after: str | None = None,
) -> object:
    return new_event(
        referral_id=referral.id,
        case_id=referral.case_id,
        move=move,
        actor_id=f"user-{role}",
        actor_role=role,
        actor_organization_id=org,
        device_id=DEVICE,
        at=at,
        payload=payload or {},
        after=after if after is not None else referral.last_event_id,
    )


ACCEPT = {"first_contact_at": (T0 + timedelta(hours=2)).isoformat()}


def test_the_happy_path_and_its_fold() -> None:
    events = [request(ack=T0 + timedelta(minutes=30), contact=T0 + timedelta(hours=4))]
    ref = apply(None, events[0])
    for move, payload in [
        (Move.RECEIVE, {}),
        (Move.ACCEPT, ACCEPT),
        (Move.START, {}),
        (Move.COMPLETE, {}),
    ]:
        event = answer(ref, move, at=ref.requested_at + timedelta(minutes=5), payload=payload)
        ref = apply(ref, event)
        events.append(event)
    assert ref.status is RefStatus.COMPLETED
    assert ref.first_contact_agreed == T0 + timedelta(hours=2)
    folded = fold(events)
    assert folded.referral == ref and folded.conflicts == ()
    assert fold([event_from_json(event_to_json(e)) for e in events]).referral == ref


def test_only_senders_send_and_cancel() -> None:
    problem = check_move(None, request(role="desk"))
    assert problem is not None and problem.code == "role_not_allowed" and problem.field == "move"
    ref = apply(None, request())
    cancel = answer(ref, Move.CANCEL, at=T0, role="receiver", payload={"reason": "x"})
    assert check_move(ref, cancel).code == "role_not_allowed"  # type: ignore[union-attr]


def test_a_receiver_answers_only_its_own_organisation() -> None:
    ref = apply(None, request())
    other = answer(ref, Move.RECEIVE, at=T0, org="org-2")
    problem = check_move(ref, other)
    assert problem is not None and problem.code == "other_organization"
    assert problem.field == "referral_id"
    sender = answer(ref, Move.RECEIVE, at=T0, role="coordinator", org=None)
    assert check_move(ref, sender).code == "role_not_allowed"  # type: ignore[union-attr]


def test_a_named_party_answer_is_recorded_by_a_sender() -> None:
    ref = apply(None, request(org=None))
    event = answer(ref, Move.ACCEPT, at=T0, role="coordinator", org=None, payload=ACCEPT)
    assert apply(ref, event).status is RefStatus.ACCEPTED


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({}, "payload.reason", "required"),
        ({"reason": "busy"}, "payload.reason", "invalid"),
        ({"reason": "other"}, "payload.text", "required"),
        ({"reason": "other", "text": "  "}, "payload.text", "required"),
        ({"reason": "age", "colour": "red"}, "payload.colour", "unknown_field"),
    ],
)
def test_a_decline_needs_a_reason_code(payload: dict[str, object], field: str, code: str) -> None:
    ref = apply(None, request())
    problem = check_move(ref, answer(ref, Move.DECLINE, at=T0, payload=payload))
    assert problem is not None and (problem.field, problem.code) == (field, code)


def test_every_reason_code_declines() -> None:
    for reason in DECLINE_REASONS:
        ref = apply(None, request())
        payload = {"reason": reason, "text": "vol"} if reason == "other" else {"reason": reason}
        done = apply(ref, answer(ref, Move.DECLINE, at=T0, payload=payload))
        assert done.status is RefStatus.DECLINED and done.decline_reason == reason
        assert needs_placement([done]) and open_referral([done]) is None


def test_accept_needs_the_agreed_time_of_first_contact() -> None:
    ref = apply(None, request())
    problem = check_move(ref, answer(ref, Move.ACCEPT, at=T0))
    assert problem is not None and problem.field == "payload.first_contact_at"
    naive = {"first_contact_at": "2026-12-03T12:00:00"}
    problem = check_move(ref, answer(ref, Move.ACCEPT, at=T0, payload=naive))
    assert problem is not None and problem.code == "invalid"


def test_moves_not_in_the_table_are_refused() -> None:
    ref = apply(None, request())
    problem = check_move(ref, answer(ref, Move.START, at=T0))
    assert problem is not None and problem.code == "not_allowed"
    with pytest.raises(MoveError):
        apply(ref, answer(ref, Move.COMPLETE, at=T0))


def test_two_answers_at_once_one_wins_the_other_is_a_conflict() -> None:
    ref = apply(None, request())
    accept = answer(ref, Move.ACCEPT, at=T0, payload=ACCEPT)
    decline = answer(ref, Move.DECLINE, at=T0, payload={"reason": "no_capacity"})
    folded = fold([*ref.events, accept, decline])
    assert folded.referral is not None and folded.referral.status is RefStatus.ACCEPTED
    assert [(e.event_id, p.code) for e, p in folded.conflicts] == [
        (decline.event_id, "concurrent_move")
    ]


def test_at_most_one_open_referral_per_case() -> None:
    first = apply(None, request("r1"))
    problem = check_move(None, request("r2"), open_referral_of_case=first.id)
    assert problem is not None and problem.field == "case_id"
    assert problem.code == "open_referral_exists"


def test_a_cancel_needs_a_reason() -> None:
    ref = apply(None, request())
    problem = check_move(ref, answer(ref, Move.CANCEL, at=T0, role="coordinator"))
    assert problem is not None and problem.field == "payload.reason"


# ------------------------------------------------------------------------------ timers


def test_default_acknowledge_targets() -> None:
    assert acknowledge_by(T0, "U1", AMS) == T0 + timedelta(minutes=15)
    assert acknowledge_by(T0, "U2", AMS) == T0 + timedelta(minutes=30)
    assert acknowledge_by(T0, "U3", AMS) == T0 + timedelta(hours=2)
    assert acknowledge_by(T0, "U5", AMS) is None
    assert acknowledge_by(T0, None, AMS) is None
    custom = {"U1": AckTarget(minutes=5)}
    assert acknowledge_by(T0, "U1", AMS, custom) == T0 + timedelta(minutes=5)


def test_one_working_day_skips_the_weekend() -> None:
    friday = datetime(2026, 12, 4, 16, 30, tzinfo=AMS)
    assert acknowledge_by(friday, "U4", AMS) == datetime(2026, 12, 7, 16, 30, tzinfo=AMS)
    saturday = datetime(2026, 12, 5, 9, 0, tzinfo=AMS)
    assert acknowledge_by(saturday, "U4", AMS) == datetime(2026, 12, 7, 9, 0, tzinfo=AMS)


def test_timers_across_the_autumn_dst_change() -> None:
    # Friday 23 October 2026, 14:00 CEST; clocks go back on Sunday 25 October
    friday = datetime(2026, 10, 23, 14, 0, tzinfo=AMS)
    due = acknowledge_by(friday, "U4", AMS)
    assert due == datetime(2026, 10, 26, 14, 0, tzinfo=AMS)  # Monday, same wall time
    assert due is not None and due.utcoffset() == timedelta(hours=1)
    assert due.astimezone(UTC) - friday.astimezone(UTC) == timedelta(hours=73)  # hour given back
    # minutes are elapsed time: 02:50 CEST + 30 min = 02:20 CET (the wall clock repeats)
    night = datetime(2026, 10, 25, 2, 50, tzinfo=AMS)  # fold=0: the first 02:50, CEST
    ack = acknowledge_by(night, "U2", AMS)
    assert ack is not None and ack.astimezone(UTC) == datetime(2026, 10, 25, 1, 20, tzinfo=UTC)
    assert (ack.hour, ack.minute, ack.utcoffset()) == (2, 20, timedelta(hours=1))
    ref = apply(None, request(at=friday, ack=due))
    assert not unrecorded_breaches(ref, datetime(2026, 10, 26, 13, 59, tzinfo=AMS))
    late = datetime(2026, 10, 26, 14, 1, tzinfo=AMS)
    [state] = unrecorded_breaches(ref, late)
    assert state.timer == ACKNOWLEDGE and state.overdue == timedelta(minutes=1)


def test_timers_across_the_spring_dst_change() -> None:
    friday = datetime(2027, 3, 26, 9, 0, tzinfo=AMS)  # clocks go forward 28 March
    due = acknowledge_by(friday, "U4", AMS)
    assert due == datetime(2027, 3, 29, 9, 0, tzinfo=AMS)
    assert due is not None and due.astimezone(UTC) - friday.astimezone(UTC) == timedelta(hours=71)


def test_a_late_answer_is_a_breach_but_no_alert() -> None:
    ack = T0 + timedelta(minutes=30)
    ref = apply(None, request(ack=ack, contact=T0 + timedelta(hours=4)))
    now = T0 + timedelta(minutes=45)
    [alert] = overdue_alerts([ref], now)
    assert alert.timer == ACKNOWLEDGE and alert.overdue == timedelta(minutes=15)
    received = apply(ref, answer(ref, Move.RECEIVE, at=T0 + timedelta(minutes=40)))
    states = {t.timer: t for t in timers(received, now)}
    assert states[ACKNOWLEDGE].breached and not states[ACKNOWLEDGE].alert
    assert states[ACKNOWLEDGE].overdue == timedelta(minutes=10)
    assert not states[FIRST_CONTACT].breached
    assert overdue_alerts([received], now) == []


def test_alerts_are_sorted_by_how_long_overdue() -> None:
    a = apply(None, request("a", "c1", ack=T0 + timedelta(minutes=10)))
    b = apply(None, request("b", "c2", ack=T0 + timedelta(minutes=5)))
    c = apply(None, request("c", "c3", contact=T0 + timedelta(minutes=1)))
    alerts = overdue_alerts([a, b, c], T0 + timedelta(minutes=20))
    assert [x.referral_id for x in alerts] == ["c", "b", "a"]


def test_a_breach_is_recorded_once() -> None:
    ref = apply(None, request(ack=T0 + timedelta(minutes=1)))
    [state] = unrecorded_breaches(ref, T0 + timedelta(minutes=2))
    event = breach_event(state, T0 + timedelta(minutes=2))
    assert event.event_id == breach_event_id(ref.id, ACKNOWLEDGE)
    recorded = apply(ref, event)
    assert unrecorded_breaches(recorded, T0 + timedelta(hours=1)) == []
    again = breach_event(state, T0 + timedelta(minutes=3))
    assert check_move(recorded, again).code == "recorded"  # type: ignore[union-attr]
    # a breach event is not a status move: an answer based on the request still applies
    late = answer(recorded, Move.RECEIVE, at=T0 + timedelta(minutes=4))
    assert late.after == ref.last_event_id
    assert apply(recorded, late).status is RefStatus.RECEIVED


def test_only_the_system_records_a_breach() -> None:
    ref = apply(None, request(ack=T0 + timedelta(minutes=1)))
    [state] = unrecorded_breaches(ref, T0 + timedelta(minutes=2))
    event = breach_event(state, T0 + timedelta(minutes=2))
    forged = event_from_json({**event_to_json(event), "actor_role": "coordinator"})
    assert check_move(ref, forged).code == "role_not_allowed"  # type: ignore[union-attr]


# ------------------------------------------------------------------- the state machine

MOVES_BY_PARTY = [Move.RECEIVE, Move.ACCEPT, Move.DECLINE, Move.START, Move.COMPLETE]
PAYLOADS = {
    Move.ACCEPT: ACCEPT,
    Move.DECLINE: {"reason": "no_capacity"},
    Move.CANCEL: {"reason": "andere plek"},
}


class ReferralMachine(RuleBasedStateMachine):
    """Random requests, answers (right or stale base, right or wrong party), cancels,
    time passing and breach sweeps (each sweep run twice, as two servers would): the
    stored log always folds to at most one open referral per case, and every breach
    that happened is recorded exactly once."""

    @initialize()
    def start(self) -> None:
        self.now = T0
        self.log: dict[str, list[object]] = {}  # referral id -> accepted events
        self.case_of: dict[str, str] = {}
        self.count = 0

    def state(self, referral_id: str) -> Referral:
        folded = fold(self.log[referral_id])  # type: ignore[arg-type]
        assert folded.conflicts == ()
        assert folded.referral is not None
        return folded.referral

    def referrals(self) -> list[Referral]:
        return [self.state(rid) for rid in self.log]

    def offer(self, event: object, referral: Referral | None) -> None:
        case = event.case_id  # type: ignore[attr-defined]
        current = open_referral(r for r in self.referrals() if r.case_id == case)
        problem = check_move(referral, event, open_referral_of_case=current.id if current else None)  # type: ignore[arg-type]
        if problem is None:
            self.log.setdefault(event.referral_id, []).append(event)  # type: ignore[attr-defined]

    @rule(
        case=st.sampled_from(["c1", "c2", "c3"]),
        role=st.sampled_from(["triagist", "coordinator", "desk", "receiver"]),
        ack=st.one_of(st.none(), st.integers(1, 120)),
        contact=st.one_of(st.none(), st.integers(1, 600)),
    )
    def refer(self, case: str, role: str, ack: int | None, contact: int | None) -> None:
        self.count += 1
        event = request(
            f"r{self.count}",
            case,
            at=self.now,
            role=role,
            ack=None if ack is None else self.now + timedelta(minutes=ack),
            contact=None if contact is None else self.now + timedelta(minutes=contact),
        )
        self.offer(event, None)

    @rule(
        pick=st.integers(0, 50),
        move=st.sampled_from([*MOVES_BY_PARTY, Move.CANCEL]),
        role=st.sampled_from(["receiver", "coordinator", "desk"]),
        org=st.sampled_from(["org-1", "org-2"]),
        stale=st.booleans(),
    )
    def move(self, pick: int, move: Move, role: str, org: str, stale: bool) -> None:
        if not self.log:
            return
        referral = self.state(sorted(self.log)[pick % len(self.log)])
        after = referral.events[0].event_id if stale else None
        event = answer(
            referral, move, at=self.now, role=role, org=org, payload=PAYLOADS.get(move), after=after
        )
        self.offer(event, referral)

    @rule(minutes=st.integers(1, 180))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule()
    def sweep(self) -> None:
        for _ in range(2):
            for referral in self.referrals():
                for state in unrecorded_breaches(referral, self.now):
                    self.offer(breach_event(state, self.now), self.state(referral.id))

    @invariant()
    def at_most_one_open_referral_per_case(self) -> None:
        open_cases = [r.case_id for r in self.referrals() if r.is_open]
        assert len(open_cases) == len(set(open_cases))

    @invariant()
    def every_breach_recorded_at_most_once_and_only_when_it_happened(self) -> None:
        for rid, events in self.log.items():
            breach_ids = [e.event_id for e in events if e.move == Move.BREACH]  # type: ignore[attr-defined]
            assert len(breach_ids) == len(set(breach_ids))
            referral = self.state(rid)
            happened = {t.timer for t in timers(referral, self.now) if t.breached}
            assert set(referral.breaches) <= happened

    def teardown(self) -> None:
        if getattr(self, "log", None) is None:
            return
        self.sweep()
        for referral in self.referrals():
            happened = {t.timer for t in timers(referral, self.now) if t.breached}
            assert set(referral.breaches) == happened  # recorded once, none missing


TestReferralMachine = ReferralMachine.TestCase
TestReferralMachine.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)

"""The two referral timers and their breaches, as pure functions of stored times and now.

*acknowledge by* is the request time plus the urgency's acknowledge target (region-set
in the intake format next to the response targets; defaults below); *first contact by*
is the case's response deadline (``triage.deadline``). Both due times are computed once,
by the sender's desk, and stored in the ``request`` event, so every desk and the central
API agree on them, and a desk that was offline shows a breach the moment it starts.

- the *acknowledge* timer runs while the referral is ``requested``; any answer (receive,
  accept, decline) or a cancel stops it;
- the *first contact* timer runs while the referral is open and first contact (``start``)
  has not happened; a decline, cancel or start stops it.

A timer is **breached** when its due time passed before it stopped (or before ``now``
while it runs). A running breached timer puts the referral in *Verlopen afspraken*,
sorted by how long overdue. Each breach is recorded once, as a ``breach`` event with a
deterministic id (:func:`breach_event_id`), by the central API when it sees it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from coordination.referrals.model import (
    SYSTEM_ACTOR,
    Move,
    Referral,
    ReferralEvent,
    RefStatus,
    new_event,
)
from doorloop_protocol.clock import add_target

ACKNOWLEDGE = "acknowledge"
FIRST_CONTACT = "first_contact"
TIMERS = (ACKNOWLEDGE, FIRST_CONTACT)

_BREACH_NAMESPACE = uuid.UUID("6f1d8a52-3c0e-4b7e-9d55-1f6b2a7c9e30")
SYSTEM_DEVICE = "00000000-0000-0000-0000-000000000000"
"""The device id of events recorded by the central API itself."""


@dataclass(frozen=True)
class AckTarget:
    """How long a receiving party has to acknowledge a referral of one urgency: elapsed
    minutes or working days (Saturday and Sunday skipped); neither = no timer."""

    minutes: int | None = None
    working_days: int | None = None


DEFAULT_ACKNOWLEDGE: Mapping[str, AckTarget] = {
    "U1": AckTarget(minutes=15),
    "U2": AckTarget(minutes=30),
    "U3": AckTarget(minutes=120),
    "U4": AckTarget(working_days=1),
    "U5": AckTarget(),
}


def acknowledge_by(
    requested_at: datetime,
    urgency: str | None,
    zone: tzinfo,
    targets: Mapping[str, AckTarget] = DEFAULT_ACKNOWLEDGE,
) -> datetime | None:
    """The *acknowledge by* time of a referral requested at ``requested_at``; None when
    the urgency has no acknowledge target (U5, unknown or no urgency)."""
    if urgency is None:
        return None
    target = targets.get(urgency, DEFAULT_ACKNOWLEDGE.get(urgency, AckTarget()))
    return add_target(requested_at, zone, minutes=target.minutes, working_days=target.working_days)


@dataclass(frozen=True)
class TimerState:
    """One timer of one referral at a moment."""

    referral_id: str
    case_id: str
    timer: str
    due: datetime | None
    stopped_at: datetime | None  # None while it runs
    breached: bool
    overdue: timedelta  # how long past due (at the stop, or at now); zero when not

    @property
    def running(self) -> bool:
        return self.stopped_at is None and self.due is not None

    @property
    def alert(self) -> bool:
        """Breached and still running: shown in *Verlopen afspraken*."""
        return self.breached and self.stopped_at is None


def _stops(referral: Referral) -> dict[str, datetime | None]:
    """When each timer stopped (None: still runs)."""
    ack_stop: datetime | None = None
    contact_stop: datetime | None = None
    for event in referral.events[1:]:
        if event.move == Move.BREACH:
            continue
        if ack_stop is None:
            ack_stop = event.at
        if contact_stop is None and event.move in (Move.START, Move.DECLINE, Move.CANCEL):
            contact_stop = event.at
    if referral.status is not RefStatus.REQUESTED and ack_stop is None:  # pragma: no cover
        ack_stop = referral.requested_at
    return {ACKNOWLEDGE: ack_stop, FIRST_CONTACT: contact_stop}


def timers(referral: Referral, now: datetime) -> list[TimerState]:
    """Both timers of ``referral`` at ``now`` (a timer without a due time never breaches)."""
    stops = _stops(referral)
    out = []
    for name, due in (
        (ACKNOWLEDGE, referral.acknowledge_by),
        (FIRST_CONTACT, referral.first_contact_by),
    ):
        stop = stops[name]
        # in UTC: datetimes sharing a ZoneInfo compare and subtract as wall-clock times
        until = (stop if stop is not None else now).astimezone(UTC)
        due_utc = None if due is None else due.astimezone(UTC)
        breached = due_utc is not None and until > due_utc
        overdue = (until - due_utc) if breached and due_utc is not None else timedelta(0)
        out.append(TimerState(referral.id, referral.case_id, name, due, stop, breached, overdue))
    return out


def breaches(referral: Referral, now: datetime) -> list[TimerState]:
    """The breached timers of a referral at ``now`` (running or not)."""
    return [t for t in timers(referral, now) if t.breached]


def unrecorded_breaches(referral: Referral, now: datetime) -> list[TimerState]:
    """Breached timers not yet recorded by a ``breach`` event."""
    return [t for t in breaches(referral, now) if t.timer not in referral.breaches]


def overdue_alerts(referrals: Iterable[Referral], now: datetime) -> list[TimerState]:
    """*Verlopen afspraken*: running breached timers, the longest overdue first."""
    alerts = [t for r in referrals if r.is_open for t in timers(r, now) if t.alert]
    alerts.sort(key=lambda t: (-t.overdue, t.referral_id, t.timer))
    return alerts


def breach_event_id(referral_id: str, timer: str) -> str:
    """The id of the one ``breach`` event of this timer: the same wherever computed, so
    recording it twice is a duplicate, never a second breach."""
    return str(uuid.uuid5(_BREACH_NAMESPACE, f"{referral_id}/{timer}"))


def breach_event(state: TimerState, recorded_at: datetime) -> ReferralEvent:
    """The ``breach`` event recording ``state`` (a breached timer)."""
    if not state.breached or state.due is None:
        raise ValueError("only a breached timer is recorded")
    return new_event(
        event_id=breach_event_id(state.referral_id, state.timer),
        referral_id=state.referral_id,
        case_id=state.case_id,
        move=Move.BREACH,
        actor_id=SYSTEM_ACTOR,
        actor_role=SYSTEM_ACTOR,
        device_id=SYSTEM_DEVICE,
        at=recorded_at,
        payload={"timer": state.timer, "due": state.due.isoformat()},
    )

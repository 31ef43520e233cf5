"""Referrals (*afspraak is afspraak*): the model, the moves and the two timers (Qt-free).

Shared by the desk (``desktop.session``, ``desktop.store``) and the central API, like
``doorloop_protocol``; the contract is ``domain/coordination.md`` §1, the guide
``docs/referrals.md``.

Public API::

    # model: events and their fold
    new_event(referral_id=, case_id=, move=, actor_id=, actor_role=, device_id=, at=,
              payload=, after=, actor_organization_id=, actor_name=) -> ReferralEvent
    check_move(referral | None, event, open_referral_of_case=None) -> Problem | None
    apply(referral | None, event) -> Referral            # raises MoveError(problem)
    fold(events) -> Folded(referral, conflicts)
    open_referral(referrals) -> Referral | None; needs_placement(referrals) -> bool
    event_to_json(event) / event_from_json(data)
    # timers
    acknowledge_by(requested_at, urgency, zone, targets=DEFAULT_ACKNOWLEDGE)
    timers(referral, now) -> [TimerState]; breaches(...); unrecorded_breaches(...)
    overdue_alerts(referrals, now) -> [TimerState]     # Verlopen afspraken, longest first
    breach_event(state, recorded_at) -> ReferralEvent; breach_event_id(referral_id, timer)
"""

from __future__ import annotations

from coordination.referrals.model import (
    DECLINE_REASONS,
    MOVES,
    NEEDS_PLACEMENT_STATUSES,
    OPEN_STATUSES,
    RECEIVER_ROLE,
    SENDER_ROLES,
    SYSTEM_ACTOR,
    Folded,
    Move,
    MoveError,
    MoveRule,
    Party,
    Problem,
    Referral,
    ReferralEvent,
    RefStatus,
    apply,
    check_move,
    check_payload,
    event_from_json,
    event_to_json,
    fold,
    needs_placement,
    new_event,
    open_referral,
    party_of,
)
from coordination.referrals.timers import (
    ACKNOWLEDGE,
    DEFAULT_ACKNOWLEDGE,
    FIRST_CONTACT,
    SYSTEM_DEVICE,
    TIMERS,
    AckTarget,
    TimerState,
    acknowledge_by,
    breach_event,
    breach_event_id,
    breaches,
    overdue_alerts,
    timers,
    unrecorded_breaches,
)

__all__ = [
    "ACKNOWLEDGE",
    "DECLINE_REASONS",
    "DEFAULT_ACKNOWLEDGE",
    "FIRST_CONTACT",
    "MOVES",
    "NEEDS_PLACEMENT_STATUSES",
    "OPEN_STATUSES",
    "RECEIVER_ROLE",
    "SENDER_ROLES",
    "SYSTEM_ACTOR",
    "SYSTEM_DEVICE",
    "TIMERS",
    "AckTarget",
    "Folded",
    "Move",
    "MoveError",
    "MoveRule",
    "Party",
    "Problem",
    "RefStatus",
    "Referral",
    "ReferralEvent",
    "TimerState",
    "acknowledge_by",
    "apply",
    "breach_event",
    "breach_event_id",
    "breaches",
    "check_move",
    "check_payload",
    "event_from_json",
    "event_to_json",
    "fold",
    "needs_placement",
    "new_event",
    "open_referral",
    "overdue_alerts",
    "party_of",
    "timers",
    "unrecorded_breaches",
]

"""Referrals (*verwijzingen*): statuses, moves, who may make them, and the fold of events.

The contract is ``domain/coordination.md`` §1. A referral is never edited: each move is an
immutable :class:`ReferralEvent` (id, referral id, case id, move, actor, device, time,
payload) and the referral's state is the fold of its events (:func:`fold`). The same
rules run on the desk (before a move is stored) and on the central API (before a pushed
event is stored): :func:`check_move`.

Moves::

    request   (sender)   -> requested
    receive   (receiver) requested -> received
    accept    (receiver) requested | received -> accepted   (payload: first_contact_at)
    decline   (receiver) requested | received -> declined   (payload: reason [, text])
    start     (receiver) accepted -> in_progress             (first contact happened)
    complete  (receiver) in_progress -> completed
    cancel    (sender)   any open status -> cancelled        (payload: reason)
    breach    (system)   records that a timer passed; no status change (timers.py)

Sender roles are ``triagist`` and ``coordinator``; a receiver is a user of role
``receiver`` bound to the organisation the referral is addressed to. A referral to a
named party outside the directory (no organisation) is answered by phone: a sender role
records the party's answer for it.

Every move but ``request`` and ``breach`` names ``after``: the id of the last status
event the actor saw. A move on a referral that has moved since is a conflict (two parties
answering at once): it is refused, never stored over the other answer.

Qt-free, I/O-free, pydantic-free.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any


class RefStatus(StrEnum):
    REQUESTED = "requested"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


OPEN_STATUSES = frozenset(
    {RefStatus.REQUESTED, RefStatus.RECEIVED, RefStatus.ACCEPTED, RefStatus.IN_PROGRESS}
)
"""A case carries at most one referral in these statuses."""

NEEDS_PLACEMENT_STATUSES = frozenset({RefStatus.DECLINED, RefStatus.CANCELLED})
"""A case whose latest referral ended so goes back on *plaatsing nodig*."""


class Move(StrEnum):
    REQUEST = "request"
    RECEIVE = "receive"
    ACCEPT = "accept"
    DECLINE = "decline"
    START = "start"
    COMPLETE = "complete"
    CANCEL = "cancel"
    BREACH = "breach"


SENDER_ROLES = frozenset({"triagist", "coordinator"})
RECEIVER_ROLE = "receiver"
SYSTEM_ACTOR = "system"
"""The actor role of a ``breach`` event (recorded by the central API, see timers.py)."""

DECLINE_REASONS = (
    "no_capacity",
    "not_target_group",
    "age",
    "legal_route_not_offered",
    "intake_stop",
    "other",
)
"""Reason codes of a decline; ``other`` needs a text."""

MAX_TEXT = 2000


class Party(StrEnum):
    SENDER = "sender"
    RECEIVER = "receiver"
    SYSTEM = "system"


@dataclass(frozen=True)
class MoveRule:
    move: Move
    sources: frozenset[RefStatus]
    target: RefStatus | None  # None: no status change (breach)
    party: Party


MOVES: dict[Move, MoveRule] = {
    rule.move: rule
    for rule in (
        MoveRule(Move.REQUEST, frozenset(), RefStatus.REQUESTED, Party.SENDER),
        MoveRule(
            Move.RECEIVE, frozenset({RefStatus.REQUESTED}), RefStatus.RECEIVED, Party.RECEIVER
        ),
        MoveRule(
            Move.ACCEPT,
            frozenset({RefStatus.REQUESTED, RefStatus.RECEIVED}),
            RefStatus.ACCEPTED,
            Party.RECEIVER,
        ),
        MoveRule(
            Move.DECLINE,
            frozenset({RefStatus.REQUESTED, RefStatus.RECEIVED}),
            RefStatus.DECLINED,
            Party.RECEIVER,
        ),
        MoveRule(
            Move.START, frozenset({RefStatus.ACCEPTED}), RefStatus.IN_PROGRESS, Party.RECEIVER
        ),
        MoveRule(
            Move.COMPLETE, frozenset({RefStatus.IN_PROGRESS}), RefStatus.COMPLETED, Party.RECEIVER
        ),
        MoveRule(Move.CANCEL, OPEN_STATUSES, RefStatus.CANCELLED, Party.SENDER),
        MoveRule(Move.BREACH, frozenset(RefStatus), None, Party.SYSTEM),
    )
}


@dataclass(frozen=True)
class ReferralEvent:
    """One immutable move. ``at`` is the actor's device time (data, never the order);
    ``after`` the last status event the actor saw (None for request and breach)."""

    event_id: str
    referral_id: str
    case_id: str
    move: str
    actor_id: str
    actor_role: str
    device_id: str
    at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)
    after: str | None = None
    actor_organization_id: str | None = None
    actor_name: str | None = None


@dataclass(frozen=True)
class Problem:
    """Why a move is refused: the field it is about, a stable code and an English
    message (the desk and web page show their own Dutch text for the code)."""

    field: str
    code: str
    message: str


class MoveError(ValueError):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(f"{problem.field}: {problem.message}")


@dataclass(frozen=True)
class Referral:
    """The state of one referral: the fold of its events (oldest first)."""

    id: str
    case_id: str
    status: RefStatus
    to_unit_id: str | None
    to_organization_id: str | None
    to_name: str | None
    urgency: str | None
    requested_at: datetime
    requested_by: str
    acknowledge_by: datetime | None
    first_contact_by: datetime | None
    last_event_id: str
    received_at: datetime | None = None
    answered_at: datetime | None = None  # accept or decline
    first_contact_agreed: datetime | None = None
    started_at: datetime | None = None
    closed_at: datetime | None = None  # declined, completed or cancelled
    accepted_by: str | None = None
    decline_reason: str | None = None
    decline_text: str | None = None
    cancel_reason: str | None = None
    breaches: Mapping[str, datetime] = field(default_factory=dict)  # timer -> its due time
    summary: Mapping[str, Any] = field(default_factory=dict)
    events: tuple[ReferralEvent, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def needs_placement(self) -> bool:
        return self.status in NEEDS_PLACEMENT_STATUSES


# ----------------------------------------------------------------------------- payloads


def _aware(value: Any, name: str) -> datetime | Problem:
    if not isinstance(value, str):
        return Problem(f"payload.{name}", "invalid", f"{name} must be an ISO date-time text.")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return Problem(f"payload.{name}", "invalid", f"{name} is not an ISO date-time.")
    if parsed.tzinfo is None:
        return Problem(f"payload.{name}", "invalid", f"{name} needs a UTC offset.")
    return parsed


def _optional_time(payload: Mapping[str, Any], name: str) -> datetime | Problem | None:
    value = payload.get(name)
    return None if value is None else _aware(value, name)


def _text(payload: Mapping[str, Any], name: str, *, required: bool) -> str | Problem | None:
    value = payload.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            return Problem(f"payload.{name}", "required", f"{name} is required.")
        return None
    if not isinstance(value, str):
        return Problem(f"payload.{name}", "invalid", f"{name} must be a text.")
    if len(value) > MAX_TEXT:
        return Problem(f"payload.{name}", "too_long", f"{name} is longer than {MAX_TEXT}.")
    return value.strip()


_PAYLOAD_KEYS: dict[Move, frozenset[str]] = {
    Move.REQUEST: frozenset(
        {
            "to_unit_id",
            "to_organization_id",
            "to_name",
            "to_phone",
            "urgency",
            "acknowledge_by",
            "first_contact_by",
            "summary",
            "note",
        }
    ),
    Move.RECEIVE: frozenset({"on_behalf_of"}),
    Move.ACCEPT: frozenset({"first_contact_at", "on_behalf_of", "note"}),
    Move.DECLINE: frozenset({"reason", "text", "on_behalf_of"}),
    Move.START: frozenset({"on_behalf_of", "note"}),
    Move.COMPLETE: frozenset({"on_behalf_of", "note"}),
    Move.CANCEL: frozenset({"reason"}),
    Move.BREACH: frozenset({"timer", "due"}),
}


def check_payload(move: Move, payload: Mapping[str, Any]) -> Problem | None:
    """The shape of a move's payload (keys, types, reason codes)."""
    unknown = sorted(set(payload) - _PAYLOAD_KEYS[move])
    if unknown:
        return Problem(f"payload.{unknown[0]}", "unknown_field", "Unknown field for this move.")
    checks: list[Any] = []
    if move is Move.REQUEST:
        unit = _text(payload, "to_unit_id", required=False)
        name = _text(payload, "to_name", required=False)
        if unit is None and name is None:
            return Problem(
                "payload.to_unit_id",
                "required",
                "A referral goes to a unit of the directory (to_unit_id) or a named party "
                "(to_name).",
            )
        checks += [
            unit,
            name,
            _text(payload, "to_organization_id", required=unit is not None),
            _text(payload, "to_phone", required=False),
            _text(payload, "urgency", required=False),
            _optional_time(payload, "acknowledge_by"),
            _optional_time(payload, "first_contact_by"),
            _text(payload, "note", required=False),
        ]
        if "summary" in payload and not isinstance(payload["summary"], Mapping):
            return Problem("payload.summary", "invalid", "summary must be an object.")
    elif move is Move.ACCEPT:
        checks.append(_aware(payload.get("first_contact_at"), "first_contact_at"))
        if payload.get("first_contact_at") is None:
            return Problem(
                "payload.first_contact_at",
                "required",
                "An accepted referral needs the agreed time of first contact.",
            )
    elif move is Move.DECLINE:
        reason = payload.get("reason")
        if reason not in DECLINE_REASONS:
            return Problem(
                "payload.reason",
                "required" if reason is None else "invalid",
                f"A decline needs a reason: one of {', '.join(DECLINE_REASONS)}.",
            )
        checks.append(_text(payload, "text", required=reason == "other"))
    elif move is Move.CANCEL:
        checks.append(_text(payload, "reason", required=True))
    elif move is Move.BREACH:
        from coordination.referrals.timers import TIMERS

        if payload.get("timer") not in TIMERS:
            return Problem("payload.timer", "invalid", f"timer is one of {', '.join(TIMERS)}.")
        checks.append(_aware(payload.get("due"), "due"))
    for name in ("on_behalf_of",):
        if name in payload:
            checks.append(_text(payload, name, required=False))
    for result in checks:
        if isinstance(result, Problem):
            return result
    return None


# ----------------------------------------------------------------------------- the rules


def party_of(
    role: str, actor_organization_id: str | None, referral: Referral | None, move: Move
) -> Problem | None:
    """Whether an actor of ``role`` (bound to ``actor_organization_id``) may make ``move``
    on ``referral``: senders send and cancel; the receiver of the addressed organisation
    answers; a named party without organisation has its answers recorded by a sender."""
    rule = MOVES[move]
    if rule.party is Party.SYSTEM:
        if role != SYSTEM_ACTOR:
            return Problem("move", "role_not_allowed", "Only the central service records a breach.")
        return None
    if rule.party is Party.SENDER:
        if role not in SENDER_ROLES:
            return Problem(
                "move",
                "role_not_allowed",
                f"The role {role!r} may not {move.value} a referral (triagist or coordinator).",
            )
        return None
    # receiver moves
    if referral is not None and referral.to_organization_id is None:
        if role in SENDER_ROLES or role == RECEIVER_ROLE:
            return None
        return Problem(
            "move", "role_not_allowed", f"The role {role!r} may not answer this referral."
        )
    if role != RECEIVER_ROLE:
        return Problem(
            "move",
            "role_not_allowed",
            f"Only the receiving party answers a referral; the role {role!r} may not "
            f"{move.value} it.",
        )
    if referral is not None and actor_organization_id != referral.to_organization_id:
        return Problem(
            "referral_id",
            "other_organization",
            "This referral is addressed to another organisation.",
        )
    return None


def check_move(
    referral: Referral | None,
    event: ReferralEvent,
    *,
    open_referral_of_case: str | None = None,
) -> Problem | None:
    """Whether ``event`` may be applied to ``referral`` (None: no referral with this id
    yet). ``open_referral_of_case`` is the id of the case's open referral, if any (for
    *at most one open referral per case*). None when allowed."""
    try:
        move = Move(event.move)
    except ValueError:
        return Problem("move", "unknown_move", f"Unknown move {event.move!r}.")
    problem = check_payload(move, event.payload)
    if problem is not None:
        return problem
    problem = party_of(event.actor_role, event.actor_organization_id, referral, move)
    if problem is not None:
        return problem
    if move is Move.REQUEST:
        if referral is not None:
            return Problem("referral_id", "exists", "This referral was requested already.")
        if open_referral_of_case is not None and open_referral_of_case != event.referral_id:
            return Problem(
                "case_id",
                "open_referral_exists",
                "This case has an open referral; cancel it before referring again.",
            )
        return None
    if referral is None:
        return Problem("referral_id", "unknown_referral", "No referral with this id.")
    if referral.case_id != event.case_id:
        return Problem("case_id", "mismatch", "The referral belongs to another case.")
    if move is Move.BREACH:
        timer = str(event.payload.get("timer"))
        if timer in referral.breaches:
            return Problem("payload.timer", "recorded", "This breach was recorded already.")
        return None
    if event.after != referral.last_event_id:
        return Problem(
            "after",
            "concurrent_move",
            f"The referral moved meanwhile (now {referral.status.value}); look again.",
        )
    rule = MOVES[move]
    if referral.status not in rule.sources:
        return Problem(
            "move",
            "not_allowed",
            f"A referral that is {referral.status.value} cannot {move.value}.",
        )
    return None


def apply(referral: Referral | None, event: ReferralEvent, **context: Any) -> Referral:
    """``referral`` after ``event``; raises MoveError when the move is refused."""
    problem = check_move(referral, event, **context)
    if problem is not None:
        raise MoveError(problem)
    move = Move(event.move)
    p = event.payload
    if move is Move.REQUEST:
        return Referral(
            id=event.referral_id,
            case_id=event.case_id,
            status=RefStatus.REQUESTED,
            to_unit_id=p.get("to_unit_id"),
            to_organization_id=p.get("to_organization_id"),
            to_name=p.get("to_name"),
            urgency=p.get("urgency"),
            requested_at=event.at,
            requested_by=event.actor_id,
            acknowledge_by=_time(p.get("acknowledge_by")),
            first_contact_by=_time(p.get("first_contact_by")),
            last_event_id=event.event_id,
            summary=dict(p.get("summary") or {}),
            events=(event,),
        )
    assert referral is not None
    events = (*referral.events, event)
    if move is Move.BREACH:
        breaches = {**referral.breaches, str(p["timer"]): _time(p["due"]) or event.at}
        return replace(referral, breaches=breaches, events=events)
    target = MOVES[move].target
    assert target is not None
    changes: dict[str, Any] = {"status": target, "last_event_id": event.event_id}
    if move is Move.RECEIVE:
        changes["received_at"] = event.at
    elif move is Move.ACCEPT:
        changes.update(
            answered_at=event.at,
            first_contact_agreed=_time(p.get("first_contact_at")),
            accepted_by=p.get("on_behalf_of") or event.actor_name or event.actor_id,
        )
    elif move is Move.DECLINE:
        changes.update(
            answered_at=event.at,
            closed_at=event.at,
            decline_reason=p.get("reason"),
            decline_text=(p.get("text") or None),
        )
    elif move is Move.START:
        changes["started_at"] = event.at
    elif move in (Move.COMPLETE, Move.CANCEL):
        changes["closed_at"] = event.at
        if move is Move.CANCEL:
            changes["cancel_reason"] = str(p.get("reason") or "").strip()
    return replace(referral, events=events, **changes)


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


@dataclass(frozen=True)
class Folded:
    """A referral folded from its events, with the events that could not apply (a
    concurrent answer that lost, kept visible as a conflict; never applied over)."""

    referral: Referral | None
    conflicts: tuple[tuple[ReferralEvent, Problem], ...] = ()


def fold(events: Iterable[ReferralEvent]) -> Folded:
    """The state of one referral from its events in order (server order first, then
    local events not yet stored centrally). An event the rules refuse in that order is
    kept aside as a conflict; a repeated event id is applied once."""
    referral: Referral | None = None
    conflicts: list[tuple[ReferralEvent, Problem]] = []
    seen: set[str] = set()
    for event in events:
        if event.event_id in seen:
            continue
        seen.add(event.event_id)
        problem = check_move(referral, event)
        if problem is not None:
            conflicts.append((event, problem))
            continue
        referral = apply(referral, event)
    return Folded(referral, tuple(conflicts))


def new_event_id() -> str:
    return str(uuid.uuid4())


def new_event(
    *,
    referral_id: str,
    case_id: str,
    move: Move | str,
    actor_id: str,
    actor_role: str,
    device_id: str,
    at: datetime,
    payload: Mapping[str, Any] | None = None,
    after: str | None = None,
    actor_organization_id: str | None = None,
    actor_name: str | None = None,
    event_id: str | None = None,
) -> ReferralEvent:
    """A new event with a fresh id (its idempotency key)."""
    if at.tzinfo is None:
        raise ValueError("at needs a UTC offset")
    return ReferralEvent(
        event_id=event_id or new_event_id(),
        referral_id=referral_id,
        case_id=case_id,
        move=str(Move(move)),
        actor_id=actor_id,
        actor_role=actor_role,
        device_id=device_id,
        at=at,
        payload=dict(payload or {}),
        after=after,
        actor_organization_id=actor_organization_id,
        actor_name=actor_name,
    )


def event_to_json(event: ReferralEvent) -> dict[str, Any]:
    """The event as JSON data (the sync payload's ``referral_event`` item)."""
    return {
        "event_id": event.event_id,
        "referral_id": event.referral_id,
        "case_id": event.case_id,
        "move": event.move,
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "actor_organization_id": event.actor_organization_id,
        "actor_name": event.actor_name,
        "device_id": event.device_id,
        "at": event.at.isoformat(),
        "after": event.after,
        "payload": dict(event.payload),
    }


def event_from_json(data: Mapping[str, Any]) -> ReferralEvent:
    """The inverse of :func:`event_to_json` (the input was validated already)."""
    at = data["at"]
    return ReferralEvent(
        event_id=str(data["event_id"]),
        referral_id=str(data["referral_id"]),
        case_id=str(data["case_id"]),
        move=str(data["move"]),
        actor_id=str(data["actor_id"]),
        actor_role=str(data["actor_role"]),
        device_id=str(data["device_id"]),
        at=at if isinstance(at, datetime) else datetime.fromisoformat(str(at)),
        payload=dict(data.get("payload") or {}),
        after=None if data.get("after") is None else str(data["after"]),
        actor_organization_id=data.get("actor_organization_id"),
        actor_name=data.get("actor_name"),
    )


def open_referral(referrals: Iterable[Referral]) -> Referral | None:
    """The case's open referral (at most one), else None."""
    return next((r for r in referrals if r.is_open), None)


def needs_placement(referrals: Iterable[Referral]) -> bool:
    """*Plaatsing nodig*: the case's latest referral was declined or cancelled, and no
    newer referral is open."""
    ordered = sorted(referrals, key=lambda r: (r.requested_at, r.id))
    return bool(ordered) and ordered[-1].needs_placement

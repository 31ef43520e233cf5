"""The case workflow's rules: which role may set which status and which decision fields.

One implementation for the desk (``desktop.forms.workflow`` adds the form-dependent
checks and Dutch texts on top) and the central API (which refuses a pushed version that
breaks them). Qt-free, I/O-free, no form definitions: the rules here depend on the role,
the statuses and the answers' field ids only (docs: /work/shared/domain/intake-format.md).

``draft → ready_for_triage → triaged → handed_over → closed``; ``needs_reconciliation``
is set only by sync (two offline edits of the same version met) and left by a person who
resolves it. The triage decision (the ``triage.*`` fields) is made by a triagist or the
coordinator; once decided it is final ("afspraak is afspraak"): only a triagist amends
it, with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# the vocabulary is defined once in doorloop_protocol.vocab; re-exported with the rules
from doorloop_protocol.vocab import ROLES as ROLES
from doorloop_protocol.vocab import Status as Status

SYNC_ACTOR = "sync"
"""The pseudo-role of the sync engine: the only one that sets ``needs_reconciliation``."""

DESK_ROLES = frozenset({"desk", "outreach", "coordinator"})
DECIDE_ROLES = frozenset({"triagist", "coordinator"})
FOLLOW_UP_ROLES = frozenset({"desk", "outreach", "triagist", "coordinator"})
AMEND_ROLES = frozenset({"triagist"})

DECIDED_STATUSES = frozenset({Status.TRIAGED, Status.HANDED_OVER, Status.CLOSED})
"""Statuses in which the triage decision is final."""

DECISION_PREFIX = "triage."
"""Field ids of the triage decision start with this (the form's ``triage`` section)."""

FOLLOW_UP_FIELDS = frozenset({"triage.caller_informed_at"})
"""Fields of the triage section that record follow-up, not the decision itself: they
stay editable after the decision (the caller is called back afterwards)."""

RECORDED_DECISION_FIELDS = ("triage.decided_by", "triage.decided_by_id", "triage.decided_at")
"""Decision fields the product records itself (who decided, when)."""


@dataclass(frozen=True)
class Transition:
    """An allowed step: who may take it and which sections' requirements it needs."""

    source: Status
    target: Status
    roles: frozenset[str]
    stages: tuple[str, ...]


TRANSITIONS: tuple[Transition, ...] = (
    Transition(Status.DRAFT, Status.READY_FOR_TRIAGE, DESK_ROLES, ("intake",)),
    Transition(Status.READY_FOR_TRIAGE, Status.DRAFT, FOLLOW_UP_ROLES, ()),
    Transition(Status.READY_FOR_TRIAGE, Status.TRIAGED, DECIDE_ROLES, ("intake", "triage")),
    Transition(Status.TRIAGED, Status.HANDED_OVER, FOLLOW_UP_ROLES, ("triage", "handover")),
    Transition(Status.HANDED_OVER, Status.CLOSED, FOLLOW_UP_ROLES, ()),
    # resolving a reconciliation: desk roles back into the intake, deciders anywhere
    Transition(Status.NEEDS_RECONCILIATION, Status.DRAFT, FOLLOW_UP_ROLES, ()),
    Transition(Status.NEEDS_RECONCILIATION, Status.READY_FOR_TRIAGE, FOLLOW_UP_ROLES, ("intake",)),
    Transition(Status.NEEDS_RECONCILIATION, Status.TRIAGED, DECIDE_ROLES, ("intake", "triage")),
    Transition(
        Status.NEEDS_RECONCILIATION,
        Status.HANDED_OVER,
        DECIDE_ROLES,
        ("intake", "triage", "handover"),
    ),
    Transition(
        Status.NEEDS_RECONCILIATION, Status.CLOSED, DECIDE_ROLES, ("intake", "triage", "handover")
    ),
)
BY_PAIR = {(t.source, t.target): t for t in TRANSITIONS}


def status_of(value: str) -> Status | None:
    try:
        return Status(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class StepRule:
    """The role-and-status answer for one status change; truthy when allowed.

    ``problem`` (when refused): ``unknown_status``, ``only_sync`` (only sync sets
    needs_reconciliation), ``no_such_step`` or ``role_not_allowed``."""

    allowed: bool
    problem: str | None = None
    transition: Transition | None = None

    def __bool__(self) -> bool:
        return self.allowed


def step_rule(current: str, target: str, role: str) -> StepRule:
    """May ``role`` move a case from ``current`` to ``target`` (answers not considered)?"""
    source, goal = status_of(current), status_of(target)
    if source is None or goal is None:
        return StepRule(False, "unknown_status")
    if goal is Status.NEEDS_RECONCILIATION:
        if role == SYNC_ACTOR and source is not Status.NEEDS_RECONCILIATION:
            return StepRule(True)
        return StepRule(False, "only_sync")
    transition = BY_PAIR.get((source, goal))
    if transition is None:
        return StepRule(False, "no_such_step")
    if role not in transition.roles:
        return StepRule(False, "role_not_allowed", transition)
    return StepRule(True, None, transition)


def next_statuses(current: str, role: str) -> list[Status]:
    """Statuses this role could move a case to from ``current`` (answers not considered)."""
    source = status_of(current)
    return [t.target for t in TRANSITIONS if t.source is source and role in t.roles]


def is_decision_field(field_id: str) -> bool:
    """A field of the triage decision (final once decided); follow-up fields are not."""
    return field_id.startswith(DECISION_PREFIX) and field_id not in FOLLOW_UP_FIELDS


def is_decided(status: str, answers: Mapping[str, Any]) -> bool:
    """True when the triage decision of a case with this status and answers is final."""
    return status in DECIDED_STATUSES or "triage.decided_at" in answers


def may_amend(role: str) -> bool:
    """'Afspraak is afspraak': only a triagist amends a decided triage."""
    return role in AMEND_ROLES


def may_decide(role: str) -> bool:
    return role in DECIDE_ROLES


@dataclass(frozen=True)
class Snapshot:
    """What the rules need of one version: its status and answers."""

    status: str
    answers: Mapping[str, Any]


@dataclass(frozen=True)
class Violation:
    """Why a new version breaks the workflow: the field it is about and a message."""

    field: str
    code: str
    message: str


def check_version(
    role: str,
    user_id: str,
    base: Snapshot | None,
    new: Snapshot,
    *,
    reason: str | None,
    resolved: Sequence[Snapshot] = (),
) -> Violation | None:
    """Whether ``role`` may write version ``new`` on ``base`` (None: a case's first
    version). ``resolved`` are the other heads a reconciliation resolves: a value (status
    or decision field) taken over from one of them is not a change by this role.

    Checks the status step (a version with status ``needs_reconciliation``, as a desk
    writes while a case waits to be resolved, counts as no step), the decision fields
    (set by a decider; once decided changed only by a triagist with a reason) and that
    a recorded decider (``triage.decided_by_id``) newly written is the author."""
    before = base or Snapshot(Status.DRAFT, {})
    taken_over = [before, *resolved]
    source = Status.NEEDS_RECONCILIATION.value if resolved else before.status
    target = new.status
    status_changed = target != Status.NEEDS_RECONCILIATION and all(
        target != s.status for s in taken_over
    )
    if status_changed:
        rule = step_rule(source, target, role)
        if not rule:
            return Violation(
                "status",
                rule.problem or "role_not_allowed",
                f"The role {role!r} may not move a case from {source!r} to {target!r}.",
            )
    changed = sorted(
        key
        for key in set(new.answers) | set(before.answers)
        if is_decision_field(key)
        and all(new.answers.get(key) != s.answers.get(key) for s in taken_over)
    )
    if not changed:
        return None
    field = f"answers.{changed[0]}"
    decider = new.answers.get("triage.decided_by_id")
    if "triage.decided_by_id" in changed and decider is not None and decider != user_id:
        return Violation(
            "answers.triage.decided_by_id",
            "identity_mismatch",
            "The triage decision names another user as the one who decided.",
        )
    if any(is_decided(s.status, s.answers) for s in taken_over):
        if not may_amend(role):
            return Violation(
                field, "decision_final", "A decided triage is amended by a triagist only."
            )
        if not (reason or "").strip():
            return Violation("reason", "reason_required", "An amended triage needs a reason.")
        return None
    if not may_decide(role):
        return Violation(
            field, "role_not_allowed", f"The role {role!r} may not set the triage decision."
        )
    return None

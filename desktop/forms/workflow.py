"""Case statuses: which status may follow which, for which role, with which answers.

``draft → ready_for_triage → triaged → handed_over → closed``; ``needs_reconciliation``
is set only by the sync engine (two offline edits of the same version met) and left by
a person who resolves it. A refused transition comes with Dutch reasons (through
``desktop.i18n._``) that the UI shows as they are. Status names come from the form
definition (``statuses:``), so a region can reword them.

Recording who, when and from which device changed the status is the store's job; this
module only decides whether the change is allowed. The role, status and decision-field
rules themselves are ``doorloop_protocol.workflow`` (the central API enforces the same
ones on every pushed version); this module adds the form's requirements and the texts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from desktop.forms.engine import evaluate
from desktop.forms.model import FormDefinition
from desktop.i18n import _, pick
from doorloop_protocol.workflow import (
    ROLES,
    SYNC_ACTOR,
    TRANSITIONS,
    Status,
    Transition,
    may_amend,
    next_statuses,
    status_of,
    step_rule,
)

__all__ = [
    "ROLES",
    "SYNC_ACTOR",
    "TRANSITIONS",
    "Status",
    "Transition",
    "TransitionCheck",
    "TransitionError",
    "check_transition",
    "check_triage_amendment",
    "next_statuses",
    "role_label",
    "transition",
]


@dataclass(frozen=True)
class TransitionCheck:
    """The answer to 'may this role make this change now?'; truthy when allowed."""

    allowed: bool
    reasons: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.allowed


class TransitionError(Exception):
    """A refused status change; ``reasons`` are Dutch (or English) texts for the user."""

    def __init__(self, reasons: tuple[str, ...]) -> None:
        self.reasons = reasons
        super().__init__(" ".join(reasons))


def role_label(role: str) -> str:
    labels = {
        "desk": _("medewerker bureaudienst"),
        "triagist": _("triagist"),
        "outreach": _("outreachmedewerker"),
        "trainer": _("trainer"),
        "coordinator": _("spelverdeler"),
        "receiver": _("ontvangende partij"),
        SYNC_ACTOR: _("synchronisatie"),
    }
    return labels.get(role, role)


def _status_name(form: FormDefinition, status: Status) -> str:
    return form.status_label(status.value)


def check_transition(
    form: FormDefinition,
    answers: Mapping[str, Any],
    current: str,
    target: str,
    role: str,
    *,
    now: datetime | None = None,
) -> TransitionCheck:
    """Whether ``role`` may move a case with ``answers`` from ``current`` to ``target``."""
    rule = step_rule(current, target, role)
    source, goal = status_of(current), status_of(target)
    if rule.problem == "unknown_status" or source is None or goal is None:
        unknown = current if source is None else target
        return TransitionCheck(False, (_("Onbekende status: {status}.").format(status=unknown),))
    if goal is Status.NEEDS_RECONCILIATION:
        if rule:
            return TransitionCheck(True)
        return TransitionCheck(
            False,
            (_("Alleen de synchronisatie zet een zaak op '{status}'.").format(
                status=_status_name(form, goal)
            ),),
        )  # fmt: skip
    transition = rule.transition
    if transition is None:
        return TransitionCheck(
            False,
            (_("Een zaak met status '{source}' kan niet naar '{target}'.").format(
                source=_status_name(form, source), target=_status_name(form, goal)
            ),),
        )  # fmt: skip
    reasons: list[str] = []
    if rule.problem == "role_not_allowed":
        allowed = ", ".join(role_label(r) for r in ROLES if r in transition.roles)
        reasons.append(
            _("Als {role} mag u een zaak niet op '{status}' zetten; dat mag: {allowed}.").format(
                role=role_label(role), status=_status_name(form, goal), allowed=allowed
            )
        )
    missing: list[str] = []
    if transition.stages:
        state = evaluate(form, answers, now=now or datetime.now().astimezone())
        for section in form.sections:
            if section.stage in transition.stages:
                missing.extend(state.sections[section.id].missing)
    if missing:
        labels = ", ".join(pick(form.field(fid).label) for fid in missing)
        reasons.append(_("Nog niet (goed) ingevuld: {fields}.").format(fields=labels))
    return TransitionCheck(not reasons, tuple(reasons), tuple(missing))


def transition(
    form: FormDefinition,
    answers: Mapping[str, Any],
    current: str,
    target: str,
    role: str,
    *,
    now: datetime | None = None,
) -> Status:
    """The new status, or :class:`TransitionError` with the reasons it is refused."""
    check = check_transition(form, answers, current, target, role, now=now)
    if not check:
        raise TransitionError(check.reasons)
    return Status(target)


def check_triage_amendment(role: str, reason: str | None) -> TransitionCheck:
    """'Afspraak is afspraak': only a triagist amends a decided triage, and gives a reason."""
    reasons: list[str] = []
    if not may_amend(role):
        reasons.append(_("Alleen een triagist kan een triagebesluit wijzigen."))
    if reason is None or not reason.strip():
        reasons.append(_("Geef een reden voor het wijzigen van het triagebesluit."))
    return TransitionCheck(not reasons, tuple(reasons))

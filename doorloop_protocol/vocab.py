"""The case vocabulary shared by desk and central API: statuses and roles, defined once.

Pydantic-free and I/O-free (the desk's start imports it on the way to the first window).
``desktop.store.records``, ``desktop.forms.model``, ``desktop.reports``,
``doorloop_protocol.models`` and ``doorloop_protocol.workflow`` import these names; the
decision fields live with the workflow rules (``doorloop_protocol.workflow``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, get_args

CaseStatus = Literal[
    "draft",
    "ready_for_triage",
    "triaged",
    "handed_over",
    "closed",
    "needs_reconciliation",
]
CASE_STATUSES: tuple[CaseStatus, ...] = get_args(CaseStatus)


class Status(StrEnum):
    """The statuses by name (``Status.CLOSED``); the values are :data:`CASE_STATUSES`."""

    DRAFT = "draft"
    READY_FOR_TRIAGE = "ready_for_triage"
    TRIAGED = "triaged"
    HANDED_OVER = "handed_over"
    CLOSED = "closed"
    NEEDS_RECONCILIATION = "needs_reconciliation"


if tuple(Status) != CASE_STATUSES:  # pragma: no cover - held by tests/unit/test_vocab.py
    raise RuntimeError("doorloop_protocol.vocab: Status and CaseStatus disagree")

Role = Literal["desk", "triagist", "outreach", "trainer", "coordinator", "receiver"]
"""``receiver``: a user of a receiving party, bound to one organisation of the directory
(answers that organisation's referrals only; domain/coordination.md §1)."""
ROLES: tuple[Role, ...] = get_args(Role)

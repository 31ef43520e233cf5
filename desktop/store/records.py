"""Plain records the store reads on the way to the first window: profile, actor, list row.

They are frozen dataclasses, not pydantic models: the store builds them from its own
rows (already typed by the schema) or from checked arguments, so there is nothing to
validate, and starting the app then does not import pydantic (about 0.1 s and several
MiB). The pydantic models of case content live in :mod:`desktop.store.models`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from doorloop_protocol.vocab import ROLES, CaseStatus, Role

__all__ = [
    "ROLES",
    "Actor",
    "CaseStatus",
    "CaseSummary",
    "CaseSyncState",
    "CaseView",
    "Profile",
    "Role",
]

CaseSyncState = Literal["local", "pending", "synced", "conflict"]
"""Where a case stands with the central API (the case list's sync column); not to be
confused with :class:`desktop.store.sync_state.SyncState`, the sync engine's bookkeeping."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    """A user's local profile: who works on this device (several may, each with their own
    passphrase; see :mod:`desktop.store.keyslots`)."""

    user_id: str
    display_name: str
    role: Role
    region: str = "demo"
    device_id: str
    created_at: datetime
    idle_lock_minutes: int = 5
    language: Literal["nl", "en"] = "nl"
    local_id: str = ""
    """The id of the user's key slot on this device (never changes; ``user_id`` becomes
    the central user's id at the first login)."""
    added_by: str | None = None
    """``local_id`` of who added this user; None for the first user of the device."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """Who does something, and on whose behalf (NEN 7513)."""

    user_id: str
    display_name: str
    role: Role
    device_id: str
    on_behalf_of: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseSummary:
    """One row of the case list."""

    id: str
    received_at: str | None
    youth_name: str | None
    birth_date: str | None
    age_estimate: float | None
    urgency: str | None
    status: CaseStatus
    deadline: str | None
    sync_state: CaseSyncState
    updated_at: str


@dataclass(frozen=True)
class CaseView:
    """Which cases a person sees in the list without a reason (issue 21; the rule is
    ``doorloop_protocol.privacy.may_see``): open cases changed since `since`, the cases
    they wrote a version of, those they opened by break-the-glass since `grants_since`;
    a coordinator (`wide`) also every open case; `nothing` for a trainer. Timestamps
    are UTC ISO texts, as the store keeps them."""

    user_id: str
    since: str
    grants_since: str
    wide: bool = False
    nothing: bool = False

    def sql(self) -> tuple[str, list[Any]]:
        """A condition on `cases` and its parameters."""
        if self.nothing:
            return "n < 0", []  # nothing (a constant 0 defeats INDEXED BY)
        ordinary = (
            "(status != 'closed' OR updated_at >= ?)"
            if self.wide
            else "(status != 'closed' AND updated_at >= ?)"
        )
        return (
            # correlated EXISTS, answered by index per row: the list stops after a page,
            # so only the rows shown are probed (an IN list would collect every own case)
            f"{ordinary} OR EXISTS (SELECT 1 FROM case_versions v "
            "WHERE v.created_by = ? AND v.case_id = cases.id) "
            "OR EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'break_glass' "
            "AND a.user_id = ? AND a.case_id = cases.id AND a.at_utc >= ? "
            "AND a.outcome = 'success')",
            [self.since, self.user_id, self.user_id, self.grants_since],
        )

"""Who may see which case, the break-the-glass reasons and the retention defaults.

One rule for the desk (`desktop.session`) and the central API (`central_api.privacy`),
so both answer "may this user see this case?" alike (issue 21, NEN 7510 need-to-know):

- a user sees the *open* cases of their region changed within the region's window, and
  every case they worked on (pushed a version of) or opened by break-the-glass;
- a coordinator sees every open case of the region, whatever its age, and the closed
  cases changed within the window;
- a trainer never sees a production case.

Any other case opens only with a reason (:data:`BREAK_GLASS_REASONS`, plus free text),
at once, and the opening is audited as ``break_glass``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

CLOSED = "closed"

BREAK_GLASS_REASONS = ("continuity", "emergency", "rights_request", "quality", "other")
"""The short list of reasons for break-the-glass access (their texts live in the UI)."""

WIDE_ROLES = frozenset({"coordinator"})
"""Roles that see every open case of the region, whatever its age."""

NO_CASE_ROLES = frozenset({"trainer"})
"""Roles that never see a production case (not even by break-the-glass)."""

DEFAULT_WINDOW_DAYS = 30
"""Open cases changed longer ago than this drop out of the ordinary view."""

GRANT_HOURS = 24
"""How long a break-the-glass opening keeps the case in the user's view."""

DEFAULT_RETENTION_PRODUCTION_DAYS = 20 * 365 + 5
"""WGBO 7:454: a file is kept 20 years after closing (five leap days included)."""

DEFAULT_RETENTION_TRAINING_DAYS = 30
DEFAULT_KEEP_CLOSED_DAYS = 14
"""A desk keeps a closed case locally this long, then drops it after a successful sync."""

DEFAULT_KEEP_CLOSED_DAYS_OUTREACH = 2
"""Outreach laptops travel: they keep closed cases only briefly."""

MAX_NOTE_LENGTH = 500


@dataclass(frozen=True)
class RegionPrivacy:
    """A region's privacy settings (central table ``region_privacy``; defaults above)."""

    window_days: int = DEFAULT_WINDOW_DAYS
    retention_production_days: int = DEFAULT_RETENTION_PRODUCTION_DAYS
    retention_training_days: int = DEFAULT_RETENTION_TRAINING_DAYS
    keep_closed_days: int = DEFAULT_KEEP_CLOSED_DAYS
    keep_closed_days_outreach: int = DEFAULT_KEEP_CLOSED_DAYS_OUTREACH

    def keep_closed_for(self, role: str) -> int:
        return self.keep_closed_days_outreach if role == "outreach" else self.keep_closed_days


def may_see(
    *,
    role: str,
    status: str,
    updated_at: datetime,
    now: datetime,
    window_days: int,
    worked_on: bool,
    granted: bool,
) -> bool:
    """Whether a user of the case's region sees the case without giving a reason."""
    if role in NO_CASE_ROLES:
        return False
    if worked_on or granted:
        return True
    recent = updated_at >= now - timedelta(days=window_days)
    if role in WIDE_ROLES:
        return status != CLOSED or recent
    return status != CLOSED and recent


def reason_problem(reason: str | None, note: str | None) -> str | None:
    """Why a break-the-glass reason is not acceptable (the field: ``reason`` or ``note``),
    or None. The reason must come from the list and be explained in a short note."""
    if not reason or reason not in BREAK_GLASS_REASONS:
        return "reason"
    text = (note or "").strip()
    if not text or len(text) > MAX_NOTE_LENGTH:
        return "note"
    return None

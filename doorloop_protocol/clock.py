"""The working-day clock shared by the case's response deadline and the referral timers.

Pydantic-free and I/O-free: ``desktop.forms.engine`` (the response deadline) and
``coordination.referrals`` (the *acknowledge by* timer) both count working days here,
so a region's deadlines and referral timers agree to the minute.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo


def add_working_days(start: datetime, days: int, zone: tzinfo) -> datetime:
    """``start`` + ``days`` working days (Saturday and Sunday skipped), same wall-clock
    time in ``zone`` (so across a DST change the elapsed hours are 23 or 25)."""
    local = start.astimezone(zone)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            remaining -= 1
    wall = datetime.combine(day, local.time().replace(tzinfo=None))
    return wall.replace(tzinfo=zone).astimezone(zone)


def add_target(
    start: datetime, zone: tzinfo, *, minutes: int | None = None, working_days: int | None = None
) -> datetime | None:
    """``start`` + a target of elapsed minutes or of working days; None without a target.

    Minutes are elapsed time (a DST change does not move them); working days keep the
    wall-clock time (see :func:`add_working_days`)."""
    if minutes is not None:  # in UTC: an aware datetime's own arithmetic is wall-clock
        return (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo)
    if working_days is not None:
        return add_working_days(start, working_days, zone)
    return None

"""Moments as the desk reads them: the one place a stored time becomes text.

Everything Doorloop stores is an aware moment (UTC from the server, the device's offset
from this desk, ``Z`` from imports). Everything it shows or prints is the desk's local
time: the form's time zone (``Europe/Amsterdam``), or the device's zone when a form
names none or names one this machine does not know. A moment without an offset is
taken as already local. Qt-free: the case list, the status bar, dialogs, the PDF
reports and the training debrief all format through :func:`format_moment`.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Europe/Amsterdam"
"""The zone of the regional crisis lines; forms name it as their ``timezone``."""

Style = Literal["datetime", "date", "time", "seconds", "short", "auto", "auto_seconds"]
"""``datetime`` 23-11-2026 03:12 · ``date`` 23-11-2026 · ``time`` 03:12 ·
``seconds`` 03:12:09 · ``short`` 23-11 03:12 · ``auto`` the time today, else date and
time · ``auto_seconds`` the same with seconds."""


def desk_zone(name: str | None = DEFAULT_ZONE) -> tzinfo:
    """The zone times are shown in: ``name`` (a form's ``timezone``), else the device's."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    device = datetime.now().astimezone().tzinfo
    assert device is not None
    return device


def parse_moment(value: str) -> datetime:
    """An ISO 8601 moment as stored (``Z`` allowed); ValueError when it is not one."""
    return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))


def to_local(moment: datetime, zone: tzinfo | None = None) -> datetime:
    """``moment`` in the desk's local time; a moment without an offset is kept as it is."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(zone or desk_zone())


def format_date(value: date) -> str:
    """A date the Dutch way: ``23-11-2026`` (a datetime gives its local date)."""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return value.strftime("%d-%m-%Y")


def format_moment(
    moment: datetime | str,
    zone: tzinfo | None = None,
    *,
    style: Style = "datetime",
    now: datetime | None = None,
) -> str:
    """The one formatter: ``moment`` in local time (``zone``, default the desk's zone).

    A string is parsed as ISO 8601; a string that is not a moment comes back unchanged
    (a value a person typed is never hidden). ``now`` decides "today" for the ``auto``
    styles (default: the current time).
    """
    if isinstance(moment, str):
        try:
            parsed = parse_moment(moment)
        except ValueError:
            return moment
        moment = parsed
    local = to_local(moment, zone)
    clock = "%H:%M:%S" if style in ("seconds", "auto_seconds") else "%H:%M"
    if style in ("auto", "auto_seconds"):
        today = to_local(now or datetime.now().astimezone(), zone).date()
        return local.strftime(clock if local.date() == today else f"%d-%m-%Y {clock}")
    pattern = {
        "datetime": "%d-%m-%Y %H:%M",
        "date": "%d-%m-%Y",
        "time": "%H:%M",
        "seconds": "%H:%M:%S",
        "short": "%d-%m %H:%M",
    }[style]
    return local.strftime(pattern)


def format_datetime(moment: datetime | str, zone: tzinfo | None = None) -> str:
    """``23-11-2026 03:12`` in local time (the form of most lists and reports)."""
    return format_moment(moment, zone, style="datetime")

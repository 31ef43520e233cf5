"""Every time shown or printed is the desk's local time (Europe/Amsterdam), through one
formatter; checked in winter (UTC+1) and across both DST changes of 2026."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop import timefmt
from desktop.reports.pdf import printed_line
from desktop.sync.events import SyncStatus


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_winter_is_utc_plus_one() -> None:
    # the case: 07:40 UTC is 08:40 at the desk
    assert timefmt.format_datetime(utc(2026, 11, 23, 7, 40)) == "23-11-2026 08:40"
    assert timefmt.format_moment("2026-11-23T07:40:00Z", style="time") == "08:40"
    assert timefmt.format_moment("2026-11-23T07:40:00+00:00", style="short") == "23-11 08:40"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # spring forward: 29-03-2026 02:00 CET becomes 03:00 CEST (01:00 UTC)
        (utc(2026, 3, 29, 0, 59), "29-03-2026 01:59"),
        (utc(2026, 3, 29, 1, 0), "29-03-2026 03:00"),
        # fall back: 25-10-2026 03:00 CEST becomes 02:00 CET (01:00 UTC)
        (utc(2026, 10, 25, 0, 59), "25-10-2026 02:59"),
        (utc(2026, 10, 25, 1, 0), "25-10-2026 02:00"),
        # summer is UTC+2
        (utc(2026, 7, 1, 22, 30), "02-07-2026 00:30"),
    ],
)
def test_dst_boundaries(moment: datetime, expected: str) -> None:
    assert timefmt.format_datetime(moment) == expected


def test_a_moment_with_another_offset_and_a_date_change() -> None:
    new_york = timezone(timedelta(hours=-5))
    # 23:30 in New York on the 22nd is 05:30 on the 23rd in Amsterdam
    assert timefmt.format_datetime(datetime(2026, 11, 22, 23, 30, tzinfo=new_york)) == (
        "23-11-2026 05:30"
    )


def test_today_shows_the_time_only_and_today_is_the_local_day() -> None:
    # 23:30 UTC on the 23rd is already the 24th at the desk
    now = utc(2026, 11, 23, 23, 30)
    assert timefmt.format_moment(utc(2026, 11, 23, 23, 10), style="auto", now=now) == "00:10"
    assert (
        timefmt.format_moment(utc(2026, 11, 23, 22, 50), style="auto_seconds", now=now)
        == "23-11-2026 23:50:00"
    )


def test_text_that_is_not_a_moment_is_shown_as_typed() -> None:
    assert timefmt.format_moment("gisteravond laat") == "gisteravond laat"


def test_an_unknown_zone_name_falls_back_to_the_device_zone() -> None:
    zone = timefmt.desk_zone("Mars/Olympus")
    assert zone.utcoffset(datetime.now()) == datetime.now().astimezone().utcoffset()


def test_status_bar_last_sync_is_local() -> None:
    status = SyncStatus(
        online=True,
        last_success=utc(2026, 11, 23, 7, 40),
        unsynced=0,
        quarantined=0,
        needs_reconciliation=0,
        logged_in=True,
        needs_login=False,
    )
    assert "23-11 08:40" in status.text()


def test_report_footer_is_local_without_a_zone() -> None:
    # the training debrief passes no zone: the footer still says local time
    line = printed_line("Anna", utc(2026, 11, 23, 7, 40), "Afgedrukt door {name} op {moment}")
    assert line == "Afgedrukt door Anna op 23-11-2026 08:40"


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))
def test_local_text_round_trips_to_the_same_instant(naive: datetime) -> None:
    moment = naive.replace(tzinfo=UTC, second=0, microsecond=0)
    text = timefmt.format_datetime(moment)
    local = datetime.strptime(text, "%d-%m-%Y %H:%M").replace(tzinfo=timefmt.desk_zone())
    offset = timefmt.to_local(moment).utcoffset()
    # the printed wall time, at the offset that applied, is the stored instant
    assert local.replace(tzinfo=timezone(offset)) == moment  # type: ignore[arg-type]

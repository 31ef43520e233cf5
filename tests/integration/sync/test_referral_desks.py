"""Two desk windows through the real central API (PostgreSQL, SQLite): a referral whose
timers passed on one desk shows on another desk of the region within one sync, in
*Verlopen afspraken* with the visible and audible alert (pytest-qt, offscreen)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.session import DeskSession
from desktop.ui.main_window import MainWindow
from tests.integration.sync.conftest import Central, fresh_region
from tests.integration.sync.test_referrals import AMS, Clock, ok, sender_desk, triaged

pytestmark = pytest.mark.parametrize(
    "database_url", ["postgresql", "sqlite"], indirect=True, scope="module"
)


def test_a_breach_shows_on_the_other_desk_within_one_sync(
    qtbot: QtBot, central: Central, tmp_path: Path
) -> None:
    region = fresh_region(central)
    then = datetime.now(AMS).replace(microsecond=0) - timedelta(hours=2)
    clock = Clock(then)  # the referral was made two hours ago on a desk that was offline
    # (U1: both timers, 15 minutes and the 1-hour response deadline, are well past now)
    a, engine_a = sender_desk(central, region, tmp_path / "a", clock)
    b, engine_b = sender_desk(central, region, tmp_path / "b", clock)
    case_id = triaged(a, engine_a, then, "U1")
    rid = a.referrals.refer(case_id, name="Crisisdienst Oost", phone="0501234567").referral.id
    clock.now = datetime.now(AMS)
    ok(engine_a)  # desk A comes online: its referral reaches the region

    other = DeskSession(b.store, b.profile, clock=clock)
    window = MainWindow(other)
    beeps: list[int] = []
    window.alerts.beep = lambda: beeps.append(1)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.painted)  # alerts are checked once it is on screen
    window.refresh_status()
    assert beeps == [] and not window.alert_banner.isVisible()

    ok(engine_b)  # one sync
    window.refresh_status()
    assert beeps == [1]
    assert window.alert_banner.isVisible()
    assert "2 verlopen afspraken" in window.alert_banner.text()
    page = window.open_overdue()
    assert page.table.rowCount() == 2
    assert {page.table.item(row, 4).text() for row in range(2)} == {"Crisisdienst Oost"}
    assert [(x.referral_id, x.timer) for x in other.referrals.overdue()] == [
        (rid, "acknowledge"),
        (rid, "first_contact"),
    ]
    view = other.referrals.get(rid)
    assert view is not None and set(view.referral.breaches) == {"acknowledge", "first_contact"}
    window.close()

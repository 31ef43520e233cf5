"""The coordinator dashboard against the real central API over HTTP (PostgreSQL, SQLite):
signed in, it shows the server's figures for the whole region (also cases other desks
sent and this desk has not pulled), and says so; signed out, this desk's own figures."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.session.desk import DeskSession
from desktop.store import open_store
from desktop.sync import HttpTransport, SyncEngine
from desktop.ui.dashboard import DashboardPanel
from tests.helpers.indicator_cases import AMS, seed_month
from tests.integration.sync.conftest import (
    PASSPHRASE,
    Central,
    add_user,
    fresh_region,
    new_device,
)

pytestmark = pytest.mark.parametrize(
    "database_url", ["postgresql", "sqlite"], indirect=True, scope="module"
)
TODAY = date(2026, 11, 30)


def desk_as(
    central: Central, data_dir: Path, region: str, role: str
) -> tuple[DeskSession, SyncEngine]:
    """A desk whose profile and server user have ``role``, signed in."""
    store = open_store(data_dir, PASSPHRASE)
    store.create_profile(f"{role.title()} {data_dir.name}", role, region=region)
    store.close()
    username = add_user(central, role=role, region=region)
    store, engine = new_device(data_dir, central.url, username, region=region)
    profile = store.profile()
    assert profile is not None and profile.role == role
    return DeskSession(store, profile), engine


def test_the_dashboard_shows_the_servers_figures_for_the_region(
    qtbot: QtBot, central: Central, tmp_path: Path
) -> None:
    region = fresh_region(central)
    session, engine = desk_as(central, tmp_path / "coord", region, "coordinator")
    first = datetime(2026, 11, 3, 9, 0, tzinfo=AMS)
    mine = seed_month(
        session.store, session, 12, first, decider=session.profile, between=engine.sync
    )
    report = engine.sync()
    assert report.outcome == "ok" and report.quarantined == 0
    # another desk of the region (a second coordinator) sends cases this desk never pulls
    other, other_engine = desk_as(central, tmp_path / "other", region, "coordinator")
    later = datetime(2026, 11, 10, 22, 0, tzinfo=AMS)
    theirs = seed_month(
        other.store, other, 9, later, decider=other.profile, between=other_engine.sync
    )
    report = other_engine.sync()
    assert report.outcome == "ok" and report.quarantined == 0

    panel = DashboardPanel(session, today=TODAY, use_keyring=False)
    qtbot.addWidget(panel)
    assert panel.loading, "the server is asked off the UI thread"
    assert panel.source_label.text() == "Cijfers ophalen bij de centrale server…"
    qtbot.waitUntil(lambda: not panel.loading, timeout=30_000)
    board = panel.dashboard
    assert board is not None and board.source == "central"
    assert "Bron: centrale server (hele regio)" in panel.source_label.text()
    assert not panel.notice.isVisible() and board.notice == ""
    assert board.region == region

    # the figures are the server's: ask it directly with the same token
    token = engine.credentials.token(central.url, engine.device_id or "")
    transport = HttpTransport(central.url, token)
    try:
        server = transport.indicators("2026-11-01", "2026-12-01")
    finally:
        transport.close()
    total = server["indicators"]["cases_total"]["value"]
    assert total == mine.total + theirs.total
    other_rows = {r[0]: r for r in board.tables[0].rows}
    assert other_rows["Aantal meldingen"][1] == str(total)
    urgency = server["indicators"]["cases_by_urgency"]["value"]
    mix = board.chart("urgency_mix")
    assert [p.value for p in mix.series[0].points] == [float(urgency[u]) for u in mix.categories]
    assert [p.value for p in mix.series[0].points] == [
        float(mine.by_urgency[u] + theirs.by_urgency[u]) for u in mix.categories
    ]
    week_rows = [[cell for cell in row] for row in board.chart("cases_per_week").table.rows]
    for column, u in enumerate(("U1", "U2", "U3", "U4", "U5"), start=1):
        assert sum(int(r[column]) for r in week_rows) == urgency[u]
    ttd = server["indicators"]["time_to_decision"]
    assert other_rows["Tijd tot triagebeslissing"][2] == str(ttd["n"])

    # published: the server's small-number rules, asked with ?public=true
    panel.public.setChecked(True)
    panel.refresh()
    qtbot.waitUntil(lambda: not panel.loading, timeout=30_000)
    assert panel.dashboard is not None and panel.dashboard.public
    assert panel.dashboard.source == "central"

    # the server does not answer (stopped): this desk's own figures, and why
    central.stop()
    try:
        panel.refresh()
        qtbot.waitUntil(lambda: not panel.loading, timeout=30_000)
        down = panel.dashboard
        assert down is not None and down.source == "local"
        assert panel.notice.text().startswith("De centrale server gaf geen cijfers (")
    finally:
        central.start()

    # signed out: this desk's own cases, said in the notice
    assert engine.logout() is True
    panel.public.setChecked(False)
    panel.refresh()
    assert not panel.loading, "signed out, nothing is asked of the server"
    after = panel.dashboard
    assert after is not None and after.source == "local"
    assert "Niet aangemeld bij de centrale server" in panel.notice.text()
    local_rows = {r[0]: r for r in after.tables[0].rows}
    assert local_rows["Aantal meldingen"][1] == str(mine.total)

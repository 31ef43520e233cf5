"""The directory reaches the desks through the ordinary pull (real server, PostgreSQL and
SQLite): the desk keeps it with its *stand van* time and matches offline; a provider's
update is on the desk after one sync; a receiver desk updates its own unit's places."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from coordination.directory import load_directory
from coordination.matching import match_case
from desktop.sync.errors import RequestRejected
from tests.integration.sync.conftest import (
    PASSWORD,
    Central,
    add_user,
    fresh_region,
    new_device,
)

pytestmark = pytest.mark.parametrize(
    "database_url", ["postgresql", "sqlite"], indirect=True, scope="module"
)

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "coordination" / "examples" / "directory-demo.json"
CASE = ROOT / "coordination" / "examples" / "case-15-suicide-plan.json"


def test_the_directory_is_pulled_kept_and_updated_within_one_sync(
    central: Central, tmp_path: Path
) -> None:
    region = fresh_region(central)
    storage = central.storage()
    try:
        storage.import_directory(region, load_directory(json.loads(DEMO.read_text("utf-8"))))
        storage.add_user(
            "prov-" + region, PASSWORD, role="receiver", region=region,
            organization_id="org-kompas",
        )  # fmt: skip
    finally:
        storage.close()
    username = add_user(central, region=region)
    store, engine = new_device(tmp_path / "desk", central.url, username, region=region)
    assert engine.directory() is None  # nothing pulled yet
    before = datetime.now(UTC)
    assert engine.sync().outcome == "ok"
    kept = engine.directory()
    assert kept is not None and kept.as_of is not None and kept.as_of >= before
    assert len(kept.directory.units) == 12
    # offline: matching runs on the kept copy
    at = datetime.fromisoformat("2026-12-03T10:00:00+01:00")
    result = match_case(json.loads(CASE.read_text("utf-8")), kept.directory, at)
    assert result.placement_needed and result.matches
    # a provider updates a unit from its desk (same API as the web page)
    provider_store, provider = new_device(
        tmp_path / "provider", central.url, "prov-" + region, region=region
    )
    answer = provider.update_capacity("u-kompas-gesloten", 7)
    assert answer.unit["capacity"]["available"] == 7
    with pytest.raises(RequestRejected) as refused:
        provider.update_capacity("u-kompas-gesloten", 11)
    assert refused.value.detail is not None and refused.value.detail.field == "available"
    with pytest.raises(RequestRejected) as other:
        provider.update_capacity("u-noordkust-crisisbedden", 1)
    assert other.value.status == 404
    # the desk sees it after one sync
    assert engine.sync().outcome == "ok"
    kept = engine.directory()
    assert kept is not None
    assert kept.directory.unit("u-kompas-gesloten").capacity.available == 7
    # a hold from the desk counts once and is on the desk at once
    case_id = "6f1c3f2e-4a57-4d1b-9a59-8d0f1a2b3c4d"
    engine.place_hold("u-zuidland-iht", case_id, datetime.now(UTC) + timedelta(hours=1))
    kept = engine.directory()
    assert kept is not None
    assert [h.case_id for h in kept.directory.unit("u-zuidland-iht").capacity.holds] == [case_id]
    assert engine.sync().outcome == "ok"
    kept = engine.directory()
    assert kept is not None
    assert len(kept.directory.unit("u-zuidland-iht").capacity.holds) == 1
    del store, provider_store

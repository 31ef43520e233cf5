"""A desk survives a bad pull page (issue 13): whatever the server sends, each change is
read on its own, what cannot be read is set aside visibly, and the cursor moves on.

The poison changes are written straight into the server's change log, as a version
stored before today's limits would be (or as a faulty server would send them): the
central API itself no longer accepts them.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from central_api import db
from desktop.store import actor_for
from desktop.sync import ItemQuarantined, SyncEvent
from tests.integration.sync.conftest import (
    Central,
    add_user,
    fresh_region,
    new_device,
    server_versions,
)
from tests.integration.sync.helpers import local_version_hashes, local_versions, offline_work

pytestmark = pytest.mark.parametrize(
    "database_url", ["postgresql", "sqlite"], indirect=True, scope="module"
)


def version_text(region: str, answers_json: str) -> str:
    """A case version's JSON with ``answers_json`` spliced in as its answers."""
    stamp = "2026-11-23T03:12:00+01:00"
    item = {
        "version_id": str(uuid.uuid4()),
        "case_id": str(uuid.uuid4()),
        "form": {"id": "intake", "version": "1"},
        "status": "draft",
        "answers": "ANSWERS",
        "region": region,
        "created_at": stamp,
        "updated_at": stamp,
        "device_time": stamp,
        "created_by": "someone",
        "device_id": str(uuid.uuid4()),
    }
    return json.dumps(item).replace('"ANSWERS"', answers_json)


def poison(central: Central, region: str) -> list[str]:
    """Append unreadable changes to the region's change log; returns their object ids."""
    deep = '{"x": ' + '{"d": ' * 250 + "1" + "}" * 250 + "}"
    rows = [
        ("case_version", version_text(region, deep)),  # the poison pill of the issue
        ("case_version", version_text(region, '{"leeftijd": NaN}')),
        ("case_version", '{"version_id": "not a uuid"}'),
        ("provider", "[1, 2, 3]"),
        ("mystery", "{}"),
    ]
    ids = []
    storage = central.storage()
    try:
        with storage.engine.begin() as conn:
            region_id = storage.region_id(conn, region)
            seq = conn.execute(
                select(db.counters.c.value).where(db.counters.c.name == "seq").with_for_update()
            ).scalar_one()
            for kind, data in rows:
                seq += 1
                object_id = f"poison-{uuid.uuid4()}"
                ids.append(object_id)
                conn.execute(
                    insert(db.changes).values(
                        seq=seq,
                        object_key=f"poison:{object_id}",
                        object_id=object_id,
                        kind=kind,
                        # not "case": a pull sends case changes only of cases the user
                        # sees (issue 21), and these name no stored case; as reference
                        # rows they reach the desk, which reads each by its kind
                        scope="reference",
                        region_id=region_id,
                        data=data,
                        created_at=datetime.now(UTC),
                    )
                )
            conn.execute(update(db.counters).where(db.counters.c.name == "seq").values(value=seq))
    finally:
        storage.close()
    return ids


@pytest.mark.parametrize("pull_limit", [1000, 4])
def test_a_poison_change_in_the_middle_of_a_page_is_set_aside_and_the_desk_goes_on(
    central: Central, tmp_path: Path, pull_limit: int
) -> None:
    region = fresh_region(central)
    username = add_user(central, region=region)
    store_a, engine_a = new_device(tmp_path / "a", central.url, username, region=region)
    offline_work(store_a, 2, tag="voor")
    assert engine_a.sync().outcome == "ok"
    poisoned = poison(central, region)
    offline_work(store_a, 2, tag="na")
    assert engine_a.sync().outcome == "ok"

    store_b, engine_b = new_device(
        tmp_path / "b", central.url, username, region=region, pull_limit=pull_limit
    )
    events: list[SyncEvent] = []
    engine_b.subscribe(events.append)
    report = engine_b.sync()
    assert report.outcome == "ok", report
    assert report.skipped == len(poisoned)
    # every good version before and after the poison arrived
    assert local_versions(store_b) == set(local_version_hashes(store_a))
    # each poison change is named in a notice and kept in the list for the sync notices
    notices = [e for e in events if isinstance(e, ItemQuarantined) and e.reason == "unreadable"]
    assert sorted(n.item_id for n in notices) == sorted(poisoned)
    assert {n.kind for n in notices} == {
        "pulled_case_version",
        "pulled_provider",
        "pulled_mystery",
    }
    kept = engine_b.unreadable_changes()
    assert sorted(k["id"] for k in kept) == sorted(poisoned)
    assert all(k["problem"] for k in kept)
    # the cursor moved past them: the next run neither stops nor sees them again
    storage = central.storage()
    try:
        assert engine_b.state.pull_since() == storage.last_seq()
    finally:
        storage.close()
    again = engine_b.sync()
    assert again.outcome == "ok" and again.skipped == 0
    assert len(engine_b.unreadable_changes()) == len(poisoned)


def test_a_desk_with_one_nested_version_stores_the_others_and_quarantines_it(
    central: Central, tmp_path: Path
) -> None:
    """The issue's desk: five normal versions and one nested 250 deep stayed offline
    forever with none stored. Now the five are stored and the one is set aside."""
    region = fresh_region(central)
    username = add_user(central, region=region)
    store, engine = new_device(tmp_path / "a", central.url, username, region=region)
    actor = actor_for(store.profile())  # type: ignore[arg-type]
    good = [
        store.cases.create(actor, region=region, answers={"youth.first_name": f"Kind {n}"})
        for n in range(5)
    ]
    nested: object = "bodem"
    for _ in range(250):
        nested = {"d": nested}
    bad = store.cases.create(actor, region=region, answers={"situation.reason": nested})
    events: list[SyncEvent] = []
    engine.subscribe(events.append)
    report = engine.sync()
    assert report.outcome == "ok", report
    assert report.quarantined == 1
    held = server_versions(central)
    assert {case.version.id for case in good} <= set(held)
    assert bad.version.id not in held
    [notice] = [e for e in events if isinstance(e, ItemQuarantined)]
    assert notice.case_id == bad.id
    assert "nested deeper" in notice.message
    assert store.cases.get(bad.id).sync_state == "conflict"

"""Retention (issue 21, WGBO 7:454) on both databases: expired closed cases are purged with
tombstones for every desk, judged with a fake clock on both sides of the limit; the run is
idempotent, has a dry run, and an interrupted run leaves no half-deleted case."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from central_api import db
from central_api.__main__ import main
from central_api.storage import Storage
from central_api.storage.core import utc_now
from tests.integration.central_api.conftest import Api, version


def closed_case(api: Api, headers: dict[str, str], versions: int = 2) -> str:
    first = version()
    items = [first]
    for n in range(1, versions):
        items.append(
            version(case_id=first["case_id"], base=items[-1]["version_id"], answers={"n": n})
        )
    api.push(headers, items)
    with api.storage.engine.begin() as conn:  # closed, as the end of its workflow would
        conn.execute(
            update(db.cases).where(db.cases.c.id == first["case_id"]).values(status="closed")
        )
    return str(first["case_id"])


def stored(storage: Storage, case_id: str) -> tuple[int, int]:
    """(case rows, version rows) of a case."""
    with storage.engine.connect() as conn:
        cases = conn.execute(
            select(func.count()).select_from(db.cases).where(db.cases.c.id == case_id)
        ).scalar_one()
        versions = conn.execute(
            select(func.count()).select_from(db.versions).where(db.versions.c.case_id == case_id)
        ).scalar_one()
        conn.rollback()
    return int(cases), int(versions)


def at(storage: Storage, days: float) -> None:
    start = utc_now()
    storage.clock = lambda: start + timedelta(days=days)


def test_expired_cases_go_on_time_and_desks_get_tombstones(api: Api) -> None:
    anna = api.login("anna")
    bram = api.login("bram")
    old = closed_case(api, anna)
    still_open = version()
    api.push(anna, [still_open])
    api.storage.set_region_privacy("noord", retention_production_days=10)

    at(api.storage, 9.9)  # just inside the limit
    assert api.storage.retention_run(dry_run=True) == []
    at(api.storage, 10.1)  # just past it
    dry = api.storage.retention_run(dry_run=True)
    assert [(r["case_id"], r["versions"]) for r in dry] == [(old, None)]
    assert stored(api.storage, old) == (1, 2)  # a dry run removes nothing

    since = max(c["seq"] for c in api.pull_all(anna))
    report = api.storage.retention_run()
    assert [(r["case_id"], r["region"], r["versions"]) for r in report] == [(old, "noord", 2)]
    assert stored(api.storage, old) == (0, 0)
    assert stored(api.storage, str(still_open["case_id"])) == (1, 1)  # open: never purged
    for headers in (anna, bram):  # every desk of the region, whether it saw the case or not
        tombstones = [c for c in api.pull_all(headers, since=since) if c["kind"] == "tombstone"]
        assert {c["id"] for c in tombstones} >= {old}
    assert api.storage.retention_run() == []  # idempotent
    runs = api.storage.server_audit("retention.run")
    assert [(r["outcome"], r["detail"]["cases"]) for r in runs] == [
        ("dry_run", 0),
        ("dry_run", 1),
        ("ok", 1),
        ("ok", 0),
    ]
    purge = api.storage.server_audit("admin.case_purge")[-1]
    assert purge["detail"]["reason"] == "retention"


def test_an_interrupted_run_leaves_whole_cases_and_resumes(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    anna = api.login("anna")
    first, second = closed_case(api, anna), closed_case(api, anna, versions=3)
    api.storage.set_region_privacy("noord", retention_production_days=1)
    at(api.storage, 2)
    order = [r["case_id"] for r in api.storage.retention_run(dry_run=True)]
    assert sorted(order) == sorted([first, second])
    original = api.storage._audit
    purged: list[str] = []

    def failing(conn: Any, action: str, outcome: str, **detail: Any) -> int:
        if action == "admin.case_purge":
            if purged:  # the second purge dies at its very end (after the deletes)
                raise OSError("power cut")
            purged.append(detail["case_id"])
        return original(conn, action, outcome, **detail)

    monkeypatch.setattr(api.storage, "_audit", failing)
    with pytest.raises(OSError):
        api.storage.retention_run()
    monkeypatch.setattr(api.storage, "_audit", original)
    done, left = order
    assert stored(api.storage, done) == (0, 0)
    assert stored(api.storage, left) == (1, 3 if left == second else 2)  # whole, untouched
    report = api.storage.retention_run()
    assert [r["case_id"] for r in report] == [left]
    assert stored(api.storage, left) == (0, 0)


def test_the_cli_runs_with_the_default_20_years(
    api: Api, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    anna = api.login("anna")
    old, young = closed_case(api, anna), closed_case(api, anna)
    with api.storage.engine.begin() as conn:
        conn.execute(
            update(db.cases)
            .where(db.cases.c.id == old)
            .values(updated_at=utc_now() - timedelta(days=20 * 365 + 6))
        )
        conn.execute(
            update(db.cases)
            .where(db.cases.c.id == young)
            .values(updated_at=utc_now() - timedelta(days=20 * 365 - 1))
        )
    url = ["--database-url", database_url]
    assert main(["retention", "run", "--dry-run", "--json", *url]) == 0
    assert [r["case_id"] for r in json.loads(capsys.readouterr().out)] == [old]
    assert main(["retention", "run", *url]) == 0
    assert "1 expired cases purged" in capsys.readouterr().out
    assert stored(api.storage, old) == (0, 0) and stored(api.storage, young)[0] == 1
    assert main(["retention", "set", "--region", "noord", "--keep-closed-days", "5", *url]) == 0
    assert json.loads(capsys.readouterr().out)["keep_closed_days"] == 5
    assert main(["retention", "set", "--region", "noord", "--window-days", "0", *url]) == 2
    assert "--window-days" in capsys.readouterr().err

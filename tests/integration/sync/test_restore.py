"""Backup and restore on PostgreSQL: `pg_dump -Fc`, `pg_restore` into a new database,
`doorloop-central after-restore`, then the desks resync by themselves and nothing is
skipped: a desk whose cursor was ahead of the restored counter still gets every change
made after the restore, and every desk ends with every version the restored server has."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.store import actor_for
from tests.integration.sync.conftest import (
    CENTRAL,
    REGION,
    Central,
    add_user,
    create_pg_database,
    drop_pg_database,
    new_device,
    pg_available,
    server_versions,
)
from tests.integration.sync.helpers import local_versions

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_database() -> str:
    if not pg_available():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is not reachable (CI never skips)")
        pytest.skip("PostgreSQL is not running locally")
    name, url = create_pg_database()
    yield url  # type: ignore[misc]
    drop_pg_database(name)


def _cli(*args: str) -> str:
    command = [str(CENTRAL)] if CENTRAL.exists() else [sys.executable, "-m", "central_api"]
    done = subprocess.run([*command, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _new_case(store, name: str) -> str:  # type: ignore[no-untyped-def]
    profile = store.profile()
    case = store.cases.create(actor_for(profile), region=REGION, answers={"youth.first_name": name})
    return case.version.id


def test_a_restored_dump_lets_the_desks_resync_without_skipping(
    pg_database: str, tmp_path: Path
) -> None:
    old = Central(pg_database)
    old.start()
    storage = old.storage()
    storage.add_region(REGION)
    storage.close()
    username = add_user(old)
    store_a, engine_a = new_device(tmp_path / "a", old.url, username)
    store_b, engine_b = new_device(tmp_path / "b", old.url, username)
    before = [_new_case(store_a, f"Voor{n}") for n in range(3)]
    assert engine_a.sync().outcome == "ok"
    assert engine_b.sync().outcome == "ok"
    dump = tmp_path / "central.dump"
    subprocess.run(
        ["pg_dump", "-Fc", "-h", "127.0.0.1", "-U", "postgres", "-f", str(dump),
         pg_database.rsplit("/", 1)[1]],
        check=True, timeout=120,
    )  # fmt: skip
    # after the backup: more work, so both desks' cursors pass the dump's counter
    late = [_new_case(store_a, f"Na{n}") for n in range(3)]
    assert engine_a.sync().outcome == "ok"
    assert engine_b.sync().outcome == "ok"
    old.stop()

    restored_name, restored_url = create_pg_database()
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "-h", "127.0.0.1", "-U", "postgres",
             "-d", restored_name, str(dump)],
            check=True, timeout=120,
        )  # fmt: skip
        assert "every desk resyncs from 0" in _cli("after-restore", "--database-url", restored_url)
        new = Central(restored_url, port=old.port)  # the same address for the desks
        new.start()
        try:
            assert set(before) <= set(server_versions(new))
            # a change made on the restored server: its seq is above every old cursor
            after = _new_case(store_b, "Hersteld")
            assert engine_b.sync().outcome == "ok"
            assert engine_a.sync().outcome == "ok"
            on_server = set(server_versions(new))
            assert after in on_server
            for store in (store_a, store_b):
                held = local_versions(store)
                assert on_server <= held, "a desk skipped a change after the restore"
                assert set(late) <= held  # what the dump missed stays on the desks
        finally:
            new.stop()
    finally:
        drop_pg_database(restored_name)

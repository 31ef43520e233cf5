"""Encryption at rest: no case content in any byte of any file in the data dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.store import Actor, Store, WrongPassphrase, open_store
from tests.helpers.stores import PASSPHRASE

CANARY_NAME = "Zwaluwstaartvlinder"
CANARY_BSN = "111222333"


def all_bytes(directory: Path) -> list[tuple[Path, bytes]]:
    return [(path, path.read_bytes()) for path in directory.rglob("*") if path.is_file()]


def test_canary_name_and_bsn_never_hit_the_disk(store: Store, actor: Actor, data_dir: Path) -> None:
    case = store.cases.create(actor, answers={"youth.first_name": CANARY_NAME})
    store.cases.save_answers(case.id, {"youth.bsn": CANARY_BSN}, actor)
    store.cases.save_answers(case.id, {"situation.reason": f"{CANARY_NAME} belt"}, actor)
    files = all_bytes(data_dir)
    names = {path.name for path, _ in files}
    assert "doorloop.db" in names
    assert "doorloop.db-wal" in names, "the WAL must be checked too while it holds data"
    for path, content in files:
        for canary in (CANARY_NAME, CANARY_BSN):
            assert canary.encode() not in content, f"{canary} found in {path}"
            assert canary.encode("utf-16-le") not in content, f"{canary} found in {path}"
    store.close()
    for path, content in all_bytes(data_dir):
        assert CANARY_NAME.encode() not in content, path
        assert CANARY_BSN.encode() not in content, path


def test_the_canary_check_would_see_plain_sqlite(tmp_path: Path) -> None:
    import sqlite3

    plain = tmp_path / "plain.db"
    conn = sqlite3.connect(plain)
    conn.execute("CREATE TABLE t (name TEXT)")
    conn.execute("INSERT INTO t VALUES (?)", [CANARY_NAME])
    conn.commit()
    conn.close()
    assert any(CANARY_NAME.encode() in content for _, content in all_bytes(tmp_path))


def test_wrong_passphrase_is_a_named_error_and_data_survives(
    store: Store, actor: Actor, data_dir: Path
) -> None:
    case = store.cases.create(actor, answers={"youth.first_name": "Noor"})
    store.close()
    with pytest.raises(WrongPassphrase):
        open_store(data_dir, "not the passphrase")
    with pytest.raises(WrongPassphrase):
        open_store(data_dir, "")
    reopened = open_store(data_dir, PASSPHRASE)
    assert reopened.cases.get(case.id).answers == {"youth.first_name": "Noor"}
    reopened.close()


def test_pragmas_for_durability(store: Store) -> None:
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.db.execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY


def test_lock_forgets_the_key_and_unlock_returns(store: Store, actor: Actor) -> None:
    from desktop.store import StoreLocked

    case = store.cases.create(actor)
    store.lock()
    assert store.locked
    with pytest.raises(StoreLocked):
        store.cases.get(case.id)  # type: ignore[attr-defined]
    with pytest.raises(WrongPassphrase):
        store.unlock("wrong passphrase")
    assert store.locked
    store.unlock(PASSPHRASE)
    assert store.cases.get(case.id).id == case.id

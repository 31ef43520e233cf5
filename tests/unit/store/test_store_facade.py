"""The store façade without pydantic or sqlite-utils: profile, status-bar count, transactions."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.store import Actor, Store, StoreError, open_store
from tests.helpers.stores import PASSPHRASE


def test_the_profile_reads_back_as_it_was_created(data_dir: Path) -> None:
    store = open_store(data_dir, PASSPHRASE)
    created = store.create_profile("  Tess Trainer ", "trainer", region="utrecht", language="en")
    store.close()
    reopened = open_store(data_dir, PASSPHRASE)
    profile = reopened.profile()
    reopened.close()
    assert profile == created
    assert profile.display_name == "Tess Trainer"
    assert (profile.role, profile.region, profile.language) == ("trainer", "utrecht", "en")
    assert profile.idle_lock_minutes == 5
    assert profile.created_at.tzinfo is not None
    assert abs(datetime.now(UTC) - profile.created_at).total_seconds() < 60


@pytest.mark.parametrize(
    "change",
    [{"role": "admin"}, {"language": "fr"}, {"idle_lock_minutes": 0}, {"idle_lock_minutes": "5"}],
)
def test_a_bad_profile_change_is_refused_and_nothing_is_written(
    store: Store, change: dict[str, object]
) -> None:
    before = store.profile()
    with pytest.raises(StoreError):
        store.update_profile(**change)
    assert store.profile() == before


def test_a_profile_in_an_unknown_language_is_refused(data_dir: Path) -> None:
    store = open_store(data_dir, PASSPHRASE)
    with pytest.raises(StoreError):
        store.create_profile("Anna", "desk", language="fr")
    assert store.profile() is None
    store.close()


def test_the_status_bar_count_is_the_outbox_count_of_unacknowledged_versions(
    store: Store, actor: Actor
) -> None:
    cases = [store.cases.create(actor, answers={"youth.first_name": f"K{n}"}) for n in range(4)]
    outbox = store.outbox

    def agree() -> int:
        count = store.unsynced_count()
        assert count == outbox.unsynced_count(kind="version")
        return count

    assert agree() == 4
    taken = [item.item_id for item in outbox.take(limit=100, kinds=("version",))]
    assert agree() == 4, "versions in flight are not acknowledged yet"
    outbox.ack(taken[:2])
    assert agree() == 2
    outbox.quarantine(taken[2], "refused")
    assert agree() == 2, "a refused version still counts as unsent"
    store.cases.save_answers(cases[0].id, {"youth.last_name": "Bos"}, actor)
    assert agree() == 3, "an edit after sending is a new version to send"


def test_nested_transactions_roll_back_only_their_own_part(store: Store) -> None:
    sql = store.sql
    sql.execute("CREATE TABLE t (x INTEGER)")
    with sql.atomic():
        sql.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(RuntimeError), sql.atomic():
            sql.execute("INSERT INTO t VALUES (2)")
            raise RuntimeError("inner part fails")
        with store.atomic() as db:  # the sqlite-utils handle nests in the same transaction
            db.execute("INSERT INTO t VALUES (3)")
    assert [row[0] for row in sql.execute("SELECT x FROM t ORDER BY x")] == [1, 3]
    with pytest.raises(RuntimeError), sql.atomic():
        sql.execute("INSERT INTO t VALUES (4)")
        raise RuntimeError("the whole transaction fails")
    assert [row[0] for row in sql.execute("SELECT x FROM t ORDER BY x")] == [1, 3]
    assert not sql.conn.in_transaction


def test_locking_drops_every_handle_and_unlocking_brings_them_back(
    store: Store, actor: Actor
) -> None:
    store.cases.create(actor)
    assert store.unsynced_count() == 1
    store.lock()
    for use in (lambda: store.sql, lambda: store.db, lambda: store.outbox, store.unsynced_count):
        with pytest.raises(StoreError):
            use()
    store.unlock(PASSPHRASE)
    assert store.unsynced_count() == store.outbox.unsynced_count(kind="version") == 1
    assert store.db.execute("SELECT count(*) FROM cases").fetchone()[0] == 1

"""Several users on one device: key slots, their profiles, who may manage them (issue 15).

Each user unlocks with their own passphrase (their key slot wraps the store key); a wrong
one is refused, a removed user's no longer opens, changing a passphrase rewraps only that
slot, a store from before key slots moves over with its passphrase, and the store key is
never on disk unwrapped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.store import (
    PermissionDenied,
    StoreError,
    WrongPassphrase,
    actor_for,
    list_users,
    open_store,
)
from desktop.store.database import Database, open_connection
from desktop.store.keyslots import KeySlots
from desktop.store.migrations import MIGRATIONS
from desktop.store.sync_state import SyncState
from tests.helpers.stores import PASSPHRASE

TRIAGIST_PASSPHRASE = "bert zijn eigen zin 42"
COORDINATOR_PASSPHRASE = "carla coordineert alles"


def three_users(data_dir: Path) -> tuple[str, str, str]:
    """Anna (desk, the first user), Bert (triagist) and Carla (coordinator)."""
    store = open_store(data_dir, PASSPHRASE)
    try:
        anna = store.create_profile("Anna de Vries", "desk")
        bert = store.add_user("Bert Jansen", "triagist", TRIAGIST_PASSPHRASE)
        carla = store.add_user("Carla Smit", "coordinator", COORDINATOR_PASSPHRASE)
    finally:
        store.close()
    return anna.local_id, bert.local_id, carla.local_id


def test_each_user_opens_the_same_store_with_their_own_passphrase(tmp_path: Path) -> None:
    anna, bert, carla = three_users(tmp_path)
    store = open_store(tmp_path, PASSPHRASE)
    case = store.cases.create(actor_for(store.profile()), answers={"youth.first_name": "Noor"})  # type: ignore[arg-type]
    store.close()
    for passphrase, local_id, name in (
        (PASSPHRASE, anna, "Anna de Vries"),
        (TRIAGIST_PASSPHRASE, bert, "Bert Jansen"),
        (COORDINATOR_PASSPHRASE, carla, "Carla Smit"),
    ):
        opened = open_store(tmp_path, passphrase)
        try:
            profile = opened.profile()
            assert profile is not None
            assert (profile.local_id, profile.display_name) == (local_id, name)
            assert opened.cases.get(case.id).answers["youth.first_name"] == "Noor"
        finally:
            opened.close()
    assert [(u.slot_id, u.name) for u in list_users(tmp_path)] == [
        (anna, "Anna de Vries"),
        (bert, "Bert Jansen"),
        (carla, "Carla Smit"),
    ]


def test_a_wrong_passphrase_is_refused_also_for_a_named_user(tmp_path: Path) -> None:
    anna, bert, _carla = three_users(tmp_path)
    with pytest.raises(WrongPassphrase):
        open_store(tmp_path, "niemand zijn zin")
    with pytest.raises(WrongPassphrase):
        open_store(tmp_path, "")
    # Bert's passphrase is right, but not for Anna's slot
    with pytest.raises(WrongPassphrase):
        open_store(tmp_path, TRIAGIST_PASSPHRASE, user=anna)
    store = open_store(tmp_path, TRIAGIST_PASSPHRASE, user=bert)
    assert store.profile().display_name == "Bert Jansen"  # type: ignore[union-attr]
    store.close()


def test_switching_user_on_one_handle_changes_who_acts(tmp_path: Path) -> None:
    anna, bert, _carla = three_users(tmp_path)
    store = open_store(tmp_path, PASSPHRASE)
    case = store.cases.create(actor_for(store.profile()))  # type: ignore[arg-type]
    store.lock()
    with pytest.raises(WrongPassphrase):
        store.unlock(PASSPHRASE, user=bert)
    assert store.locked
    profile = store.unlock(TRIAGIST_PASSPHRASE, user=bert)
    assert profile is not None and profile.local_id == bert and store.current_user == bert
    store.cases.record(actor_for(profile), "read", case.id, {})
    names = [e.display_name for e in store.audit.events(case_id=case.id)]
    assert names == ["Anna de Vries", "Bert Jansen"]
    store.close()
    assert anna != bert


def test_only_the_first_user_or_a_coordinator_adds_and_removes_users(tmp_path: Path) -> None:
    _anna, bert, carla = three_users(tmp_path)
    store = open_store(tmp_path, TRIAGIST_PASSPHRASE)
    assert not store.may_manage_users()
    with pytest.raises(PermissionDenied):
        store.add_user("Dirk", "desk", "dirk zijn zin 123")
    with pytest.raises(PermissionDenied):
        store.remove_user(carla)
    store.close()
    store = open_store(tmp_path, COORDINATOR_PASSPHRASE)
    assert store.may_manage_users()
    dirk = store.add_user("Dirk de Boer", "desk", "dirk zijn zin 123")
    assert dirk.added_by == carla
    with pytest.raises(StoreError):
        store.add_user("dirk de boer", "desk", "nog een zin 12345")  # the name is taken
    with pytest.raises(StoreError):
        store.add_user("Eva", "desk", "kort")  # too short a passphrase
    with pytest.raises(StoreError):
        store.remove_user(carla)  # not oneself
    actions = [(e.action, e.display_name) for e in store.audit.events()][-1:]
    assert actions == [("user_added", "Carla Smit")]
    store.close()
    assert bert


def test_removal_erases_the_slot_and_revokes_the_passphrase(tmp_path: Path) -> None:
    anna, bert, _carla = three_users(tmp_path)
    slots = KeySlots(tmp_path / "doorloop.db")
    bert_file = tmp_path / "keyslots" / slots._read()[bert]["file"]
    assert bert_file.exists()
    store = open_store(tmp_path, PASSPHRASE)
    store.remove_user(bert)
    assert [u.display_name for u in store.users()] == ["Anna de Vries", "Carla Smit"]
    assert store.user(bert).display_name == "Bert Jansen"  # type: ignore[union-attr]
    events = store.audit.events()
    assert (events[-1].action, events[-1].display_name) == ("user_removed", "Anna de Vries")
    store.close()
    assert not bert_file.exists()
    assert bert not in [u.slot_id for u in list_users(tmp_path)]
    with pytest.raises(WrongPassphrase):
        open_store(tmp_path, TRIAGIST_PASSPHRASE)
    assert open_store(tmp_path, PASSPHRASE, user=anna).profile() is not None


def test_a_copied_slot_of_a_removed_user_is_not_let_in_by_the_app(tmp_path: Path) -> None:
    """Someone who kept Bert's slot file and list cannot sign in as Bert afterwards: the
    store refuses a slot whose user was removed (the key itself, like a LUKS slot copied
    before removal, is the documented limit)."""
    _anna, bert, _carla = three_users(tmp_path)
    keyslots = tmp_path / "keyslots"
    saved = {p.name: p.read_bytes() for p in keyslots.iterdir()}
    store = open_store(tmp_path, PASSPHRASE)
    store.remove_user(bert)
    store.close()
    for name, content in saved.items():
        (keyslots / name).write_bytes(content)
    with pytest.raises(WrongPassphrase):
        open_store(tmp_path, TRIAGIST_PASSPHRASE)


def test_changing_a_passphrase_rewraps_only_that_slot(tmp_path: Path) -> None:
    anna, bert, carla = three_users(tmp_path)
    before = KeySlots(tmp_path / "doorloop.db")._read()
    store = open_store(tmp_path, TRIAGIST_PASSPHRASE)
    with pytest.raises(WrongPassphrase):
        store.change_passphrase("niet de oude zin", "bert zijn nieuwe zin")
    store.change_passphrase(TRIAGIST_PASSPHRASE, "bert zijn nieuwe zin")
    store.close()
    after = KeySlots(tmp_path / "doorloop.db")._read()
    assert after[anna] == before[anna] and after[carla] == before[carla]
    assert after[bert]["kdf"]["salt"] != before[bert]["kdf"]["salt"]
    assert not (tmp_path / "keyslots" / before[bert]["file"]).exists()
    with pytest.raises(WrongPassphrase):
        open_store(tmp_path, TRIAGIST_PASSPHRASE)
    assert open_store(tmp_path, "bert zijn nieuwe zin").profile().local_id == bert  # type: ignore[union-attr]
    assert open_store(tmp_path, PASSPHRASE).profile().local_id == anna  # type: ignore[union-attr]


def _old_store(data_dir: Path, passphrase: str) -> None:
    """A store as built before key slots: keyed by the passphrase itself (SQLCipher's
    PBKDF2), schema 3, one profile row, sync state of its one user."""
    data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(open_connection(data_dir / "doorloop.db", passphrase))
    for number, migration in enumerate(MIGRATIONS[:3], start=1):
        with db.atomic():
            migration(db)
            db.execute(f"PRAGMA user_version = {number}")
    db.execute(
        "INSERT INTO profile VALUES (1, 'u-old', 'Oude Gebruiker', 'triagist', 'demo', "
        "'device-1', '2026-01-05T08:00:00+00:00', 7, 'nl')"
    )
    db.execute(
        "INSERT INTO sync_checkpoint VALUES ('server.url', 'https://centraal.example'), "
        "('pull.since', '42'), ('auth.installation_id', 'inst-1')"
    )
    db.close()


def test_an_old_single_passphrase_store_moves_to_key_slots(tmp_path: Path) -> None:
    _old_store(tmp_path, PASSPHRASE)
    store = open_store(tmp_path, PASSPHRASE)
    profile = store.profile()
    assert profile is not None
    assert (profile.local_id, profile.user_id, profile.display_name) == (
        "u-old",
        "u-old",
        "Oude Gebruiker",
    )
    assert (profile.role, profile.device_id, profile.idle_lock_minutes) == (
        "triagist",
        "device-1",
        7,
    )
    assert store.may_manage_users()  # the first user
    state = SyncState(store.db, user=store.current_user)
    assert (state.get("server.url"), state.pull_since()) == ("https://centraal.example", 42)
    assert state.get("auth.installation_id") == "inst-1"  # the device's, shared
    store.add_user("Nieuwe Collega", "desk", "nieuwe collega zin")
    store.close()
    assert [u.name for u in list_users(tmp_path)] == ["Oude Gebruiker", "Nieuwe Collega"]
    # the database no longer opens with the passphrase as its key: it has a store key
    with pytest.raises(WrongPassphrase):
        open_connection(tmp_path / "doorloop.db", PASSPHRASE)
    assert open_store(tmp_path, PASSPHRASE).profile().local_id == "u-old"  # type: ignore[union-attr]
    assert open_store(tmp_path, "nieuwe collega zin").profile().display_name == "Nieuwe Collega"  # type: ignore[union-attr]


def test_an_interrupted_move_to_key_slots_finishes_at_the_next_open(tmp_path: Path) -> None:
    """The slot is written before the database is re-encrypted: a crash in between leaves
    a slot whose key does not open the database yet; the next open finishes the move."""
    _old_store(tmp_path, PASSPHRASE)
    KeySlots(tmp_path / "doorloop.db").add("u-old", "Oude Gebruiker", PASSPHRASE, b"k" * 32)
    store = open_store(tmp_path, PASSPHRASE)
    assert store.profile().display_name == "Oude Gebruiker"  # type: ignore[union-attr]
    store.close()
    open_connection(tmp_path / "doorloop.db", b"k" * 32).close()  # now keyed by the slot's key


def test_a_wrong_passphrase_does_not_start_the_move(tmp_path: Path) -> None:
    _old_store(tmp_path, PASSPHRASE)
    with pytest.raises(WrongPassphrase):
        open_store(tmp_path, "niet de zin van toen")
    assert not (tmp_path / "keyslots").exists()
    open_connection(tmp_path / "doorloop.db", PASSPHRASE).close()


def test_the_store_key_is_never_on_disk_unwrapped(tmp_path: Path) -> None:
    three_users(tmp_path)
    store = open_store(tmp_path, PASSPHRASE)
    key = store._key
    assert key is not None and len(key) == 32
    store.cases.create(actor_for(store.profile()), answers={"youth.first_name": "Noor"})  # type: ignore[arg-type]
    store.change_passphrase(PASSPHRASE, "anna haar nieuwe zin")
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".slot" for p in files)
    for path in files:
        content = path.read_bytes()
        for form in (key, key.hex().encode(), key.hex().upper().encode()):
            assert form not in content, path
    index = json.loads((tmp_path / "keyslots" / "slots.json").read_text(encoding="utf-8"))
    assert key.hex() not in json.dumps(index)
    store.close()
    assert store._key is None  # locked: the key is forgotten here too


def test_training_has_slots_of_its_own(tmp_path: Path) -> None:
    three_users(tmp_path)
    training = open_store(tmp_path, TRIAGIST_PASSPHRASE, training=True)
    assert training.profile() is None  # a separate store, made by this passphrase
    training.create_profile("Bert Jansen", "triagist")
    training.close()
    assert [u.name for u in list_users(tmp_path, training=True)] == ["Bert Jansen"]
    with pytest.raises(WrongPassphrase):
        open_store(tmp_path, PASSPHRASE, training=True)


def test_a_key_derived_at_start_up_opens_the_store_without_deriving_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app derives the slot key on a thread while Qt loads (desktop.app.EarlyOpen);
    opening the store with that key must not pay for the derivation a second time, and
    must open the named user's slot."""
    from desktop.paths import database_path
    from desktop.store import keyslots, slot_kdf

    anna, bert, _carla = three_users(tmp_path)
    database = database_path(tmp_path)
    candidate = slot_kdf.first_candidate(database, slot_kdf.slot_for_name(database, "bert jansen"))
    assert candidate is not None and candidate[0] == bert
    derived = {bert: slot_kdf.derive(TRIAGIST_PASSPHRASE, candidate[1])}

    calls: list[str] = []
    monkeypatch.setattr(keyslots, "derive", lambda *args: calls.append("derive") or b"")
    opened = keyslots.open_keyed(database, TRIAGIST_PASSPHRASE, bert, derived)
    try:
        assert opened.slot_id == bert and not calls
    finally:
        opened.conn.close()
    # a key derived from another passphrase opens nothing
    wrong = {bert: slot_kdf.derive(PASSPHRASE, candidate[1])}
    with pytest.raises(WrongPassphrase):
        keyslots.open_keyed(database, TRIAGIST_PASSPHRASE, bert, wrong)
    assert anna != bert

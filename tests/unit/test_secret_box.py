"""The server key and sealing of short secrets (central_api.secret_box): a sealed value
opens only with its key and for its row, and the key is found (or, for a SQLite file,
made with mode 0600) the way the module says; PostgreSQL without one is refused."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from central_api.secret_box import (
    ENV_SECRET_KEY,
    ENV_SECRET_KEY_FILE,
    PREFIX,
    SecretBox,
    SecretKeyError,
    key_file_for,
    load_box,
    new_key_text,
    parse_key,
)

BOX = SecretBox(bytes(range(32)), "the test key")
OTHER = SecretBox(bytes(range(1, 33)), "another key")
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/doorloop"


@pytest.fixture(autouse=True)
def no_key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_SECRET_KEY, raising=False)
    monkeypatch.delenv(ENV_SECRET_KEY_FILE, raising=False)


@given(plain=st.text(max_size=200), context=st.binary(max_size=60))
def test_a_sealed_value_opens_to_itself_and_shows_nothing_of_it(plain: str, context: bytes) -> None:
    sealed = BOX.seal(plain, context)
    assert sealed.startswith(PREFIX) and SecretBox.is_sealed(sealed)
    assert BOX.open(sealed, context) == plain
    if len(plain) >= 4:
        assert plain not in sealed
    assert BOX.seal(plain, context) != sealed  # a fresh nonce each time


@given(plain=st.text(min_size=1, max_size=64), context=st.binary(max_size=40))
def test_it_does_not_open_for_another_row_or_with_another_key(plain: str, context: bytes) -> None:
    sealed = BOX.seal(plain, context)
    with pytest.raises(SecretKeyError, match=ENV_SECRET_KEY):
        BOX.open(sealed, context + b"x")
    with pytest.raises(SecretKeyError, match=ENV_SECRET_KEY):
        OTHER.open(sealed, context)


def test_a_changed_or_malformed_value_does_not_open() -> None:
    sealed = BOX.seal("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", b"user_totp:u1")
    raw = bytearray(base64.urlsafe_b64decode(sealed[len(PREFIX) :]))
    raw[-1] ^= 1
    changed = PREFIX + base64.urlsafe_b64encode(bytes(raw)).decode()
    for value in (changed, PREFIX + "not base64!", PREFIX, "JBSWY3DPEHPK3PXP"):
        with pytest.raises(SecretKeyError):
            BOX.open(value, b"user_totp:u1")


def test_the_box_never_shows_its_key() -> None:
    assert "the test key" in repr(BOX)
    assert str(bytes(range(32))) not in repr(BOX)
    assert base64.b64encode(bytes(range(32))).decode() not in repr(BOX)


def test_keys_are_base64_of_32_bytes_in_either_alphabet() -> None:
    key = new_key_text()
    assert len(base64.b64decode(key)) == 32
    assert parse_key(key, "x") == base64.b64decode(key)
    urlsafe = base64.urlsafe_b64encode(b"\xfb" * 32).decode()
    assert parse_key(urlsafe + "\n", "x") == b"\xfb" * 32
    for bad in ("", "short", base64.b64encode(b"k" * 16).decode(), "***"):
        with pytest.raises(SecretKeyError, match="secret-key new"):
            parse_key(bad, ENV_SECRET_KEY)


def test_postgresql_without_a_key_is_refused_naming_the_setting() -> None:
    with pytest.raises(SecretKeyError) as refused:
        load_box(PG)
    message = str(refused.value)
    assert message.startswith(f"{ENV_SECRET_KEY} is not set")
    assert ENV_SECRET_KEY_FILE in message and "doorloop-central secret-key new" in message


def test_the_environment_key_or_key_file_is_used_for_any_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key = new_key_text()
    monkeypatch.setenv(ENV_SECRET_KEY, key)
    box = load_box(PG)
    assert box.key == base64.b64decode(key) and box.source == ENV_SECRET_KEY
    sqlite = load_box(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    assert sqlite.key == box.key
    assert not (tmp_path / "central.sqlite3.key").exists()  # no file when the key is set

    monkeypatch.setenv(ENV_SECRET_KEY_FILE, str(tmp_path / "key"))
    with pytest.raises(SecretKeyError, match="not both"):
        load_box(PG)
    monkeypatch.delenv(ENV_SECRET_KEY)
    with pytest.raises(SecretKeyError, match=ENV_SECRET_KEY_FILE):
        load_box(PG)  # the named file is missing
    (tmp_path / "key").write_text(key + "\n", encoding="ascii")
    from_file = load_box(PG)
    assert from_file.key == base64.b64decode(key) and from_file.source == ENV_SECRET_KEY_FILE
    monkeypatch.setenv(ENV_SECRET_KEY, "not a key")
    monkeypatch.delenv(ENV_SECRET_KEY_FILE)
    with pytest.raises(SecretKeyError, match=f"^{ENV_SECRET_KEY} is not a key"):
        load_box(PG)


def test_a_sqlite_file_gets_a_private_key_file_beside_it_made_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'central.sqlite3'}"
    path = key_file_for(url)
    assert path == tmp_path / "data" / "central.sqlite3.key"
    first = load_box(url)
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert parse_key(path.read_text(encoding="ascii"), "file") == first.key
    assert load_box(url).key == first.key  # kept, not made again
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left
    other = f"sqlite:///{tmp_path / 'data' / 'other.sqlite3'}"
    assert load_box(other).key != first.key  # each database its own key


def test_an_in_memory_sqlite_database_gets_a_key_of_its_own_and_no_file(tmp_path: Path) -> None:
    assert key_file_for("sqlite://") is None and key_file_for("sqlite:///:memory:") is None
    assert key_file_for(PG) is None
    assert load_box("sqlite://").key != load_box("sqlite://").key

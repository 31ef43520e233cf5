"""The TOTP secrets and pseudonym keys are sealed at rest under the server key
(central_api.secret_box, central_api.secrets_at_rest): the database holds neither in the
clear, plaintext rows of an older server are sealed and keep working, a sealed value does
not open in another row, and a wrong or missing key is refused with the setting's name.
On SQLite and PostgreSQL (the `database_url` fixture)."""

from __future__ import annotations

import base64
import csv
import os
import secrets
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import pyotp
import pytest
from sqlalchemy import insert, select, update

from central_api import db, secrets_at_rest
from central_api.__main__ import main as central_main
from central_api.app import create_app
from central_api.config import Settings
from central_api.indicators.service import Period, dataset
from central_api.secret_box import (
    ENV_SECRET_KEY,
    ENV_SECRET_KEY_FILE,
    SecretBox,
    SecretKeyError,
    new_key_text,
)
from central_api.storage import Storage
from central_api.web.store import WebStore
from coordination.indicators.dataset import pseudonym
from tests.helpers.central import PASSWORD, serve
from tests.integration.central_api.conftest import PG_DSN, PG_URL, Api, _admin_sql, make_api
from tests.integration.central_api.test_indicators import load
from tests.integration.central_api.test_web_login import csrf_of, enrol, password_step, sign_in

from .indicator_world import make_specs

ROOT = Path(__file__).resolve().parents[3]
# an RFC 6238 style base32 secret as `pyotp.random_base32()` makes them (synthetic)
OLD_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def raw_secret(storage: Storage, sealed: secrets_at_rest.SealedColumn, key: object) -> str:
    """The `secret` column of row `key` as stored (sealed or not)."""
    with storage.engine.connect() as conn:
        value = conn.execute(select(sealed.secret).where(sealed.key == key)).scalar_one()
        conn.rollback()
    return str(value)


def raw_totp(storage: Storage, user_id: str) -> str:
    return raw_secret(storage, secrets_at_rest.TOTP, user_id)


def user_id(storage: Storage, username: str) -> str:
    principal = storage.authenticate(username, PASSWORD)
    assert principal is not None
    return principal.id


def store_plaintext_totp(storage: Storage, uid: str, secret: str) -> None:
    """What a server before sealing wrote for an enrolment."""
    with storage.engine.begin() as conn:
        conn.execute(
            insert(db.user_totp).values(
                user_id=uid, secret=secret, enrolled_at=datetime.now(UTC), last_step=None
            )
        )


def test_the_totp_secret_is_sealed_in_the_database_and_login_still_works(web: Api) -> None:
    web.user("rita")
    totp = enrol(web.storage, "rita")
    uid = user_id(web.storage, "rita")
    raw = raw_totp(web.storage, uid)
    assert raw.startswith("v1:")
    assert totp.secret not in raw and totp.secret.lower() not in raw.lower()
    sign_in(web, "rita", totp)
    assert web.client.get("/web/").headers["location"] == "/web/verwijzingen"


def test_a_plaintext_secret_from_before_is_sealed_at_start_and_still_verifies(
    storage: Storage,
) -> None:
    storage.add_region("noord")
    storage.add_user("anna", PASSWORD, role="receiver", region="noord", organization_id="o1")
    uid = user_id(storage, "anna")
    store_plaintext_totp(storage, uid, OLD_SECRET)

    made = make_api(storage)  # the API's start seals what is still in the clear
    made.client.follow_redirects = False
    raw = raw_totp(storage, uid)
    assert raw.startswith("v1:") and OLD_SECRET not in raw
    sealed = storage.server_audit("admin.secret_sealed")
    assert [(row["user_id"], row["detail"]) for row in sealed] == [(uid, {"table": "user_totp"})]
    # idempotent: a second start (or `migrate`) seals nothing and audits nothing
    assert secrets_at_rest.prepare(storage.engine, storage.secret_box) == 0
    assert raw_totp(storage, uid) == raw
    assert len(storage.server_audit("admin.secret_sealed")) == 1
    with made.client:
        sign_in(made, "anna", pyotp.TOTP(OLD_SECRET))


def test_a_plaintext_secret_met_at_a_code_check_is_sealed_there(storage: Storage) -> None:
    storage.add_region("noord")
    storage.add_user("anna", PASSWORD, role="desk", region="noord")
    uid = user_id(storage, "anna")
    store_plaintext_totp(storage, uid, OLD_SECRET)  # e.g. by an older server mid-upgrade
    store = WebStore(storage.engine, storage.secret_box)
    at = datetime.fromtimestamp(time.time(), UTC)
    assert store.check_code(uid, pyotp.TOTP(OLD_SECRET).at(at), at)
    raw = raw_totp(storage, uid)
    assert raw.startswith("v1:") and OLD_SECRET not in raw
    assert storage.server_audit("admin.secret_sealed")[0]["user_id"] == uid
    later = datetime.fromtimestamp(at.timestamp() + 60, UTC)
    assert store.check_code(uid, pyotp.TOTP(OLD_SECRET).at(later), later)


def test_a_sealed_secret_copied_to_another_users_row_does_not_open(storage: Storage) -> None:
    storage.add_region("noord")
    storage.add_user("anna", PASSWORD, role="desk", region="noord")
    storage.add_user("bob", PASSWORD, role="desk", region="noord")
    anna_totp = enrol(storage, "anna")
    enrol(storage, "bob")
    anna, bob = user_id(storage, "anna"), user_id(storage, "bob")
    annas = raw_totp(storage, anna)
    with storage.engine.begin() as conn:
        conn.execute(update(db.user_totp).where(db.user_totp.c.user_id == bob).values(secret=annas))
    store = WebStore(storage.engine, storage.secret_box)
    at = datetime.fromtimestamp(time.time(), UTC)
    with pytest.raises(SecretKeyError, match=f"user_totp:{bob}"):
        store.check_code(bob, anna_totp.at(at), at)
    assert store.check_code(anna, anna_totp.at(at), at)  # in its own row it opens


def test_a_wrong_key_is_refused_at_start_naming_the_setting(storage: Storage) -> None:
    storage.add_region("noord")
    storage.add_user("anna", PASSWORD, role="desk", region="noord")
    enrol(storage, "anna")
    storage.secret_box = SecretBox(secrets.token_bytes(32), ENV_SECRET_KEY)  # type: ignore[misc]
    with pytest.raises(SecretKeyError) as refused:
        create_app(Settings(database_url="unused://", migrate_on_start=False), storage)
    assert f"set {ENV_SECRET_KEY} to the key" in str(refused.value)
    uid = user_id(storage, "anna")
    assert raw_totp(storage, uid).startswith("v1:")  # nothing sealed again with the wrong key


def test_enrolment_with_a_wrong_key_is_refused_and_changes_nothing(
    storage: Storage,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    storage.add_region("noord")
    for name in ("anna", "bob"):
        storage.add_user(name, PASSWORD, role="desk", region="noord")
    enrol(storage, "anna")
    uid = user_id(storage, "anna")
    before = raw_totp(storage, uid)
    monkeypatch.delenv(ENV_SECRET_KEY_FILE, raising=False)
    monkeypatch.setenv(ENV_SECRET_KEY, new_key_text())  # not the key anna's was sealed with
    for name in ("anna", "bob"):
        assert central_main(["user", "totp", name, "--database-url", database_url]) == 2
        out, err = capsys.readouterr()
        assert "otpauth" not in out
        assert f"does not open with the key from {ENV_SECRET_KEY}" in err
    assert raw_totp(storage, uid) == before
    with storage.engine.connect() as conn:
        assert conn.execute(select(db.user_totp.c.user_id)).scalars().all() == [uid]
        conn.rollback()


def test_a_wrong_key_at_the_code_step_is_a_clear_page_and_no_login(web: Api) -> None:
    web.user("anna")
    totp = enrol(web.storage, "anna")
    store = web.client.app.state.web_store  # type: ignore[attr-defined]
    store.box = SecretBox(secrets.token_bytes(32), ENV_SECRET_KEY)  # e.g. another host's key
    assert password_step(web, "anna").status_code == 303  # type: ignore[attr-defined]
    page = web.client.get("/web/login/code")
    answer = web.client.post(
        "/web/login/code", data={"csrf": csrf_of(page.text), "code": totp.now()}
    )
    assert answer.status_code == 503
    assert "fout in de instellingen van de server" in answer.text
    assert "Traceback" not in answer.text and ENV_SECRET_KEY not in answer.text
    assert web.client.get("/web/").headers["location"] == "/web/login"  # not signed in
    outcomes = [row["outcome"] for row in web.storage.server_audit("web.login_code")]
    assert outcomes == ["server_key"]
    assert web.storage.server_audit("web.login") == []


@pytest.mark.parametrize("sealed_at", ["start", "first export"])
def test_pseudonyms_stay_the_same_when_the_region_secret_is_sealed(
    api: Api, tmp_path: Path, sealed_at: str
) -> None:
    specs = make_specs(5, 60, date(2026, 11, 1), 30)
    load(api, specs)
    storage = api.storage
    with storage.engine.connect() as conn:
        rid = conn.execute(select(db.regions.c.id).where(db.regions.c.name == "noord")).scalar_one()
        conn.rollback()
    old_key = secrets.token_bytes(32)
    with storage.engine.begin() as conn:  # what a server before sealing made at an export
        conn.execute(
            insert(db.region_secrets).values(
                region_id=rid, secret=old_key.hex(), created_at=datetime.now(UTC)
            )
        )
    if sealed_at == "start":
        assert secrets_at_rest.prepare(storage.engine, storage.secret_box) == 1
    period = Period(date(2026, 11, 1), date(2026, 12, 1))
    dataset(storage.engine, "noord", period, tmp_path / "first", storage.secret_box)
    raw = raw_secret(storage, secrets_at_rest.REGION, rid)
    assert raw.startswith("v1:") and old_key.hex() not in raw
    dataset(storage.engine, "noord", period, tmp_path / "again", storage.secret_box)
    first = (tmp_path / "first" / "cases.csv").read_text("utf-8")
    assert (tmp_path / "again" / "cases.csv").read_text("utf-8") == first
    # the pseudonyms an export before the change gave: HMAC with the same key
    shown = {row["pseudonym"] for row in csv.DictReader(first.splitlines())}
    assert shown and shown <= {pseudonym(old_key, spec.case_id) for spec in specs}
    assert [row["region_id"] for row in storage.server_audit("admin.secret_sealed")] == [rid]


def test_a_new_region_secret_is_stored_sealed(api: Api, tmp_path: Path) -> None:
    specs = make_specs(5, 60, date(2026, 11, 1), 30)
    load(api, specs)
    period = Period(date(2026, 11, 1), date(2026, 12, 1))
    written = dataset(api.storage.engine, "noord", period, tmp_path, api.storage.secret_box)
    with api.storage.engine.connect() as conn:
        row = conn.execute(select(db.region_secrets)).one()
        conn.rollback()
    assert row.secret.startswith("v1:")
    plain = api.storage.secret_box.open(row.secret, secrets_at_rest.region_context(row.region_id))
    assert plain not in row.secret
    shown = {r["pseudonym"] for r in written.rows}
    assert shown and shown <= {pseudonym(bytes.fromhex(plain), spec.case_id) for spec in specs}


def _env_without_key() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {ENV_SECRET_KEY, ENV_SECRET_KEY_FILE}}
    return {**env, "PYTHONPATH": str(ROOT)}


# SQLite makes its key file: only PostgreSQL needs the setting
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("workers", ["1", "2"])
def test_postgresql_without_a_key_refuses_to_start_with_one_clear_error(
    database_url: str, workers: str
) -> None:
    started = subprocess.run(
        [sys.executable, "-m", "central_api", "serve", "--database-url", database_url,
         "--port", "1", "--workers", workers],
        cwd=ROOT, env=_env_without_key(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert started.returncode == 2
    assert started.stderr.startswith(f"doorloop-central: {ENV_SECRET_KEY} is not set")
    assert "Traceback" not in started.stderr and started.stderr.count("\n") == 1


@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_without_a_key_an_empty_postgresql_database_is_left_untouched(
    pg_template: str, command: str
) -> None:
    """The key is checked before the schema is migrated: a refused start leaves no
    half-configured database behind (and no sealed-nothing schema to start later)."""
    name = f"doorloop_test_{secrets.token_hex(6)}"
    _admin_sql(f'CREATE DATABASE "{name}"')
    try:
        url = PG_URL.format(name=name)
        extra = ["--port", "1"] if command == "serve" else []
        refused = subprocess.run(
            [sys.executable, "-m", "central_api", command, "--database-url", url, *extra],
            cwd=ROOT, env=_env_without_key(), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert refused.returncode == 2
        assert refused.stderr.startswith(f"doorloop-central: {ENV_SECRET_KEY} is not set")
        with psycopg.connect(PG_DSN.replace("dbname=test", f"dbname={name}")) as conn:
            tables = conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchone()
        assert tables == (0,)
    finally:
        _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_serve_with_a_wrong_key_refuses_to_start(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = Storage.open(database_url)
    storage.add_region("noord")
    storage.add_user("anna", PASSWORD, role="desk", region="noord")
    enrol(storage, "anna")
    storage.close()
    wrong = {**_env_without_key(), ENV_SECRET_KEY: new_key_text()}
    started = subprocess.run(
        [sys.executable, "-m", "central_api", "serve", "--database-url", database_url,
         "--port", "1"],
        cwd=ROOT, env=wrong, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert started.returncode == 2
    assert "does not open with the key from DOORLOOP_CENTRAL_SECRET_KEY" in started.stderr
    assert "Traceback" not in started.stderr


def test_migrate_seals_plaintext_and_serve_on_the_default_database_makes_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make central` without any setting: the default SQLite database in the data dir
    gets a key file (0600) beside it on first use, and keeps using it."""
    monkeypatch.delenv(ENV_SECRET_KEY, raising=False)
    monkeypatch.delenv(ENV_SECRET_KEY_FILE, raising=False)
    monkeypatch.delenv("DOORLOOP_CENTRAL_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    database = tmp_path / "doorloop-central" / "central.sqlite3"
    key_file = database.with_name("central.sqlite3.key")
    database.parent.mkdir()
    storage = Storage.open(f"sqlite:///{database}")
    storage.add_region("noord")
    storage.add_user("anna", PASSWORD, role="desk", region="noord")
    uid = user_id(storage, "anna")
    store_plaintext_totp(storage, uid, OLD_SECRET)
    storage.close()
    assert not key_file.exists()
    assert central_main(["migrate"]) == 0
    assert capsys.readouterr().out == "database is up to date; 1 secrets sealed\n"
    assert key_file.exists() and (key_file.stat().st_mode & 0o777) == 0o600
    key = key_file.read_bytes()
    with serve(f"sqlite:///{database}", env={"XDG_DATA_HOME": str(tmp_path)}) as server:
        assert server.base
    assert key_file.read_bytes() == key
    storage = Storage.open(f"sqlite:///{database}")
    try:
        assert raw_totp(storage, uid).startswith("v1:")
        at = datetime.fromtimestamp(time.time(), UTC)
        store = WebStore(storage.engine, storage.secret_box)
        assert store.check_code(uid, pyotp.TOTP(OLD_SECRET).at(at), at)
    finally:
        storage.close()


def test_secret_key_new_prints_a_fresh_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert central_main(["secret-key", "new"]) == 0
    first = capsys.readouterr().out.strip()
    assert central_main(["secret-key", "new"]) == 0
    second = capsys.readouterr().out.strip()
    assert first != second
    assert len(base64.b64decode(first, validate=True)) == 32

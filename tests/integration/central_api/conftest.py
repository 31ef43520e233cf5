"""Fixtures: a fresh central database per test on SQLite and on PostgreSQL, and an API client.

PostgreSQL: 127.0.0.1:5432, user postgres (trust). Each test gets its own database, copied
from a migrated template database made once per session; both are dropped afterwards.
Only databases named doorloop_test_*/doorloop_tpl_* that these fixtures made are dropped.
When PostgreSQL is unreachable the PostgreSQL half is skipped, except under CI=true where
it fails.
"""

from __future__ import annotations

import os
import secrets
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from starlette.exceptions import StarletteDeprecationWarning

from central_api.app import create_app
from central_api.config import Settings
from central_api.db import make_engine, migrate
from central_api.secret_box import ENV_SECRET_KEY, new_key_text
from central_api.security import configure_password_hasher
from central_api.storage import Storage
from tests.helpers.central import PASSWORD

with warnings.catch_warnings():
    # starlette warns at import when the test client runs on httpx rather than httpx2.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
#: The author the item helpers put in; `Api.push` replaces it by the signed-in user
#: (the server takes who pushed from the token and refuses another user's name).
SIGNED_IN = "user-1"

# Cheap argon2 parameters: the tests log in often and the CI machine has two cores.
configure_password_hasher(time_cost=1, memory_cost=1024, parallelism=1)


def postgres_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason."""
    try:
        with psycopg.connect(PG_DSN) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc)
    return None


def _admin_sql(sql: str) -> None:
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    reason = postgres_reachable()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true: {reason}")
        pytest.skip(f"PostgreSQL not reachable: {reason}")
    name = f"doorloop_tpl_{secrets.token_hex(6)}"
    _admin_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(PG_URL.format(name=name))
    try:
        migrate(engine)
    finally:
        engine.dispose()
    # PostgreSQL needs the server key from the environment (SQLite makes a key file beside
    # the database): one for the session, inherited by the servers the tests start
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv(ENV_SECRET_KEY, new_key_text())
        yield name
    _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "central.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()  # the last close checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    if request.param == "sqlite":
        path = tmp_path / "central.sqlite3"
        path.write_bytes(sqlite_template.read_bytes())
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("pg_template")
    name = f"doorloop_test_{secrets.token_hex(6)}"
    _admin_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield PG_URL.format(name=name)
    finally:
        _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def storage(database_url: str) -> Iterator[Storage]:
    store = Storage.open(database_url)
    yield store
    store.close()


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def version(
    *,
    case_id: str | None = None,
    base: str | None = None,
    region: str = "noord",
    status: str = "draft",
    answers: dict[str, Any] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A synthetic case version as the desk would push it."""
    stamp = "2026-11-23T03:12:00+01:00"
    item: dict[str, Any] = {
        "version_id": str(uuid.uuid4()),
        "case_id": case_id or str(uuid.uuid4()),
        "base_version_id": base,
        "form": {"id": "intake", "version": "1"},
        "status": status,
        "answers": answers if answers is not None else {"youth.first_name": "Sem"},
        "region": region,
        "training": False,
        "created_at": stamp,
        "updated_at": stamp,
        "device_time": stamp,
        "created_by": SIGNED_IN,
        "created_by_name": None,
        "device_id": str(uuid.uuid4()),
    }
    item.update(overrides)
    return item


def audit_event(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "action": "case.update",
        "at_utc": "2026-11-23T02:12:00Z",
        "at_local": "2026-11-23T03:12:00+01:00",
        "user_id": SIGNED_IN,
        "display_name": "Test Gebruiker",
        "role": SIGNED_IN,
        "on_behalf_of": None,
        "case_id": str(uuid.uuid4()),
        "device_id": str(uuid.uuid4()),
        "outcome": "success",
        "prev_hash": None,
        "hash": secrets.token_hex(32),
    }
    item.update(overrides)
    return item


@dataclass
class Api:
    """A TestClient on a fresh database, with helpers to make regions, users and logins."""

    client: TestClient
    storage: Storage
    regions: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    # Authorization header value -> the signed-in user ({"id", "display_name", "role", ...})
    identities: dict[str, dict[str, Any]] = field(default_factory=dict)

    def user(self, username: str, *, role: str = "desk", region: str = "noord") -> None:
        if region not in self.regions:
            self.storage.add_region(region)
            self.regions.add(region)
        self.storage.add_user(username, PASSWORD, role=role, region=region)
        self.users.add(username)

    def login(self, username: str, *, role: str = "desk", region: str = "noord") -> dict[str, str]:
        """Create the user (first time) and log in; returns the Authorization header."""
        if username not in self.users:
            self.user(username, role=role, region=region)
        response = self.client.post(
            "/v1/auth/login",
            json={"username": username, "password": PASSWORD, "device_name": "laptop"},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        header = f"Bearer {body['token']}"
        self.identities[header] = {**body["user"], "device_id": body["device_id"]}
        return {"Authorization": header}

    def signed(self, headers: dict[str, str], items: list[dict[str, Any]] | None) -> list[Any]:
        """The items with the placeholder author (`SIGNED_IN`) replaced by the user of
        `headers`: a version's `created_by`, an audit event's `user_id` and `role`."""
        who = self.identities.get(headers.get("Authorization", ""))
        if who is None:
            return list(items or [])
        signed: list[Any] = []
        for item in items or []:
            if not isinstance(item, dict):
                signed.append(item)  # a malformed item, sent as it is
                continue
            item = dict(item)
            if item.get("created_by") == SIGNED_IN:
                item["created_by"] = who["id"]
            if item.get("user_id") == SIGNED_IN:
                item["user_id"] = who["id"]
            if item.get("role") == SIGNED_IN:
                item["role"] = who["role"]
            signed.append(item)
        return signed

    def push(
        self,
        headers: dict[str, str],
        versions: list[dict[str, Any]] | None = None,
        audit_events: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        response = self.client.post(
            "/v1/sync/push",
            json={
                "versions": self.signed(headers, versions),
                "audit_events": self.signed(headers, audit_events),
            },
            headers=headers,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def pull_all(self, headers: dict[str, str], since: int = 0) -> list[dict[str, Any]]:
        changes: list[dict[str, Any]] = []
        while True:
            response = self.client.get(
                "/v1/sync/pull", params={"since": since, "limit": 100}, headers=headers
            )
            assert response.status_code == 200, response.text
            body = response.json()
            changes.extend(body["changes"])
            since = body["next_since"]
            if not body["has_more"]:
                return changes


def make_api(
    storage: Storage, *, client: tuple[str, int] = ("testclient", 50000), **settings: Any
) -> Api:
    """An Api on `storage`; `client` is the peer address the server sees."""
    options: dict[str, Any] = {"rate_per_minute": 0, "migrate_on_start": False, **settings}
    app = create_app(Settings(database_url="unused://", **options), storage)
    return Api(client=TestClient(app, client=client), storage=storage)


@pytest.fixture
def api(storage: Storage) -> Iterator[Api]:
    made = make_api(storage)
    with made.client:
        yield made


@pytest.fixture
def web(storage: Storage) -> Iterator[Api]:
    """The API over `storage` for the web pages: redirects are not followed, so a test
    sees each 303 and where it points (modules with a richer world override it)."""
    made = make_api(storage)
    made.client.follow_redirects = False
    with made.client:
        yield made

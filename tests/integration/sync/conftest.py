"""Fixtures for the sync tests: a real central API process on a fresh database.

PostgreSQL databases are created per test module (``doorloop_sync_<random>``) and
dropped afterwards; other databases are never touched. When PostgreSQL is down the
PostgreSQL tests skip locally, but never under ``CI=true``.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from central_api.secret_box import ENV_SECRET_KEY, new_key_text
from central_api.storage import Storage
from desktop.store import Store, open_store
from desktop.sync import Backoff, SyncEngine
from tests.helpers.central import free_port
from tests.integration.sync.proxy import FaultProxy

ROOT = Path(__file__).resolve().parents[3]
CENTRAL = ROOT / ".venv" / "bin" / "doorloop-central"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSPHRASE = "sync test passphrase"
PASSWORD = "wachtwoord voor de synctest"
REGION = "demo"
#: the server key of the PostgreSQL servers these fixtures start (one per test process)
TEST_SECRET_KEY = new_key_text()


def pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except Exception:
        return False


def create_pg_database() -> tuple[str, str]:
    import psycopg

    name = f"doorloop_sync_{secrets.token_hex(6)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"postgresql://postgres@127.0.0.1:5432/{name}"


def drop_pg_database(name: str) -> None:
    import psycopg

    assert name.startswith("doorloop_sync_")
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Central:
    """A running `doorloop-central serve` process and its storage (for admin steps)."""

    database_url: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    extra_args: tuple[str, ...] = ("--rate-per-minute", "0")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        if self.log_path is None:
            self.log_path = Path(tempfile.mkdtemp(prefix="doorloop-central-")) / "server.log"
        log = self.log_path.open("ab")
        command = [str(CENTRAL) if CENTRAL.exists() else sys.executable]
        if not CENTRAL.exists():
            command += ["-m", "central_api"]
        self.process = subprocess.Popen(
            [
                *command,
                "serve",
                "--database-url",
                self.database_url,
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                *self.extra_args,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            env=self.environment(),
        )
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.log_path.read_text(errors="replace")
                raise RuntimeError(f"central API exited: {err[-2000:]}")
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("central API did not become healthy")

    def environment(self) -> dict[str, str]:
        """The server's environment: PostgreSQL needs the server key (this process's test
        key unless one is set); SQLite makes a key file beside the database."""
        env = dict(os.environ)
        if not self.database_url.startswith("sqlite"):
            env.setdefault(ENV_SECRET_KEY, TEST_SECRET_KEY)
        return env

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def storage(self) -> Storage:
        return Storage.open(self.database_url, migrate=False)


@contextmanager
def sqlite_central(folder: Path) -> Iterator[Central]:
    """A real server on a SQLite file in ``folder`` with the tests' region, stopped at
    the end (the desk UI tests share one per module)."""
    server = Central(f"sqlite:///{folder / 'central.sqlite3'}")
    server.start()
    storage = server.storage()
    storage.add_region(REGION)
    storage.close()
    try:
        yield server
    finally:
        server.stop()


def _database_params() -> list[str]:
    return ["postgresql", "sqlite"]


@pytest.fixture(scope="module")
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    backend = getattr(request, "param", "postgresql")
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("central") / "central.sqlite3"
        yield f"sqlite:///{path}"
        return
    if not pg_available():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is not reachable (CI never skips)")
        pytest.skip("PostgreSQL is not running locally")
    name, url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(name)


@pytest.fixture(scope="module")
def central(database_url: str) -> Iterator[Central]:
    server = Central(database_url)
    server.start()
    storage = server.storage()
    storage.add_region(REGION)
    storage.add_region("elders")
    storage.close()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def proxy(central: Central) -> Iterator[FaultProxy]:
    fault_proxy = FaultProxy(central.port)
    yield fault_proxy
    fault_proxy.close()


def add_user(central: Central, role: str = "desk", region: str = REGION) -> str:
    username = f"user-{secrets.token_hex(4)}"
    storage = central.storage()
    try:
        storage.add_user(username, PASSWORD, role=role, region=region)
    finally:
        storage.close()
    return username


def fast_backoff() -> Backoff:
    import random

    return Backoff(base=0.02, cap=0.2, rng=random.Random(7))


def fresh_region(central: Central) -> str:
    name = f"regio-{secrets.token_hex(4)}"
    storage = central.storage()
    try:
        storage.add_region(name)
    finally:
        storage.close()
    return name


def new_device(
    data_dir: Path,
    server_url: str,
    username: str,
    *,
    max_attempts: int = 25,
    region: str = REGION,
    **kwargs: object,
) -> tuple[Store, SyncEngine]:
    """A desk with a profile, logged in to ``server_url`` as ``username``."""
    store = open_store(data_dir, PASSPHRASE)
    if store.profile() is None:
        store.create_profile(f"Desk {data_dir.name}", "desk", region=region)
    engine = SyncEngine(
        store,
        backoff=fast_backoff(),
        max_attempts=max_attempts,
        use_keyring=False,
        **kwargs,  # type: ignore[arg-type]
    )
    _OPEN.append((store, engine))
    engine.login(server_url, username, PASSWORD, device_name=data_dir.name)
    return store, engine


_OPEN: list[tuple[Store, SyncEngine]] = []


@pytest.fixture(autouse=True)
def _close_desks() -> Iterator[None]:
    """Close every desk a test opened (engine transports and stores)."""
    yield
    while _OPEN:
        store, engine = _OPEN.pop()
        engine.close()
        store.close()


def server_versions(central: Central, storage: Storage | None = None) -> dict[str, str]:
    """version id → content hash of every version the server holds."""
    from sqlalchemy import select

    from central_api import db

    own = storage is None
    storage = storage or central.storage()
    try:
        with storage.engine.connect() as conn:
            rows = conn.execute(select(db.versions.c.id, db.versions.c.content_hash)).all()
    finally:
        if own:
            storage.close()
    return {row.id: row.content_hash for row in rows}

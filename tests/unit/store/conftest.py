"""Fixtures for store tests: a fresh encrypted store in a temporary data dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.store import Actor, Store, actor_for, open_store

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    opened = open_store(data_dir, PASSPHRASE)
    opened.create_profile("Anna de Vries", "desk")
    yield opened
    opened.close()


@pytest.fixture
def actor(store: Store) -> Actor:
    profile = store.profile()
    assert profile is not None
    return actor_for(profile)

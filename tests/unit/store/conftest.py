"""Fixtures for store tests: a fresh encrypted store in a temporary data dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.store import Actor, Store, actor_for


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def actor(store: Store) -> Actor:
    profile = store.profile()
    assert profile is not None
    return actor_for(profile)

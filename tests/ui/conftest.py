"""Fixtures for pytest-qt tests: a desk session over a fresh encrypted store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.session.desk import DeskSession
from desktop.store import Store
from tests.helpers.stores import make_session, opened_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh store without a profile: each test's session makes the one it needs."""
    with opened_store(tmp_path / "data", name=None) as opened:
        yield opened


@pytest.fixture
def session(store: Store) -> DeskSession:
    return make_session(store)

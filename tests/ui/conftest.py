"""Fixtures for pytest-qt tests: a desk session over a fresh encrypted store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.session.desk import DeskSession
from desktop.store import Store, open_store

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path / "data", PASSPHRASE)
    yield opened
    if not opened.locked:
        opened.close()


def make_session(store: Store, role: str = "desk", name: str = "Anna de Vries") -> DeskSession:
    profile = store.profile() or store.create_profile(name, role)
    return DeskSession(store, profile)


@pytest.fixture
def session(store: Store) -> DeskSession:
    return make_session(store)

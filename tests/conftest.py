"""Project-wide test setup: offscreen Qt, GUI marking, shared fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.i18n import set_language
from desktop.store import Store, configure_kdf
from tests.helpers.stores import opened_store

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Cheap Argon2 for the key slots of the many stores tests open (the stored parameters
# travel with each slot; the app as a process uses the real ones).
configure_kdf(time_cost=1, memory_cost=1024, parallelism=1)

TESTS = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark GUI, e2e and integration tests by folder, as qutebrowser does."""
    for item in items:
        path = Path(str(item.fspath))
        parts = path.relative_to(TESTS).parts if path.is_relative_to(TESTS) else ()
        if parts[:1] == ("ui",):
            item.add_marker(pytest.mark.gui)
        elif parts[:1] == ("e2e",):
            item.add_marker(pytest.mark.e2e)
        elif parts[:1] == ("integration",):
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh encrypted store with Anna de Vries (desk) as its profile."""
    with opened_store(tmp_path / "data") as opened:
        yield opened


@pytest.fixture(autouse=True)
def dutch() -> Iterator[None]:
    """Every test starts and ends with the default UI language (Dutch)."""
    set_language("nl")
    yield
    set_language("nl")

"""The one way tests open a desk store: encrypted, in a temporary data dir, with a profile."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from desktop.session.desk import DeskSession
from desktop.store import Store, open_store

PASSPHRASE = "correct horse battery staple"


@contextmanager
def opened_store(
    data_dir: Path, name: str | None = "Anna de Vries", role: str = "desk"
) -> Iterator[Store]:
    """A store in ``data_dir`` (a profile for ``name`` unless None), closed afterwards."""
    store = open_store(data_dir, PASSPHRASE)
    if name is not None and store.profile() is None:
        store.create_profile(name, role)
    try:
        yield store
    finally:
        if not store.locked:
            store.close()


def make_session(store: Store, role: str = "desk", name: str = "Anna de Vries") -> DeskSession:
    """A session for the store's profile (made for ``name`` and ``role`` when missing)."""
    profile = store.profile() or store.create_profile(name, role)
    return DeskSession(store, profile)

"""Where the device token lives: the OS keyring, or else the encrypted store.

Never a plain file: keyring backends that write plain text (or fail, or do nothing)
are refused, and the fallback is the ``sync_checkpoint`` table inside the SQLCipher
database. Which one holds the token is recorded next to the registration.
"""

from __future__ import annotations

import contextlib
from typing import Any, Literal

from desktop.store.sync_state import SyncState

SERVICE = "doorloop"
TOKEN_KEY = "auth.token"
LOCATION_KEY = "auth.token_location"
_INSECURE = ("fail", "null", "plaintext", "keyrings.alt.file", "uncryptedfile")

TokenLocation = Literal["keyring", "store"]


def secure_keyring() -> Any | None:
    """The active keyring backend if it keeps secrets safely, else None."""
    import keyring  # a dependency: a packaging fault fails loudly, not into the store

    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    label = f"{type(backend).__module__}.{type(backend).__name__}".casefold()
    if any(word in label for word in _INSECURE):
        return None
    try:
        if float(getattr(backend, "priority", 0)) <= 0:
            return None
    except Exception:
        return None
    return backend


class Credentials:
    """The device token of one server registration."""

    def __init__(self, state: SyncState, *, use_keyring: bool = True) -> None:
        self._state = state
        self._use_keyring = use_keyring

    @staticmethod
    def _account(server_url: str, device_id: str) -> str:
        return f"{server_url.rstrip('/')}#{device_id}"

    def save(self, server_url: str, device_id: str, token: str) -> TokenLocation:
        """Keep ``token``; returns where it went. Call inside the login's transaction."""
        backend = secure_keyring() if self._use_keyring else None
        if backend is not None:
            try:
                backend.set_password(SERVICE, self._account(server_url, device_id), token)
            except Exception:
                backend = None
        if backend is not None:
            self._state.delete(TOKEN_KEY)
            self._state.set(LOCATION_KEY, "keyring")
            return "keyring"
        self._state.set(TOKEN_KEY, token)
        self._state.set(LOCATION_KEY, "store")
        return "store"

    def location(self) -> TokenLocation | None:
        value = self._state.get(LOCATION_KEY)
        return value if value in ("keyring", "store") else None  # type: ignore[return-value]

    def token(self, server_url: str, device_id: str) -> str | None:
        if self.location() == "store":
            return self._state.get(TOKEN_KEY)
        if self.location() == "keyring":
            backend = secure_keyring()
            if backend is None:
                return None
            try:
                value = backend.get_password(SERVICE, self._account(server_url, device_id))
            except Exception:
                return None
            return str(value) if value else None
        return None

    def forget(self, server_url: str | None, device_id: str | None) -> None:
        if self.location() == "keyring" and server_url and device_id:
            backend = secure_keyring()
            if backend is not None:
                with contextlib.suppress(Exception):
                    backend.delete_password(SERVICE, self._account(server_url, device_id))
        self._state.delete(TOKEN_KEY)
        self._state.delete(LOCATION_KEY)

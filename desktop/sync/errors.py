"""The sync engine's named errors: what went wrong on the way to the central API.

Transient errors (network, 5xx, 408, 429) are retried with backoff; the others are not:
401/403 need the user to log in again, 410 starts a full resync, 422 quarantines an item.
"""

from __future__ import annotations

from doorloop_protocol import ErrorDetail


class SyncError(Exception):
    """Base class of sync failures."""


class TransientError(SyncError):
    """Worth retrying later: no connection, a timeout, a 5xx, 408 or 429."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class NetworkError(TransientError):
    """The request or its answer was lost (refused, reset, timed out, cut short)."""


class ServerBusy(TransientError):
    """The server answered 5xx, 408 or 429 (``retry_after`` from ``Retry-After``)."""


class AuthRequired(SyncError):
    """401/403: the token is unknown, revoked or not allowed; never retried by itself."""

    def __init__(self, message: str, *, status: int, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class CursorExpired(SyncError):
    """410: the pull cursor is older than the server's change log; resync from 0."""


class RequestRejected(SyncError):
    """The server refused the request itself (422 and other 4xx)."""

    def __init__(self, message: str, *, status: int, detail: ErrorDetail | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


class NotLoggedIn(SyncError):
    """No server registration (or token) on this device yet."""


class TrainingStoreRefused(SyncError):
    """Training stores never sync: the engine refuses to run on one."""


class SyncStopped(SyncError):
    """The engine was asked to stop while waiting to retry."""

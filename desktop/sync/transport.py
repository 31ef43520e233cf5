"""The wire to the central API: login, push and pull over HTTP with ``doorloop_protocol``.

``HttpTransport`` maps every outcome to a typed result or a named error
(:mod:`desktop.sync.errors`), so the engine never looks at status codes. ``Transport``
is the protocol the engine needs; tests hand it a fake. httpx is imported lazily so the
desk starts fast.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from desktop.sync.backoff import parse_retry_after
from desktop.sync.errors import (
    AuthRequired,
    CursorExpired,
    NetworkError,
    RequestRejected,
    ServerBusy,
)
from doorloop_protocol import (
    ErrorDetail,
    ErrorResponse,
    LoginRequest,
    LoginResponse,
    MeResponse,
    PullResponse,
    PushRequest,
    PushResponse,
    UnitAnswer,
)
from doorloop_protocol.pages import PageUnreadable, PullPage, read_pull_page

if TYPE_CHECKING:
    import httpx

M = TypeVar("M", bound=BaseModel)
RETRYABLE_STATUS = frozenset({408, 429})


class Transport(Protocol):
    """What the engine needs from the central API."""

    def login(self, request: LoginRequest) -> LoginResponse: ...

    def me(self) -> MeResponse: ...

    def push(self, request: PushRequest) -> PushResponse: ...

    def push_json(self, body: bytes) -> PushResponse:
        """Push a request body that is already JSON (a serialised :class:`PushRequest`)."""
        ...

    def pull(self, since: int, limit: int) -> PullResponse | PullPage:
        """A page of changes; a `PullPage` may list changes it could not read."""
        ...

    def logout(self) -> None:
        """Revoke the calling device (its token stops working at once)."""
        ...

    def directory_call(self, method: str, path: str, body: str | None = None) -> UnitAnswer:
        """A directory request (a hold, a capacity update); the unit as it now stands."""
        ...

    def confirm_wipe(self) -> None:
        """Tell the server this (revoked, lost) device erased its local store."""
        ...

    def close(self) -> None: ...


class HttpTransport:
    """httpx (sync) client of one central API base URL, with timeouts on every call."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 30.0,
        connect_timeout: float = 5.0,
        client: httpx.Client | None = None,
    ) -> None:
        import httpx

        self._httpx = httpx
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._client = client or httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            headers={"User-Agent": "doorloop-desk"},
        )

    def close(self) -> None:
        self._client.close()

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def _request(self, method: str, path: str, model: type[M], **kwargs: Any) -> M:
        content = self._call(method, path, **kwargs)
        try:
            return model.model_validate_json(content)
        except ValidationError as exc:
            # A body cut short or garbled on the way: the request may be retried.
            raise NetworkError(f"unreadable answer: {exc.error_count()} errors") from exc

    def _call(self, method: str, path: str, **kwargs: Any) -> bytes:
        """The body of a 2xx answer; every other outcome as its named error."""
        httpx = self._httpx
        try:
            response = self._client.request(method, path, headers=self._headers(), **kwargs)
        except httpx.TimeoutException as exc:
            raise NetworkError(f"timed out: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise NetworkError(f"connection failed: {exc!r}") from exc
        status = response.status_code
        if 200 <= status < 300:
            return response.content
        detail = _error_detail(response.content)
        message = detail.message if detail else f"HTTP {status}"
        if status >= 500 or status in RETRYABLE_STATUS:
            raise ServerBusy(
                message,
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status in (401, 403):
            raise AuthRequired(message, status=status, code=detail.code if detail else None)
        if status == 410:
            raise CursorExpired(message)
        raise RequestRejected(message, status=status, detail=detail)

    def login(self, request: LoginRequest) -> LoginResponse:
        return self._request(
            "POST", "/v1/auth/login", LoginResponse, content=request.model_dump_json()
        )

    def me(self) -> MeResponse:
        return self._request("GET", "/v1/me", MeResponse)

    def push(self, request: PushRequest) -> PushResponse:
        return self.push_json(request.model_dump_json().encode())

    def push_json(self, body: bytes) -> PushResponse:
        return self._request("POST", "/v1/sync/push", PushResponse, content=body)

    def pull(self, since: int, limit: int) -> PullPage:
        """One page, read change by change when it must be (see doorloop_protocol.pages):
        a change the desk cannot read is listed in `unreadable`, the rest is usable."""
        content = self._call("GET", "/v1/sync/pull", params={"since": since, "limit": limit})
        try:
            return read_pull_page(content)
        except PageUnreadable as exc:
            # The envelope itself is damaged: a body cut short on the way; retry.
            raise NetworkError(f"unreadable pull page: {exc}") from exc

    def logout(self) -> None:
        self._call("POST", "/v1/auth/logout")

    def indicators(self, start: str, end: str, *, public: bool = False) -> dict[str, Any]:
        """`GET /v1/indicators` of the user's region, [start, end) (coordinators only)."""
        params = {"from": start, "to": end, "public": "true" if public else "false"}
        content = self._call("GET", "/v1/indicators", params=params)
        try:
            data = json.loads(content)
        except ValueError as exc:
            raise NetworkError(f"unreadable indicators: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("indicators"), dict):
            raise NetworkError("unreadable indicators: no indicators object")
        return data

    def directory_call(self, method: str, path: str, body: str | None = None) -> UnitAnswer:
        return self._request(method, path, UnitAnswer, content=body)

    def confirm_wipe(self) -> None:
        self._call("POST", "/v1/devices/wipe-confirmed")


def _error_detail(content: bytes) -> ErrorDetail | None:
    try:
        return ErrorResponse.model_validate_json(content).error
    except ValidationError:
        return None

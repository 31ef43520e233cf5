"""The HTTP API (FastAPI): health, login/logout, push and pull, and the JSON error bodies.

Routes are thin: they authenticate the device, apply the per-device rate limit, validate
each pushed item on its own, and hand over to `central_api.storage.Storage`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from central_api import errors
from central_api.config import Settings
from central_api.errors import ApiError
from central_api.events import ChangeFeed, events_router
from central_api.load import PushGate, tune_interpreter
from central_api.rate_limit import SharedRateLimiter, rate_limiter
from central_api.security import RateLimiter
from central_api.storage import CursorExpired, Principal, Storage
from central_api.throttle import Busy, HashGate, LoginThrottle, Throttled, ThrottlePolicy
from doorloop_protocol import (
    MAX_BATCH_AUDIT_EVENTS,
    MAX_BATCH_VERSIONS,
    TEXT_CHECKED,
    AuditEventItem,
    ErrorResponse,
    HealthResponse,
    LoginRequest,
    LoginResponse,
    MeResponse,
    PullResponse,
    PushRequest,
    PushResponse,
    PushResult,
    UserInfo,
    VersionItem,
    content_hash,
    json_text_is_storable,
)
from doorloop_protocol.limits import (
    MAX_BODY_BYTES,
    MAX_ITEM_BYTES,
    MAX_ITEM_DEPTH,
    JsonLimitError,
    deepest_member,
    depth_exceeds,
    load_bounded,
    split_top_level,
    too_deep,
)

log = logging.getLogger("central_api")

API_VERSION = "0.1.0"
MAX_SEQ = 2**62
DEFAULT_PULL_LIMIT = 500
MAX_PULL_LIMIT = 5000
LOGIN_BUSY_RETRY = 2  # seconds a login refused for a full hash queue waits

_bearer = HTTPBearer(auto_error=False, description="The device token from /v1/auth/login.")

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "No valid token, or the device is revoked."},
    422: {"model": ErrorResponse, "description": "Invalid request; `field` names the field."},
    429: {"model": ErrorResponse, "description": "Rate limited; honour `Retry-After`."},
}


def _field_of(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _error_response(exc: ApiError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.code.status, headers=exc.headers)


PUSH_BODY_DEPTH = MAX_ITEM_DEPTH + 2  # envelope, list, item


def _rejected(item_id: str, field: str | None, message: str) -> PushResult:
    return PushResult(
        id=item_id[:100],
        result="rejected",
        stored=False,
        reason="invalid",
        field=field,
        message=message,
    )


def _item_rejection(
    kind: str, index: int, raw: Any, model: type[VersionItem] | type[AuditEventItem]
) -> VersionItem | AuditEventItem | PushResult:
    """One pushed item (decoded JSON, or the raw bytes of an item the body was too deep
    to decode whole) as its model, or its rejection naming the field."""
    key = "version_id" if kind == "version" else "event_id"
    position = f"{kind}s.{index}"
    if isinstance(raw, bytes):
        if len(raw) > MAX_ITEM_BYTES:
            return _rejected(f"#{index}", _largest_member(raw) or position, _too_large())
        try:
            raw = load_bounded(raw, depth=MAX_ITEM_DEPTH, constants=True)
        except JsonLimitError as exc:
            is_object = raw.lstrip()[:1] == b"{"
            field = (deepest_member(raw, MAX_ITEM_DEPTH) if is_object else None) or position
            return _rejected(f"#{index}", field, str(exc))
    item_id = str(raw.get(key)) if isinstance(raw, dict) and raw.get(key) else f"#{index}"
    if not isinstance(raw, dict):
        return _rejected(item_id, position, "An item must be a JSON object.")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        return _rejected(item_id, _field_of(first["loc"]), str(first["msg"]))


def _too_large() -> str:
    return f"The item is larger than {MAX_ITEM_BYTES} bytes."


def _largest_member(raw: bytes) -> str | None:
    try:
        kind, members = split_top_level(raw)
    except JsonLimitError:
        return None
    if kind != "object" or not members:
        return None
    return max(members, key=lambda m: len(m.raw)).key


def _envelope(body: bytes) -> dict[str, Any]:
    """The push body's top-level members: decoded when shallow, else as raw lists of
    item bytes (never decoded deeper than the envelope). Raises ApiError (422)."""
    if not depth_exceeds(body, PUSH_BODY_DEPTH):
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(errors.MALFORMED_JSON, f"The body is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ApiError(errors.INVALID_REQUEST, "The body must be a JSON object.", field="body")
        return data
    try:
        kind, members = split_top_level(body)
    except JsonLimitError as exc:
        raise ApiError(errors.MALFORMED_JSON, f"The body is not valid JSON: {exc}") from exc
    if kind != "object":
        raise ApiError(errors.INVALID_REQUEST, "The body must be a JSON object.", field="body")
    data: dict[str, Any] = {}
    for member in members:
        name = member.key or ""
        if name not in ("versions", "audit_events"):
            data[name] = None
            continue
        try:
            inner, elements = split_top_level(member.raw)
        except JsonLimitError:
            inner, elements = "", []
        if inner != "array":
            raise ApiError(errors.INVALID_REQUEST, "Must be a list.", field=name)
        data[name] = [element.raw for element in elements]
    return data


def parse_push(body: bytes) -> tuple[list[Any], list[Any]]:
    """Split a push body into per-item models or rejections; envelope errors raise 422.

    A valid batch (the usual case) is validated in one pass from the JSON bytes; only a
    batch with a problem is parsed again item by item, to name each bad item. Nothing is
    ever decoded deeper than the limits (``doorloop_protocol.limits``): an item nested
    too deep is rejected on its own, the rest of its batch is read as usual.
    """
    context = {TEXT_CHECKED: True} if json_text_is_storable(body) else None
    try:
        # pydantic's parser stops at 200 levels: deeper bodies fail here and go below
        whole = PushRequest.model_validate_json(body, context=context)
    except ValidationError:
        pass
    else:
        if not any(_nested_too_deep(item) for item in [*whole.versions, *whole.audit_events]):
            return list(whole.versions), list(whole.audit_events)
    data = _envelope(body)
    unknown = sorted(set(data) - {"versions", "audit_events"})
    if unknown:
        raise ApiError(errors.INVALID_REQUEST, "Unknown field.", field=unknown[0])
    raw_versions = data.get("versions", [])
    raw_events = data.get("audit_events", [])
    for name, raw, limit in (
        ("versions", raw_versions, MAX_BATCH_VERSIONS),
        ("audit_events", raw_events, MAX_BATCH_AUDIT_EVENTS),
    ):
        if not isinstance(raw, list):
            raise ApiError(errors.INVALID_REQUEST, "Must be a list.", field=name)
        if len(raw) > limit:
            raise ApiError(errors.INVALID_REQUEST, f"At most {limit} items per batch.", field=name)
    versions = [
        _item_rejection("version", i, raw, VersionItem) for i, raw in enumerate(raw_versions)
    ]
    events = [
        _item_rejection("audit_event", i, raw, AuditEventItem) for i, raw in enumerate(raw_events)
    ]
    return versions, events


def _nested_too_deep(item: VersionItem | AuditEventItem) -> bool:
    """True when a free-form field of a parsed item nests deeper than the item limit
    (the fast path skips the per-field checks; this walks only the containers)."""
    fields = (item.answers, item.legal_flags) if isinstance(item, VersionItem) else (item.details,)
    return any(too_deep(value, MAX_ITEM_DEPTH - 1) for value in fields)


def _item_rule(item: VersionItem | AuditEventItem) -> tuple[str, str] | None:
    """A problem of a parsed item that its model cannot see: (field, message) or None."""
    if isinstance(item, VersionItem):
        if item.base_version_id == item.version_id:
            return "base_version_id", "A version cannot be based on itself."
        if item.version_id in item.resolves:
            return "resolves", "A version cannot resolve itself."
        if item.base_version_id is not None and item.base_version_id in item.resolves:
            return "resolves", "A version cannot resolve its own base."
    return None


_DEVICE = {"device_id"}


def prepare_push(
    versions: list[Any], events: list[Any], device_id: str
) -> tuple[list[Any], list[Any], dict[int, tuple[str, str]]]:
    """Hash and serialise each parsed item (outside the sequence lock); an item over
    the size limit or breaking a rule of its own becomes its rejection.

    A version is stored with the pushing device (`device_id`, from the token) as its
    `device_id`: where it was sent from is the server's fact, not the body's claim (it is
    not part of the content, so retries from another device stay duplicates)."""
    prepared: dict[int, tuple[str, str]] = {}
    device = UUID(device_id)

    def check(kind: str, items: list[Any]) -> list[Any]:
        out: list[Any] = []
        key = "version_id" if kind == "version" else "event_id"
        for item in items:
            if isinstance(item, PushResult):
                out.append(item)
                continue
            item_id = str(getattr(item, key))
            problem = _item_rule(item)
            if problem is not None:
                out.append(_rejected(item_id, *problem))
                continue
            if isinstance(item, VersionItem):  # the device from the token, as the last key
                stored = item.model_dump_json(exclude=_DEVICE)[:-1] + f',"device_id":"{device}"}}'
            else:
                stored = item.model_dump_json()
            if len(stored) > MAX_ITEM_BYTES:
                sizes = {
                    name: len(json.dumps(value))
                    for name, value in item.model_dump(mode="json").items()
                }
                out.append(_rejected(item_id, max(sizes, key=sizes.__getitem__), _too_large()))
                continue
            prepared[id(item)] = (content_hash(item), stored)
            out.append(item)
        return out

    return check("version", versions), check("audit_event", events), prepared


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed ``limit``."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise ApiError(
            errors.PAYLOAD_TOO_LARGE, f"The body is larger than {limit} bytes.", field="body"
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(
                errors.PAYLOAD_TOO_LARGE, f"The body is larger than {limit} bytes.", field="body"
            )
        chunks.append(chunk)
    return b"".join(chunks)


class SecurityHeaders:
    """ASGI middleware: every answer carries `Cache-Control: no-store` (answers hold
    personal data: no proxy or browser may keep them) and `X-Content-Type-Options:
    nosniff`."""

    HEADERS = ((b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff"))

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                names = {bytes(name).lower() for name, _value in message.get("headers", [])}
                extra = [pair for pair in self.HEADERS if pair[0] not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


_QUERY_VALUE = re.compile(r"([?&][^=&#\s]+)=([^&#\s]*)")
_SHOWN_PARAMETERS = frozenset({"since", "limit"})


def redact_query(path: str) -> str:
    """A request path with every query value except `since` and `limit` replaced by
    `***` (a token put in the query by mistake must never reach a log)."""

    def hide(match: re.Match[str]) -> str:
        name = match.group(1)
        return match.group(0) if name[1:] in _SHOWN_PARAMETERS else f"{name}=***"

    return _QUERY_VALUE.sub(hide, path)


class RedactQueryFilter(logging.Filter):
    """A filter for uvicorn's access log: query values are redacted (see redact_query)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_query(args[2]), *args[3:])
        return True


def install_log_redaction() -> None:
    """Redact query values in uvicorn's access log (once per process)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactQueryFilter) for f in access.filters):
        access.addFilter(RedactQueryFilter())


def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The device behind the bearer token; 401 when unknown or revoked, 429 when too fast."""
    storage: Storage = request.app.state.storage
    limiter: RateLimiter | SharedRateLimiter = request.app.state.limiter
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(errors.UNAUTHORIZED, headers=challenge)
    token = credentials.credentials
    if not token or len(token) > 200:
        raise ApiError(errors.UNAUTHORIZED, headers=challenge)
    principal = storage.principal(token)
    if principal is None:
        raise ApiError(errors.UNAUTHORIZED, headers=challenge)
    if principal.revoked:
        storage.record("auth.denied", "device_revoked", principal)
        raise ApiError(errors.DEVICE_REVOKED, headers=challenge)
    wait = limiter.take(principal.device_id)
    if wait is not None:
        raise ApiError(errors.RATE_LIMITED, headers={"Retry-After": str(wait)})
    return principal


Authenticated = Annotated[Principal, Depends(authenticated)]


def app_from_env() -> FastAPI:
    """The app of one worker of ``doorloop-central serve --workers N`` (settings from
    the environment the parent set up)."""
    return create_app(Settings.from_env())


def create_app(settings: Settings, storage: Storage | None = None) -> FastAPI:
    """Build the API on `storage` (opened, and migrated when configured, from settings)."""
    if storage is None:
        storage = Storage.open(settings.database_url, migrate=settings.migrate_on_start)
    limiter = rate_limiter(storage.engine, settings.rate_per_minute, settings.rate_burst)
    # Logins are throttled whatever --rate-per-minute says, in the database (all workers).
    login_throttle = LoginThrottle(
        storage.engine,
        ThrottlePolicy(
            user_client_free=settings.login_free_failures,
            client_free=settings.login_client_free_failures,
            base_delay=settings.login_delay_base,
            max_delay=settings.login_delay_max,
            forget_after=settings.login_forget_after,
        ),
    )
    hash_gate = HashGate(
        settings.login_hash_slots, settings.login_hash_queue, settings.login_hash_wait
    )
    app = FastAPI(
        title="Doorloop central API",
        version=API_VERSION,
        description="Sync, auth and reference data for Doorloop desks. "
        "The protocol is written down in docs/central-api.md.",
        docs_url="/docs" if settings.api_docs else None,
        redoc_url="/redoc" if settings.api_docs else None,
    )
    app.state.storage = storage
    app.state.settings = settings
    app.state.limiter = limiter
    app.state.hash_gate = hash_gate
    app.state.change_feed = ChangeFeed(storage.engine)
    push_gate = PushGate(settings.push_slots)
    tune_interpreter()
    app.add_middleware(SecurityHeaders)
    install_log_redaction()

    @app.exception_handler(ClientDisconnect)
    async def _client_gone(request: Request, _exc: ClientDisconnect) -> Response:
        # Not an error: the desk keeps its outbox and sends the batch again.
        log.info("client disconnected during %s %s", request.method, request.url.path)
        return Response(status_code=400)

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": ("body",), "msg": "invalid"}
        field = _field_of(first.get("loc", ()))
        code = errors.MALFORMED_JSON if first.get("type") == "json_invalid" else None
        return _error_response(
            ApiError(code or errors.INVALID_REQUEST, str(first.get("msg")), field=field)
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            404: errors.NOT_FOUND,
            405: errors.METHOD_NOT_ALLOWED,
            401: errors.UNAUTHORIZED,
            403: errors.FORBIDDEN,
        }.get(exc.status_code)
        if code is None:
            body = {
                "error": {
                    "code": "http_error",
                    "errno": 999,
                    "message": str(exc.detail),
                    "field": None,
                }
            }
            return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
        return JSONResponse(errors.error_body(code), status_code=code.status, headers=exc.headers)

    @app.exception_handler(CursorExpired)
    async def _cursor_expired(_request: Request, exc: CursorExpired) -> JSONResponse:
        return _error_response(ApiError(errors.CURSOR_EXPIRED, field="since"))

    @app.exception_handler(Exception)
    async def _internal(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        response = _error_response(ApiError(errors.INTERNAL_ERROR))
        # answered outside the middleware (by Starlette's outermost error handler)
        response.headers.update({k.decode(): v.decode() for k, v in SecurityHeaders.HEADERS})
        return response

    def user_info(p: Principal) -> UserInfo:
        return UserInfo(
            id=p.user_id,
            username=p.username,
            display_name=p.display_name,
            role=p.role,  # type: ignore[arg-type]
            region=p.region,
        )

    @app.get("/v1/health", response_model=HealthResponse, tags=["service"])
    def health() -> Any:
        """Answers 200 when the service and its database are ready."""
        try:
            dialect = storage.ping()
        except Exception as exc:
            log.warning("health check failed: %s", exc)
            return _error_response(ApiError(errors.SERVICE_UNAVAILABLE))
        return HealthResponse(status="ok", database=dialect, version=API_VERSION)

    def check_login(body: LoginRequest, client: str) -> LoginResponse:
        """Throttle, check the password (bounded by the hash gate), register the device."""
        installation = str(body.installation_id) if body.installation_id else None
        known = storage.known_installation(body.username, installation)
        try:
            attempt = login_throttle.begin(body.username, client, installation if known else None)
        except Throttled as exc:
            storage.record("auth.login", "throttled", None, username=body.username)
            raise ApiError(
                errors.RATE_LIMITED, headers={"Retry-After": str(exc.retry_after)}
            ) from None
        try:
            with hash_gate.hashing():
                user = storage.authenticate(body.username, body.password)
        except Busy:
            login_throttle.withdraw(attempt)
            raise
        if user is None:
            storage.record("auth.login", "invalid_credentials", None, username=body.username)
            raise ApiError(errors.INVALID_CREDENTIALS)
        login_throttle.succeeded(attempt)
        device_id, token = storage.register_device(user, body.device_name, installation)
        return LoginResponse(
            token=token,
            device_id=device_id,  # type: ignore[arg-type]
            user=UserInfo(
                id=user.id,
                username=user.username,
                display_name=user.display_name,
                role=user.role,  # type: ignore[arg-type]
                region=user.region,
            ),
        )

    @app.post(
        "/v1/auth/login",
        response_model=LoginResponse,
        tags=["auth"],
        responses={
            401: ERROR_RESPONSES[401],
            422: ERROR_RESPONSES[422],
            429: ERROR_RESPONSES[429],
            503: {"model": ErrorResponse, "description": "Busy; honour `Retry-After`."},
        },
    )
    async def login(body: LoginRequest, request: Request) -> Any:
        """Check the user's password and give this device a token.

        A login with an `installation_id` that already has a live device of this user gets
        that device again (with a new token); otherwise a new device is registered.
        """
        busy = ApiError(
            errors.SERVICE_UNAVAILABLE,
            "Too many logins are being checked right now; retry after Retry-After seconds.",
            headers={"Retry-After": str(LOGIN_BUSY_RETRY)},
        )
        if not hash_gate.try_enter():
            raise busy
        client = request.client.host if request.client else "unknown"
        try:
            return await run_in_threadpool(check_login, body, client)
        except Busy:
            raise busy from None
        finally:
            hash_gate.leave()

    @app.post(
        "/v1/auth/logout",
        status_code=204,
        tags=["auth"],
        responses={401: ERROR_RESPONSES[401], 429: ERROR_RESPONSES[429]},
    )
    def logout(principal: Authenticated) -> Response:
        """Revoke this device's token (the device must log in again to sync)."""
        storage.revoke_device(principal.device_id)
        return Response(status_code=204)

    @app.get(
        "/v1/me",
        response_model=MeResponse,
        tags=["auth"],
        responses={401: ERROR_RESPONSES[401], 429: ERROR_RESPONSES[429]},
    )
    def me(principal: Authenticated) -> Any:
        """Who this token belongs to (a cheap token check for the desk)."""
        return MeResponse(device_id=principal.device_id, user=user_info(principal))  # type: ignore[arg-type]

    @app.post(
        "/v1/sync/push",
        response_model=PushResponse,
        tags=["sync"],
        responses=ERROR_RESPONSES,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/PushRequest"}}
                },
            }
        },
    )
    async def push(request: Request, principal: Authenticated) -> Response:
        """Store a batch of versions and audit events; one result per item, in order."""
        body = await _read_body(request, MAX_BODY_BYTES)

        def work() -> PushResponse:
            versions, events = parse_push(body)
            versions, events, prepared = prepare_push(versions, events, principal.device_id)
            return storage.push(principal, versions, events, prepared=prepared)

        async with push_gate:  # see central_api.load: queue here, not on the seq lock
            result = await run_in_threadpool(work)
        return Response(result.model_dump_json(), media_type="application/json")

    @app.get(
        "/v1/sync/pull",
        response_model=PullResponse,
        tags=["sync"],
        responses={
            **ERROR_RESPONSES,
            410: {"model": ErrorResponse, "description": "Cursor too old: resync from 0."},
        },
    )
    def pull(
        principal: Authenticated,
        since: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT,
    ) -> Response:
        """Changes this user may see after server sequence `since` (exclusive), oldest first."""
        return Response(storage.pull(principal, since, limit), media_type="application/json")

    app.include_router(events_router(authenticated))

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        push_schema = PushRequest.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in push_schema.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components["PushRequest"] = push_schema
        app.openapi_schema = schema
        return schema

    app.openapi = custom_openapi  # type: ignore[method-assign]
    return app

"""The HTTP API (FastAPI): the app, its middleware and the JSON error bodies.

`create_app` builds the app state (storage, rate limiter, login throttle, hash gate), the
exception handlers and the OpenAPI schema, and includes one router per area
(`central_api.routes`: service, auth, sync). Routes are thin: they authenticate the
device, apply the per-device rate limit, validate each pushed item on its own
(`central_api.push_body`), and hand over to `central_api.storage.Storage`.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from central_api import errors, secrets_at_rest
from central_api.config import Settings
from central_api.errors import ApiError
from central_api.events import ChangeFeed, events_router
from central_api.load import PushGate, tune_interpreter
from central_api.push_body import field_of, parse_push, prepare_push
from central_api.rate_limit import rate_limiter
from central_api.routes import access, auth, directory, service, sync
from central_api.routes.deps import ERROR_RESPONSES, Authenticated, authenticated, error_response
from central_api.routes.service import API_VERSION
from central_api.secret_box import SecretKeyError
from central_api.storage import CursorExpired, Storage
from central_api.throttle import HashGate, LoginThrottle, ThrottlePolicy
from central_api.web import install_web, web_routers
from doorloop_protocol import PushRequest

# Kept importable from here for the CLI, the tests and other modules.
__all__ = [
    "API_VERSION",
    "ERROR_RESPONSES",
    "Authenticated",
    "RedactQueryFilter",
    "SecurityHeaders",
    "app_from_env",
    "authenticated",
    "create_app",
    "install_log_redaction",
    "parse_push",
    "prepare_push",
    "redact_query",
]

log = logging.getLogger("central_api")


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


def app_from_env() -> FastAPI:
    """The app of one worker of ``doorloop-central serve --workers N`` (settings from
    the environment the parent set up)."""
    return create_app(Settings.from_env())


def create_app(settings: Settings, storage: Storage | None = None) -> FastAPI:
    """Build the API on `storage` (opened, and migrated when configured, from settings).

    Refuses to start (`SecretKeyError`, naming the setting) without a server key for the
    database or with one that does not open its sealed secrets; secrets still stored in
    the clear are sealed here (`central_api.secrets_at_rest`).
    """
    opened = storage is None
    if storage is None:
        storage = Storage.open(settings.database_url, migrate=settings.migrate_on_start)
    try:
        secrets_at_rest.prepare(storage.engine, storage.secret_box)
    except SecretKeyError:
        if opened:
            storage.close()
        raise
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
    app.state.login_throttle = login_throttle
    app.state.change_feed = ChangeFeed(storage.engine)
    # see central_api.load: pushes queue here, not on the seq lock
    app.state.push_gate = PushGate(settings.push_slots)
    tune_interpreter()
    app.add_middleware(SecurityHeaders)
    install_log_redaction()

    app.include_router(service.router)
    app.include_router(auth.router)
    app.include_router(sync.router)
    app.include_router(directory.router)
    app.include_router(access.router)
    app.include_router(events_router(authenticated))
    install_web(app, web_routers())

    install_error_handlers(app)
    install_openapi(app)
    return app


def install_error_handlers(app: FastAPI) -> None:
    """Every failure answers the JSON error body of its catalogue code (central_api.errors)."""

    @app.exception_handler(ClientDisconnect)
    async def _client_gone(request: Request, _exc: ClientDisconnect) -> Response:
        # Not an error: the desk keeps its outbox and sends the batch again.
        log.info("client disconnected during %s %s", request.method, request.url.path)
        return Response(status_code=400)

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": ("body",), "msg": "invalid"}
        field = field_of(first.get("loc", ()))
        code = errors.MALFORMED_JSON if first.get("type") == "json_invalid" else None
        return error_response(
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
        return error_response(ApiError(errors.CURSOR_EXPIRED, field="since"))

    @app.exception_handler(Exception)
    async def _internal(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        response = error_response(ApiError(errors.INTERNAL_ERROR))
        # answered outside the middleware (by Starlette's outermost error handler)
        response.headers.update({k.decode(): v.decode() for k, v in SecurityHeaders.HEADERS})
        return response


def install_openapi(app: FastAPI) -> None:
    """The schema, with the push body documented as `PushRequest` (the route reads raw bytes)."""

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

    from central_api.indicators.router import indicators_router

    app.include_router(indicators_router(authenticated))
    app.openapi = custom_openapi  # type: ignore[method-assign]

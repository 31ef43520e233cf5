"""What every route shares: the storage and login guards from the app state, the device
behind the bearer token, and the documented error answers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from central_api import errors
from central_api.errors import ApiError
from central_api.rate_limit import SharedRateLimiter
from central_api.security import RateLimiter
from central_api.storage import Principal, Storage
from doorloop_protocol import ErrorResponse, UserInfo

_bearer = HTTPBearer(auto_error=False, description="The device token from /v1/auth/login.")

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "No valid token, or the device is revoked."},
    422: {"model": ErrorResponse, "description": "Invalid request; `field` names the field."},
    429: {"model": ErrorResponse, "description": "Rate limited; honour `Retry-After`."},
}


def error_response(exc: ApiError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.code.status, headers=exc.headers)


def storage_of(request: Request) -> Storage:
    """The storage `create_app` put in the app state."""
    storage: Storage = request.app.state.storage
    return storage


StorageDep = Annotated[Storage, Depends(storage_of)]


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
    if principal.revoked and principal.wipe:
        storage.record("auth.denied", "device_wipe", principal)
        raise ApiError(errors.DEVICE_WIPE, headers=challenge)
    if principal.revoked:
        storage.record("auth.denied", "device_revoked", principal)
        raise ApiError(errors.DEVICE_REVOKED, headers=challenge)
    wait = limiter.take(principal.device_id)
    if wait is not None:
        raise ApiError(errors.RATE_LIMITED, headers={"Retry-After": str(wait)})
    return principal


Authenticated = Annotated[Principal, Depends(authenticated)]


def user_info(p: Principal) -> UserInfo:
    return UserInfo(
        id=p.user_id,
        username=p.username,
        display_name=p.display_name,
        role=p.role,  # type: ignore[arg-type]
        region=p.region,
        organization_id=p.organization_id,
    )

"""Auth routes: login (throttled, its password hashing bounded), logout and me."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from central_api import errors
from central_api.errors import ApiError
from central_api.routes.deps import ERROR_RESPONSES, Authenticated, StorageDep, user_info
from central_api.storage import Storage
from central_api.throttle import Busy, HashGate, LoginThrottle, Throttled
from doorloop_protocol import ErrorResponse, LoginRequest, LoginResponse, MeResponse, UserInfo

LOGIN_BUSY_RETRY = 2  # seconds a login refused for a full hash queue waits

router = APIRouter(tags=["auth"])


def check_login(
    storage: Storage,
    login_throttle: LoginThrottle,
    hash_gate: HashGate,
    body: LoginRequest,
    client: str,
) -> LoginResponse:
    """Throttle, check the password (bounded by the hash gate), register the device."""
    installation = str(body.installation_id) if body.installation_id else None
    known = storage.known_installation(body.username, installation)
    try:
        attempt = login_throttle.begin(body.username, client, installation if known else None)
    except Throttled as exc:
        storage.record("auth.login", "throttled", None, username=body.username)
        raise ApiError(errors.RATE_LIMITED, headers={"Retry-After": str(exc.retry_after)}) from None
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
            organization_id=user.organization_id,
        ),
    )


@router.post(
    "/v1/auth/login",
    response_model=LoginResponse,
    responses={
        401: ERROR_RESPONSES[401],
        422: ERROR_RESPONSES[422],
        429: ERROR_RESPONSES[429],
        503: {"model": ErrorResponse, "description": "Busy; honour `Retry-After`."},
    },
)
async def login(body: LoginRequest, request: Request, storage: StorageDep) -> Any:
    """Check the user's password and give this device a token.

    A login with an `installation_id` that already has a live device of this user gets
    that device again (with a new token); otherwise a new device is registered.
    """
    hash_gate: HashGate = request.app.state.hash_gate
    login_throttle: LoginThrottle = request.app.state.login_throttle
    busy = ApiError(
        errors.SERVICE_UNAVAILABLE,
        "Too many logins are being checked right now; retry after Retry-After seconds.",
        headers={"Retry-After": str(LOGIN_BUSY_RETRY)},
    )
    if not hash_gate.try_enter():
        raise busy
    client = request.client.host if request.client else "unknown"
    try:
        return await run_in_threadpool(
            check_login, storage, login_throttle, hash_gate, body, client
        )
    except Busy:
        raise busy from None
    finally:
        hash_gate.leave()


@router.post(
    "/v1/auth/logout",
    status_code=204,
    responses={401: ERROR_RESPONSES[401], 429: ERROR_RESPONSES[429]},
)
def logout(principal: Authenticated, storage: StorageDep) -> Response:
    """Revoke this device's token (the device must log in again to sync)."""
    storage.revoke_device(principal.device_id)
    return Response(status_code=204)


@router.get(
    "/v1/me",
    response_model=MeResponse,
    responses={401: ERROR_RESPONSES[401], 429: ERROR_RESPONSES[429]},
)
def me(principal: Authenticated) -> Any:
    """Who this token belongs to (a cheap token check for the desk)."""
    return MeResponse(device_id=principal.device_id, user=user_info(principal))  # type: ignore[arg-type]

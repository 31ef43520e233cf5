"""Break-the-glass (issue 21): open a case outside one's view with a reason.

`POST /v1/cases/{case_id}/break-glass` with `{"reason": "...", "note": "..."}`: allowed
at once, audited as `case.break_glass`, and the case stays in the user's pulls for a
while (`doorloop_protocol.privacy.GRANT_HOURS`). An empty or unknown reason answers 422
naming the field; a trainer gets 403; a case of another region answers 404.

`POST /v1/devices/wipe-confirmed`: a device revoked as lost (401 `device_wipe`) erased
its local store; the admin sees it in `doorloop-central device list`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from central_api import errors
from central_api.errors import ApiError
from central_api.routes.deps import ERROR_RESPONSES, Authenticated, StorageDep
from central_api.storage import AccessRefused, BadReason, NotFound
from doorloop_protocol import ErrorResponse
from doorloop_protocol.privacy import BREAK_GLASS_REASONS, MAX_NOTE_LENGTH

router = APIRouter(tags=["access"])


_bearer = HTTPBearer(auto_error=False, description="The (revoked) device's token.")


@router.post(
    "/v1/devices/wipe-confirmed",
    status_code=204,
    responses={401: {"model": ErrorResponse, "description": "Unknown token, or no wipe asked."}},
)
def wipe_confirmed(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Response:
    """A device revoked as lost confirms that it erased its local store (issue 21).
    Takes the revoked token (nothing else accepts it)."""
    storage = request.app.state.storage
    token = credentials.credentials if credentials is not None else ""
    principal = storage.principal(token) if token and len(token) <= 200 else None
    if principal is None or not storage.confirm_wipe(principal):
        raise ApiError(errors.UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})
    return Response(status_code=204)


class BreakGlassRequest(BaseModel):
    reason: str = Field(description=f"One of {', '.join(BREAK_GLASS_REASONS)}.", max_length=40)
    note: str = Field(description="Why, in the user's words (required).", max_length=2000)


class BreakGlassResponse(BaseModel):
    case_id: str
    granted_until: str
    versions: list[dict[str, Any]]


@router.post(
    "/v1/cases/{case_id}/break-glass",
    response_model=BreakGlassResponse,
    responses={
        **ERROR_RESPONSES,
        403: {"model": ErrorResponse, "description": "A trainer never opens production cases."},
        404: {"model": ErrorResponse, "description": "No such case in the user's region."},
    },
)
async def break_glass(
    body: BreakGlassRequest,
    principal: Authenticated,
    storage: StorageDep,
    case_id: Annotated[str, Path(min_length=1, max_length=36)],
) -> Any:
    """Open a case outside the user's view; returns its versions."""
    try:
        return await run_in_threadpool(
            storage.break_glass, principal, case_id, body.reason, body.note
        )
    except BadReason as exc:
        message = (
            f"Choose a reason: one of {', '.join(BREAK_GLASS_REASONS)}."
            if exc.field == "reason"
            else f"Explain the opening in a note of 1 to {MAX_NOTE_LENGTH} characters."
        )
        raise ApiError(errors.INVALID_REQUEST, message, field=exc.field) from exc
    except AccessRefused as exc:
        raise ApiError(errors.FORBIDDEN, str(exc)) from exc
    except NotFound as exc:
        raise ApiError(errors.NOT_FOUND, "No such case in your region.", field="case_id") from exc

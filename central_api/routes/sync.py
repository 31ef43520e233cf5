"""Sync routes: push a batch of versions and audit events, pull the changes after a cursor."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from central_api import errors
from central_api.errors import ApiError
from central_api.push_body import parse_push, prepare_push
from central_api.routes.deps import ERROR_RESPONSES, Authenticated, StorageDep
from doorloop_protocol import ErrorResponse, PullResponse, PushResponse
from doorloop_protocol.limits import MAX_BODY_BYTES

MAX_SEQ = 2**62
DEFAULT_PULL_LIMIT = 500
MAX_PULL_LIMIT = 5000

router = APIRouter(tags=["sync"])


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


@router.post(
    "/v1/sync/push",
    response_model=PushResponse,
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
async def push(request: Request, principal: Authenticated, storage: StorageDep) -> Response:
    """Store a batch of versions and audit events; one result per item, in order."""
    body = await _read_body(request, MAX_BODY_BYTES)

    def work() -> PushResponse:
        versions, events, referral_events = parse_push(body)
        versions, events, referral_events, prepared = prepare_push(
            versions, events, principal.device_id, referral_events
        )
        return storage.push(
            principal, versions, events, prepared=prepared, referral_events=referral_events
        )

    async with request.app.state.push_gate:  # see central_api.load
        result = await run_in_threadpool(work)
    return Response(result.model_dump_json(), media_type="application/json")


@router.get(
    "/v1/sync/pull",
    response_model=PullResponse,
    responses={
        **ERROR_RESPONSES,
        410: {"model": ErrorResponse, "description": "Cursor too old: resync from 0."},
    },
)
def pull(
    principal: Authenticated,
    storage: StorageDep,
    since: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT,
) -> Response:
    """Changes this user may see after server sequence `since` (exclusive), oldest first."""
    return Response(storage.pull(principal, since, limit), media_type="application/json")

"""Directory routes: a provider updates its units' places, a desk reserves one.

- ``PUT /v1/directory/units/{unit_id}/capacity`` (role ``receiver`` for its own
  organisation's units, or ``coordinator`` of the region): ``available`` 0..maximum and/or
  ``intake_stop``; another organisation's unit answers 404 (it never says whose it is).
- ``POST /v1/directory/holds`` (the roles that refer): reserve a place for a case;
  409 ``conflict`` naming the field when no place is free or an intake stop is in force.
- ``DELETE /v1/directory/holds/{hold_id}``: give the place back.

Every answer carries the unit as it now stands; the region's desks get it with their
next pull (``central_api.storage.directory``).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from central_api import errors
from central_api.errors import ApiError, ErrorCode
from central_api.routes.deps import ERROR_RESPONSES, Authenticated, StorageDep
from central_api.storage import Principal
from central_api.storage.directory import UNSET, Actor, DirectoryRefused
from coordination.directory import Unit
from doorloop_protocol import CapacityUpdate, HoldRequest, UnitAnswer

router = APIRouter(tags=["directory"])

_CODES: dict[int, ErrorCode] = {
    403: errors.FORBIDDEN,
    404: errors.NOT_FOUND,
    409: errors.CONFLICT,
    422: errors.INVALID_REQUEST,
}


def actor_of(principal: Principal) -> Actor:
    return Actor(
        principal.user_id,
        principal.display_name,
        principal.role,
        principal.region_id,
        principal.organization_id,
    )


def refused(exc: DirectoryRefused) -> ApiError:
    return ApiError(_CODES[exc.status], exc.message, field=exc.field)


def _answer(result: str, unit: Unit) -> JSONResponse:
    return JSONResponse(UnitAnswer(result=result, unit=unit.to_json()).model_dump(mode="json"))


@router.put(
    "/v1/directory/units/{unit_id}/capacity", response_model=UnitAnswer, responses=ERROR_RESPONSES
)
def update_capacity(
    unit_id: str, body: CapacityUpdate, principal: Authenticated, storage: StorageDep
) -> JSONResponse:
    """Set a unit's free places and/or intake stop; stored with time and author."""
    if "available" not in body.model_fields_set and "intake_stop" not in body.model_fields_set:
        raise ApiError(errors.INVALID_REQUEST, "Send available or intake_stop.", field="available")
    stop = body.intake_stop if "intake_stop" in body.model_fields_set else UNSET
    try:
        unit = storage.update_capacity(
            actor_of(principal), unit_id, available=body.available, intake_stop=stop, source="api"
        )
    except DirectoryRefused as exc:
        storage.record("directory.capacity", exc.code, principal, unit_id=unit_id, field=exc.field)
        raise refused(exc) from None
    return _answer("updated", unit)


@router.post("/v1/directory/holds", response_model=UnitAnswer, responses=ERROR_RESPONSES)
def place_hold(body: HoldRequest, principal: Authenticated, storage: StorageDep) -> JSONResponse:
    """Reserve a place of a unit for a case (a retry with the same hold_id is safe)."""
    try:
        result, unit = storage.place_hold(
            actor_of(principal), str(body.hold_id), body.unit_id, str(body.case_id), body.until
        )
    except DirectoryRefused as exc:
        storage.record("directory.hold", exc.code, principal, unit_id=body.unit_id)
        raise refused(exc) from None
    return _answer(result, unit)


@router.delete(
    "/v1/directory/holds/{hold_id}", response_model=UnitAnswer, responses=ERROR_RESPONSES
)
def release_hold(hold_id: str, principal: Authenticated, storage: StorageDep) -> JSONResponse:
    """Give a reserved place back before its time."""
    try:
        unit = storage.release_hold(actor_of(principal), hold_id)
    except DirectoryRefused as exc:
        raise refused(exc) from None
    return _answer("released", unit)

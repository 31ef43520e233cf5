"""What a desk reads tolerantly and what stays strict (doorloop_protocol.models).

The envelopes the server answers with ignore keys this version does not know, so a newer
server may add one (tests/integration/sync/test_newer_server.py runs a desk through such
a server). What a desk sends, and the content both sides store, still refuse unknown
keys: the server believes nothing it did not check, and no field of a stored version is
dropped unnoticed."""

from __future__ import annotations

import uuid

import pytest
from pydantic import BaseModel, ValidationError

from doorloop_protocol.models import (
    ErrorResponse,
    HealthResponse,
    LoginRequest,
    LoginResponse,
    MeResponse,
    PullResponse,
    PushRequest,
    PushResponse,
    ResponseModel,
    TombstoneData,
    UnitAnswer,
    WireModel,
)

USER = {"id": "u-1", "username": "anna", "display_name": "Anna", "role": "desk", "region": "r"}
RESULT = {"id": "v-1", "result": "created", "stored": True}
NEW = {"a_key_from_a_newer_server": {"nested": [1]}}

ANSWERS: list[tuple[type[BaseModel], dict[str, object]]] = [
    (LoginResponse, {"token": "t", "device_id": str(uuid.uuid4()), "user": {**USER, **NEW}}),
    (MeResponse, {"device_id": str(uuid.uuid4()), "user": {**USER, **NEW}}),
    (
        PushResponse,
        {"versions": [{**RESULT, **NEW}], "audit_events": [], "sync_run_id": 7},
    ),
    (
        PullResponse,
        {
            "changes": [{"seq": 1, "id": "d-1", "kind": "directory_region", "data": {}, **NEW}],
            "next_since": 1,
            "has_more": False,
        },
    ),
    (HealthResponse, {"status": "ok", "database": "sqlite", "version": "1"}),
    (
        ErrorResponse,
        {"error": {"code": "invalid_request", "errno": 100, "message": "m", **NEW}},
    ),
    (UnitAnswer, {"result": "updated", "unit": {}}),
]


@pytest.mark.parametrize(("model", "body"), ANSWERS, ids=lambda v: getattr(v, "__name__", ""))
def test_the_servers_answers_are_read_with_keys_this_desk_does_not_know(
    model: type[BaseModel], body: dict[str, object]
) -> None:
    read = model.model_validate({**body, **NEW})
    assert "a_key_from_a_newer_server" not in read.model_dump_json()
    assert issubclass(model, ResponseModel)


def test_what_a_desk_sends_and_stored_content_still_refuse_unknown_keys() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        LoginRequest.model_validate(
            {"username": "anna", "password": "een lang wachtwoord", "device_name": "d", **NEW}
        )
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        PushRequest.model_validate({"versions": [], "audit_events": [], **NEW})
    tombstone = {"case_id": str(uuid.uuid4()), "reason": "retention"}
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        TombstoneData.model_validate({**tombstone, **NEW})
    # content inside a tolerant envelope stays strict
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        PullResponse.model_validate(
            {
                "changes": [
                    {"seq": 1, "id": "t-1", "kind": "tombstone", "data": {**tombstone, **NEW}}
                ],
                "next_since": 1,
                "has_more": False,
            }
        )
    for strict in (LoginRequest, PushRequest, TombstoneData):
        assert issubclass(strict, WireModel) and not issubclass(strict, ResponseModel)

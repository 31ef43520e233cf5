"""Hostile input over HTTP (issue 13): limits per item, identity from the token, the case
workflow, and headers. Every test runs on SQLite and PostgreSQL.

The rule under test throughout: a bad item is `rejected` with a reason naming the
field and the valid items of its batch are stored; no input gets a 5xx.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

import pytest

from central_api.app import RedactQueryFilter
from central_api.storage import Storage
from doorloop_protocol import PullResponse
from doorloop_protocol.limits import MAX_BODY_BYTES, MAX_ITEM_BYTES
from tests.integration.central_api.conftest import Api, audit_event, make_api, version


def nested(depth: int) -> Any:
    value: Any = "bodem"
    for _ in range(depth):
        value = {"d": value}
    return value


def raw_nested(depth: int) -> str:
    """A JSON text of `depth` nested objects (built as text: json.dumps would recurse)."""
    return '{"d":' * depth + '"bodem"' + "}" * depth


def post_raw(api: Api, headers: dict[str, str], body: str | bytes) -> Any:
    return api.client.post(
        "/v1/sync/push",
        content=body.encode() if isinstance(body, str) else body,
        headers={**headers, "Content-Type": "application/json"},
    )


def signed_json(api: Api, headers: dict[str, str], item: dict[str, Any]) -> str:
    return json.dumps(api.signed(headers, [item])[0])


def outcome(result: dict[str, Any]) -> tuple[str, bool, str | None, str | None]:
    return result["result"], result["stored"], result["reason"], result["field"]


def pulled_versions(api: Api, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Version id → data of every version a desk pulls; each page must parse as a desk
    parses it (the wire model), or the desk would stop."""
    found: dict[str, dict[str, Any]] = {}
    since = 0
    while True:
        response = api.client.get("/v1/sync/pull", params={"since": since}, headers=headers)
        assert response.status_code == 200
        PullResponse.model_validate_json(response.content)
        page = response.json()
        found.update({c["id"]: c["data"] for c in page["changes"] if c["kind"] == "case_version"})
        since = page["next_since"]
        if not page["has_more"]:
            return found


# -- nesting -----------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [33, 250, 600, 1000, 100_000])
def test_deeply_nested_answers_are_rejected_alone_and_the_batch_is_stored(
    api: Api, depth: int
) -> None:
    headers = api.login("anna")
    good_a, good_b = version(), version()
    deep = version()
    deep_text = signed_json(api, headers, deep).replace(
        '"answers": {"youth.first_name": "Sem"}', f'"answers": {{"x": {raw_nested(depth)}}}'
    )
    body = (
        f'{{"versions": [{signed_json(api, headers, good_a)}, {deep_text}, '
        f"{signed_json(api, headers, good_b)}]}}"
    )
    response = post_raw(api, headers, body)
    assert response.status_code == 200, response.text
    results = response.json()["versions"]
    assert outcome(results[0]) == ("created", True, None, None)
    assert outcome(results[1]) == ("rejected", False, "invalid", "answers")
    assert "nested deeper than" in results[1]["message"]
    assert outcome(results[2]) == ("created", True, None, None)
    assert set(pulled_versions(api, headers)) == {good_a["version_id"], good_b["version_id"]}


def test_answers_nested_within_the_limit_are_stored_and_pulled_readably(api: Api) -> None:
    headers = api.login("anna")
    item = version(answers={"x": nested(29)})  # item 1, answers 2, x 3..32
    assert api.push(headers, [item])["versions"][0]["result"] == "created"
    assert pulled_versions(api, headers)[item["version_id"]]["answers"] == {"x": nested(29)}


@pytest.mark.parametrize("depth", [300, 900, 1000, 100_000])
def test_deeply_nested_audit_details_are_rejected_alone(api: Api, depth: int) -> None:
    headers = api.login("anna")
    good = audit_event()
    deep = audit_event()
    deep_text = signed_json(api, headers, deep)[:-1] + f', "details": {raw_nested(depth)}}}'
    body = f'{{"audit_events": [{deep_text}, {signed_json(api, headers, good)}]}}'
    response = post_raw(api, headers, body)
    assert response.status_code == 200, response.text
    results = response.json()["audit_events"]
    assert outcome(results[0]) == ("rejected", False, "invalid", "details")
    assert outcome(results[1]) == ("created", True, None, None)


@pytest.mark.parametrize("depth", [1000, 100_000])
def test_a_nested_item_or_envelope_never_gets_a_server_error(api: Api, depth: int) -> None:
    headers = api.login("anna")
    good = version()
    # an item that is not an object but a deep list, next to a good item
    body = f'{{"versions": [{"[" * depth}{"]" * depth}, {signed_json(api, headers, good)}]}}'
    response = post_raw(api, headers, body)
    assert response.status_code == 200, response.text
    results = response.json()["versions"]
    assert outcome(results[0]) == ("rejected", False, "invalid", "versions.0")
    assert outcome(results[1]) == ("created", True, None, None)
    # a deep envelope, and deep garbage: a 422 naming the problem
    for raw in ("[" * depth + "]" * depth, '{"versions": ' + "[" * depth, "{" * depth):
        response = post_raw(api, headers, raw)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] in {"invalid_request", "malformed_json"}


# -- sizes --------------------------------------------------------------------------------


def test_a_body_over_the_limit_answers_413_with_a_clear_error(api: Api) -> None:
    headers = api.login("anna")
    huge = version(answers={"x": "a" * (MAX_BODY_BYTES + 10)})
    response = post_raw(api, headers, signed_json(api, headers, {"versions": [huge]}))
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "payload_too_large",
        "errno": 102,
        "message": f"The body is larger than {MAX_BODY_BYTES} bytes.",
        "field": "body",
    }
    assert pulled_versions(api, headers) == {}


def test_a_streamed_body_without_a_length_is_cut_off_at_the_limit(api: Api) -> None:
    headers = api.login("anna")

    def chunks() -> Any:
        yield b'{"versions": [{"answers": {"x": "'
        for _ in range(MAX_BODY_BYTES // (1024 * 1024) + 2):
            yield b"a" * (1024 * 1024)
        yield b'"}}]}'

    response = api.client.post(
        "/v1/sync/push",
        content=chunks(),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_an_item_over_the_item_limit_is_rejected_alone(api: Api) -> None:
    headers = api.login("anna")
    big = version(answers={"situation.reason": "a" * (MAX_ITEM_BYTES + 1)})
    good = version()
    results = api.push(headers, [big, good])["versions"]
    assert outcome(results[0]) == ("rejected", False, "invalid", "answers")
    assert "larger than" in results[0]["message"]
    assert outcome(results[1]) == ("created", True, None, None)
    assert set(pulled_versions(api, headers)) == {good["version_id"]}


# -- numbers that are not JSON --------------------------------------------------------------


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_rejected_not_stored_as_null(api: Api, constant: str) -> None:
    headers = api.login("anna")
    bad, good = version(), version()
    bad_text = signed_json(api, headers, bad).replace(
        '"answers": {"youth.first_name": "Sem"}', f'"answers": {{"youth.age_estimate": {constant}}}'
    )
    body = f'{{"versions": [{bad_text}, {signed_json(api, headers, good)}]}}'
    results = post_raw(api, headers, body).json()["versions"]
    assert outcome(results[0]) == ("rejected", False, "invalid", "answers")
    assert "youth.age_estimate" in results[0]["message"]
    assert outcome(results[1]) == ("created", True, None, None)
    assert set(pulled_versions(api, headers)) == {good["version_id"]}


def test_a_string_nan_is_an_ordinary_answer(api: Api) -> None:
    headers = api.login("anna")
    item = version(answers={"situation.reason": "NaN en Infinity als woorden"})
    assert api.push(headers, [item])["versions"][0]["result"] == "created"


# -- bases --------------------------------------------------------------------------------


def test_a_version_based_on_itself_is_rejected(api: Api) -> None:
    headers = api.login("anna")
    item = version()
    item["base_version_id"] = item["version_id"]
    good = version()
    results = api.push(headers, [item, good])["versions"]
    assert outcome(results[0]) == ("rejected", False, "invalid", "base_version_id")
    assert outcome(results[1]) == ("created", True, None, None)


@pytest.mark.parametrize("same_batch", [True, False])
def test_a_cycle_of_bases_is_rejected_not_held_forever(api: Api, same_batch: bool) -> None:
    headers = api.login("anna")
    case_id = str(uuid.uuid4())
    a_id, b_id, c_id = (str(uuid.uuid4()) for _ in range(3))
    a = version(case_id=case_id, version_id=a_id, base=b_id)
    b = version(case_id=case_id, version_id=b_id, base=c_id)
    c = version(case_id=case_id, version_id=c_id, base=a_id)
    if same_batch:
        results = api.push(headers, [a, b, c])["versions"]
    else:
        results = [api.push(headers, [item])["versions"][0] for item in (a, b, c)]
    assert [outcome(r) for r in results] == [
        ("held", True, "base_not_received", None),
        ("held", True, "base_not_received", None),
        ("rejected", False, "base_cycle", "base_version_id"),
    ]


def test_resolving_itself_or_its_own_base_is_rejected(api: Api) -> None:
    headers = api.login("anna")
    first = version()
    api.push(headers, [first])
    itself = version(case_id=first["case_id"], base=first["version_id"])
    itself["resolves"] = [itself["version_id"]]
    own_base = version(
        case_id=first["case_id"], base=first["version_id"], resolves=[first["version_id"]]
    )
    results = api.push(headers, [itself, own_base])["versions"]
    assert [outcome(r) for r in results] == [
        ("rejected", False, "invalid", "resolves"),
        ("rejected", False, "invalid", "resolves"),
    ]


# -- identity comes from the token ----------------------------------------------------------


def test_a_version_naming_another_author_is_rejected(api: Api) -> None:
    anna = api.login("anna")
    api.login("bram")
    bram_id = next(who["id"] for who in api.identities.values() if who["username"] == "bram")
    spoofed = version(created_by=bram_id)
    renamed = version(created_by_name="Bram de Boer")
    good = version()
    results = api.push(anna, [spoofed, renamed, good])["versions"]
    assert [outcome(r) for r in results] == [
        ("rejected", False, "identity_mismatch", "created_by"),
        ("rejected", False, "identity_mismatch", "created_by_name"),
        ("created", True, None, None),
    ]
    assert set(pulled_versions(api, anna)) == {good["version_id"]}


def test_a_version_is_stored_with_the_pushing_device(api: Api) -> None:
    anna = api.login("anna")
    anna_device = api.identities[anna["Authorization"]]["device_id"]
    other_device = str(uuid.uuid4())
    item = version(device_id=other_device)
    assert api.push(anna, [item])["versions"][0]["result"] == "created"
    assert pulled_versions(api, anna)[item["version_id"]]["device_id"] == anna_device
    # the device is where it was sent from, not content: a retry is a duplicate
    assert api.push(anna, [item])["versions"][0]["result"] == "duplicate"


def test_an_audit_event_naming_another_user_or_role_is_rejected(api: Api) -> None:
    anna = api.login("anna")
    api.login("bram")
    bram_id = next(who["id"] for who in api.identities.values() if who["username"] == "bram")
    other_user = audit_event(user_id=bram_id)
    other_role = audit_event(role="coordinator")
    good = audit_event()
    results = api.push(anna, audit_events=[other_user, other_role, good])["audit_events"]
    assert [outcome(r) for r in results] == [
        ("rejected", False, "identity_mismatch", "user_id"),
        ("rejected", False, "identity_mismatch", "role"),
        ("created", True, None, None),
    ]
    with api.storage.engine.connect() as conn:
        from central_api import db

        stored = conn.execute(db.audit_events.select()).all()
    assert [row.id for row in stored] == [good["event_id"]]


# -- the case workflow ------------------------------------------------------------------------

DECISION = {
    "triage.urgency": "U1",
    "triage.intervention": "assessment_on_site",
    "triage.rationale": "Concreet plan, middelen thuis.",
}


def decided_case(api: Api) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """A case marked ready by a desk worker and decided (U1) by a triagist."""
    desk = api.login("dirk", role="desk")
    triagist = api.login("tara", role="triagist")
    ready = version(status="ready_for_triage")
    assert api.push(desk, [ready])["versions"][0]["result"] == "created"
    tara_id = api.identities[triagist["Authorization"]]["id"]
    decided = version(
        case_id=ready["case_id"],
        base=ready["version_id"],
        status="triaged",
        answers={**ready["answers"], **DECISION, "triage.decided_by_id": tara_id},
    )
    assert api.push(triagist, [decided])["versions"][0]["result"] == "created"
    return ready, decided, desk


def test_a_desk_worker_cannot_set_the_urgency(api: Api) -> None:
    desk = api.login("dirk", role="desk")
    first = version(status="ready_for_triage")
    api.push(desk, [first])
    urgency = version(
        case_id=first["case_id"],
        base=first["version_id"],
        status="ready_for_triage",
        answers={**first["answers"], "triage.urgency": "U1"},
    )
    results = api.push(desk, [urgency])["versions"]
    assert outcome(results[0]) == ("rejected", False, "role_not_allowed", "answers.triage.urgency")


def test_a_desk_worker_cannot_downgrade_a_decided_urgency_or_close_the_case(api: Api) -> None:
    _ready, decided, desk = decided_case(api)
    downgrade = version(
        case_id=decided["case_id"],
        base=decided["version_id"],
        status="triaged",
        answers={**decided["answers"], "triage.urgency": "U5"},
        reason="past beter",
    )
    close = version(
        case_id=decided["case_id"],
        base=decided["version_id"],
        status="closed",
        answers=decided["answers"],
    )
    fine = version(
        case_id=decided["case_id"],
        base=decided["version_id"],
        status="triaged",
        answers={**decided["answers"], "triage.caller_informed_at": "2026-11-23T04:00:00+01:00"},
    )
    results = api.push(desk, [downgrade, close, fine])["versions"]
    assert [outcome(r) for r in results] == [
        ("rejected", False, "decision_final", "answers.triage.urgency"),
        ("rejected", False, "no_such_step", "status"),
        ("created", True, None, None),  # follow-up fields stay open to the desk
    ]
    pulled = pulled_versions(api, desk)
    assert pulled[decided["version_id"]]["answers"]["triage.urgency"] == "U1"
    assert downgrade["version_id"] not in pulled and close["version_id"] not in pulled


def test_a_triagist_amends_a_decision_only_with_a_reason(api: Api) -> None:
    _ready, decided, _desk = decided_case(api)
    triagist = next(
        {"Authorization": header}
        for header, who in api.identities.items()
        if who["username"] == "tara"
    )
    amended = {**decided["answers"], "triage.urgency": "U2"}
    without = version(
        case_id=decided["case_id"], base=decided["version_id"], status="triaged", answers=amended
    )
    with_reason = version(
        case_id=decided["case_id"],
        base=decided["version_id"],
        status="triaged",
        answers=amended,
        reason="Nieuwe informatie van de huisarts.",
    )
    results = api.push(triagist, [without, with_reason])["versions"]
    assert [outcome(r) for r in results] == [
        ("rejected", False, "reason_required", "reason"),
        ("created", True, None, None),
    ]


def test_a_decision_naming_another_decider_is_rejected(api: Api) -> None:
    desk = api.login("dirk", role="desk")
    coordinator = api.login("cora", role="coordinator")
    ready = version(status="ready_for_triage")
    api.push(desk, [ready])
    dirk_id = api.identities[desk["Authorization"]]["id"]
    decided = version(
        case_id=ready["case_id"],
        base=ready["version_id"],
        status="triaged",
        answers={**ready["answers"], **DECISION, "triage.decided_by_id": dirk_id},
    )
    results = api.push(coordinator, [decided])["versions"]
    assert outcome(results[0]) == (
        "rejected",
        False,
        "identity_mismatch",
        "answers.triage.decided_by_id",
    )


def test_a_held_version_breaking_the_workflow_never_becomes_visible(api: Api) -> None:
    desk = api.login("dirk", role="desk")
    first = version()
    closed = version(case_id=first["case_id"], base=first["version_id"], status="closed")
    assert api.push(desk, [closed])["versions"][0]["result"] == "held"
    assert api.push(desk, [first])["versions"][0]["result"] == "created"
    assert set(pulled_versions(api, desk)) == {first["version_id"]}


# -- headers, logs, disconnects, docs -----------------------------------------------------------


def test_every_answer_says_no_store_and_nosniff(api: Api) -> None:
    headers = api.login("anna")
    answers = [
        api.client.get("/v1/sync/pull", headers=headers),
        api.client.post("/v1/sync/push", json={"versions": []}, headers=headers),
        api.client.get("/v1/me", headers=headers),
        api.client.get("/v1/me"),
        api.client.get("/v1/nothing"),
        api.client.get("/v1/health"),
        api.client.post("/v1/auth/login", json={"username": "x"}),
    ]
    for response in answers:
        assert response.headers["cache-control"] == "no-store", response.request.url
        assert response.headers["x-content-type-options"] == "nosniff", response.request.url


def test_a_token_in_the_query_never_reaches_the_access_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    access = logging.getLogger("uvicorn.access")
    access.addFilter(RedactQueryFilter())
    try:
        with caplog.at_level(logging.INFO, logger="uvicorn.access"):
            # the way uvicorn's access logger is called: client, method, path, version, status
            access.info(
                '%s - "%s %s HTTP/%s" %d',
                "127.0.0.1:5000",
                "GET",
                "/v1/sync/pull?since=4&token=geheim-token-123&limit=10",
                "1.1",
                401,
            )
    finally:
        access.filters.clear()
    assert "geheim-token-123" not in caplog.text
    assert "/v1/sync/pull?since=4&token=***&limit=10" in caplog.text


def test_a_client_that_disconnects_mid_upload_is_not_an_error(
    storage: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    api = make_api(storage)
    with api.client:
        headers = api.login("anna")
    app = api.client.app
    sent: list[dict[str, Any]] = []
    parts = iter(
        [
            {"type": "http.request", "body": b'{"versions": [', "more_body": True},
            {"type": "http.disconnect"},
        ]
    )

    async def receive() -> dict[str, Any]:
        return next(parts)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/sync/push",
        "raw_path": b"/v1/sync/push",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"authorization", headers["Authorization"].encode()),
            (b"content-type", b"application/json"),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    with caplog.at_level(logging.INFO):
        asyncio.run(app(scope, receive, send))
    statuses = [m["status"] for m in sent if m["type"] == "http.response.start"]
    assert all(status < 500 for status in statuses)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "Traceback" not in caplog.text
    assert "client disconnected" in caplog.text


def test_the_interactive_docs_can_be_closed(storage: Storage) -> None:
    open_api = make_api(storage)
    with open_api.client:
        assert open_api.client.get("/docs").status_code == 200
    closed = make_api(storage, api_docs=False)
    with closed.client:
        assert closed.client.get("/docs").status_code == 404
        assert closed.client.get("/redoc").status_code == 404
        assert closed.client.get("/openapi.json").status_code == 200


def test_a_pull_page_stops_at_its_byte_budget(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    import central_api.storage.pull

    monkeypatch.setattr(central_api.storage.pull, "MAX_PAGE_BYTES", 250_000)
    headers = api.login("anna")
    items = [version(answers={"situation.reason": "a" * 100_000}) for _ in range(5)]
    api.push(headers, items)
    pages = []
    since = 0
    while True:
        response = api.client.get(
            "/v1/sync/pull", params={"since": since, "limit": 5000}, headers=headers
        )
        page = response.json()
        pages.append(len(response.content))
        since = page["next_since"]
        if not page["has_more"]:
            break
    assert len(pages) >= 2 and max(pages) < 250_000 + 110_000
    assert set(pulled_versions(api, headers)) == {item["version_id"] for item in items}

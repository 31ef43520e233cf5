"""Schemathesis against /openapi.json: no generated request may get a 5xx answer.

Positive (schema-conforming) and negative (schema-violating) requests are generated for
every operation, sent with a valid device token, on SQLite and PostgreSQL. Pushed items
are made the caller's own (region, author, role) and some are based on versions the
server holds, so the storage path and the workflow rules are fuzzed, not only the
refusals at the door. A second generator sends hostile JSON (deep, huge, NaN, cycles).
"""

from __future__ import annotations

import json
import random
import uuid
import warnings
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from starlette.exceptions import StarletteDeprecationWarning

from central_api.storage import Storage
from doorloop_protocol import PullResponse
from tests.integration.central_api.conftest import make_api, version

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = 15
PUSH_EXAMPLES = 60  # the push is where storage is; many generated bodies are empty
HOSTILE_EXAMPLES = 40


def own_items(
    case: Any, who: dict[str, Any], known: list[dict[str, Any]], rng: random.Random
) -> Any:
    """The push body's items made the caller's: its region, name and role, and some
    based on a version the server holds (so they reach storage instead of being refused
    as another region's)."""
    body = case.body
    if not isinstance(body, dict):
        return case
    for item in body.get("versions") or []:
        if not isinstance(item, dict):
            continue
        item.update(region="noord", created_by=who["id"], training=False)
        item.pop("created_by_name", None)
        if rng.random() < 0.6:  # a status the workflow lets the coordinator set on a draft
            item["status"] = rng.choice(["draft", "ready_for_triage"])
        if known and rng.random() < 0.5:
            base = rng.choice(known)
            item.update(case_id=base["case_id"], base_version_id=base["version_id"])
    for event in body.get("audit_events") or []:
        if isinstance(event, dict):
            event.update(user_id=who["id"], role=who["role"])
    return case


json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_leaves,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


@st.composite
def hostile_bodies(draw: st.DrawFn, who: dict[str, Any], known: list[dict[str, Any]]) -> bytes:
    """A push body of own-region versions with hostile parts: deep nesting, NaN,
    self and shared bases, statuses and decision fields a role may not set."""
    items: list[str] = []
    ids = [str(uuid.uuid4()) for _ in range(draw(st.integers(1, 6)))]
    for version_id in ids:
        base_choice = draw(st.sampled_from(["none", "known", "self", "sibling", "unknown"]))
        # an index, not sampled_from(known): `known` grows between examples
        pick = draw(st.integers(min_value=0, max_value=1000))
        base: dict[str, Any] | None = known[pick % len(known)] if known else None
        item = version(
            version_id=version_id,
            created_by=who["id"],
            created_by_name=None,
            status=draw(st.sampled_from(["draft", "ready_for_triage", "triaged", "closed"])),
            answers=draw(
                st.dictionaries(
                    st.sampled_from(
                        [
                            "youth.first_name",
                            "triage.urgency",
                            "triage.decided_at",
                            "situation.reason",
                        ]
                    ),
                    json_values,
                    max_size=4,
                )
            ),
            reason=draw(st.none() | st.text(max_size=10)),
        )
        if base_choice == "known" and base is not None:
            item.update(case_id=base["case_id"], base_version_id=base["version_id"])
        elif base_choice == "self":
            item["base_version_id"] = version_id
        elif base_choice == "sibling":
            item["base_version_id"] = draw(st.sampled_from(ids))
        elif base_choice == "unknown":
            item["base_version_id"] = str(uuid.uuid4())
        text = json.dumps(item)
        hostile = draw(st.sampled_from(["none", "deep", "nan", "wide"]))
        if hostile == "deep":
            depth = draw(st.sampled_from([31, 40, 250, 1000, 5000]))
            text = text[:-1] + ', "legal_flags": [' + '{"d": ' * depth + "1" + "}" * depth + "]}"
        elif hostile == "nan":
            text = text[:-1] + ', "legal_flags": [{"score": NaN}]}'
        elif hostile == "wide":
            text = text[:-1] + ', "reason": "' + "x" * draw(st.sampled_from([10, 3000])) + '"}'
        items.append(text)
    return f'{{"versions": [{", ".join(items)}]}}'.encode()


def load_schema(app: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_no_generated_request_gets_a_server_error(storage: Storage) -> None:
    api = make_api(storage)
    with api.client:
        headers = api.login("anna", role="coordinator")
        who = api.identities[headers["Authorization"]]
        first = version()
        second = version(case_id=first["case_id"], base=first["version_id"])
        api.push(headers, [first, second])
        known = [first, second]
        rng = random.Random(13)
        schema = load_schema(api.client.app)
        operations = [result.ok() for result in schema.get_all_operations()]
        labels = sorted(f"{op.method.upper()} {op.path}" for op in operations)
        assert labels == [
            "DELETE /v1/directory/holds/{hold_id}",
            "GET /v1/health",
            "GET /v1/indicators",
            "GET /v1/me",
            "GET /v1/sync/events",
            "GET /v1/sync/pull",
            "POST /v1/auth/login",
            "POST /v1/auth/logout",
            "POST /v1/cases/{case_id}/break-glass",
            "POST /v1/devices/wipe-confirmed",
            "POST /v1/directory/holds",
            "POST /v1/sync/push",
            "PUT /v1/directory/units/{unit_id}/capacity",
        ]
        failures: list[str] = []
        for operation in operations:
            if operation.path == "/v1/auth/logout":
                continue  # would revoke the token the other operations use
            if operation.path == "/v1/sync/events":
                continue  # a stream that stays open (test_live_events covers it)
            strategy = st.one_of(
                operation.as_strategy(GenerationMode.POSITIVE),
                operation.as_strategy(GenerationMode.NEGATIVE),
            ).map(lambda case: own_items(case, who, known, rng))

            @given(case=strategy)
            @settings(
                max_examples=PUSH_EXAMPLES
                if operation.path == "/v1/sync/push"
                else EXAMPLES_PER_OPERATION,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: Any) -> None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", StarletteDeprecationWarning)
                    response = case.call(headers=headers)
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.path}: {case.as_curl_command()}")
                case.validate_response(response, checks=[not_a_server_error])

            check()
        assert failures == []
        stored = api.client.get("/v1/sync/pull", params={"limit": 5000}, headers=headers)
        pulled = [c for c in stored.json()["changes"] if c["kind"] == "case_version"]
        assert len(pulled) > len(known), "no generated version reached storage"


def test_hostile_bodies_get_one_result_per_item_and_never_a_server_error(
    storage: Storage,
) -> None:
    api = make_api(storage)
    with api.client:
        headers = api.login("cora", role="coordinator")
        who = api.identities[headers["Authorization"]]
        first = version(created_by=who["id"], created_by_name=None)
        api.push(headers, [first])
        known = [first]

        @given(body=hostile_bodies(who, known))
        @settings(
            max_examples=HOSTILE_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(body: bytes) -> None:
            response = api.client.post(
                "/v1/sync/push",
                content=body,
                headers={**headers, "Content-Type": "application/json"},
            )
            assert response.status_code == 200, response.text
            results = response.json()["versions"]
            assert len(results) == body.count(b'"version_id"')
            for result in results:
                assert result["stored"] == (result["result"] != "rejected"), result
                if result["result"] == "rejected":
                    assert result["reason"] and result["message"], result
            page = api.client.get("/v1/sync/pull", params={"limit": 5000}, headers=headers)
            PullResponse.model_validate_json(page.content)  # every desk can read it
            known.extend(
                c["data"] for c in page.json()["changes"][-5:] if c["kind"] == "case_version"
            )

        check()

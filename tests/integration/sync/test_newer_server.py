"""A desk keeps working with a newer central server that answers with keys this desk
does not know yet (forward compatibility, the tolerant reader).

Desks are not all updated at once: an outreach laptop may have been offline for the
whole upgrade. Here the real central API (PostgreSQL and SQLite) is reached through an
HTTP transport that adds unknown keys to every envelope the server answers with — the
top level, the user of a login, each push result, each change of a pull page — but never
to the content inside them (a version, a case state), which stays strict. Before the
envelopes were read tolerantly, the first login already failed ("Extra inputs are not
permitted").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop.store import actor_for
from desktop.sync.transport import HttpTransport
from tests.integration.sync.conftest import (
    Central,
    add_user,
    fresh_region,
    new_device,
)

pytestmark = pytest.mark.parametrize(
    "database_url", ["postgresql", "sqlite"], indirect=True, scope="module"
)

ADDED = {"added_by_a_newer_server": {"since": "2027", "list": [1, 2]}}


def _newer(body: Any) -> Any:
    """``body`` as a newer server might send it: unknown keys on the envelopes."""
    if not isinstance(body, dict):
        return body
    out = {**body, **ADDED}
    if isinstance(out.get("user"), dict):
        out["user"] = {**out["user"], "privacy": {"window_days": 30, "keep_closed_days": 14}}
    for results in ("versions", "audit_events", "referral_events"):
        if isinstance(out.get(results), list):
            out[results] = [{**item, **ADDED} for item in out[results]]
    if isinstance(out.get("changes"), list):
        out["changes"] = [{**change, "at": "2027-01-01T00:00:00Z"} for change in out["changes"]]
    return out


class NewerServer(httpx.BaseTransport):
    """Forwards to the real server and rewrites its JSON answers with :func:`_newer`."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.rewritten: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        if not response.headers.get("content-type", "").startswith("application/json"):
            return response
        self.rewritten.append(request.url.path)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        content = json.dumps(_newer(response.json())).encode()
        return httpx.Response(response.status_code, headers=headers, content=content)

    def close(self) -> None:
        self.inner.close()


def test_a_desk_logs_in_pushes_and_pulls_through_a_newer_server(
    central: Central, tmp_path: Path
) -> None:
    region = fresh_region(central)
    username = add_user(central, region=region)
    newer = NewerServer()

    def transport(url: str, token: str | None) -> HttpTransport:
        return HttpTransport(url, token, client=httpx.Client(base_url=url, transport=newer))

    store_a, engine_a = new_device(
        tmp_path / "a", central.url, username, region=region, transport_factory=transport
    )
    store_b, engine_b = new_device(
        tmp_path / "b", central.url, username, region=region, transport_factory=transport
    )
    case = store_a.cases.create(
        actor_for(store_a.profile()),  # type: ignore[arg-type]
        region=region,
        answers={"youth.first_name": "Noor"},
    )
    assert engine_a.sync().outcome == "ok"
    assert store_a.outbox.unsynced_count() == 0  # every push result was read as stored
    assert engine_b.sync().outcome == "ok"
    assert store_b.cases.get(case.id).answers["youth.first_name"] == "Noor"
    # the content inside the envelopes was stored as the server holds it
    assert store_b.cases.get(case.id).version.id == case.version.id
    assert {"/v1/auth/login", "/v1/sync/push", "/v1/sync/pull"} <= set(newer.rewritten)

"""Referral events through `/v1/sync/push` and `/v1/sync/pull` on SQLite and PostgreSQL:
the move rules and roles enforced by the server (errors naming the field), exactly once,
two answers at once (one stored, the other a visible conflict), receivers' pulls limited
to their organisation, breaches recorded once and audited."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from central_api.storage import Storage
from coordination.referrals import ACKNOWLEDGE, breach_event_id
from tests.helpers.central import PASSWORD
from tests.integration.central_api.conftest import Api, version

NOW = datetime.now(UTC)


def receiver(api: Api, username: str, organization: str, region: str = "noord") -> dict[str, str]:
    if region not in api.regions:
        api.storage.add_region(region)
        api.regions.add(region)
    api.storage.add_user(
        username, PASSWORD, role="receiver", region=region, organization_id=organization
    )
    api.users.add(username)
    return api.login(username)


def who(api: Api, headers: dict[str, str]) -> dict[str, Any]:
    return api.identities[headers["Authorization"]]


def event(
    api: Api,
    headers: dict[str, str],
    move: str,
    *,
    referral_id: str,
    case_id: str,
    after: str | None = None,
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
    organization: str | None = None,
) -> dict[str, Any]:
    user = who(api, headers)
    return {
        "event_id": str(uuid.uuid4()),
        "referral_id": referral_id,
        "case_id": case_id,
        "region": user["region"],
        "move": move,
        "actor_id": user["id"],
        "actor_role": user["role"],
        "actor_organization_id": organization,
        "actor_name": user["display_name"],
        "device_id": user["device_id"],
        "at": (at or NOW).isoformat(),
        "after": after,
        "payload": payload or {},
    }


def push(api: Api, headers: dict[str, str], *events: dict[str, Any]) -> list[dict[str, Any]]:
    response = api.client.post(
        "/v1/sync/push", json={"referral_events": list(events)}, headers=headers
    )
    assert response.status_code == 200, response.text
    return list(response.json()["referral_events"])


def a_case(api: Api, headers: dict[str, str]) -> str:
    item = version()
    body = api.push(headers, [item])
    assert body["versions"][0]["result"] == "created"
    return str(item["case_id"])


def request_payload(ack: datetime | None = None, org: str = "org-1") -> dict[str, Any]:
    payload: dict[str, Any] = {
        "to_unit_id": "u-1",
        "to_organization_id": org,
        "urgency": "U2",
        "first_contact_by": (NOW + timedelta(hours=4)).isoformat(),
        "summary": {"urgency": "U2", "age_band": "12-15"},
    }
    payload["acknowledge_by"] = (ack or NOW + timedelta(minutes=30)).isoformat()
    return payload


def test_a_referral_goes_all_the_way_and_is_pulled_by_both_sides(api: Api) -> None:
    sender = api.login("tess", role="triagist")
    party = receiver(api, "rob", "org-1")
    case_id = a_case(api, sender)
    rid = str(uuid.uuid4())
    req = event(api, sender, "request", referral_id=rid, case_id=case_id, payload=request_payload())
    assert push(api, sender, req)[0]["result"] == "created"
    assert push(api, sender, req)[0]["result"] == "duplicate"  # exactly once
    last = req["event_id"]
    steps = [
        ("receive", {}),
        ("accept", {"first_contact_at": (NOW + timedelta(hours=1)).isoformat()}),
        ("start", {}),
        ("complete", {}),
    ]
    for move, payload in steps:
        item = event(
            api, party, move, referral_id=rid, case_id=case_id, after=last, payload=payload,
            organization="org-1",
        )  # fmt: skip
        [result] = push(api, party, item)
        assert result["result"] == "created", result
        last = item["event_id"]
    referral = api.storage.referral(rid)
    assert referral is not None and referral.status.value == "completed"
    moves = [c["data"]["move"] for c in api.pull_all(party) if c["kind"] == "referral_event"]
    assert moves == ["request", "receive", "accept", "start", "complete"]
    kinds = {c["kind"] for c in api.pull_all(party)}
    assert "case_version" not in kinds  # a receiver never pulls the case itself
    desk = api.login("dana", role="desk")
    assert len([c for c in api.pull_all(desk) if c["kind"] == "referral_event"]) == 5
    actions = [row["action"] for row in api.storage.server_audit() if "referral" in row["action"]]
    assert actions == [f"referral.{m}" for m in moves]


def test_roles_and_organisations_are_enforced(api: Api) -> None:
    sender = api.login("tess", role="triagist")
    desk = api.login("dana", role="desk")
    other = receiver(api, "olga", "org-2")
    case_id = a_case(api, sender)
    rid = str(uuid.uuid4())
    by_desk = event(
        api, desk, "request", referral_id=rid, case_id=case_id, payload=request_payload()
    )
    [result] = push(api, desk, by_desk)
    assert (result["result"], result["reason"], result["field"]) == (
        "rejected", "role_not_allowed", "move",
    )  # fmt: skip
    req = event(api, sender, "request", referral_id=rid, case_id=case_id, payload=request_payload())
    assert push(api, sender, req)[0]["result"] == "created"
    wrong_org = event(
        api, other, "receive", referral_id=rid, case_id=case_id, after=req["event_id"],
        organization="org-2",
    )  # fmt: skip
    [result] = push(api, other, wrong_org)
    assert (result["result"], result["reason"], result["field"]) == (
        "rejected", "other_organization", "referral_id",
    )  # fmt: skip
    claims = event(
        api, other, "receive", referral_id=rid, case_id=case_id, after=req["event_id"],
        organization="org-1",
    )  # fmt: skip
    [result] = push(api, other, claims)
    assert (result["reason"], result["field"]) == ("identity_mismatch", "actor_organization_id")
    sender_answers = event(
        api, sender, "accept", referral_id=rid, case_id=case_id, after=req["event_id"],
        payload={"first_contact_at": NOW.isoformat()},
    )  # fmt: skip
    assert push(api, sender, sender_answers)[0]["reason"] == "role_not_allowed"
    decline = event(
        api, receiver(api, "rob", "org-1"), "decline", referral_id=rid, case_id=case_id,
        after=req["event_id"], payload={"reason": "other"}, organization="org-1",
    )  # fmt: skip
    [result] = push(api, api.login("rob"), decline)
    assert (result["result"], result["field"]) == ("rejected", "payload.text")
    refused = api.storage.server_audit("referral.refused")
    assert {row["detail"]["reason"] for row in refused} >= {
        "role_not_allowed",
        "other_organization",
    }


def test_two_answers_at_once_one_is_stored_the_other_is_a_conflict(api: Api) -> None:
    sender = api.login("tess", role="coordinator")
    first = receiver(api, "rob", "org-1")
    second = receiver(api, "ria", "org-1")
    case_id = a_case(api, sender)
    rid = str(uuid.uuid4())
    req = event(api, sender, "request", referral_id=rid, case_id=case_id, payload=request_payload())
    push(api, sender, req)
    accept = event(
        api, first, "accept", referral_id=rid, case_id=case_id, after=req["event_id"],
        payload={"first_contact_at": NOW.isoformat()}, organization="org-1",
    )  # fmt: skip
    decline = event(
        api, second, "decline", referral_id=rid, case_id=case_id, after=req["event_id"],
        payload={"reason": "no_capacity"}, organization="org-1",
    )  # fmt: skip
    assert push(api, first, accept)[0]["result"] == "created"
    [result] = push(api, second, decline)
    assert (result["result"], result["stored"], result["reason"], result["field"]) == (
        "conflict", False, "concurrent_move", "after",
    )  # fmt: skip
    referral = api.storage.referral(rid)
    assert referral is not None and referral.status.value == "accepted"


def test_at_most_one_open_referral_per_case(api: Api) -> None:
    sender = api.login("tess", role="triagist")
    case_id = a_case(api, sender)
    one = event(
        api, sender, "request", referral_id=str(uuid.uuid4()), case_id=case_id,
        payload=request_payload(),
    )  # fmt: skip
    two = event(
        api, sender, "request", referral_id=str(uuid.uuid4()), case_id=case_id,
        payload=request_payload(),
    )  # fmt: skip
    results = push(api, sender, one, two)
    assert [r["result"] for r in results] == ["created", "conflict"]
    assert (results[1]["reason"], results[1]["field"]) == ("open_referral_exists", "case_id")
    cancel = event(
        api, sender, "cancel", referral_id=one["referral_id"], case_id=case_id,
        after=one["event_id"], payload={"reason": "andere aanbieder"},
    )  # fmt: skip
    assert push(api, sender, cancel)[0]["result"] == "created"
    two["event_id"] = str(uuid.uuid4())
    assert push(api, sender, two)[0]["result"] == "created"


def test_a_breach_is_recorded_once_and_pulled(api: Api) -> None:
    sender = api.login("tess", role="triagist")
    case_id = a_case(api, sender)
    rid = str(uuid.uuid4())
    past = NOW - timedelta(minutes=45)
    req = event(
        api, sender, "request", referral_id=rid, case_id=case_id, at=past,
        payload=request_payload(ack=NOW - timedelta(minutes=15)),
    )  # fmt: skip
    assert push(api, sender, req)[0]["result"] == "created"  # already overdue: recorded now
    for _ in range(3):
        changes = api.pull_all(sender)
    breaches = [
        c for c in changes if c["kind"] == "referral_event" and c["data"]["move"] == "breach"
    ]
    assert [c["id"] for c in breaches] == [breach_event_id(rid, ACKNOWLEDGE)]
    assert breaches[0]["data"]["payload"]["timer"] == ACKNOWLEDGE
    assert len(api.storage.server_audit("referral.breach")) == 1
    assert api.storage.sweep_breaches() == 0


def test_the_sweep_records_a_breach_that_happened_later(storage: Storage, api: Api) -> None:
    sender = api.login("tess", role="triagist")
    case_id = a_case(api, sender)
    rid = str(uuid.uuid4())
    req = event(api, sender, "request", referral_id=rid, case_id=case_id, payload=request_payload())
    push(api, sender, req)
    assert storage.sweep_breaches(now=NOW + timedelta(minutes=10)) == 0
    assert storage.sweep_breaches(now=NOW + timedelta(minutes=31)) == 1
    assert storage.sweep_breaches(now=NOW + timedelta(hours=5)) == 1  # first contact
    assert storage.sweep_breaches(now=NOW + timedelta(hours=6)) == 0
    referral = storage.referral(rid)
    assert referral is not None and set(referral.breaches) == {"acknowledge", "first_contact"}


def test_a_bad_referral_event_names_its_field(api: Api) -> None:
    sender = api.login("tess", role="triagist")
    item = event(api, sender, "teleport", referral_id=str(uuid.uuid4()), case_id=str(uuid.uuid4()))
    [result] = push(api, sender, item)
    assert (result["result"], result["field"]) == ("rejected", "move")
    unknown_case = event(
        api, sender, "request", referral_id=str(uuid.uuid4()), case_id=str(uuid.uuid4()),
        payload=request_payload(),
    )  # fmt: skip
    [result] = push(api, sender, unknown_case)
    assert (result["reason"], result["field"]) == ("unknown_case", "case_id")


def test_the_referral_indicators_count_what_happened(api: Api) -> None:
    from central_api.indicators.service import parse_period, report

    sender = api.login("tess", role="triagist")
    party = receiver(api, "rob", "org-1")
    received = NOW - timedelta(hours=3)
    outcomes = []
    for n in range(6):
        item = version(answers={"call.received_at": received.isoformat(), "call.channel": "chat"})
        api.push(sender, [item])
        rid = str(uuid.uuid4())
        ack = NOW - timedelta(hours=2) if n < 4 else NOW + timedelta(hours=1)
        req = event(
            api, sender, "request", referral_id=rid, case_id=item["case_id"],
            at=NOW - timedelta(hours=2, minutes=30), payload=request_payload(ack=ack),
        )  # fmt: skip
        push(api, sender, req)
        if n in (0, 4):  # answered on time (n=4) and late (n=0, breached)
            reason = "other" if n == 0 else "no_capacity"
            payload = {"reason": reason, "text": "vol"} if reason == "other" else {"reason": reason}
            decline = event(
                api, party, "decline", referral_id=rid, case_id=item["case_id"],
                after=req["event_id"], payload=payload, organization="org-1",
            )  # fmt: skip
            outcomes.append(push(api, party, decline)[0]["result"])
    assert outcomes == ["created", "created"]
    today = NOW.date()
    period = parse_period(today - timedelta(days=1), today + timedelta(days=1))
    got = report(api.storage.engine, "noord", period)
    ind = got["indicators"]
    assert ind["referrals_declined"]["value"]["numerator"] == 2
    assert ind["referrals_declined"]["value"]["denominator"] == 6
    assert ind["referrals_declined"]["value"]["reasons"]["other"] == 1
    assert ind["referrals_declined"]["value"]["reasons"]["no_capacity"] == 1
    # acknowledge: n=0..3 due two hours ago (one answered late), n=4 answered in time
    assert ind["acknowledged_on_time"]["value"] == {
        "pct": 20.0, "numerator": 1, "denominator": 5,
    }  # fmt: skip
    assert ind["breaches"]["value"] == {"acknowledge": 4, "first_contact": 0}
    assert ind["placement_wait"]["value"] is None
    public = report(api.storage.engine, "noord", period, public=True)
    assert public["indicators"]["breaches"]["value"] == {"acknowledge": "<5", "first_contact": 0}


def test_purging_a_case_removes_its_referrals_with_tombstones_for_the_receiver(
    api: Api,
) -> None:
    sender = api.login("tess", role="triagist")
    party = receiver(api, "rob", "org-1")
    case_id = a_case(api, sender)
    rid = str(uuid.uuid4())
    req = event(api, sender, "request", referral_id=rid, case_id=case_id, payload=request_payload())
    push(api, sender, req)
    api.storage.purge_case(case_id)
    assert api.storage.referral(rid) is None
    changes = api.pull_all(party)
    assert [(c["kind"], c["data"]) for c in changes if c["id"] == req["event_id"]] == [
        ("tombstone", {"object_kind": "referral_event"})
    ]


def test_the_web_page_answers_through_the_same_rules(api: Api, storage: Storage) -> None:
    sender = api.login("tess", role="triagist")
    tokens = [receiver(api, name, "org-1")["Authorization"][7:] for name in ("rob", "ria")]
    case_id = a_case(api, sender)
    rid = str(uuid.uuid4())
    req = event(api, sender, "request", referral_id=rid, case_id=case_id, payload=request_payload())
    push(api, sender, req)
    rob, ria = (storage.principal(token) for token in tokens)  # the web page's sign-in
    assert rob is not None and ria is not None and rob.organization_id == "org-1"
    [mine] = storage.referrals_of_organization(rob.region_id, "org-1")
    assert mine.id == rid and mine.summary == {"urgency": "U2", "age_band": "12-15"}
    seen = mine.last_event_id
    first = storage.answer_referral(rob, rid, "accept", {"first_contact_at": NOW.isoformat()})
    assert first.result == "created"
    late = storage.answer_referral(ria, rid, "decline", {"reason": "age"}, after=seen)
    assert (late.result, late.reason, late.stored) == ("conflict", "concurrent_move", False)
    bad = storage.answer_referral(rob, rid, "start", {"colour": "red"})
    assert (bad.result, bad.field) == ("rejected", "payload.colour")
    unknown = storage.answer_referral(rob, str(uuid.uuid4()), "receive")
    assert (unknown.reason, unknown.field) == ("unknown_referral", "referral_id")

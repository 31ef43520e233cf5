"""POST /v1/sync/push: per-item results, idempotency, conflicts, held versions, audit."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.integration.central_api.conftest import Api, audit_event, version


def results(body: dict[str, Any]) -> list[tuple[str, bool, str | None]]:
    return [(r["result"], r["stored"], r["reason"]) for r in body["versions"]]


def case_states(changes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c["data"] for c in changes if c["kind"] == "case_state"}


def version_ids(changes: list[dict[str, Any]]) -> list[str]:
    return [c["id"] for c in changes if c["kind"] == "case_version"]


def test_new_version_is_created_and_pulled_back_unchanged(api: Api) -> None:
    headers = api.login("anna")
    item = version(answers={"youth.first_name": "Sem", "youth.age": 15})
    assert results(api.push(headers, [item])) == [("created", True, None)]
    changes = api.pull_all(headers)
    pulled = next(c for c in changes if c["kind"] == "case_version")
    assert pulled["id"] == item["version_id"]
    assert pulled["data"]["answers"] == {"youth.first_name": "Sem", "youth.age": 15}
    assert pulled["data"]["created_at"] == "2026-11-23T03:12:00+01:00"
    state = case_states(changes)[item["case_id"]]
    assert state["status"] == "draft"
    assert state["head_version_ids"] == [item["version_id"]]
    assert state["needs_reconciliation"] is False


def test_same_id_same_content_is_a_duplicate_and_counts_as_ack(api: Api) -> None:
    headers = api.login("anna")
    item = version()
    api.push(headers, [item])
    # A retry, even with another sending device and device time, is the same content.
    retry = dict(item, device_id=str(uuid.uuid4()), device_time="2026-11-24T10:00:00+01:00")
    assert results(api.push(headers, [retry, item])) == [
        ("duplicate", True, None),
        ("duplicate", True, None),
    ]
    assert version_ids(api.pull_all(headers)) == [item["version_id"]]


def test_same_id_other_content_is_a_conflict_and_never_overwrites(api: Api) -> None:
    headers = api.login("anna")
    item = version(answers={"youth.first_name": "Sem"})
    api.push(headers, [item])
    other = dict(item, answers={"youth.first_name": "Daan"})
    assert results(api.push(headers, [other])) == [("conflict", False, "same_id_other_content")]
    pulled = [c for c in api.pull_all(headers) if c["kind"] == "case_version"]
    assert [c["data"]["answers"] for c in pulled] == [{"youth.first_name": "Sem"}]


def test_two_versions_on_the_same_base_are_both_kept_and_need_reconciliation(api: Api) -> None:
    anna = api.login("anna", role="coordinator")
    bram = api.login("bram")
    first = version(status="ready_for_triage")
    api.push(anna, [first])
    edit_a = version(case_id=first["case_id"], base=first["version_id"], status="triaged")
    edit_b = version(
        case_id=first["case_id"], base=first["version_id"], answers={"youth.first_name": "Sam"}
    )
    assert results(api.push(anna, [edit_a])) == [("created", True, None)]
    assert results(api.push(bram, [edit_b])) == [("conflict", True, "concurrent_version")]

    changes = api.pull_all(bram)
    assert set(version_ids(changes)) == {
        first["version_id"],
        edit_a["version_id"],
        edit_b["version_id"],
    }
    state = case_states(changes)[first["case_id"]]
    assert state["status"] == "needs_reconciliation"
    assert state["needs_reconciliation"] is True
    assert set(state["head_version_ids"]) == {edit_a["version_id"], edit_b["version_id"]}

    # A person reconciles: a new version on one head that resolves the other.
    merged = version(
        case_id=first["case_id"],
        base=edit_a["version_id"],
        resolves=[edit_b["version_id"]],
        status="triaged",
        reason="samengevoegd",
    )
    assert results(api.push(anna, [merged])) == [("created", True, None)]
    state = case_states(api.pull_all(anna))[first["case_id"]]
    assert state == {
        "case_id": first["case_id"],
        "region": "noord",
        "status": "triaged",
        "head_version_ids": [merged["version_id"]],
        "needs_reconciliation": False,
    }


def test_a_version_before_its_base_is_held_then_applied_when_the_base_arrives(api: Api) -> None:
    headers = api.login("anna", role="coordinator")
    first = version()
    second = version(case_id=first["case_id"], base=first["version_id"], status="ready_for_triage")
    third = version(case_id=first["case_id"], base=second["version_id"], status="triaged")

    assert results(api.push(headers, [third])) == [("held", True, "base_not_received")]
    assert results(api.push(headers, [second])) == [("held", True, "base_not_received")]
    assert version_ids(api.pull_all(headers)) == []  # held versions are not visible yet

    assert results(api.push(headers, [first])) == [("created", True, None)]
    changes = api.pull_all(headers)
    assert version_ids(changes) == [first["version_id"], second["version_id"], third["version_id"]]
    state = case_states(changes)[first["case_id"]]
    assert state["head_version_ids"] == [third["version_id"]]
    assert state["status"] == "triaged"
    # Retrying the held items now answers duplicate.
    assert [r["result"] for r in api.push(headers, [second, third])["versions"]] == [
        "duplicate",
        "duplicate",
    ]


def test_out_of_order_items_in_one_batch_are_all_applied(api: Api) -> None:
    headers = api.login("anna")
    first = version()
    second = version(case_id=first["case_id"], base=first["version_id"])
    body = api.push(headers, [second, first])
    assert [r["result"] for r in body["versions"]] == ["held", "created"]
    assert version_ids(api.pull_all(headers)) == [first["version_id"], second["version_id"]]


def test_training_case_is_refused(api: Api) -> None:
    headers = api.login("anna")
    body = api.push(headers, [version(training=True)])
    assert body["versions"][0]["result"] == "rejected"
    assert body["versions"][0]["reason"] == "training_case"
    assert body["versions"][0]["field"] == "training"
    assert api.pull_all(headers) == []


def test_one_bad_item_never_rolls_back_the_others(api: Api) -> None:
    headers = api.login("anna")
    good_1, good_2 = version(), version()
    missing_field = version()
    del missing_field["status"]
    bad_date = version(created_at="gisteren")
    nul = version(answers={"youth.first_name": "S\x00m"})
    batch = [
        good_1,
        missing_field,
        version(training=True),
        bad_date,
        "not an object",
        version(region="zuid"),
        nul,
        good_2,
    ]
    body = api.push(headers, batch)  # type: ignore[list-item]
    outcome = [(r["result"], r["reason"], r["field"]) for r in body["versions"]]
    assert outcome == [
        ("created", None, None),
        ("rejected", "invalid", "status"),
        ("rejected", "training_case", "training"),
        ("rejected", "invalid", "created_at"),
        ("rejected", "invalid", "versions.4"),
        ("rejected", "wrong_region", "region"),
        ("rejected", "invalid", "answers"),
        ("created", None, None),
    ]
    assert version_ids(api.pull_all(headers)) == [good_1["version_id"], good_2["version_id"]]


def test_audit_events_are_stored_once_and_never_changed(api: Api) -> None:
    headers = api.login("anna")
    event = audit_event()
    body = api.push(headers, audit_events=[event, audit_event(role="nobody")])
    assert [(r["result"], r["stored"]) for r in body["audit_events"]] == [
        ("created", True),
        ("rejected", False),
    ]
    assert body["audit_events"][1]["field"] == "role"
    again = api.push(headers, audit_events=[event, dict(event, outcome="failure")])
    assert [(r["result"], r["reason"]) for r in again["audit_events"]] == [
        ("duplicate", None),
        ("conflict", "same_id_other_content"),
    ]
    with api.storage.engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
        assert stored == 1
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text("UPDATE audit_events SET body = '{}'"))
        conn.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text("DELETE FROM audit_events"))
        conn.rollback()


def test_every_sync_run_is_audited_on_the_server(api: Api) -> None:
    headers = api.login("anna")
    body = api.push(headers, [version(), version(training=True)])
    api.pull_all(headers)
    pushes = api.storage.server_audit("sync.push")
    pulls = api.storage.server_audit("sync.pull")
    assert [p["id"] for p in pushes] == [body["sync_run_id"]]
    assert pushes[0]["detail"]["versions"] == {"created": 1, "rejected": 1}
    assert len(pulls) == 1 and pulls[0]["detail"]["changes"] == 2
    assert pushes[0]["device_id"] == pulls[0]["device_id"] is not None


def test_a_batch_over_the_limit_is_refused_naming_the_field(api: Api) -> None:
    headers = api.login("anna")
    response = api.client.post("/v1/sync/push", json={"versions": [{}] * 1001}, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "versions"
    response = api.client.post("/v1/sync/push", json={"cases": []}, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "invalid_request",
        "errno": 100,
        "message": "Unknown field.",
        "field": "cases",
    }


def test_the_trainer_role_cannot_push_cases(api: Api) -> None:
    headers = api.login("tess", role="trainer")
    body = api.push(headers, [version()])
    assert body["versions"][0]["reason"] == "role_not_allowed"

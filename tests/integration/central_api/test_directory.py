"""The directory on the central API over HTTP, on SQLite and PostgreSQL: import and
export (doorloop-directory/1 and HSDS 3), the desks' pull, providers updating their own
units only (errors naming the field), the history of every change, holds that count once
and end with their referral, and an accept that takes the place."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from central_api.storage import Storage
from coordination.directory import load_directory
from coordination.hsds import from_hsds, to_hsds
from tests.integration.central_api.conftest import Api, version
from tests.integration.central_api.test_referrals import (
    a_case,
    event,
    push,
    receiver,
    request_payload,
)

DEMO = Path(__file__).resolve().parents[3] / "coordination" / "examples" / "directory-demo.json"
NOW = datetime.now(UTC)


def demo() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEMO.read_text(encoding="utf-8"))
    return data


def imported(api: Api, region: str = "noord") -> None:
    if region not in api.regions:
        api.storage.add_region(region)
        api.regions.add(region)
    api.storage.import_directory(region, load_directory(demo()))


def units_pulled(api: Api, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c["data"] for c in api.pull_all(headers) if c["kind"] == "directory_unit"}


def capacity(api: Api, headers: dict[str, str], unit_id: str, **body: Any) -> Any:
    return api.client.put(f"/v1/directory/units/{unit_id}/capacity", json=body, headers=headers)


def hold(api: Api, headers: dict[str, str], unit_id: str, case_id: str, **extra: Any) -> Any:
    body = {
        "hold_id": str(uuid.uuid4()),
        "unit_id": unit_id,
        "case_id": case_id,
        "until": (NOW + timedelta(hours=2)).isoformat(),
        **extra,
    }
    return api.client.post("/v1/directory/holds", json=body, headers=headers)


def test_import_reaches_the_desks_and_exports_in_both_formats(api: Api) -> None:
    api.storage.add_region("noord")
    api.regions.add("noord")
    summary = api.storage.import_directory("noord", load_directory(demo()))
    assert (summary.created, summary.updated, summary.removed) == (12, 0, 0)
    again = api.storage.import_directory("noord", load_directory(demo()))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 12)
    desk = api.login("dana")
    changes = api.pull_all(desk)
    kinds = {c["kind"] for c in changes}
    assert {"directory_unit", "directory_organization"} <= kinds
    units = units_pulled(api, desk)
    # the desk builds the same directory from what it pulled (format checked again)
    pulled = load_directory(
        {
            "format": "doorloop-directory/1",
            "organizations": [c["data"] for c in changes if c["kind"] == "directory_organization"],
            "units": list(units.values()),
        }
    )
    assert {u.id for u in pulled.units} == {u["id"] for u in demo()["units"]}
    exported = api.storage.export_directory("noord")
    assert load_directory(exported.to_json()).units == exported.units
    # the moments are the file's (stored in UTC: SQLite keeps no offset)
    original = load_directory(demo())
    for unit in original.units:
        assert exported.unit(unit.id).capacity.updated == unit.capacity.updated
        assert exported.unit(unit.id).capacity.intake_stop == unit.capacity.intake_stop
    assert {u.id for u in from_hsds(to_hsds(exported)).units} == {u.id for u in exported.units}
    # a unit left out of the next import is removed (a tombstone reaches the desk)
    smaller = demo()
    smaller["units"] = smaller["units"][1:]
    removed = api.storage.import_directory("noord", load_directory(smaller))
    assert removed.removed == 1
    tombs = [c for c in api.pull_all(desk) if c["kind"] == "tombstone"]
    assert [t["data"]["object_kind"] for t in tombs] == ["directory_unit"]


def test_a_provider_updates_its_own_units_only_and_every_change_is_in_the_history(
    api: Api,
) -> None:
    imported(api)
    rob = receiver(api, "rob", "org-kompas")
    answer = capacity(api, rob, "u-kompas-crisisgroep", available=5)
    assert answer.status_code == 200, answer.text
    assert answer.json()["unit"]["capacity"]["available"] == 5
    # another organisation's unit: 404, never saying whose it is
    other = capacity(api, rob, "u-noordkust-crisisbedden", available=1)
    assert other.status_code == 404
    assert other.json()["error"]["field"] == "unit_id"
    # more than the maximum, below 0, a wrong type: refused naming the field
    too_many = capacity(api, rob, "u-kompas-crisisgroep", available=7)
    assert too_many.status_code == 422
    assert too_many.json()["error"]["field"] == "available"
    assert "0 and the maximum (6)" in too_many.json()["error"]["message"]
    assert capacity(api, rob, "u-kompas-crisisgroep", available=-1).status_code == 422
    typed = capacity(api, rob, "u-kompas-crisisgroep", available="2")
    assert typed.status_code == 422 and typed.json()["error"]["field"] == "available"
    no_reason = capacity(api, rob, "u-kompas-crisisgroep", intake_stop={"reason": " "})
    assert no_reason.json()["error"]["field"] == "intake_stop.reason"
    nothing = capacity(api, rob, "u-kompas-crisisgroep")
    assert nothing.status_code == 422
    # an intake stop, then lifted
    stop = capacity(api, rob, "u-kompas-crisisgroep", intake_stop={"reason": "Ziekte in het team"})
    assert stop.json()["unit"]["capacity"]["intake_stop"]["reason"] == "Ziekte in het team"
    lifted = capacity(api, rob, "u-kompas-crisisgroep", intake_stop=None)
    assert lifted.json()["unit"]["capacity"]["intake_stop"] is None
    # a desk may not update places
    desk = api.login("dana")
    assert capacity(api, desk, "u-kompas-crisisgroep", available=1).status_code == 403
    history = api.storage.capacity_history("noord", "u-kompas-crisisgroep")
    assert [(h.source, h.available_old, h.available_new) for h in history] == [
        ("import", None, 3),
        ("api", 3, 5),
        ("api", 5, 5),
        ("api", 5, 5),
    ]
    assert history[1].author == "rob" or history[1].author
    assert history[2].intake_stop_new is not None and history[3].intake_stop_new is None
    # the region's desks see the new figure with their next pull
    assert units_pulled(api, desk)["u-kompas-crisisgroep"]["capacity"]["available"] == 5


def test_holds_count_once_refuse_a_full_unit_and_end_with_the_referral(api: Api) -> None:
    imported(api)
    sender = api.login("tess", role="triagist")
    case_a = a_case(api, sender)
    case_b = a_case(api, sender)
    # u-duinzicht-jeugdkliniek: 1 available, no holds
    first = hold(api, sender, "u-duinzicht-jeugdkliniek", case_a)
    assert first.status_code == 200, first.text
    assert first.json()["result"] == "created"
    assert len(first.json()["unit"]["capacity"]["holds"]) == 1
    retry_body = {
        "hold_id": str(uuid.uuid4()),
        "unit_id": "u-duinzicht-jeugdkliniek",
        "case_id": case_a,
        "until": (NOW + timedelta(hours=1)).isoformat(),
    }
    twice = api.client.post("/v1/directory/holds", json=retry_body, headers=sender)
    assert twice.status_code == 409 and twice.json()["error"]["field"] == "case_id"
    full = hold(api, sender, "u-duinzicht-jeugdkliniek", case_b)
    assert full.status_code == 409
    assert full.json()["error"]["code"] == "conflict"
    assert "free" in full.json()["error"]["message"]
    nina = receiver(api, "nina", "org-noordkust")
    stop = {"reason": "Verbouwing"}
    assert capacity(api, nina, "u-noordkust-ambulant", intake_stop=stop).status_code == 200
    stopped = hold(api, sender, "u-noordkust-ambulant", case_b)  # intake stop in force
    assert stopped.status_code == 409 and "intake stop" in stopped.json()["error"]["message"]
    too_long = hold(
        api, sender, "u-zuidland-iht", case_b, until=(NOW + timedelta(days=2)).isoformat()
    )
    assert too_long.status_code == 422 and too_long.json()["error"]["field"] == "until"
    # a receiver may not reserve
    rob = receiver(api, "rob", "org-duinzicht")
    assert hold(api, rob, "u-zuidland-iht", case_b).status_code == 403
    # the referral to the unit is accepted: the hold ends and the place is taken
    rid = str(uuid.uuid4())
    payload = request_payload(org="org-duinzicht")
    payload["to_unit_id"] = "u-duinzicht-jeugdkliniek"
    req = event(api, sender, "request", referral_id=rid, case_id=case_a, payload=payload)
    assert push(api, sender, req)[0]["result"] == "created"
    accept = event(
        api, rob, "accept", referral_id=rid, case_id=case_a, after=req["event_id"],
        payload={"first_contact_at": (NOW + timedelta(hours=1)).isoformat()},
        organization="org-duinzicht",
    )  # fmt: skip
    assert push(api, rob, accept)[0]["result"] == "created"
    unit = api.storage.export_directory("noord").unit("u-duinzicht-jeugdkliniek")
    assert unit.capacity.holds == () and unit.capacity.available == 0
    history = api.storage.capacity_history("noord", "u-duinzicht-jeugdkliniek")
    assert history[-1].source == "referral_accepted"
    assert (history[-1].available_old, history[-1].available_new) == (1, 0)


def test_a_declined_referral_gives_the_held_place_back(api: Api) -> None:
    imported(api)
    sender = api.login("tess", role="triagist")
    case_id = a_case(api, sender)
    assert hold(api, sender, "u-zuidland-iht", case_id).status_code == 200
    rob = receiver(api, "rob", "org-zuidland")
    rid = str(uuid.uuid4())
    payload = request_payload(org="org-zuidland")
    payload["to_unit_id"] = "u-zuidland-iht"
    req = event(api, sender, "request", referral_id=rid, case_id=case_id, payload=payload)
    assert push(api, sender, req)[0]["result"] == "created"
    decline = event(
        api, rob, "decline", referral_id=rid, case_id=case_id, after=req["event_id"],
        payload={"reason": "no_capacity"}, organization="org-zuidland",
    )  # fmt: skip
    [result] = push(api, rob, decline)
    assert result["result"] == "created", result
    unit = api.storage.export_directory("noord").unit("u-zuidland-iht")
    assert unit.capacity.holds == () and unit.capacity.available == 2
    desk = api.login("dana")
    assert units_pulled(api, desk)["u-zuidland-iht"]["capacity"]["holds"] == []


def test_a_released_hold_and_a_retried_hold(api: Api) -> None:
    imported(api)
    sender = api.login("tess", role="triagist")
    case_id = a_case(api, sender)
    hold_id = str(uuid.uuid4())
    body = {
        "hold_id": hold_id,
        "unit_id": "u-zuidland-iht",
        "case_id": case_id,
        "until": (NOW + timedelta(hours=1)).isoformat(),
    }
    assert api.client.post("/v1/directory/holds", json=body, headers=sender).status_code == 200
    again = api.client.post("/v1/directory/holds", json=body, headers=sender)
    assert again.json()["result"] == "duplicate"
    assert len(again.json()["unit"]["capacity"]["holds"]) == 1  # counted once
    released = api.client.delete(f"/v1/directory/holds/{hold_id}", headers=sender)
    assert released.status_code == 200
    assert released.json()["unit"]["capacity"]["holds"] == []


def test_freshness_limit_reaches_the_desks(api: Api) -> None:
    data = demo()
    data["freshness_limit_hours"] = 6
    api.storage.add_region("noord")
    api.regions.add("noord")
    api.storage.import_directory("noord", load_directory(data))
    desk = api.login("dana")
    settings = [c["data"] for c in api.pull_all(desk) if c["kind"] == "directory_region"]
    assert settings == [{"freshness_limit_hours": 6.0}]
    assert api.storage.export_directory("noord").freshness_limit_hours == 6.0


@pytest.mark.parametrize("region", ["zuid"])
def test_another_region_sees_nothing_of_this_directory(api: Api, region: str) -> None:
    imported(api)
    other = api.login("zoe", region=region)
    assert units_pulled(api, other) == {}
    rob = receiver(api, "rob", "org-kompas", region=region)
    assert capacity(api, rob, "u-kompas-crisisgroep", available=1).status_code == 404


def test_storage_refuses_an_unknown_region(storage: Storage) -> None:
    from central_api.storage import NotFound

    with pytest.raises(NotFound):
        storage.import_directory("nergens", load_directory(demo()))


def test_free_places_indicator_comes_from_the_capacity_history(api: Api) -> None:
    from datetime import date

    from central_api.indicators.service import parse_period, report

    imported(api)
    rob = receiver(api, "rob", "org-kompas")
    assert capacity(api, rob, "u-kompas-gesloten", available=5).status_code == 200
    today = datetime.now(UTC).date()
    got = report(
        api.storage.engine,
        "noord",
        parse_period(today - timedelta(days=30), today + timedelta(days=1)),
    )
    entry = got["indicators"]["free_places"]
    assert entry.get("available", True) is not False
    assert set(entry["value"]) == {"ambulant_crisis", "clinical", "crisis_bed", "intensive_home",
                                   "secure_youth_care"}  # fmt: skip
    assert entry["n"] == 12 and 0 < entry["complete"] <= 1
    assert entry["value"]["secure_youth_care"]["mean_free"] > 0
    assert date.fromisoformat(got["from"]) < today


def test_the_directory_cli_as_a_process(database_url: str, tmp_path: Path) -> None:
    from tests.helpers.central import central

    url = ("--database-url", database_url)
    assert central("region", "add", "noord", *url).returncode == 0
    done = central("directory", "import", str(DEMO), "--region", "noord", *url)
    assert done.returncode == 0, done.stderr
    assert "12 new" in done.stdout
    hsds = tmp_path / "noord-hsds.json"
    exported = central("directory", "export", "--region", "noord", "--format", "hsds",
                       "-o", str(hsds), *url)  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    again = central("directory", "import", str(hsds), "--region", "noord", *url)
    assert again.returncode == 0 and "0 new" in again.stdout and "removed" in again.stdout
    plain = central("directory", "export", "--region", "noord", *url)
    assert load_directory(json.loads(plain.stdout)).unit("u-zuidland-iht").capacity.maximum == 5
    history = central("directory", "history", "--region", "noord", "--unit", "u-zuidland-iht",
                      *url)  # fmt: skip
    rows = [json.loads(line) for line in history.stdout.splitlines()]
    assert rows[0]["source"] == "import" and rows[0]["available"] == [None, 2]
    bad = demo()
    bad["units"][0]["min_age"] = 19
    bad["units"][1]["capacity"]["available"] = -1
    bad["units"][2]["colour"] = "blue"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    refused = central("directory", "import", str(path), "--region", "noord", *url)
    assert refused.returncode == 2
    assert 'units[0].min_age (unit "u-noordkust-crisisbedden"): 19 is more than max_age' in (
        refused.stderr
    )
    assert "units[1].capacity.available" in refused.stderr
    assert "units[2].colour" in refused.stderr and "unknown key" in refused.stderr
    unknown = central("directory", "import", str(DEMO), "--region", "zuid", *url)
    assert unknown.returncode == 1 and "no region 'zuid'" in unknown.stderr


def test_purging_a_case_removes_its_holds(api: Api) -> None:
    imported(api)
    sender = api.login("tess", role="triagist")
    case_id = a_case(api, sender)
    assert hold(api, sender, "u-zuidland-iht", case_id).status_code == 200
    api.storage.purge_case(case_id)
    assert api.storage.export_directory("noord").unit("u-zuidland-iht").capacity.holds == ()
    desk = api.login("dana")
    assert units_pulled(api, desk)["u-zuidland-iht"]["capacity"]["holds"] == []


def test_a_hold_for_a_case_of_another_region_is_refused(api: Api) -> None:
    imported(api)
    elsewhere = api.login("zoe", role="triagist", region="zuid")
    item = version(region="zuid")
    assert api.push(elsewhere, [item])["versions"][0]["result"] == "created"
    their_case = str(item["case_id"])
    sender = api.login("tess", role="triagist")
    refused = hold(api, sender, "u-zuidland-iht", their_case)
    assert refused.status_code == 404 and refused.json()["error"]["field"] == "case_id"

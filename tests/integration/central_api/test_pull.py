"""GET /v1/sync/pull: region isolation, exclusive cursors, paging, tombstones, 410."""

from __future__ import annotations

from doorloop_protocol import FormDefinitionDoc, Provider, PullResponse
from tests.integration.central_api.conftest import Api, version


def provider(pid: str, region: str, **extra: object) -> Provider:
    return Provider.model_validate(
        {"id": pid, "region": region, "name": f"Aanbieder {pid}", **extra}
    )


def test_users_see_only_their_own_regions_cases(api: Api) -> None:
    noord = api.login("anna", region="noord")
    zuid = api.login("zara", region="zuid")
    mine = version(region="noord")
    theirs = version(region="zuid")
    api.push(noord, [mine])
    api.push(zuid, [theirs])

    noord_ids = {c["id"] for c in api.pull_all(noord)}
    zuid_ids = {c["id"] for c in api.pull_all(zuid)}
    assert noord_ids == {mine["version_id"], mine["case_id"]}
    assert zuid_ids == {theirs["version_id"], theirs["case_id"]}

    # Writing into the other region's case is refused too, even with the right region name.
    intrusion = version(case_id=theirs["case_id"], base=theirs["version_id"], region="noord")
    body = api.push(noord, [intrusion])
    assert (body["versions"][0]["result"], body["versions"][0]["reason"]) == (
        "rejected",
        "wrong_region",
    )
    assert {c["id"] for c in api.pull_all(zuid)} == zuid_ids


def test_since_is_exclusive_and_sequences_strictly_increase(api: Api) -> None:
    headers = api.login("anna")
    for _ in range(3):
        api.push(headers, [version(), version()])
    changes = api.pull_all(headers)
    seqs = [c["seq"] for c in changes]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) == 12
    middle = seqs[5]
    after = api.pull_all(headers, since=middle)
    assert [c["seq"] for c in after] == seqs[6:]


def test_pages_follow_next_since_until_has_more_is_false(api: Api) -> None:
    headers = api.login("anna")
    api.push(headers, [version() for _ in range(7)])  # 14 changes: versions + case states
    seen: list[int] = []
    since, pages = 0, 0
    while True:
        response = api.client.get(
            "/v1/sync/pull", params={"since": since, "limit": 5}, headers=headers
        )
        page = PullResponse.model_validate(response.json())  # the wire model parses it
        seen.extend(change.seq for change in page.changes)
        pages += 1
        if not page.has_more:
            break
        assert page.next_since == page.changes[-1].seq
        since = page.next_since
    assert pages == 3 and len(seen) == 14 and seen == sorted(seen)
    empty = api.client.get("/v1/sync/pull", params={"since": seen[-1]}, headers=headers).json()
    assert empty == {"changes": [], "next_since": seen[-1], "has_more": False}


def test_reference_data_travels_by_the_same_pull_with_tombstones(api: Api) -> None:
    noord = api.login("anna", region="noord")
    zuid = api.login("zara", region="zuid")
    api.storage.import_providers(
        "noord", [provider("p1", "noord", crisis_beds=2), provider("p2", "noord")]
    )
    api.storage.import_providers("zuid", [provider("z1", "zuid")])
    api.storage.publish_form(
        FormDefinitionDoc(id="intake", version="1", definition={"id": "intake", "version": "1"})
    )
    first = api.pull_all(noord)
    assert [(c["kind"], c["id"]) for c in first] == [
        ("provider", "p1"),
        ("provider", "p2"),
        ("form_definition", "intake@1"),
    ]
    assert first[0]["data"]["crisis_beds"] == 2
    assert [c["id"] for c in api.pull_all(zuid)] == ["z1", "intake@1"]

    checkpoint = first[-1]["seq"]
    summary = api.storage.import_providers("noord", [provider("p1", "noord", crisis_beds=0)])
    assert (summary.created, summary.updated, summary.removed) == (0, 1, 1)
    later = api.pull_all(noord, since=checkpoint)
    assert [(c["kind"], c["id"], c["data"]) for c in later] == [
        ("provider", "p1", later[0]["data"]),
        ("tombstone", "p2", {"object_kind": "provider"}),
    ]
    assert later[0]["data"]["crisis_beds"] == 0
    # A full resync sees every live object once, and the tombstone (harmless to a new desk).
    assert [(c["kind"], c["id"]) for c in api.pull_all(noord)] == [
        ("form_definition", "intake@1"),
        ("provider", "p1"),
        ("tombstone", "p2"),
    ]


def test_a_cursor_older_than_the_horizon_gets_410(api: Api) -> None:
    headers = api.login("anna")
    api.storage.import_providers("noord", [provider("p1", "noord"), provider("p2", "noord")])
    old_cursor = api.pull_all(headers)[0]["seq"]
    api.storage.import_providers("noord", [provider("p1", "noord")])  # p2 gets a tombstone
    assert api.pull_all(headers, since=old_cursor)[-1]["kind"] == "tombstone"

    dropped, horizon = api.storage.compact(up_to_seq=api.storage.last_seq())
    assert dropped == 1 and horizon > old_cursor
    response = api.client.get("/v1/sync/pull", params={"since": old_cursor}, headers=headers)
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "cursor_expired"
    # since=0 (full resync) and since >= horizon still work.
    assert [c["id"] for c in api.pull_all(headers)] == ["p1"]
    assert api.pull_all(headers, since=horizon) == []


def test_a_purged_case_leaves_tombstones(api: Api) -> None:
    headers = api.login("anna")
    item = version()
    api.push(headers, [item])
    checkpoint = api.pull_all(headers)[-1]["seq"]
    assert api.storage.purge_case(item["case_id"]) == 1
    assert sorted(
        (c["kind"], c["data"]["object_kind"]) for c in api.pull_all(headers, since=checkpoint)
    ) == [
        ("tombstone", "case_state"),
        ("tombstone", "case_version"),
    ]
    assert api.pull_all(headers) == [c for c in api.pull_all(headers) if c["kind"] == "tombstone"]


def test_the_trainer_role_pulls_reference_data_only(api: Api) -> None:
    desk = api.login("anna")
    trainer = api.login("tess", role="trainer")
    api.push(desk, [version()])
    api.storage.import_providers("noord", [provider("p1", "noord")])
    assert [c["kind"] for c in api.pull_all(trainer)] == ["provider"]


def test_bad_query_parameters_get_422_naming_the_field(api: Api) -> None:
    headers = api.login("anna")
    for params, field in (
        ({"since": -1}, "since"),
        ({"limit": 0}, "limit"),
        ({"since": "x"}, "since"),
    ):
        response = api.client.get("/v1/sync/pull", params=params, headers=headers)
        assert response.status_code == 422
        assert response.json()["error"]["field"] == field


def test_dutch_and_other_non_ascii_text_comes_back_intact(api: Api) -> None:
    """Regression: pull bodies were encoded as ASCII, so one 'é' broke a region's pulls."""
    headers = api.login("anna")
    text = "Zoë Çelik — één ✓ 𝄞"
    pushed = version(answers={"youth.first_name": text, "situation.reason": text})
    api.push(headers, [pushed])
    response = api.client.get("/v1/sync/pull", params={"since": 0}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    page = PullResponse.model_validate(response.json())
    [pulled] = [c for c in page.changes if c.kind == "case_version"]
    assert pulled.data.answers["youth.first_name"] == text
    assert pulled.data.answers["situation.reason"] == text

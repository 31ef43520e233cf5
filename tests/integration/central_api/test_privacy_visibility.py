"""Who sees what (issue 21) on both databases: a pull sends only the cases a user may see,
break-the-glass opens any case of the region with a reason and is audited, and a property
test: no pull ever contains a case the user may not see."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from central_api import db
from central_api.storage import Principal, Storage
from central_api.storage.core import utc_now
from doorloop_protocol import VersionItem
from doorloop_protocol.privacy import DEFAULT_WINDOW_DAYS, GRANT_HOURS, may_see
from tests.helpers.central import PASSWORD
from tests.integration.central_api.conftest import Api, version


def case_ids(changes: list[dict[str, Any]]) -> set[str]:
    """The cases a pull carries content or state of (tombstones carry nobody's file)."""
    found = set()
    for change in changes:
        if change["kind"] == "case_version" or change["kind"] == "case_state":
            found.add(change["data"]["case_id"])
    return found


def close_case(storage: Storage, case_id: str) -> None:
    """Mark a stored case closed (as the end of its workflow would), now."""
    with storage.engine.begin() as conn:
        conn.execute(update(db.cases).where(db.cases.c.id == case_id).values(status="closed"))


def later(storage: Storage, days: float) -> None:
    """Move the storage's clock forward."""
    start = utc_now()
    storage.clock = lambda: start + timedelta(days=days)


def test_a_user_sees_open_cases_of_the_region_and_their_own(api: Api) -> None:
    anna = api.login("anna")
    bram = api.login("bram")
    chef = api.login("chef", role="coordinator")
    trainer = api.login("tess", role="trainer")
    open_case, closed_case = version(), version()
    api.push(anna, [open_case, closed_case])
    close_case(api.storage, closed_case["case_id"])

    assert case_ids(api.pull_all(anna)) == {open_case["case_id"], closed_case["case_id"]}
    assert case_ids(api.pull_all(bram)) == {open_case["case_id"]}
    assert case_ids(api.pull_all(chef)) == {open_case["case_id"], closed_case["case_id"]}
    assert case_ids(api.pull_all(trainer)) == set()

    # past the window: the open case leaves Bram's view, the coordinator keeps the open
    # one but not the closed one; Anna keeps what she worked on
    later(api.storage, DEFAULT_WINDOW_DAYS + 1)
    assert case_ids(api.pull_all(bram)) == set()
    assert case_ids(api.pull_all(chef)) == {open_case["case_id"]}
    assert case_ids(api.pull_all(anna)) == {open_case["case_id"], closed_case["case_id"]}


def test_the_window_is_a_region_setting(api: Api) -> None:
    anna = api.login("anna")
    bram = api.login("bram")
    item = version()
    api.push(anna, [item])
    api.storage.set_region_privacy("noord", window_days=3)
    later(api.storage, 2.9)
    assert case_ids(api.pull_all(bram)) == {item["case_id"]}
    later(api.storage, 3.1)
    assert case_ids(api.pull_all(bram)) == set()


def test_break_the_glass_needs_a_reason_and_is_audited(api: Api) -> None:
    anna = api.login("anna")
    bram = api.login("bram")
    trainer = api.login("tess", role="trainer")
    zuid = api.login("zara", region="zuid")
    item = version()
    api.push(anna, [item])
    close_case(api.storage, item["case_id"])
    assert case_ids(api.pull_all(bram)) == set()
    url = f"/v1/cases/{item['case_id']}/break-glass"

    empty = api.client.post(url, json={"reason": "continuity", "note": "  "}, headers=bram)
    assert empty.status_code == 422 and empty.json()["error"]["field"] == "note"
    unknown = api.client.post(url, json={"reason": "curious", "note": "x"}, headers=bram)
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "reason"
    assert (
        api.client.post(url, json={"reason": "quality", "note": "x"}, headers=trainer).status_code
        == 403
    )
    other = api.client.post(url, json={"reason": "quality", "note": "x"}, headers=zuid)
    assert other.status_code == 404

    note = "Jeugdige belt opnieuw, eerdere afspraken nodig"
    opened = api.client.post(url, json={"reason": "continuity", "note": note}, headers=bram)
    assert opened.status_code == 200, opened.text
    body = opened.json()
    assert [v["version_id"] for v in body["versions"]] == [item["version_id"]]
    assert case_ids(api.pull_all(bram)) == {item["case_id"]}  # in view for a while
    later(api.storage, GRANT_HOURS / 24 + 0.01)
    assert case_ids(api.pull_all(bram)) == set()

    rows = api.storage.server_audit("case.break_glass")
    outcomes = [(r["outcome"], r["detail"].get("field")) for r in rows]
    assert outcomes == [
        ("refused", "note"),
        ("refused", "reason"),
        ("forbidden", None),
        ("ok", None),
    ]
    assert rows[-1]["detail"]["reason"] == "continuity" and rows[-1]["detail"]["note"] == note


# -- the property: no pull ever contains a case the user may not see ---------------------------

ROLES = ("desk", "outreach", "coordinator", "trainer")


class World:
    """Users of two regions on one storage, and what the test knows of each case."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.users: list[Principal] = []
        self.cursors: dict[str, int] = {}
        self.cases: dict[str, dict[str, Any]] = {}  # id -> region, workers, last version
        tag = uuid.uuid4().hex[:6]
        regions = (f"noord-{tag}", f"zuid-{tag}")
        for region in regions:
            storage.add_region(region)
        for index, role in enumerate(ROLES * 2):
            region = regions[0] if index < len(ROLES) else regions[1]
            name = f"u{index}-{uuid.uuid4().hex[:6]}"
            storage.add_user(name, PASSWORD, role=role, region=region)
            record = storage.authenticate(name, PASSWORD)
            assert record is not None
            _device, token = storage.register_device(record, "laptop")
            who = storage.principal(token)
            assert who is not None
            self.users.append(who)
            self.cursors[who.device_id] = 0

    def push(self, who: Principal, case_id: str | None) -> None:
        if who.role == "trainer":
            return
        base = self.cases.get(case_id or "")
        if base is not None and base["region"] != who.region:
            return
        item = version(
            case_id=case_id,
            base=base["version"] if base else None,
            region=who.region,
            created_by=who.user_id,
            created_by_name=who.display_name,
            answers={"youth.first_name": "Sem", "n": len(self.cases)},
        )
        result = self.storage.push(who, [VersionItem.model_validate(item)], [])
        assert result.versions[0].stored, result
        known = self.cases.setdefault(item["case_id"], {"region": who.region, "workers": set()})
        known["workers"].add(who.user_id)
        known["version"] = item["version_id"]

    def expected(self, who: Principal, now: datetime) -> set[str]:
        window = self.storage.region_privacy(who.region).window_days
        with self.storage.engine.connect() as conn:
            rows = conn.execute(
                select(db.cases.c.id, db.cases.c.status, db.cases.c.updated_at)
            ).all()
            grants = {
                row.case_id
                for row in conn.execute(
                    select(db.case_grants.c.case_id).where(
                        db.case_grants.c.user_id == who.user_id, db.case_grants.c.expires_at > now
                    )
                )
            }
            conn.rollback()
        seen = set()
        for row in rows:
            known = self.cases.get(row.id)
            if known is None:  # another example's case, of another region
                continue
            updated = (
                row.updated_at
                if row.updated_at.tzinfo
                else row.updated_at.replace(tzinfo=now.tzinfo)
            )
            if known["region"] == who.region and may_see(
                role=who.role,
                status=row.status,
                updated_at=updated,
                now=now,
                window_days=window,
                worked_on=who.user_id in known["workers"],
                granted=row.id in grants,
            ):
                seen.add(row.id)
        return seen


steps = st.lists(
    st.tuples(
        st.sampled_from(("push_new", "push_on", "close", "later", "glass", "pull", "window")),
        st.integers(min_value=0, max_value=7),
        st.integers(min_value=0, max_value=40),
    ),
    min_size=3,
    max_size=25,
)


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(plan=steps)
def test_no_pull_ever_contains_a_case_the_user_may_not_see(
    database_url: str, plan: list[tuple[str, int, int]]
) -> None:
    storage = Storage.open(database_url)
    try:
        world = World(storage)  # regions of its own: examples share the database
        offset = 0.0
        for action, who_index, number in plan:
            who = world.users[who_index]
            ids = sorted(world.cases)
            pick = ids[number % len(ids)] if ids else None
            if action == "push_new":
                world.push(who, None)
            elif action == "push_on" and pick is not None:
                world.push(who, pick)
            elif action == "close" and pick is not None:
                close_case(storage, pick)
            elif action == "later":
                offset += number
                later(storage, offset)
            elif action == "window":
                storage.set_region_privacy(who.region, window_days=number + 1)
            elif (
                action == "glass"
                and pick is not None
                and who.role != "trainer"
                and world.cases[pick]["region"] == who.region
            ):
                storage.break_glass(who, pick, "continuity", "belt opnieuw")
            for reader in (who, world.users[(who_index + 3) % len(world.users)]):
                # a pull from the start and from the reader's own cursor
                allowed = world.expected(reader, storage.clock())
                full = storage.pull(reader, 0, 5000)
                page = storage.pull(reader, world.cursors[reader.device_id], 5000)
                for body in (full, page):
                    assert case_ids(json.loads(body)["changes"]) <= allowed
                world.cursors[reader.device_id] = json.loads(page)["next_since"]
                assert case_ids(json.loads(full)["changes"]) == allowed
    finally:
        storage.close()


def test_small_pages_skip_hidden_changes_and_say_exactly_when_more_follows(
    api: Api,
) -> None:
    """A page fills up across changes the user may not see (read a batch at a time):
    every page of `limit` changes is the next slice of the visible changes, has_more is
    true exactly while visible changes remain, next_since is the page's last seq (the
    cursor when the page is empty)."""
    anna = api.login("anna")
    bram = api.login("bram")
    items = [version() for _ in range(12)]
    api.push(anna, items)
    mine = version()
    api.push(bram, [mine])
    for item in items:  # closed cases Bram never worked on: hidden from him
        if int(item["case_id"][-1], 16) % 3:
            close_case(api.storage, item["case_id"])
    full = api.client.get("/v1/sync/pull", params={"since": 0, "limit": 5000}, headers=bram)
    visible = full.json()["changes"]
    expected = {i["case_id"] for i in items if int(i["case_id"][-1], 16) % 3 == 0}
    assert case_ids(visible) == expected | {mine["case_id"]}
    for limit in (1, 2, 3, 5, 1000):
        since, got = 0, []
        while True:
            response = api.client.get(
                "/v1/sync/pull", params={"since": since, "limit": limit}, headers=bram
            )
            body = response.json()
            page = body["changes"]
            assert page == visible[len(got) : len(got) + limit]
            got.extend(page)
            assert body["has_more"] == (len(got) < len(visible))
            assert body["next_since"] == (page[-1]["seq"] if page else since)
            since = body["next_since"]
            if not body["has_more"]:
                break
        assert got == visible
    last = visible[-1]["seq"]
    hidden = api.client.get("/v1/sync/pull", params={"since": last, "limit": 1}, headers=bram)
    assert hidden.json() == {"changes": [], "next_since": last, "has_more": False}

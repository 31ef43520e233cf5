"""Indicators on both databases equal the hand-computed values of a synthetic region."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from central_api import db
from central_api.indicators import facts as facts_table
from central_api.indicators.service import IndicatorInputError, parse_period, report
from coordination.indicators import NOT_AVAILABLE, desk_report

from .conftest import Api, version
from .indicator_world import ZONE, Spec, answers_of, expected, make_specs, stamp

START, END = date(2026, 11, 1), date(2026, 12, 1)
NOT_YET = ["placement_wait", "free_places"]
# computed by the central API from its referrals (none here: zero counts); a desk has no
# referral source and reports them as not available
FROM_REFERRALS = ["first_contact_on_time", "acknowledged_on_time", "breaches",
                  "referrals_declined"]  # fmt: skip


def edge_specs() -> list[Spec]:
    """Cases on the local-time edges of the period (UTC would put them elsewhere)."""
    moments = [
        datetime(2026, 11, 1, 0, 30, tzinfo=ZONE),  # inside (31 Oct in UTC)
        datetime(2026, 11, 30, 23, 59, tzinfo=ZONE),  # inside
        datetime(2026, 12, 1, 0, 10, tzinfo=ZONE),  # outside (30 Nov in UTC)
        datetime(2026, 10, 31, 23, 50, tzinfo=ZONE),  # outside
    ]
    specs = make_specs(7, len(moments), START, 1)
    for spec, moment in zip(specs, moments, strict=True):
        spec.received = moment
    return specs


def case_versions(spec: Spec) -> dict[str, list[dict[str, Any]]]:
    """The versions of one case, by who pushes them (coordinator decides, triagist amends)."""
    answers = answers_of(spec)
    first = version(
        case_id=spec.case_id, status="ready_for_triage" if spec.ready else "draft",
        answers=answers, number=1, region="noord",
    )  # fmt: skip
    out: dict[str, list[dict[str, Any]]] = {"first": [first], "decide": [], "amend": [],
                                             "sibling": []}  # fmt: skip
    last = first
    if spec.decided_after is not None:
        decided_at = spec.received + timedelta(minutes=spec.decided_after)
        decision = {**answers, "triage.urgency": spec.urgency, "triage.decided_at":
                    decided_at.isoformat(), "triage.intervention": "advice_caller"}  # fmt: skip
        last = version(case_id=spec.case_id, base=first["version_id"], status="triaged",
                       answers=decision, number=2, region="noord")  # fmt: skip
        out["decide"].append(last)
        if spec.amended_urgency:
            amended = {**decision, "triage.urgency": spec.amended_urgency}
            out["amend"].append(
                version(case_id=spec.case_id, base=last["version_id"], status="triaged",
                        answers=amended, number=3, region="noord", reason="Herbeoordeling")
            )  # fmt: skip
    if spec.reconcile:  # a second head: two versions on one base
        for _ in range(1 if spec.decided_after is not None else 2):
            out["sibling"].append(
                version(case_id=spec.case_id, base=first["version_id"], status=first["status"],
                        answers={**answers}, number=2, region="noord")
            )  # fmt: skip
    return out


def load(
    api: Api, specs: list[Spec], after_batch: Callable[[], object] | None = None
) -> list[dict[str, Any]]:
    """Push the region through the real API; returns every version pushed."""
    coordinator = api.login("coord", role="coordinator")
    triagist = api.login("tria", role="triagist")
    batches: dict[str, list[dict[str, Any]]] = {"first": [], "decide": [], "amend": [],
                                                 "sibling": []}  # fmt: skip
    for spec in specs:
        for stage, items in case_versions(spec).items():
            batches[stage].extend(items)
    pushed = []
    for stage in ("first", "decide", "amend", "sibling"):
        who = triagist if stage == "amend" else coordinator
        items = batches[stage]
        for start in range(0, len(items), 200):
            chunk = items[start : start + 200]
            result = api.push(who, chunk)
            outcomes = {r["result"] for r in result["versions"]}
            wanted = {"conflict", "created"} if stage == "sibling" else {"created"}
            assert outcomes <= wanted, result["versions"][:3]
            pushed.extend(api.signed(who, chunk))
            if after_batch is not None:
                after_batch()
    return pushed


def check_exact(got: dict[str, Any], want: dict[str, Any]) -> None:
    ind = got["indicators"]
    assert set(ind) >= {"cases_total", "completeness", *NOT_YET}
    assert ind["cases_total"]["value"] == want["cases_total"]
    for key in ["cases_by_urgency", "cases_by_age_band", "cases_by_channel",
                "cases_by_caller_role", "cases_by_hour"]:  # fmt: skip
        assert ind[key]["value"] == want[key], key
        assert ind[key]["n"] == sum(want[key].values()), key
    assert ind["time_to_decision"]["value"] == want["time_to_decision"]
    assert ind["time_to_decision"]["n"] == want["time_to_decision_n"]
    assert ind["needs_reconciliation"]["value"] == want["needs_reconciliation"]
    assert ind["completeness"]["value"] == want["completeness"]
    for key in NOT_YET:
        assert ind[key]["value"] is None and ind[key]["note"] == NOT_AVAILABLE
    for key in FROM_REFERRALS:
        assert ind[key]["n"] == 0 and "available" not in ind[key], key


def test_every_indicator_equals_the_hand_computed_value(api: Api) -> None:
    specs = make_specs(2026, 120, date(2026, 10, 27), 40) + edge_specs()
    pushed = load(api, specs)
    want = expected(specs, START, END)
    assert 0 < want["cases_total"] < len(specs)  # some fall outside the period
    got = report(api.storage.engine, "noord", parse_period(START, END))
    check_exact(got, want)
    assert got["public"] is False and got["catalogue_version"] == "1"
    # the desk computes the same indicators from the same versions
    by_case: dict[str, list[dict[str, Any]]] = {}
    for item in pushed:
        by_case.setdefault(item["case_id"], []).append(item)
    cases = [{"id": cid, "versions": vs} for cid, vs in by_case.items()]
    desk = desk_report(cases, region="noord", start=START, end=END, now=datetime.now(UTC))
    skip = {"needs_reconciliation", *FROM_REFERRALS}
    assert {k: v for k, v in desk["indicators"].items() if k not in skip} == {
        k: v for k, v in got["indicators"].items() if k not in skip
    }
    for key in FROM_REFERRALS:
        assert desk["indicators"][key]["note"] == NOT_AVAILABLE
    # the desk sees reconciliation from its versions too (a sibling on the same base is
    # only known to the server as a second head: counted there from the case row)


def test_facts_follow_new_versions_and_purges(api: Api) -> None:
    coordinator = api.login("coord", role="coordinator")
    received = datetime(2026, 11, 10, 14, 5, tzinfo=ZONE)
    answers = {"call.received_at": received.isoformat(), "call.channel": "chat"}
    first = version(status="ready_for_triage", answers=answers, number=1)
    api.push(coordinator, [first])
    period = parse_period(START, END)
    got = report(api.storage.engine, "noord", period)["indicators"]
    assert got["cases_total"]["value"] == 1
    assert got["cases_by_urgency"]["n"] == 0
    decided = {**answers, "triage.urgency": "U2",
               "triage.decided_at": stamp(received + timedelta(minutes=30))}  # fmt: skip
    api.push(coordinator, [version(case_id=first["case_id"], base=first["version_id"],
                                   status="triaged", answers=decided, number=2)])  # fmt: skip
    got = report(api.storage.engine, "noord", period)["indicators"]
    assert got["cases_by_urgency"]["value"]["U2"] == 1
    assert got["time_to_decision"]["value"] == {"median": 30.0, "p90": 30.0}
    api.storage.purge_case(first["case_id"])
    got = report(api.storage.engine, "noord", period)["indicators"]
    assert got["cases_total"]["value"] == 0


def test_facts_without_their_case_go_after_compaction(api: Api) -> None:
    coordinator = api.login("coord", role="coordinator")
    answers = {"call.received_at": datetime(2026, 11, 10, 9, tzinfo=ZONE).isoformat()}
    items = [version(status="draft", answers=answers, number=1) for _ in range(2)]
    api.push(coordinator, items)
    period = parse_period(START, END)
    assert report(api.storage.engine, "noord", period)["indicators"]["cases_total"]["value"] == 2
    api.push(coordinator, [version(status="draft", answers=answers, number=1)])
    api.storage.purge_case(items[0]["case_id"])
    api.storage.compact(up_to_seq=api.storage.last_seq())  # the tombstone is gone
    assert facts_table.catch_up(api.storage.engine) >= 1
    got = report(api.storage.engine, "noord", period)["indicators"]
    assert got["cases_total"]["value"] == 2


def test_a_region_without_data_gives_zeros(api: Api) -> None:
    api.storage.add_region("leeg")
    got = report(api.storage.engine, "leeg", parse_period(START, END))
    ind = got["indicators"]
    assert ind["cases_total"] == {"value": 0, "n": 0, "complete": None, "unit": "cases"}
    assert set(ind["cases_by_urgency"]["value"].values()) == {0}
    assert ind["time_to_decision"]["value"] == {"median": None, "p90": None}
    assert ind["completeness"]["value"]["call.received_at"] == {
        "pct": None, "numerator": 0, "denominator": 0}  # fmt: skip


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2026-11-01", "2026-11-01", "to"),
        ("2026-11-05", "2026-11-01", "to"),
        ("2099-01-01", "2099-02-01", "from"),
        ("gisteren", "2026-11-01", "from"),
        ("2026-11-01", "2026-13-01", "to"),
    ],
)
def test_bad_periods_name_the_option(start: str, end: str, field: str) -> None:
    with pytest.raises(IndicatorInputError) as caught:
        parse_period(start, end, now=datetime(2026, 12, 3, tzinfo=UTC))
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}:")


def test_the_api_gives_coordinators_their_region_only(api: Api) -> None:
    specs = make_specs(11, 30, START, 20)
    load(api, specs)
    coordinator = api.login("coord", role="coordinator")
    params = {"from": "2026-11-01", "to": "2026-12-01"}
    response = api.client.get("/v1/indicators", params=params, headers=coordinator)
    assert response.status_code == 200, response.text
    check_exact(response.json(), expected(specs, START, END))
    public = api.client.get("/v1/indicators", params={**params, "public": "true"},
                            headers=coordinator).json()  # fmt: skip
    assert public["public"] is True
    flat = json.dumps(public["indicators"])
    assert '"<5"' in flat or '"x"' in flat  # 30 cases over 24 hours: small cells exist
    csv_text = api.client.get("/v1/indicators", params={**params, "format": "csv"},
                              headers=coordinator).text  # fmt: skip
    assert csv_text.splitlines()[0] == "indicator,category,value,n,complete"
    for role in ["desk", "triagist", "outreach", "trainer"]:
        other = api.login(f"u-{role}", role=role)
        denied = api.client.get("/v1/indicators", params=params, headers=other)
        assert denied.status_code == 403, role
    api.login("coord-zuid", role="coordinator", region="zuid")
    elsewhere = api.client.get("/v1/indicators", params={**params, "region": "zuid"},
                               headers=coordinator)  # fmt: skip
    assert elsewhere.status_code == 403
    bad = api.client.get("/v1/indicators", params={"from": "2026-11-05", "to": "2026-11-01"},
                         headers=coordinator)  # fmt: skip
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "to"
    assert api.client.get("/v1/indicators", params=params).status_code == 401


def test_daily_counts_equal_a_recount_as_versions_arrive(api: Api) -> None:
    """The summary table moves with every batch; at the end it equals a fresh count."""
    specs = make_specs(99, 80, START, 30)
    engine = api.storage.engine
    load(api, specs, after_batch=lambda: facts_table.catch_up(engine))
    api.storage.purge_case(specs[0].case_id)
    facts_table.catch_up(engine)
    with engine.connect() as conn:
        kept = Counter(
            {
                (r.region_id, r.day, r.dim, r.category): int(r.n)
                for r in conn.execute(select(db.indicator_daily))
                if r.n
            }
        )
        recount: Counter[tuple[Any, ...]] = Counter()
        for row in conn.execute(select(db.indicator_facts)).mappings():
            recount.update(facts_table.daily_keys(row))
        conn.rollback()
    assert kept == recount
    got = report(engine, "noord", parse_period(START, END))
    check_exact(got, expected(specs[1:], START, END))

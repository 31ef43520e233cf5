"""The catalogue as data, held to domain/indicators.md and the intake format; case facts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from coordination.indicators import case_facts, desk_report, load_catalogue, percentile
from coordination.indicators.facts import age_band
from desktop.forms import load_form

SPEC_IDS = [
    "cases_total", "cases_by_urgency", "cases_by_age_band", "cases_by_caller_role",
    "cases_by_channel", "cases_by_hour", "time_to_decision", "first_contact_on_time",
    "acknowledged_on_time", "breaches", "referrals_declined", "placement_wait", "free_places",
    "needs_reconciliation", "completeness",
]  # fmt: skip


def test_every_indicator_of_the_spec_is_in_the_catalogue_with_its_definition() -> None:
    catalogue = load_catalogue()
    assert [i.id for i in catalogue.indicators] == SPEC_IDS
    for indicator in catalogue.indicators:
        assert indicator.name["nl"] and indicator.name["en"]
        assert indicator.definition["nl"] and indicator.definition["en"]
        assert indicator.numerator and indicator.unit and indicator.version
        assert indicator.source in {"cases", "referrals", "availability"}


def test_categories_are_those_of_the_form() -> None:
    form = load_form("intake", "1")
    catalogue = load_catalogue()
    for dim, field_id in [("channel", "call.channel"), ("caller_role", "call.caller_role")]:
        options = [o.value for o in form.field(field_id).options]
        assert list(catalogue.categories[dim]) == [*options, "unknown"]
    assert list(catalogue.categories["urgency"]) == [u.code for u in form.urgency]


def test_completeness_fields_are_the_unconditional_required_intake_fields() -> None:
    form = load_form("intake", "1")
    wanted = [
        f.id
        for section in form.sections
        if section.stage == "intake"
        for f in section.fields
        if f.required == "req" and f.required_if is None
    ]
    assert list(load_catalogue().completeness_fields) == wanted


@pytest.mark.parametrize(
    ("answers", "band"),
    [
        ({"youth.birth_date": "2014-11-24"}, "<12"),  # 11 the day before the 12th birthday
        ({"youth.birth_date": "2014-11-23"}, "12-15"),  # 12 on the day
        ({"youth.birth_date": "2009-01-01"}, "16-17"),
        ({"youth.birth_date": "2004-11-23"}, "18-22"),
        ({"youth.age_estimate": 23}, "23+"),
        ({"youth.age_estimate": 15}, "12-15"),
        ({}, "unknown"),
        ({"youth.birth_date": "geen datum"}, "unknown"),
    ],
)
def test_age_band_at_received(answers: dict[str, object], band: str) -> None:
    received = datetime.fromisoformat("2026-11-23T03:12:00+01:00")
    assert age_band(answers, received) == band


def test_clock_events_follow_the_spec() -> None:
    received = "2026-11-23T00:30:00+01:00"  # 22 Nov 23:30 UTC: local hour 0, Monday
    base = {"call.received_at": received}
    versions = [
        {"status": "ready_for_triage", "answers": base, "number": 1},
        {"status": "triaged", "number": 2, "answers": {**base, "triage.urgency": "U3",
         "triage.decided_at": "2026-11-23T01:00:00+01:00"}},
        {"status": "triaged", "number": 3, "answers": {**base, "triage.urgency": "U1",
         "triage.decided_at": "2026-11-23T02:00:00+01:00"}},
    ]  # fmt: skip
    facts = case_facts("c", list(reversed(versions)))  # order comes from the numbers
    assert facts.local_hour == 0 and facts.iso_week == "2026-W48" and not facts.weekend
    assert facts.urgency == "U1"  # the latest decision
    assert facts.minutes_to_decision == 30.0  # the first triaged version's time
    assert facts.ready and facts.decided and not facts.needed_reconciliation
    assert facts.received_at == datetime(2026, 11, 22, 23, 30, tzinfo=UTC)


def test_a_decision_before_the_call_is_a_missing_clock() -> None:
    answers = {
        "call.received_at": "2026-11-23T03:00:00+01:00",
        "triage.decided_at": "2026-11-23T02:00:00+01:00",
        "triage.urgency": "U2",
    }
    assert case_facts("c", [{"status": "triaged", "answers": answers}]).minutes_to_decision is None


def test_percentile_interpolates_between_closest_ranks() -> None:
    assert percentile([], 0.5) is None
    assert percentile([10.0], 0.9) == 10.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([float(i) for i in range(1, 11)], 0.9) == pytest.approx(9.1)


def test_the_desk_leaves_training_cases_out() -> None:
    case = {
        "id": "c",
        "status": "draft",
        "answers": {"call.received_at": "2026-11-23T03:00:00+01:00"},
    }
    report = desk_report([case, {**case, "id": "t", "training": True}], region="demo",
                         start=date(2026, 11, 1), end=date(2026, 12, 1),
                         now=datetime(2026, 12, 3, tzinfo=UTC))  # fmt: skip
    assert report["indicators"]["cases_total"]["value"] == 1

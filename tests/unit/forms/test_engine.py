"""The form engine: visibility, requirements, derived values, banners and robustness."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.forms import FormDefinition, can_mark_ready, evaluate, load_form
from desktop.forms.engine import add_working_days, age_on, birthday

from .conftest import AMS, NOW, RECEIVED


def state_of(form: FormDefinition, answers: dict[str, Any], now: datetime = NOW) -> Any:
    return evaluate(form, answers, now=now)


# --------------------------------------------------------------------------- banners


@pytest.mark.parametrize(
    ("answers", "banners"),
    [
        ({}, ()),
        ({"risk.somatic_danger": "yes"}, ("somatic_danger",)),
        ({"risk.somatic_danger": "unknown"}, ()),
        (
            {"risk.suicidality": "recent_attempt", "risk.intoxication": "yes"},
            ("somatic_danger", "suicide_plan_means_unknown"),
        ),
        # a plan or attempt with the means not (yet) known: assume high risk (issue 15)
        (
            {"risk.suicidality": "recent_attempt", "risk.intoxication": "no"},
            ("suicide_plan_means_unknown",),
        ),
        (
            {"risk.suicidality": "plan", "risk.intoxication": "yes"},
            ("suicide_plan_means_unknown",),
        ),
        ({"risk.unsafe_home": "yes"}, ("unsafe_home",)),
        ({"risk.unsafe_home": "no"}, ()),
        ({"risk.suicidality": "plan", "risk.means_available": "yes"}, ("high_suicide_risk",)),
        (
            {"risk.suicidality": "recent_attempt", "risk.means_available": "yes"},
            ("high_suicide_risk",),
        ),
        (
            {"risk.suicidality": "plan", "risk.means_available": "unknown"},
            ("suicide_plan_means_unknown",),
        ),
        ({"risk.suicidality": "plan", "risk.means_available": "no"}, ()),
        ({"risk.suicidality": "thoughts", "risk.means_available": "yes"}, ()),
        (
            {
                "risk.suicidality": "recent_attempt",
                "risk.means_available": "yes",
                "risk.intoxication": "yes",
                "risk.unsafe_home": "yes",
            },
            ("somatic_danger", "unsafe_home", "high_suicide_risk"),
        ),
    ],
)
def test_banners(form: FormDefinition, answers: dict[str, Any], banners: tuple[str, ...]) -> None:
    assert state_of(form, answers).banners == banners


def test_hidden_means_available_does_not_raise_the_banner(form: FormDefinition) -> None:
    # 'means available' was answered for a plan; the plan was then corrected to 'thoughts'
    state = state_of(form, {"risk.suicidality": "thoughts", "risk.means_available": "yes"})
    assert "risk.means_available" not in state.visible
    assert "risk.means_available" not in state.values
    assert state.banners == ()


# --------------------------------------------------------------------------- visibility


def test_visibility_rules(form: FormDefinition) -> None:
    state = state_of(form, {})
    hidden = {
        "call.caller_organisation", "call.referrer_name", "call.referrer_organisation",
        "call.referrer_phone", "youth.language", "authority.institution_name",
        "authority.parent2_name", "authority.parent2_phone", "risk.means_available",
        "background.waiting_list_for",
    }  # fmt: skip
    assert {f.id for f in form.fields()} - state.visible == hidden
    shown = state_of(
        form,
        {
            "call.caller_role": "gp",
            "call.referrer_is_caller": False,
            "youth.interpreter_needed": True,
            "authority.child_protection": "supervision_order",
            "authority.situation": "joint_parents",
            "risk.suicidality": "plan",
            "background.waiting_list": "yes",
            "youth.birth_date": "2010-01-01",
        },
    )
    assert hidden <= shown.visible
    assert "youth.age_estimate" not in shown.visible
    assert "call.referrer_name" not in state_of(form, {"call.referrer_is_caller": True}).visible
    assert "call.caller_organisation" not in state_of(form, {"call.caller_role": "parent"}).visible


@pytest.mark.parametrize(
    ("birth_date", "visible"),
    [("2009-05-23", True), ("2009-05-24", False), ("2012-01-01", False), (None, True)],
)
def test_youth_care_before_18_is_shown_from_17_and_a_half(
    form: FormDefinition, birth_date: str | None, visible: bool
) -> None:
    answers = {"call.received_at": RECEIVED}
    if birth_date:
        answers["youth.birth_date"] = birth_date
    assert ("legal.youth_care_before_18" in state_of(form, answers).visible) is visible


def test_consent_to_inform_parents_is_shown_from_16_or_unknown_age(form: FormDefinition) -> None:
    field = "handover.consent_to_inform_parents"
    assert field in state_of(form, {}).visible
    assert field in state_of(form, {"youth.age_estimate": 16}).visible
    assert field not in state_of(form, {"youth.age_estimate": 15}).visible


def test_hidden_answers_are_kept_but_ignored(form: FormDefinition) -> None:
    answers = {"youth.birth_date": "2012-03-04", "youth.age_estimate": "abc"}
    state = state_of(form, answers)
    assert "youth.age_estimate" not in state.visible
    assert "youth.age_estimate" not in state.errors  # invalid, but hidden
    assert answers["youth.age_estimate"] == "abc"  # the engine never edits answers
    state = state_of(form, {"youth.age_estimate": "abc"})
    assert state.errors == {"youth.age_estimate": "Verwacht een getal."}


# --------------------------------------------------------------------------- requirements


def test_requirements_and_completeness(
    form: FormDefinition, complete_intake: dict[str, Any]
) -> None:
    state = state_of(form, complete_intake)
    for section in ("call", "youth", "authority", "situation", "risk", "background", "legal"):
        assert state.sections[section].complete, section
    assert not state.sections["triage"].complete
    assert state.sections["triage"].missing == (
        "triage.urgency",
        "triage.intervention",
        "triage.rationale",
    )
    assert can_mark_ready(form, complete_intake, now=NOW)


def test_missing_hard_requirements_are_listed(
    form: FormDefinition, complete_intake: dict[str, Any]
) -> None:
    del complete_intake["situation.reason"]
    complete_intake["call.caller_phone"] = "123"
    readiness = can_mark_ready(form, complete_intake, now=NOW)
    assert not readiness
    assert readiness.missing == ("call.caller_phone", "situation.reason")
    state = state_of(form, complete_intake)
    assert state.sections["call"].errors == ("call.caller_phone",)


def test_soft_requirements_never_block(
    form: FormDefinition, complete_intake: dict[str, Any]
) -> None:
    for key in ("youth.first_name", "youth.last_name", "youth.birth_date", "situation.youth_need"):
        complete_intake.pop(key)
    state = state_of(form, complete_intake)
    assert state.sections["youth"].missing_soft == (
        "youth.first_name",
        "youth.last_name",
        "youth.birth_date",
    )
    assert state.sections["youth"].complete
    # age unknown now: authority is still needed
    assert can_mark_ready(form, complete_intake, now=NOW)


def test_conditional_requirements(form: FormDefinition) -> None:
    youth_calls = state_of(form, {"call.caller_role": "youth"})
    assert "call.caller_name" not in youth_calls.required
    assert "call.caller_name" in state_of(form, {"call.caller_role": "gp"}).required
    assert "call.caller_name" in state_of(form, {}).required
    adult = {"call.received_at": RECEIVED, "youth.birth_date": "2006-01-01"}
    assert "authority.situation" not in state_of(form, adult).required
    assert "authority.situation" in state_of(form, {"youth.age_estimate": 17}).required
    assert "authority.situation" in state_of(form, {}).required


# --------------------------------------------------------------------------- age


def test_age_birthday_today(form: FormDefinition) -> None:
    state = state_of(form, {"call.received_at": RECEIVED, "youth.birth_date": "2008-11-23"})
    assert state.derived["youth.age"] == {"years": 18, "months": 0, "estimated": False}
    assert state.derived["youth.age_band"] == "18_22"
    assert state.derived["youth.age_threshold"] == {"age": 18, "date": "2026-11-23", "days": 0}
    assert state.warnings["youth.birth_date"].startswith("Wordt vandaag 18")


def test_age_day_before_the_birthday(form: FormDefinition) -> None:
    state = state_of(form, {"call.received_at": RECEIVED, "youth.birth_date": "2008-11-24"})
    assert state.derived["youth.age"] == {"years": 17, "months": 11, "estimated": False}
    assert state.derived["youth.age_band"] == "16_17"
    assert state.derived["youth.age_threshold"] == {"age": 18, "date": "2026-11-24", "days": 1}
    assert state.warnings["youth.birth_date"] == (
        "Wordt over 1 dag 18 (op 24-11-2026): andere regels voor toestemming en zorg."
    )


@pytest.mark.parametrize(
    ("birth", "days", "warned"),
    [("2014-12-23", 30, True), ("2014-12-24", 31, False), ("2010-12-10", 17, True)],
)
def test_threshold_window_is_30_days(
    form: FormDefinition, birth: str, days: int, warned: bool
) -> None:
    state = state_of(form, {"call.received_at": RECEIVED, "youth.birth_date": birth})
    threshold = state.derived["youth.age_threshold"]
    assert (threshold is not None) is warned
    assert ("youth.birth_date" in state.warnings) is warned
    if warned:
        assert threshold["days"] == days


def test_29_february_turns_a_year_older_on_1_march(form: FormDefinition) -> None:
    def age(received: str) -> Any:
        answers = {"call.received_at": received, "youth.birth_date": "2008-02-29"}
        return state_of(form, answers, now=datetime(2030, 1, 1, tzinfo=AMS)).derived

    assert age("2026-02-28T12:00:00+01:00")["youth.age"]["years"] == 17
    assert age("2026-02-28T12:00:00+01:00")["youth.age_threshold"]["date"] == "2026-03-01"
    assert age("2026-03-01T12:00:00+01:00")["youth.age"]["years"] == 18
    assert age("2024-02-29T12:00:00+01:00")["youth.age"] == {
        "years": 16,
        "months": 0,
        "estimated": False,
    }
    assert birthday(datetime(2008, 2, 29).date(), 18).isoformat() == "2026-03-01"


def test_age_months_at_month_ends() -> None:
    d = datetime.fromisoformat
    assert age_on(d("2010-01-31").date(), d("2026-02-28").date()) == (16, 0)
    assert age_on(d("2010-01-31").date(), d("2026-03-01").date()) == (16, 1)
    assert age_on(d("2010-01-31").date(), d("2010-01-30").date()) is None


def test_age_is_taken_on_the_call_date_not_today(form: FormDefinition) -> None:
    answers = {"call.received_at": RECEIVED, "youth.birth_date": "2008-12-01"}
    later = datetime(2027, 6, 1, tzinfo=AMS)
    assert state_of(form, answers, now=later).derived["youth.age_years"] == 17
    del answers["call.received_at"]
    assert state_of(form, answers, now=later).derived["youth.age_years"] == 18


def test_age_from_the_estimate_and_unknown(form: FormDefinition) -> None:
    derived = state_of(form, {"youth.age_estimate": 15}).derived
    assert derived["youth.age"] == {"years": 15, "months": None, "estimated": True}
    assert derived["youth.age_band"] == "12_15"
    assert derived["youth.age_threshold"] is None
    unknown = state_of(form, {}).derived
    assert unknown["youth.age"] is None and unknown["youth.age_band"] == "unknown"


@pytest.mark.parametrize(
    ("estimate", "band"),
    [(0, "under_12"), (11, "under_12"), (12, "12_15"), (15, "12_15"), (16, "16_17"),
     (17, "16_17"), (18, "18_22"), (22, "18_22"), (23, "23_plus"), (30, "23_plus")],
)  # fmt: skip
def test_age_bands(form: FormDefinition, estimate: int, band: str) -> None:
    assert state_of(form, {"youth.age_estimate": estimate}).derived["youth.age_band"] == band


# --------------------------------------------------------------------------- deadline


@pytest.mark.parametrize(
    ("received", "urgency", "deadline"),
    [
        ("2026-11-23T03:12:00+01:00", "U1", "2026-11-23T04:12:00+01:00"),
        ("2026-11-23T22:30:00+01:00", "U2", "2026-11-24T02:30:00+01:00"),
        ("2026-11-23T03:12:00+01:00", "U3", "2026-11-24T03:12:00+01:00"),
        ("2026-11-23T03:12:00+01:00", "U4", "2026-11-26T03:12:00+01:00"),  # Mon -> Thu
        ("2026-11-27T16:00:00+01:00", "U4", "2026-12-02T16:00:00+01:00"),  # Fri -> Wed
        ("2026-11-28T10:00:00+01:00", "U4", "2026-12-02T10:00:00+01:00"),  # Sat -> Wed
        ("2026-11-29T10:00:00+01:00", "U4", "2026-12-02T10:00:00+01:00"),  # Sun -> Wed
        # over the end of summer time (25 October 2026): same wall-clock time
        ("2026-10-23T10:00:00+02:00", "U4", "2026-10-28T10:00:00+01:00"),
        ("2026-11-23T03:12:00+01:00", "U5", None),
    ],
)
def test_response_deadline(
    form: FormDefinition, received: str, urgency: str, deadline: str | None
) -> None:
    state = state_of(form, {"call.received_at": received, "triage.urgency": urgency})
    assert state.derived["triage.deadline"] == deadline


def test_no_deadline_without_urgency_or_call_time(form: FormDefinition) -> None:
    assert state_of(form, {"triage.urgency": "U1"}).derived["triage.deadline"] is None
    assert state_of(form, {"call.received_at": RECEIVED}).derived["triage.deadline"] is None


def test_working_days_keep_utc_input_in_local_days() -> None:
    start = datetime.fromisoformat("2026-11-27T23:30:00+00:00")  # Saturday 00:30 in Amsterdam
    assert add_working_days(start, 1, AMS).isoformat() == "2026-11-30T00:30:00+01:00"


# --------------------------------------------------------------------------- warnings


def test_informing_parents_of_a_16_plus_youth_without_consent_warns(
    form: FormDefinition,
) -> None:
    answers: dict[str, Any] = {"youth.age_estimate": 16, "handover.informed": ["parents"]}
    assert "handover.informed" in state_of(form, answers).warnings
    answers["handover.consent_to_inform_parents"] = True
    assert "handover.informed" not in state_of(form, answers).warnings
    young = {"youth.age_estimate": 14, "handover.informed": ["parents"]}
    assert "handover.informed" not in state_of(form, young).warnings


def test_unknown_keys_are_reported_and_ignored(form: FormDefinition) -> None:
    state = state_of(form, {"youth.shoe_size": 42, "call.channel": "chat"})
    assert state.unknown == ("youth.shoe_size",)
    assert state.values == {"call.channel": "chat"}
    assert state.errors == {}


# --------------------------------------------------------------------------- properties

field_ids = st.sampled_from([f.id for f in load_form().fields()])
any_value = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12),
        st.sampled_from(["yes", "no", "unknown", "plan", "U4", "2010-01-01", "0612345678",
                         "2026-11-23T03:12:00+01:00", "recent_attempt", "joint_parents"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner)
    ),
    max_leaves=5,
)  # fmt: skip
any_answers = st.dictionaries(st.one_of(field_ids, st.text(max_size=10)), any_value, max_size=30)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(any_answers, st.datetimes(timezones=st.just(AMS)))
def test_any_answers_give_a_state_never_an_exception(
    answers: dict[str, Any], now: datetime
) -> None:
    form = load_form()
    state = evaluate(form, answers, now=now)
    assert set(state.errors) <= set(answers)
    assert set(state.errors) <= state.visible | {f.id for f in form.recorded}
    assert all(isinstance(message, str) and message for message in state.errors.values())
    assert not set(state.errors) & set(state.values)
    assert set(state.sections) == {s.id for s in form.sections}
    assert state.derived["youth.age_band"] in (
        "under_12", "12_15", "16_17", "18_22", "23_plus", "unknown",
    )  # fmt: skip

"""What goes into the handover and the feedback letter (pure data, no PDF)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.forms import FormDefinition, load_form
from desktop.forms.engine import evaluate
from desktop.i18n import pick
from desktop.reports import feedback_contents, handover_contents, included_fields
from desktop.reports.contents import Section, referrer_field_ids
from tests.unit.reports.conftest import load_case, with_answers

NEVER_IN_HANDOVER = {"youth.bsn", "triage.decided_by_id"}


def section(sections: list[Section], section_id: str) -> Section:
    return next(s for s in sections if s.id == section_id)


def test_handover_sections_follow_the_report_order(case: dict[str, Any]) -> None:
    ids = [s.id for s in handover_contents(case, "nl")]
    # page 1 is the one-look summary; the full sections follow
    assert ids == [
        "summary",
        "risk_now",
        "decision",
        "who_acts",
        "consent",
        "youth",
        "authority",
        "call",
        "situation",
        "risk",
        "background",
        "triage",
        "legal",
    ]


def test_section_titles_and_labels_come_from_the_form(
    case: dict[str, Any], form: FormDefinition
) -> None:
    for lang in ("nl", "en"):
        sections = handover_contents(case, lang, form=form)
        youth = section(sections, "youth")
        assert youth.title == pick(form.section("youth").title, lang)
        labels = {row.label for row in youth.rows}
        assert pick(form.field("youth.municipality").label, lang) in labels
        risk = section(sections, "risk_now")
        suicidality = next(row for row in risk.rows if row.field_ids == ("risk.suicidality",))
        assert suicidality.value == form.option_label("risk.suicidality", "plan", lang)


def test_urgency_shows_code_word_and_deadline_from_the_scale(
    case: dict[str, Any], form: FormDefinition
) -> None:
    summary = section(handover_contents(case, "nl", form=form), "summary")
    urgency = next(row for row in summary.rows if row.kind == "urgency")
    target = form.urgency_level("U2").target_minutes
    assert target == 240  # received 03:12 + 4 hours
    assert urgency.value == "U2 — " + pick(form.urgency_level("U2").label, "nl")
    assert urgency.note == "Reageren vóór 23-11-2026 07:12"
    assert urgency.colour == form.urgency_level("U2").colour


def test_urgency_without_a_target_says_so(case: dict[str, Any]) -> None:
    summary = section(handover_contents(with_answers(case, triage__urgency="U5"), "nl"), "summary")
    urgency = next(row for row in summary.rows if row.kind == "urgency")
    assert urgency.value.startswith("U5 — ")
    assert urgency.note == "Geen reactietermijn"


def test_empty_fields_and_empty_sections_are_left_out(case: dict[str, Any]) -> None:
    sparse = dict(case)
    sparse["answers"] = {
        k: v for k, v in case["answers"].items() if not k.startswith(("background.", "legal."))
    }
    sparse["legal_flags"] = []
    sections = handover_contents(sparse, "nl")
    assert "background" not in [s.id for s in sections]
    assert "legal" not in [s.id for s in sections]
    assert all(s.rows for s in sections)


def test_the_youths_own_words_are_a_quote_and_banners_and_flags_are_shown(
    case: dict[str, Any],
) -> None:
    sections = handover_contents(case, "nl")
    situation = section(sections, "situation")
    quote = next(row for row in situation.rows if row.kind == "quote")
    assert quote.field_ids == ("situation.youth_need",)
    assert quote.value.startswith("Ik wil vannacht niet naar huis.")
    banner = section(sections, "risk_now").rows[0]
    assert banner.kind == "banner"
    assert banner.value == "Meldcode: overweeg overleg met Veilig Thuis"
    assert banner.note == "getoond om 23-11-2026 03:31"
    flags = [row for row in section(sections, "consent").rows if row.kind == "flag"]
    # the legal panel's words, the rule's title; the internal code is not for people
    assert [(f.label, f.value) for f in flags] == [
        ("Vereist", "Toestemming van de jeugdige zelf"),
        ("Let op", "Ouders alleen informeren met toestemming van de jeugdige"),
    ]
    assert flags[0].note == "BW 7:447; 7:450 lid 1; Jw 7.3.5"


def test_age_comes_from_the_birth_date_and_an_estimate_stays_an_estimate(
    case: dict[str, Any],
) -> None:
    youth = section(handover_contents(case, "nl"), "youth")
    assert {row.label: row.value for row in youth.rows}["Leeftijd"] == "16 jaar"
    estimated = with_answers(case, youth__birth_date=None, youth__age_estimate=15)
    rows = {
        row.label: row.value for row in section(handover_contents(estimated, "nl"), "youth").rows
    }
    assert "Leeftijd" not in rows
    assert rows["Geschatte leeftijd"] == "15"


def test_triage_decision_shows_who_and_when(case: dict[str, Any]) -> None:
    decision = section(handover_contents(case, "nl"), "decision")
    rows = {row.label: row.value for row in decision.rows}
    assert rows["Besloten door"] == "Tessa Bakker, 23-11-2026 03:58"
    assert "Motivering" in rows


def test_training_cases_say_so_first(case: dict[str, Any]) -> None:
    summary = section(handover_contents(dict(case, training=True), "nl"), "summary")
    assert (summary.rows[0].label, summary.rows[0].value) == (
        "Let op",
        "OEFENING — geen echte casus",
    )
    assert "OEFENING" not in [
        row.value for row in section(handover_contents(case, "nl"), "summary").rows
    ]


def test_the_status_shows_whether_the_case_was_decided(case: dict[str, Any]) -> None:
    for status, word in (("draft", "Concept"), ("handed_over", "Overgedragen")):
        summary = section(handover_contents(dict(case, status=status), "nl"), "summary")
        assert {row.label: row.value for row in summary.rows}["Status"] == word


def test_hidden_answers_are_not_printed(case: dict[str, Any]) -> None:
    # referrer fields are only shown when the caller is not the referrer
    stale = with_answers(case, call__referrer_name="Oud Verwijzer")
    call_rows = section(handover_contents(stale, "nl"), "call").rows
    assert "Oud Verwijzer" not in [row.value for row in call_rows]


@settings(max_examples=40, deadline=None)
@given(keep=st.lists(st.booleans(), min_size=200, max_size=200))
def test_the_audit_list_is_exactly_the_answers_printed(keep: list[bool]) -> None:
    base = load_case()
    kept = [fid for fid, flag in zip(base["answers"], keep, strict=False) if flag]
    case = dict(base, answers={fid: base["answers"][fid] for fid in kept})
    printed = set(included_fields(handover_contents(case, "nl")))
    assert printed <= set(kept) - NEVER_IN_HANDOVER
    # every other kept answer is printed unless the form hides it for these answers
    form = load_form("intake", "1")
    visible = evaluate(form, case["answers"], now=datetime(2026, 11, 23, 5, tzinfo=UTC)).visible
    recorded = {"triage.decided_by", "triage.decided_at"}
    expected = {fid for fid in kept if fid in visible or fid in recorded} - NEVER_IN_HANDOVER
    assert expected == printed


def test_feedback_has_only_what_the_referrer_needs(case: dict[str, Any]) -> None:
    sections = feedback_contents(case, "nl")
    assert [s.id for s in sections] == ["to", "about", "decision", "follow_up"]
    fields = set(included_fields(sections))
    assert fields == {
        "call.caller_name",
        "call.caller_organisation",
        "youth.first_name",
        "youth.last_name",
        "youth.birth_date",
        "call.received_at",
        "triage.urgency",
        "triage.intervention",
        "triage.assigned_to",
        "triage.decided_by",
        "triage.decided_at",
        "handover.to_organisation",
        "handover.to_contact",
        "handover.to_phone",
        "handover.next_contact_at",
    }


@pytest.mark.parametrize(
    ("include", "extra"),
    [({"risk"}, "risk"), ({"background"}, "background"), ({"risk", "background"}, "both")],
)
def test_feedback_adds_risk_or_background_only_when_included(
    case: dict[str, Any], include: set[str], extra: str
) -> None:
    fields = included_fields(feedback_contents(case, "nl", include=include))
    has_risk = any(f.startswith("risk.") for f in fields)
    has_background = any(f.startswith("background.") for f in fields)
    assert has_risk == (extra in ("risk", "both"))
    assert has_background == (extra in ("background", "both"))


def test_feedback_rejects_unknown_extras(case: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="agreements"):
        feedback_contents(case, "nl", include={"agreements"})


def test_feedback_goes_to_the_referrer_when_the_caller_is_not() -> None:
    assert referrer_field_ids({"call.referrer_is_caller": False})[0] == "call.referrer_name"
    assert referrer_field_ids({"call.referrer_is_caller": True})[0] == "call.caller_name"
    assert referrer_field_ids({})[0] == "call.caller_name"


def test_flag_details_and_odd_values_are_printed_readably(case: dict[str, Any]) -> None:
    threshold = {
        "code": "AGE_THRESHOLD_SOON",
        "severity": "warning",
        "title": {"nl": "Leeftijdsgrens nadert", "en": "Age threshold soon"},
        "citations": ["BW 7:450"],
        "detail": "2026-12-01",
    }
    odd = with_answers(case, youth__birth_date="14-05-2010")  # not a stored date value
    sections = handover_contents(dict(odd, legal_flags=[threshold]), "nl")
    flag = next(row for row in section(sections, "consent").rows if row.kind == "flag")
    assert flag.value == "Leeftijdsgrens nadert (01-12-2026)"
    rows = {row.label: row.value for row in section(sections, "youth").rows}
    assert rows["Geboortedatum"] == "14-05-2010"


def test_the_handover_names_the_rules_version_the_flags_were_decided_with(
    case: dict[str, Any],
) -> None:
    route = {
        "code": "COMPULSORY_ROUTE_TO_CONSIDER",
        "severity": "warning",
        "title": {"nl": "Overweeg de Wvggz", "en": "Consider the Wvggz"},
        "citations": ["Wvggz 1:4"],
        "detail": "crisismaatregel",
        "rules_version": "2",
    }
    sections = handover_contents(dict(case, legal_flags=[route]), "nl")
    flag = next(row for row in section(sections, "consent").rows if row.kind == "flag")
    assert flag.value == "Overweeg de Wvggz (crisismaatregel)"  # the route, on page 1
    rows = section(sections, "legal").rows
    notices = [row.value for row in rows if row.kind == "notice"]
    assert "Vastgelegd met de juridische regels versie 2." in notices
    older = handover_contents(case, "nl")  # the fixture's flags predate version 2
    notices = [row.value for row in section(older, "legal").rows if row.kind == "notice"]
    assert "Vastgelegd met de juridische regels versie 1." in notices

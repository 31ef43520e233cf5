"""The desk's report service: contents, privacy warnings, PDF bytes and the print/export audit."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from desktop.session.desk import DeskSession
from desktop.session.printing import (
    PrivacyNotConfirmed,
    ReportRequest,
    audit_details,
    prepare_report,
    recipient_options,
    record_output,
    report_pdf,
    save_pdf,
)
from desktop.store import Store

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 23, 3, 30, tzinfo=AMS)

CASE: dict[str, Any] = {
    "call.received_at": "2026-11-23T03:12:00+01:00",
    "call.caller_name": "Dokter Testma",
    "call.caller_organisation": "Huisartsenpraktijk Voorbeeld",
    "youth.first_name": "Sem",
    "youth.last_name": "Voorbeeld",
    "youth.birth_date": "2010-05-04",  # 16 on NOW
    "authority.parent1_name": "Petra Voorbeeld",
    "situation.reason": "Gedachten aan de dood met een plan.",
    "risk.suicidality": "plan",
    "handover.to_organisation": "Crisisteam Noord",
}


@pytest.fixture
def session(store: Store) -> DeskSession:
    profile = store.profile()
    assert profile is not None
    return DeskSession(store, profile, clock=lambda: NOW)


def new_case(session: DeskSession, answers: dict[str, Any] | None = None) -> str:
    return session.new_case(dict(CASE if answers is None else answers)).id


def events(session: DeskSession, case_id: str, action: str) -> list[Any]:
    return [e for e in session.store.audit.events(case_id=case_id) if e.action == action]


def test_feedback_leaves_out_risk_and_background_unless_included(session: DeskSession) -> None:
    case_id = new_case(session)
    plain = prepare_report(session, case_id, ReportRequest("feedback"))
    assert "risk" not in plain.section_ids
    assert "risk.suicidality" not in plain.fields
    with_risk = prepare_report(
        session, case_id, ReportRequest("feedback", include=frozenset({"risk"}))
    )
    assert "risk" in with_risk.section_ids
    assert "risk.suicidality" in with_risk.fields


def test_handover_shows_parents_and_warns_for_a_16_year_old_without_consent(
    session: DeskSession,
) -> None:
    case_id = new_case(session)
    report = prepare_report(session, case_id, ReportRequest("handover", recipients=("parents",)))
    assert "authority.parent1_name" in report.fields
    assert len(report.warnings) == 2  # sent to the parents, and shows the parents' details
    assert "16 jaar" in report.warnings[0]


def test_consent_or_younger_age_needs_no_confirmation(session: DeskSession) -> None:
    consent = new_case(session, {**CASE, "handover.consent_to_inform_parents": True})
    younger = new_case(session, {**CASE, "youth.birth_date": "2011-05-04"})
    for case_id in (consent, younger):
        report = prepare_report(
            session, case_id, ReportRequest("handover", recipients=("parents",))
        )
        assert report.warnings == ()


def test_unknown_age_counts_as_16(session: DeskSession) -> None:
    case_id = new_case(session, {k: v for k, v in CASE.items() if k != "youth.birth_date"})
    report = prepare_report(session, case_id, ReportRequest("feedback", recipients=("parents",)))
    assert len(report.warnings) == 1
    assert "onbekend" in report.warnings[0]


def test_unconfirmed_warnings_block_the_output_and_log_nothing(
    session: DeskSession, tmp_path: Path
) -> None:
    case_id = new_case(session)
    report = prepare_report(session, case_id, ReportRequest("handover", recipients=("parents",)))
    target = tmp_path / report.file_name()
    with pytest.raises(PrivacyNotConfirmed):
        save_pdf(session, report, str(target))
    with pytest.raises(PrivacyNotConfirmed):
        record_output(session, report, "print")
    assert not target.exists()
    assert events(session, case_id, "export") == []
    assert events(session, case_id, "print") == []


def test_save_pdf_writes_a_pdf_and_audits_what_was_included(
    session: DeskSession, tmp_path: Path
) -> None:
    case_id = new_case(session)
    report = prepare_report(session, case_id, ReportRequest("handover", recipients=("parents",)))
    target = tmp_path / report.file_name()
    save_pdf(session, report, str(target), confirmed=True)
    pdf = PdfReader(io.BytesIO(target.read_bytes()))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "Overdrachtsformulier" in text
    (event,) = events(session, case_id, "export")
    assert event.details["kind"] == "handover"
    assert event.details["recipients"] == ["parents"]
    assert event.details["fields"] == list(report.fields)
    assert event.details["privacy_confirmed"] is True
    assert event.details["destination"] == target.name
    assert event.display_name == "Anna de Vries"


def test_file_name_carries_no_personal_data(session: DeskSession) -> None:
    report = prepare_report(session, new_case(session), ReportRequest("feedback"))
    name = report.file_name()
    assert name.startswith("terugkoppeling-") and name.endswith(".pdf")
    assert "Sem" not in name and "Voorbeeld" not in name


def test_print_audit_without_warnings_records_no_confirmation(session: DeskSession) -> None:
    case_id = new_case(session)
    report = prepare_report(session, case_id, ReportRequest("feedback", recipients=("referrer",)))
    record_output(session, report, "print")
    (event,) = events(session, case_id, "print")
    assert event.details["privacy_warnings"] == []
    assert event.details["privacy_confirmed"] is False
    assert event.details["sections"] == list(report.section_ids)


def pdf_text(pdf: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )


def test_english_report_and_pdf(session: DeskSession) -> None:
    case_id = new_case(session)
    report = prepare_report(session, case_id, ReportRequest("feedback", lang="en"))
    text = pdf_text(report_pdf(report))
    assert "Handed over to (organisation / team) Crisisteam Noord" in text  # English labels
    assert "Overgedragen aan" not in text


def test_typed_markup_is_printed_as_typed(session: DeskSession) -> None:
    case_id = new_case(session, {**CASE, "situation.reason": "<b>vet</b> & meer"})
    text = pdf_text(report_pdf(prepare_report(session, case_id, ReportRequest("handover"))))
    assert "<b>vet</b> & meer" in text


def test_the_saved_pdf_is_the_pdf_of_the_report(session: DeskSession, tmp_path: Path) -> None:
    report = prepare_report(session, new_case(session), ReportRequest("handover"))
    target = tmp_path / report.file_name()
    save_pdf(session, report, str(target), confirmed=True)
    assert target.read_bytes() == report_pdf(report)  # what the dialog previews and prints


def test_request_rejects_unknown_kind_and_extras() -> None:
    with pytest.raises(ValueError):
        ReportRequest("letter")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ReportRequest("feedback", include=frozenset({"bsn"}))
    with pytest.raises(ValueError):
        ReportRequest("handover", include=frozenset({"risk"}))


def test_recipient_options_come_from_the_form(session: DeskSession) -> None:
    report = prepare_report(session, new_case(session), ReportRequest("handover"))
    values = [value for value, _label in recipient_options(report.form)]
    assert values[:3] == ["parents", "gp", "referrer"]
    assert dict(recipient_options(report.form, "en"))["gp"] == "GP"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    recipients=st.lists(st.sampled_from(["parents", "gp", "referrer", "school"]), unique=True),
    confirmed=st.booleans(),
    include=st.sets(st.sampled_from(["risk", "background"])),
)
def test_audit_details_match_the_report(
    session: DeskSession, recipients: list[str], confirmed: bool, include: set[str]
) -> None:
    case_id = new_case(session)
    request = ReportRequest("feedback", include=frozenset(include), recipients=tuple(recipients))
    report = prepare_report(session, case_id, request)
    details = audit_details(report, confirmed=confirmed)
    assert details["include"] == sorted(include)
    assert details["recipients"] == recipients
    assert ("risk.suicidality" in details["fields"]) == ("risk" in include)
    assert bool(details["privacy_warnings"]) == ("parents" in recipients)
    assert details["privacy_confirmed"] == (confirmed and "parents" in recipients)


def test_an_amended_decision_prints_the_amendments_reason(store: Store) -> None:
    import uuid
    from datetime import UTC

    from desktop.store import Profile

    desk = DeskSession(store, store.profile(), clock=lambda: NOW)  # type: ignore[arg-type]
    triagist_profile = Profile(
        user_id=str(uuid.uuid4()),
        display_name="Tim Triagist",
        role="triagist",
        device_id=str(uuid.uuid4()),
        created_at=datetime.now(UTC),
    )
    later = datetime(2026, 11, 23, 4, 20, tzinfo=AMS)
    triagist = DeskSession(store, triagist_profile, clock=lambda: later)
    case_id = new_case(desk, {**CASE, "call.channel": "phone", "call.caller_role": "gp"})
    desk.save_answers(
        case_id,
        {
            "youth.current_location": "home",
            "call.caller_phone": "0612345678",
            "authority.situation": "joint_parents",
        },
    )
    desk.mark_ready(case_id)
    triagist.decide_triage(case_id, "U2", "assessment_on_site", "Duo gaat ter plaatse.")
    triagist.amend_triage(
        case_id, {"triage.intervention": "emergency_department"}, "Nieuwe snijwond; SEH nu."
    )
    report = prepare_report(triagist, case_id, ReportRequest(kind="handover"))
    assert report.case["amendments"] == [
        {
            "at": later.isoformat(),
            "by": "Tim Triagist",
            "reason": "Nieuwe snijwond; SEH nu.",
            "fields": ["triage.intervention"],
        }
    ]
    decision = next(s for s in report.sections if s.id == "decision")
    values = {row.label: row.value for row in decision.rows}
    assert values["Besluit / interventie"] == "SEH"
    assert values["Laatste wijziging"].startswith("23-11-2026 04:20 door Tim Triagist: Nieuwe")
    assert "Motivering (van het besluit vóór de wijziging)" in values

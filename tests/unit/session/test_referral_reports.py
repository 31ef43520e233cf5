"""The referral in the reports and in the request: the handover PDF carries the
referral, its status and both agreed times; the feedback letter names who picked the
case up and when; the request's summary carries the keys the receivers' web page reads,
in the words of the reports."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader

from desktop.session.printing import ReportRequest, prepare_report, report_pdf
from desktop.session.referral_info import (
    Target,
    feedback_ready,
    reassign,
    refer_with_summary,
    summary_for,
)
from desktop.store import Store
from desktop.store.sync_state import SyncState
from tests.unit.session.test_referrals import (
    T0,
    Clock,
    bind_organization,
    session,
    triaged_case,
)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def unit(store: Store) -> Target:
    SyncState(store.db).put_reference(
        "provider",
        "u-1",
        {"id": "u-1", "region": "r", "name": "Crisisteam Noord", "organisation": "org-1"},
        1,
    )
    return Target("u-1", "org-1", "Crisisteam Noord", "org-1")


def test_the_handover_pdf_and_the_feedback_letter_carry_the_referral(store: Store) -> None:
    clock = Clock()
    case_id = triaged_case(store, clock)
    sender = session(store, "triagist", clock)
    rid = refer_with_summary(sender, case_id, target=unit(store)).referral.id
    assert not feedback_ready(sender, case_id)
    handover = pdf_text(report_pdf(prepare_report(sender, case_id, ReportRequest("handover"))))
    assert "Crisisteam Noord" in handover
    assert "Verzonden" in handover
    assert "23-11-2026 04:00" in handover  # acknowledge by (U2: 30 min)
    assert "23-11-2026 07:12" in handover  # first contact by = the response deadline
    bind_organization(store, "org-1")
    receiver = session(store, "receiver", clock, "Rob Ontvanger")
    clock.now = T0 + timedelta(minutes=10)
    receiver.referrals.accept(rid, T0 + timedelta(hours=2))
    assert feedback_ready(sender, case_id)
    handover = pdf_text(report_pdf(prepare_report(sender, case_id, ReportRequest("handover"))))
    assert "Geaccepteerd" in handover
    assert "Eerste contact afgesproken" in handover and "23-11-2026 05:30" in handover
    assert "23-11-2026 04:00" in handover and "23-11-2026 07:12" in handover
    letter = pdf_text(report_pdf(prepare_report(sender, case_id, ReportRequest("feedback"))))
    assert "Opgepakt door" in letter
    assert "Rob Ontvanger op 23-11-2026 03:40" in letter
    assert "23-11-2026 05:30" in letter
    english = prepare_report(sender, case_id, ReportRequest("handover", lang="en"))
    rows = [row.label for section in english.sections for row in section.rows]
    assert "Referral status" in rows


def test_the_summary_has_the_keys_the_web_page_reads(store: Store) -> None:
    clock = Clock()
    case_id = triaged_case(store, clock)
    sender = session(store, "triagist", clock)
    summary = summary_for(sender, case_id)
    assert summary["urgency"].startswith("U2 ")
    assert summary["setting"]  # the decided intervention in the form's words
    assert summary["age_band"].endswith("jaar")
    assert "BESLUIT" in summary["feedback"] and "Crisishulp vandaag." in summary["handover"]
    assert "Dokter Testma" not in summary["feedback"]  # the letter's addressee is left out


def test_reassign_withdraws_and_refers_in_one_flow(store: Store) -> None:
    clock = Clock()
    case_id = triaged_case(store, clock)
    sender = session(store, "coordinator", clock)
    old = refer_with_summary(sender, case_id, target=unit(store)).referral.id
    new = reassign(sender, old, "Geen reactie", name="Huisarts Jansen", phone="0501234567")
    views = sender.referrals.of_case(case_id)
    assert [v.referral.status.value for v in views] == ["cancelled", "requested"]
    assert new.referral.to_name == "Huisarts Jansen"
    assert new.referral.summary["handover"]

"""The desk session's case workflow, without a display: autosave, status steps, history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from desktop.forms.workflow import TransitionError
from desktop.session.desk import DeskSession
from desktop.store import Profile, Store

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 23, 3, 30, tzinfo=AMS)
RECEIVED = "2026-11-23T03:12:00+01:00"

INTAKE: dict[str, Any] = {
    "call.received_at": RECEIVED,
    "call.channel": "phone",
    "call.caller_role": "gp",
    "call.caller_name": "Dokter Testma",
    "call.caller_organisation": "Huisartsenpraktijk Voorbeeld",
    "call.caller_phone": "0612345678",
    "youth.first_name": "Sem",
    "youth.birth_date": "2012-05-04",
    "youth.current_location": "home",
    "authority.situation": "joint_parents",
    "situation.reason": "Gedachten aan de dood met een plan.",
    "risk.suicidality": "plan",
}


def session_as(store: Store, role: str, name: str) -> DeskSession:
    if role == "desk":
        profile = store.profile()
        assert profile is not None
    else:
        profile = Profile(
            user_id=str(uuid.uuid4()),
            display_name=name,
            role=role,  # type: ignore[arg-type]
            device_id=str(uuid.uuid4()),
            created_at=datetime.now(UTC),
        )
    return DeskSession(store, profile, clock=lambda: NOW)


@pytest.fixture
def desk(store: Store) -> DeskSession:
    return session_as(store, "desk", "Anna de Vries")


@pytest.fixture
def triagist(store: Store) -> DeskSession:
    return session_as(store, "triagist", "Tim Triagist")


def ready_case(desk: DeskSession) -> str:
    case = desk.new_case()
    desk.save_answers(case.id, INTAKE)
    desk.mark_ready(case.id)
    return case.id


def decide_u1(triagist: DeskSession, case_id: str) -> None:
    triagist.decide_triage(
        case_id, "U1", "assessment_on_site", "Plan en middelen; duo gaat ter plaatse."
    )


def test_new_case_records_its_form_and_the_call_time(desk: DeskSession) -> None:
    case = desk.new_case()
    assert (case.form_id, case.form_version) == ("intake", "1")
    assert case.answers["call.received_at"] == NOW.isoformat()
    assert case.status == "draft"


def test_save_answers_is_one_transaction_with_outbox_and_audit(desk: DeskSession) -> None:
    case = desk.new_case()
    saved = desk.save_answers(case.id, {"youth.first_name": "Sem", "risk.suicidality": "plan"})
    assert saved.answers["youth.first_name"] == "Sem"
    events = desk.store.audit.events(case_id=case.id)
    assert events[-1].action == "update"
    assert events[-1].details["fields"] == ["risk.suicidality", "youth.first_name"]
    queued = [i for i in desk.store.outbox.items() if i.kind == "version"]
    assert queued[-1].payload["answers"]["youth.first_name"] == "Sem"
    cleared = desk.save_answers(case.id, {"youth.first_name": None})
    assert "youth.first_name" not in cleared.answers


def test_save_answers_stores_the_deadline_summary(desk: DeskSession, triagist: DeskSession) -> None:
    case = desk.new_case({"call.received_at": RECEIVED})
    triagist.save_answers(case.id, {"triage.urgency": "U2"})
    summary = desk.summaries()[0]
    assert summary.deadline == "2026-11-23T07:12:00+01:00"


def test_unknown_and_recorded_fields_are_refused(desk: DeskSession) -> None:
    case = desk.new_case()
    with pytest.raises(TransitionError, match="Onbekend veld"):
        desk.save_answers(case.id, {"youth.shoe_size": "42"})
    with pytest.raises(TransitionError, match="zelf vastgelegd"):
        desk.save_answers(case.id, {"triage.decided_by": "Iemand"})


def test_mark_ready_lists_what_is_missing_in_dutch(desk: DeskSession) -> None:
    case = desk.new_case()
    with pytest.raises(TransitionError) as refused:
        desk.mark_ready(case.id)
    text = " ".join(refused.value.reasons)
    assert "Nog niet (goed) ingevuld" in text
    assert "Terugbelnummer" in text and "Suïcidaliteit" in text
    assert desk.get_case(case.id).status == "draft"
    desk.save_answers(case.id, INTAKE)
    assert desk.mark_ready(case.id).status == "ready_for_triage"


def test_a_desk_worker_cannot_decide_triage(desk: DeskSession) -> None:
    case_id = ready_case(desk)
    with pytest.raises(TransitionError) as refused:
        desk.decide_triage(case_id, "U1", "assessment_on_site", "Hoog risico.")
    assert "triagist" in " ".join(refused.value.reasons)
    case = desk.get_case(case_id)
    assert case.status == "ready_for_triage"
    assert "triage.decided_at" not in case.answers


def test_decision_is_recorded_sealed_and_final(desk: DeskSession, triagist: DeskSession) -> None:
    case_id = ready_case(desk)
    decide_u1(triagist, case_id)
    case = desk.get_case(case_id)
    assert case.status == "triaged"
    assert case.version.sealed
    assert case.answers["triage.decided_by"] == "Tim Triagist"
    assert case.answers["triage.decided_by_id"] == triagist.profile.user_id
    assert case.answers["triage.decided_at"] == NOW.isoformat()
    assert case.legal_decision_date == "2026-11-23"
    assert desk.summaries()[0].deadline == "2026-11-23T04:12:00+01:00"
    actions = [e.action for e in desk.store.audit.events(case_id=case_id)]
    assert "decide" in actions
    with pytest.raises(TransitionError, match="afspraak is afspraak"):
        triagist.save_answers(case_id, {"triage.urgency": "U3"})
    # follow-up after the decision is still an edit (as a new version)
    after = desk.save_answers(case_id, {"triage.caller_informed_at": "2026-11-23T03:40:00+01:00"})
    assert after.version.number == case.version.number + 1
    assert after.version.base_version_id == case.version.id


def test_decision_needs_the_triage_requirements(desk: DeskSession, triagist: DeskSession) -> None:
    case_id = ready_case(desk)
    with pytest.raises(TransitionError, match="Motivering"):
        triagist.decide_triage(case_id, "U1", "assessment_on_site", "  ")
    with pytest.raises(TransitionError, match="Urgentie"):
        triagist.decide_triage(case_id, "U9", "assessment_on_site", "Reden.")
    assert desk.get_case(case_id).status == "ready_for_triage"


def test_legal_flags_given_by_the_panel_are_stored(
    desk: DeskSession, triagist: DeskSession
) -> None:
    case_id = ready_case(desk)
    flags = [{"code": "consent_parents", "citation": "WGBO art. 7:450"}]
    triagist.decide_triage(
        case_id,
        "U2",
        "ambulatory_crisis_care",
        "Vandaag beoordelen.",
        legal_flags=flags,
        legal_decision_date="2026-11-23",
    )
    case = desk.get_case(case_id)
    assert case.legal_flags == flags
    assert case.to_json()["legal_decision_date"] == "2026-11-23"


def test_amend_needs_a_triagist_and_a_reason(desk: DeskSession, triagist: DeskSession) -> None:
    case_id = ready_case(desk)
    decide_u1(triagist, case_id)
    with pytest.raises(TransitionError, match="Alleen een triagist"):
        desk.amend_triage(case_id, {"triage.urgency": "U2"}, "Duo kan pas later.")
    with pytest.raises(TransitionError, match="reden"):
        triagist.amend_triage(case_id, {"triage.urgency": "U2"}, "   ")
    with pytest.raises(TransitionError, match="Alleen velden van het triagebesluit zijn"):
        triagist.amend_triage(case_id, {"youth.first_name": "X"}, "Reden")
    decided = desk.get_case(case_id)
    amended = triagist.amend_triage(
        case_id, {"triage.urgency": "U2"}, "Jeugdige is veilig bij oma."
    )
    assert amended.answers["triage.urgency"] == "U2"
    assert amended.version.base_version_id == decided.version.id
    assert amended.version.reason == "Jeugdige is veilig bij oma."
    assert amended.version.sealed
    history = desk.history(case_id)
    earlier = next(h for h in history if h.version_id == decided.version.id)
    assert earlier.answers["triage.urgency"] == "U1", "the earlier decision stays visible"
    assert history[-1].why == "Jeugdige is veilig bij oma."
    assert "triage.urgency" in history[-1].changed


def test_hand_over_and_close(desk: DeskSession, triagist: DeskSession) -> None:
    case_id = ready_case(desk)
    decide_u1(triagist, case_id)
    with pytest.raises(TransitionError, match="Overgedragen aan"):
        desk.hand_over(case_id)
    with pytest.raises(TransitionError):
        desk.close(case_id)
    desk.save_answers(
        case_id,
        {"handover.to_organisation": "Crisisdienst Jeugd", "handover.agreements": "Duo om 04:00."},
    )
    assert desk.hand_over(case_id).status == "handed_over"
    assert desk.close(case_id).status == "closed"
    history = desk.history(case_id)
    assert [h.number for h in history] == list(range(1, len(history) + 1))
    # the desk worker's intake stays hers; the triagist's decision is a version of its own
    assert history[0].why.startswith("Intake aangemaakt")
    assert history[0].created_by_name == "Anna de Vries"
    assert history[1].why.startswith("Triagebesluit vastgelegd: U1")
    assert history[1].created_by_name == "Tim Triagist"
    assert history[-1].why == "Status: Getrieerd → Afgesloten"
    assert {h.created_by_name for h in history} == {"Anna de Vries", "Tim Triagist"}
    assert all(h.created_at and h.device_id for h in history)


def test_banner_recorded_once_and_audited(desk: DeskSession) -> None:
    case = desk.new_case()
    desk.record_banner(case.id, "unsafe_home")
    desk.record_banner(case.id, "unsafe_home")
    stored = desk.get_case(case.id)
    assert [b["id"] for b in stored.banners_shown] == ["unsafe_home"]
    actions = [e.action for e in desk.store.audit.events(case_id=case.id)]
    assert actions.count("banner_shown") == 1


def test_export_is_audited(desk: DeskSession, tmp_path: Path) -> None:
    case = desk.new_case({"youth.first_name": "Sem"})
    data = desk.export_case(case.id, tmp_path / "casus.json")
    assert data["form"] == {"id": "intake", "version": "1"}
    assert (tmp_path / "casus.json").read_text(encoding="utf-8").count("Sem") == 1
    assert desk.store.audit.events(case_id=case.id)[-1].action == "export"

"""The "done when" test: a full intake by keyboard only, then the triagist decides.

The scripted call (synthetic): at 03:12 a GP calls about a 14-year-old with suicidal
thoughts and a concrete plan; the parents hold joint authority. The desk worker types
the intake without a mouse and marks it ready; a triagist on the same store decides U1
with an on-site assessment.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.session.desk import DeskSession
from desktop.store import Store
from desktop.ui.intake_view import IntakeView
from tests.helpers.intake import (
    NOW,
    answer,
    expect_focus,
    next_section,
    press,
    session_with_role,
    skip,
)

ALT = Qt.KeyboardModifier.AltModifier


def show(qtbot: QtBot, view: IntakeView) -> IntakeView:
    qtbot.addWidget(view)
    view.resize(1100, 800)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    view.go_to_section(0)
    return view


def saved(qtbot: QtBot, view: IntakeView) -> None:
    qtbot.waitUntil(lambda: view.save_state.text() == "opgeslagen", timeout=2000)


def type_the_intake(qtbot: QtBot, view: IntakeView) -> None:
    # 1. Melding — the call time is filled in already
    skip("call.received_at")
    answer("call.channel", "t")  # Telefoon (type-ahead)
    answer("call.caller_role", "h")  # Huisarts
    answer("call.caller_name", "Dokter Testma")
    answer("call.caller_organisation", "Huisartsenpraktijk De Voorbeeldhof")  # shown for a GP
    answer("call.caller_phone", "030-1234567")
    answer("call.referrer_is_caller", "j")
    answer("call.repeat_contact", "n")
    assert view.section_list.item(0).text().startswith("✓"), view.section_list.item(0).text()
    next_section()
    # 2. Jeugdige
    answer("youth.first_name", "Sem")
    answer("youth.last_name", "Testkind")
    answer("youth.birth_date", "15-03-2012")  # 14 on the call date
    expect_focus("youth.gender")  # the estimate is hidden once a birth date is known
    assert not view.rows["youth.age_estimate"].isVisible()
    answer("youth.gender", "m")
    skip("youth.bsn")
    answer("youth.municipality", "Utrecht")
    answer("youth.current_location", "t")  # Thuis
    answer("youth.current_address", "Voorbeeldstraat 1, Utrecht")
    answer("youth.interpreter_needed", "n")
    next_section()
    # 3. Gezag en netwerk
    answer("authority.situation", "b")  # Beide ouders samen
    answer("authority.child_protection", "1")  # Geen, by number
    answer("authority.parent1_name", "Moeder Testkind")
    answer("authority.parent1_phone", "06-12345678")
    answer("authority.parent2_name", "Vader Testkind")  # shown for joint authority
    answer("authority.parent2_phone", "06-87654321")
    answer("authority.parents_reachable", "j")
    answer("network.significant_others", "Oma woont om de hoek en kan komen.")
    answer("network.family_in_crisis", "n")
    answer("network.parent_in_care", "o")
    next_section()
    # 4. Situatie en hulpvraag
    answer("situation.reason", "Sem heeft gedachten aan de dood en een concreet plan.")
    answer("situation.since", "e")  # Enkele dagen
    answer("situation.youth_need", "Dat iemand nu met mij praat.")
    answer("situation.network_need", "Hulp vannacht nog.")
    answer("situation.caller_request", "Beoordeling vannacht.")
    answer("situation.tried_so_far", "Gesprek bij de huisarts vanmiddag.")
    next_section()
    # 5. Veiligheid en risico's
    answer("risk.suicidality", "3")  # Concreet plan, by number
    answer("risk.means_available", "j")  # shown for a plan
    assert view.banners["high_suicide_risk"].isVisible(), "the banner shows at once"
    answer("risk.self_harm", "i")  # In het verleden
    answer("risk.aggression", "g")
    answer("risk.psychotic_symptoms", "n")
    answer("risk.intoxication", "n")
    answer("risk.somatic_danger", "n")
    answer("risk.unsafe_home", "n")
    answer("risk.protective_factors", "Goede band met oma.")
    saved(qtbot, view)


def test_full_intake_by_keyboard_then_triage_u1(qtbot: QtBot, store: Store) -> None:
    desk = session_with_role(store, "desk", "Anna de Vries")
    view = show(qtbot, IntakeView(desk, desk.new_case().id))
    case_id = view.case_id
    assert view.call_timer.text() == "Gesprek 00:00"
    type_the_intake(qtbot, view)

    press(Qt.Key.Key_K, ALT)  # Klaar voor triage (a mnemonic clicks after a short animation)
    qtbot.waitUntil(
        lambda: view.case.status == "ready_for_triage" or bool(view.action_message.text())
    )
    assert view.case.status == "ready_for_triage", view.action_message.text()
    assert not view.call_timer.isVisible(), "the call timer runs only while the case is a draft"
    assert not view.decide_button.isVisible(), "a desk worker has no decide button"

    triagist = session_with_role(store, "triagist", "Tim Triagist")
    tview = show(qtbot, IntakeView(triagist, case_id))
    press(Qt.Key.Key_8, ALT)  # jump to Triage
    answer("triage.urgency", "1")  # U1 Direct
    assert tview.deadline.text() == "U1 Direct — nog 1 u 00 min"
    answer("triage.domains", "1")  # Jeugd-ggz toggled with its number
    answer("triage.intervention", "b")  # Beoordeling ter plaatse
    answer("triage.assigned_to", "Crisisdienst Jeugd Utrecht")
    answer("triage.rationale", "Plan en middelen; duo beoordeelt ter plaatse.")
    saved(qtbot, tview)
    press(Qt.Key.Key_T, ALT)  # Triage vastleggen
    qtbot.waitUntil(lambda: tview.case.status == "triaged" or bool(tview.action_message.text()))
    assert tview.case.status == "triaged", tview.action_message.text()
    assert tview.editors["triage.urgency"].widget.isEnabled() is False, "decided = read-only"

    case = store.cases.get(case_id)
    answers = case.answers
    expected = {
        "call.channel": "phone",
        "call.caller_role": "gp",
        "call.caller_phone": "0301234567",
        "call.referrer_is_caller": True,
        "youth.birth_date": "2012-03-15",
        "youth.gender": "male",
        "authority.situation": "joint_parents",
        "authority.child_protection": "none",
        "authority.parent2_name": "Vader Testkind",
        "network.parent_in_care": "unknown",
        "situation.since": "days",
        "risk.suicidality": "plan",
        "risk.means_available": "yes",
        "risk.self_harm": "past",
        "triage.urgency": "U1",
        "triage.domains": ["youth_mental_health"],
        "triage.intervention": "assessment_on_site",
        "triage.decided_by": "Tim Triagist",
        "triage.decided_by_id": triagist.profile.user_id,
        "triage.decided_at": NOW.isoformat(),
    }
    assert {k: answers.get(k) for k in expected} == expected
    assert answers["call.received_at"] == NOW.isoformat()
    assert "youth.age_estimate" not in answers
    assert case.version.sealed, "the decision seals its version"
    # a plan first shows "means not known" (ask about means), then, means "ja", high risk
    assert [b["id"] for b in case.banners_shown] == [
        "suicide_plan_means_unknown",
        "high_suicide_risk",
    ]
    assert store.cases.summaries()[0].deadline == "2026-11-23T04:12:00+01:00"

    history = triagist.history(case_id)
    assert history[-1].created_by_name == "Tim Triagist"
    assert history[-1].why.startswith("Triagebesluit vastgelegd: U1 Direct")

    events = store.audit.events(case_id=case_id)
    actions = [e.action for e in events]
    assert actions[0] == "create"
    assert {"read", "update", "banner_shown", "status", "decide"} <= set(actions)
    decide = next(e for e in events if e.action == "decide")
    assert decide.display_name == "Tim Triagist" and decide.role == "triagist"
    assert decide.details == {"from": "ready_for_triage", "to": "triaged"}
    status = next(e for e in events if e.action == "status")
    assert status.display_name == "Anna de Vries"
    assert store.verify_audit_chain().ok


def test_ctrl_enter_and_alt_number_navigate_sections(qtbot: QtBot, session: DeskSession) -> None:
    view = show(qtbot, IntakeView(session, session.new_case().id))
    next_section()
    assert view.current_section() == 1
    expect_focus("youth.first_name")
    press(
        Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert view.current_section() == 0
    press(Qt.Key.Key_5, ALT)
    expect_focus("risk.suicidality")
    press(Qt.Key.Key_9, ALT)
    expect_focus("handover.to_organisation")

"""The legal panel inside the intake: live flags as answers change, jump links, stored
with the triage decision; Ctrl+P opens the handover dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QPushButton
from pytestqt.qtbot import QtBot

from desktop.store import Store
from desktop.ui.intake_view import IntakeView
from tests.helpers.intake import NOW, session_with_role
from tests.ui.test_intake_view import INTAKE, saved, show


def visible_flags(view: IntakeView) -> set[str]:
    assert view.legal_panel is not None
    return {
        frame.objectName().removeprefix("legal_flag.")
        for frame in view.legal_panel.findChildren(QFrame)
        if frame.objectName().startswith("legal_flag.")
    }


def test_birth_date_from_11_to_12_years_replaces_consent_authority_by_dual(
    qtbot: QtBot, store: Store
) -> None:
    desk = session_with_role(store, "desk", "Anna de Vries")
    eleven = NOW.date().replace(year=NOW.year - 11, month=6, day=1).isoformat()
    case = desk.new_case(
        {**INTAKE, "youth.birth_date": eleven, "authority.situation": "single_parent",
         "legal.care_type": "voluntary_outpatient"}
    )  # fmt: skip
    view = show(qtbot, IntakeView(desk, case.id))
    view.go_to_section([s.id for s in view.form.sections].index("legal"))
    assert "CONSENT_AUTHORITY" in visible_flags(view)
    assert "CONSENT_DUAL" not in visible_flags(view)

    view.focus_field("youth.birth_date")
    field = view.editors["youth.birth_date"].widget
    field.selectAll()
    twelve = NOW.date().replace(year=NOW.year - 12, month=6, day=1)
    qtbot.keyClicks(field, twelve.strftime("%d-%m-%Y"))
    qtbot.keyClick(field, Qt.Key.Key_Tab)
    saved(qtbot, view)
    qtbot.waitUntil(lambda: "CONSENT_DUAL" in visible_flags(view))
    assert "CONSENT_AUTHORITY" not in visible_flags(view)
    assert store.cases.get(case.id).answers["youth.birth_date"] == twelve.isoformat()


def test_missing_fact_link_jumps_to_the_field(qtbot: QtBot, store: Store) -> None:
    desk = session_with_role(store, "desk", "Anna de Vries")
    case = desk.new_case({**INTAKE, "legal.care_type": "voluntary_admission"})
    view = show(qtbot, IntakeView(desk, case.id))
    assert view.legal_panel is not None
    link = view.legal_panel.findChild(QPushButton, "legal_missing.legal.youth_competent")
    assert link is not None
    view.go_to_section([s.id for s in view.form.sections].index("legal"))
    link.setFocus()
    qtbot.keyClick(link, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.editors["legal.youth_competent"].widget.hasFocus())


def test_decided_triage_stores_the_flags_of_the_decision(qtbot: QtBot, store: Store) -> None:
    desk = session_with_role(store, "desk", "Anna de Vries")
    case = desk.new_case({**INTAKE, "legal.care_type": "voluntary_admission"})
    desk.mark_ready(case.id)
    triagist = session_with_role(store, "triagist", "Tim Triagist")
    decided = triagist.decide_triage(case.id, "U2", "assessment_on_site", "Vandaag beoordelen.")
    codes = [flag["code"] for flag in decided.legal_flags]
    assert "CONSENT_BOTH_PARENTS" in codes and "CONSENT_DUAL" in codes
    assert decided.legal_decision_date == NOW.date().isoformat()


def test_ctrl_p_opens_the_report_dialog(qtbot: QtBot, store: Store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from desktop.ui import report_dialog

    opened: list[str] = []
    monkeypatch.setattr(
        report_dialog.ReportDialog, "exec", lambda self: opened.append(self.windowTitle()) or 0
    )
    desk = session_with_role(store, "desk", "Anna de Vries")
    case = desk.new_case(INTAKE)
    view = show(qtbot, IntakeView(desk, case.id))
    view.focus_field("situation.reason")
    qtbot.keyClick(
        view.editors["situation.reason"].widget, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier
    )
    assert opened == ["Rapport afdrukken of opslaan"]

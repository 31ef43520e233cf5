"""The legal panel shows the rules engine's flags live, with citations and jump links."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from desktop.forms import load_form
from desktop.ui.legal_panel import LegalPanel


def years_ago(years: int, days: int = 0) -> str:
    """A birth date ``years`` (plus ``days``) ago; the 60-day margins keep it off birthdays."""
    return (date.today() - timedelta(days=round(365.25 * years) + days)).isoformat()


def flag_frames(panel: LegalPanel) -> dict[str, QFrame]:
    return {
        frame.objectName().removeprefix("legal_flag."): frame
        for frame in panel.findChildren(QFrame)
        if frame.objectName().startswith("legal_flag.") and not frame.isHidden()
    }


def test_eleven_to_twelve_replaces_consent_authority_by_consent_dual(qtbot: QtBot) -> None:
    panel = LegalPanel(load_form())
    qtbot.addWidget(panel)
    panel.show()
    answers = {
        "legal.care_type": "voluntary_outpatient",
        "authority.situation": "single_parent",
        "youth.birth_date": years_ago(11, days=60),
    }
    panel.show_answers(answers)
    qtbot.waitUntil(lambda: "CONSENT_AUTHORITY" in flag_frames(panel))
    assert "CONSENT_DUAL" not in flag_frames(panel)
    texts = " ".join(
        label.text() for label in flag_frames(panel)["CONSENT_AUTHORITY"].findChildren(QLabel)
    )
    assert "Vereist" in texts and "BW 7:465" in texts

    panel.show_answers({**answers, "youth.birth_date": years_ago(12, days=60)})
    qtbot.waitUntil(lambda: "CONSENT_DUAL" in flag_frames(panel))
    assert "CONSENT_AUTHORITY" not in flag_frames(panel)


def test_missing_fact_jumps_to_its_field(qtbot: QtBot) -> None:
    panel = LegalPanel(load_form())
    qtbot.addWidget(panel)
    panel.show()
    panel.show_answers(
        {"legal.care_type": "voluntary_outpatient", "youth.birth_date": years_ago(14)}
    )
    button = panel.findChild(QPushButton, "legal_missing.legal.youth_competent")
    assert button is not None
    assert "Wilsbekwaam" in button.text()
    button.setFocus()
    with qtbot.waitSignal(panel.jump_to_field) as signal:
        qtbot.keyClick(button, Qt.Key.Key_Space)
    assert signal.args == ["legal.youth_competent"]


def test_without_care_type_the_panel_asks_for_it(qtbot: QtBot) -> None:
    panel = LegalPanel(load_form())
    qtbot.addWidget(panel)
    panel.show_answers({})
    assert panel.findChild(QPushButton, "legal_problem.legal.care_type") is not None
    assert panel.codes() == []


def test_the_facts_not_the_care_type_bring_up_the_crisis_route(qtbot: QtBot) -> None:
    """Rules version 2: a 15-year-old who objects, imminent harm, disorder suspected,
    recorded as voluntary outpatient care: the panel warns to consider a crisis measure."""
    panel = LegalPanel(load_form())
    qtbot.addWidget(panel)
    panel.show()
    panel.show_answers(
        {
            "legal.care_type": "voluntary_outpatient",
            "youth.birth_date": years_ago(15, days=60),
            "authority.situation": "single_parent",
            "legal.youth_position": "objects",
            "legal.youth_competent": "yes",
            "legal.psychiatric_disorder_suspected": "yes",
            "legal.immediate_serious_harm": True,
        }
    )
    qtbot.waitUntil(lambda: "COMPULSORY_ROUTE_TO_CONSIDER" in flag_frames(panel))
    frame = flag_frames(panel)["COMPULSORY_ROUTE_TO_CONSIDER"]
    text = " ".join(label.text() for label in frame.findChildren(QLabel))
    assert "Let op" in text and "route: crisismaatregel (burgemeester)" in text
    assert "Wvggz 7:1" in text
    assert "WVGGZ_TIJDELIJKE_VERPLICHTE_ZORG" in flag_frames(panel)


def test_a_case_decided_under_older_rules_shows_what_changed(qtbot: QtBot) -> None:
    panel = LegalPanel(load_form())
    qtbot.addWidget(panel)
    panel.show()
    answers = {
        "legal.care_type": "voluntary_outpatient",
        "youth.birth_date": "2012-05-04",
        "authority.situation": "joint_parents",
        "legal.youth_competent": "yes",
        "legal.parents_position": "consent",
        "triage.decided_at": "2026-11-23T03:30:00+01:00",
    }
    decided_v1 = [  # as recorded before version 2: one parent was enough
        {"code": "CONSENT_DUAL", "severity": "required", "title": {"nl": "Dubbel", "en": "Dual"}},
        {"code": "INFORM_AUTHORITY", "severity": "info", "title": {"nl": "Inf", "en": "Inf"}},
    ]
    panel.show_answers(answers, recorded=decided_v1)
    box = panel.findChild(QFrame, "legal_review")
    assert box is not None
    qtbot.waitUntil(lambda: not box.isHidden())
    text = box.accessibleDescription()
    assert "regels versie 1" in text and "regels versie 2" in text
    # the added rule by its title; its internal code is not shown to people
    added = next(f for f in panel.advice.flags if f["code"] == "CONSENT_BOTH_PARENTS")  # type: ignore[union-attr]
    assert f"komt erbij: {added['title']['nl']}" in text
    assert "CONSENT_BOTH_PARENTS" not in text
    assert box.accessibleName() == "Regels gewijzigd sinds het besluit"
    # decided under version 2: nothing to review
    current = [{**flag, "rules_version": "2"} for flag in panel.advice.flags]  # type: ignore[union-attr]
    panel.show_answers(answers, recorded=current)
    assert panel.findChild(QFrame, "legal_review") is None


def test_flags_show_words_and_a_drawable_icon_not_codes(qtbot: QtBot) -> None:
    from PySide6.QtGui import QFontMetrics

    from desktop.ui.legal_panel import SEVERITY_STYLE

    panel = LegalPanel()
    qtbot.addWidget(panel)
    panel.show_answers(
        {
            "youth.birth_date": "2010-05-04",
            "legal.care_type": "voluntary_admission",
            "legal.youth_competent": "yes",
        }
    )
    assert panel.advice is not None and panel.advice.flags
    texts = " ".join(label.text() for label in panel.findChildren(QLabel))
    for flag in panel.advice.flags:
        assert flag["code"] not in texts
    metrics = QFontMetrics(panel.font())
    for _colour, icon in SEVERITY_STYLE.values():
        assert metrics.inFontUcs4(ord(icon)), icon  # never an empty box


def test_doubt_is_not_a_missing_fact(qtbot: QtBot) -> None:
    panel = LegalPanel(load_form("intake", "1"))
    qtbot.addWidget(panel)
    answers = {
        "youth.birth_date": "2010-05-04",
        "legal.care_type": "voluntary_admission",
        "authority.situation": "joint_parents",
    }
    advice = panel.show_answers(answers)
    assert ("youth_competent", "legal.youth_competent") in advice.missing_fields
    assert panel.findChild(QPushButton, "legal_missing.legal.youth_competent") is not None
    advice = panel.show_answers({**answers, "legal.youth_competent": "doubt"})  # "Twijfel"
    assert ("youth_competent", "legal.youth_competent") not in advice.missing_fields
    assert advice.uncertain_fields == [("youth_competent", "legal.youth_competent")]
    assert panel.findChild(QPushButton, "legal_missing.legal.youth_competent") is None
    unsure = panel.findChild(QPushButton, "legal_unsure.legal.youth_competent")
    assert unsure is not None
    assert unsure.accessibleName() == "Beoordeel: Wilsbekwaam voor deze beslissing"

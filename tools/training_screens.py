"""Offscreen screenshots for training mode (issue 23): the trainer's scenario editor with a
new synthetic scenario at 1280×720 (the script with its moments, the key questions, the
expected decision, the legal signals), the group results page, and page 1 of the group
overview PDF of four synthetic participants rendered to PNG.

QT_QPA_PLATFORM=offscreen .venv/bin/python tools/training_screens.py docs/screenshots

The scenario, the participants and their answers are invented. The scenario is written
as scenario data, its legal signals are the rules engine's proposal for its facts (what
the editor proposes), and it is saved as the trainer's own scenario; the attempts are
scored by the real scoring and exported through the group results page.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.small_screens import configure_screen, save  # noqa: E402

CALL_AT = "2026-10-14T19:40:00+02:00"


def bi(nl: str, en: str) -> dict[str, str]:
    return {"nl": nl, "en": en}


def scenario_data() -> dict[str, Any]:
    """A realistic, invented call: a mother about her 13-year-old son after bullying."""
    return {
        "id": "daan_13_gepest",
        "version": 1,
        "title": bi("Daan (13): 'Hij wil er niet meer zijn'", "Daan (13): 'He wants to be gone'"),
        "summary": bi(
            "Een moeder belt 's avonds over haar zoon van 13 die na maanden pesten zegt "
            "dat hij er niet meer wil zijn. De ouders zijn gescheiden en hebben samen het gezag.",
            "A mother calls in the evening about her 13-year-old son who, after months of "
            "bullying, says he no longer wants to be here. The parents are divorced and "
            "share parental authority.",
        ),
        "learning_goals": [
            bi(
                "Suïcidaliteit concreet uitvragen: gedachten, plan, middelen.",
                "Ask concretely about suicidality: thoughts, plan, means.",
            ),
            bi(
                "Bij gezamenlijk gezag hebben beide ouders en de jeugdige (12-15) een stem.",
                "With joint authority both parents and the youth (12-15) have a say.",
            ),
        ],
        "call_at": CALL_AT,
        "caller": bi("Moeder (Ilse Verbeek)", "Mother (Ilse Verbeek)"),
        "script": [
            {
                "id": "opening",
                "when": "start",
                "speaker": bi("Moeder", "Mother"),
                "text": bi(
                    "Goedenavond, ik bel over mijn zoon Daan. Hij zei net aan tafel dat hij "
                    "er niet meer wil zijn. Ik schrik me kapot.",
                    "Good evening, I'm calling about my son Daan. He just said at dinner "
                    "that he doesn't want to be here any more. I'm terrified.",
                ),
            },
            {
                "id": "youth_details",
                "when": "section:youth",
                "speaker": bi("Moeder", "Mother"),
                "text": bi(
                    "Daan Verbeek, geboren 3 februari 2013. Hij is nu thuis, boven op zijn kamer.",
                    "Daan Verbeek, born 3 February 2013. He's at home now, upstairs in his room.",
                ),
            },
            {
                "id": "suicidality_answer",
                "when": "question:suicidality",
                "speaker": bi("Moeder", "Mother"),
                "text": bi(
                    "Hij zei dat hij wel eens aan het spoor denkt. Een plan? Dat weet ik niet.",
                    "He said he sometimes thinks about the railway. A plan? I don't know.",
                ),
            },
            {
                "id": "authority_answer",
                "when": "question:authority",
                "speaker": bi("Moeder", "Mother"),
                "text": bi(
                    "We zijn gescheiden, maar we hebben allebei nog het gezag. Zijn vader "
                    "woont in Deventer.",
                    "We're divorced, but we both still have authority. His father lives "
                    "in Deventer.",
                ),
            },
            {
                "id": "father_answer",
                "when": "question:father",
                "speaker": bi("Moeder", "Mother"),
                "text": bi(
                    "Ik heb hem net een appje gestuurd. Hij neemt altijd op, en hij wil ook "
                    "dat Daan hulp krijgt.",
                    "I've just texted him. He always answers, and he wants Daan to get help too.",
                ),
            },
            {
                "id": "need_answer",
                "when": "question:need",
                "speaker": bi("Moeder", "Mother"),
                "text": bi(
                    "Hij wil met iemand praten die niet zijn moeder is. Vanavond nog, zegt hij.",
                    "He wants to talk to someone who isn't his mother. Tonight, he says.",
                ),
            },
            {
                "id": "pause",
                "when": "after:90",
                "speaker": bi("Moeder", "Mother"),
                "text": bi(
                    "Sorry, hij komt net de trap af. Moet ik hem aan de lijn geven?",
                    "Sorry, he's just coming down the stairs. Should I put him on?",
                ),
            },
        ],
        "key_questions": [
            {
                "id": "suicidality",
                "text": bi(
                    "Heeft Daan een plan of denkt hij aan een manier?",
                    "Does Daan have a plan or think of a way?",
                ),
                "why": bi(
                    "Gedachten, plan en middelen bepalen de urgentie.",
                    "Thoughts, plan and means decide the urgency.",
                ),
                "fields": ["risk.suicidality"],
            },
            {
                "id": "authority",
                "text": bi("Wie heeft het gezag over Daan?", "Who holds authority over Daan?"),
                "why": bi(
                    "Bij gezamenlijk gezag zijn beide ouders nodig voor toestemming.",
                    "With joint authority both parents are needed for consent.",
                ),
                "fields": ["authority.situation"],
            },
            {
                "id": "father",
                "text": bi(
                    "Is de vader bereikbaar en weet hij ervan?",
                    "Can the father be reached and does he know?",
                ),
                "why": bi(
                    "De tweede gezaghebbende ouder moet ook instemmen.",
                    "The second parent with authority must consent too.",
                ),
                "fields": ["authority.parents_reachable"],
            },
            {
                "id": "need",
                "text": bi("Wat heeft Daan nu nodig?", "What does Daan need now?"),
                "why": bi(
                    "Zijn eigen hulpvraag bepaalt wat aansluit.",
                    "His own request decides what fits.",
                ),
                "fields": ["situation.youth_need"],
            },
        ],
        "expected": {
            "answers": {
                "call.caller_role": "parent",
                "youth.first_name": "Daan",
                "youth.birth_date": "2013-02-03",
                "youth.current_location": "home",
                "authority.situation": "joint_parents",
                "authority.parents_reachable": "yes",
                "situation.youth_need": "praten, veilig voelen",
                "risk.suicidality": "thoughts",
                "legal.care_type": "voluntary_outpatient",
                "legal.youth_position": "consents",
                "legal.youth_competent": "yes",
                "legal.parents_position": "consent",
            },
            "urgency": "U2",
            "acceptable_urgency": ["U1"],
            "intervention": "assessment_on_site",
            "acceptable_interventions": ["ambulatory_crisis_care"],
            "flags": [],
            "decision_minutes": 15,
        },
        "debrief": [
            bi(
                "Vraag door naar het spoor: concrete gedachten aan een manier maken het U2.",
                "Ask about the railway: concrete thoughts of a way make it U2.",
            ),
        ],
    }


# The participants: what each asked, chose and how long it took (all invented).
PARTICIPANTS: list[tuple[str, list[str], str, str, int, dict[str, Any]]] = [
    ("Fatima Yilmaz", ["suicidality", "authority", "father", "need"], "U2", "assessment_on_site",
     540, {}),
    ("Joost de Boer", ["suicidality", "need"], "U3", "ambulatory_crisis_care", 1260,
     {"authority.situation": "single_parent"}),
    ("Lisa van Dijk", ["suicidality", "authority", "need"], "U1", "assessment_on_site", 720, {}),
    ("Mehmet Kaya", ["authority", "need"], "U3", "consult_referrer", 980,
     {"legal.parents_position": "unknown"}),
]  # fmt: skip


def main(target: Path) -> None:
    configure_screen("1280x720")
    from PySide6.QtWidgets import QApplication

    from desktop.forms import load_form
    from desktop.store import open_store
    from desktop.training.authoring import draft_from_data, proposed_flags
    from desktop.training.results import ResultBook, new_result
    from desktop.training.scenario import scenario_from_data
    from desktop.training.scoring import score_attempt
    from desktop.ui.main_window import MainWindow
    from desktop.ui.qt_translations import install_qt_translations
    from desktop.ui.training_window import open_training_panel
    from tests.helpers.stores import make_session

    app = QApplication.instance() or QApplication([])
    install_qt_translations("nl")
    target.mkdir(parents=True, exist_ok=True)
    form = load_form("intake", "1")
    data = scenario_data()
    # the legal signals the editor proposes for these facts
    data["expected"]["flags"] = proposed_flags(draft_from_data(data, form), form)
    scenario = scenario_from_data(data, data["id"])
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "training", "schermafdruk wachtwoord", training=True)
        session = make_session(store, role="trainer", name="Tess Trainer")
        window = MainWindow(session)
        window.show()
        panel = open_training_panel(window)
        editor = panel.editor
        assert editor is not None and panel.results is not None
        panel.library.save(scenario, origin="own")
        editor.reload(select=scenario.id)
        panel.tabs.setCurrentWidget(editor)
        app.processEvents()
        form_view = editor.editor
        bar = form_view.form_page.verticalScrollBar()
        # the script and the key questions
        script_box = form_view.script.parentWidget()
        form_view.script.table.setCurrentCell(0, 3)  # the opening line
        form_view.script.table.scrollToTop()
        bar.setValue(script_box.y() - 8)
        app.processEvents()
        save(window, target / "scenario-editor-1280x720.png")
        # the key questions and where their answers belong
        questions_box = form_view.questions.parentWidget()
        bar.setValue(questions_box.y() - 8)
        app.processEvents()
        save(window, target / "scenario-editor-questions-1280x720.png")
        # the expected decision
        bar.setValue(form_view.urgency.parentWidget().y() - 8)
        app.processEvents()
        save(window, target / "scenario-editor-decision-1280x720.png")
        # the legal signals: the rules' proposal, the chosen signals, a reason to differ
        legal_box = form_view.flags.parentWidget()
        viewport = form_view.form_page.viewport().height()
        bar.setValue(legal_box.y() + legal_box.height() + 8 - viewport)
        app.processEvents()
        save(window, target / "scenario-editor-legal-1280x720.png")

        # a group of four ran the scenario
        book = ResultBook(store)
        start = datetime.fromisoformat("2026-10-20T13:30:00+02:00")
        for index, (name, asked, urgency, intervention, seconds, differ) in enumerate(PARTICIPANTS):
            answers = dict(scenario.expected.answers) | differ
            answers |= {"triage.urgency": urgency, "triage.intervention": intervention}
            began = start + timedelta(minutes=index)
            score = score_attempt(
                scenario,
                answers,
                asked={q: 30.0 for q in asked},
                started_at=began,
                decided_at=began + timedelta(seconds=seconds),
            )
            book.add(
                new_result(
                    group="Basistraining oktober",
                    trainee=name,
                    scenario_title=scenario.title["nl"],
                    score=score,
                    started_at=began,
                    finished_at=began + timedelta(seconds=seconds + 60),
                )
            )
        results = panel.results
        results.reload()
        panel.tabs.setCurrentWidget(results)
        app.processEvents()
        save(window, target / "group-results-1280x720.png")
        pdf = Path(tmp) / "groepsoverzicht.pdf"
        assert results.export_overview_pdf(pdf)
        render_page(pdf, target / "group-overview-pdf.png")
        window.close()
        store.close()


def render_page(pdf: Path, png: Path) -> None:
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    page = document[0]
    image = page.render(scale=1.5).to_pil()
    image.convert("L").save(png, optimize=True)
    print(f"{png}: {image.width}×{image.height}, {png.stat().st_size // 1024} KB")
    document.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))

"""The group overview: one scenario, the participants side by side, as CSV and PDF."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader

from desktop.training.group_report import (
    group_overview,
    overview_csv,
    render_overview,
    scenario_choices,
)
from desktop.training.results import TrainingResult, new_result
from desktop.training.scenario import Scenario, bundled_scenarios
from desktop.training.scoring import score_attempt

START = datetime(2026, 3, 10, 19, 0, tzinfo=UTC)
SANNE = next(s for s in bundled_scenarios() if s.id == "suicidal_thoughts_14")


def attempt(trainee: str, *, asked: list[str], urgency: str, seconds: int) -> TrainingResult:
    answers = dict(SANNE.expected.answers) | {
        "youth.first_name": "Sanne",
        "situation.youth_need": "praten",
        "triage.urgency": urgency,
        "triage.intervention": SANNE.expected.intervention,
    }
    if trainee == "Cor":
        answers["legal.care_type"] = "emergency"  # a different legal picture
    score = score_attempt(
        SANNE,
        answers,
        asked={q: 10.0 for q in asked},
        started_at=START,
        decided_at=START + timedelta(seconds=seconds),
    )
    return new_result(
        group="Groep maart",
        trainee=trainee,
        scenario_title="Sanne",
        score=score,
        started_at=START,
        finished_at=START + timedelta(seconds=seconds),
    )


def scenario(scenario_id: str) -> Scenario | None:
    return SANNE if scenario_id == SANNE.id else None


def results() -> list[TrainingResult]:
    everyone = ["suicidality", "means", "need", "authority"]
    return [
        attempt("Bram", asked=everyone, urgency="U2", seconds=600),
        attempt("anna", asked=["suicidality", "need"], urgency="U4", seconds=1250),
        attempt("Cor", asked=["suicidality"], urgency="U2", seconds=300),
    ]


def test_the_overview_lists_participants_side_by_side() -> None:
    overview = group_overview(results(), SANNE.id, scenario)
    assert [row.trainee for row in overview.rows] == ["anna", "Bram", "Cor"]
    anna, bram, cor = overview.rows
    assert bram.missed_questions == () and bram.total == 100
    assert anna.under_triage and not anna.within_time and anna.seconds_to_decision == 1250
    means = SANNE.key_question("means").text["nl"]
    assert means in anna.missed_questions and means in cor.missed_questions
    assert dict(overview.question_misses)[means] == 2
    assert cor.missed_flags or cor.extra_flags  # a different legal picture shows
    assert overview.average == round((anna.total + bram.total + cor.total) / 3, 1)
    assert scenario_choices(results()) == [(SANNE.id, "Sanne")]


def test_the_csv_opens_in_a_dutch_spreadsheet() -> None:
    overview = group_overview(results(), SANNE.id, scenario)
    text = overview_csv(overview)
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["Deelnemer", "Afgerond op", "Score"]
    anna = rows[1]
    assert anna[0] == "anna" and anna[1] == "10-03-2026 20:20"  # 19:20 UTC, local time
    assert anna[4] == "Nee" and anna[7] == "Ja"  # over time; under-triage
    assert "," in anna[2] or anna[2].isdigit()  # a decimal comma, never a point
    assert "." not in anna[2]
    english = list(csv.reader(io.StringIO(overview_csv(overview, "en"))))
    assert english[0][0] == "Participant"


def test_the_pdf_holds_the_table_and_the_misses() -> None:
    overview = group_overview(results(), SANNE.id, scenario)
    printed = datetime(2026, 3, 11, 9, 30, tzinfo=UTC)
    pdf = render_overview(overview, printed_by="Tess Trainer", printed_at=printed)
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Groepsoverzicht: " in text and "Deelnemers naast elkaar" in text
    for name in ("anna", "Bram", "Cor"):
        assert name in text
    assert "ondertriage" in text and "2 van 3 deelnemers" in text
    assert "Afgedrukt door Tess Trainer op 11-03-2026" in text
    assert reader.metadata.creation_date == printed

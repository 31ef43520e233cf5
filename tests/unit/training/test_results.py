"""Exercise results in the training store: per group session and trainee; export/import."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from desktop.store import Store, open_store
from desktop.training.results import ResultBook, ResultsFileError, TrainingResult, new_result
from desktop.training.scenario import scenario_from_data
from desktop.training.scoring import score_attempt

PASSPHRASE = "oefenen is een vak apart"
START = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def store_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Store]]:
    folder = tmp_path_factory.mktemp("results")
    first = open_store(folder / "a", PASSPHRASE, training=True)
    second = open_store(folder / "b", PASSPHRASE, training=True)
    yield first, second
    first.close()
    second.close()


def result(
    scenario_data: dict[str, Any], trainee: str, group: str, urgency: str, minutes: int
) -> TrainingResult:
    scenario = scenario_from_data(scenario_data)
    answers = {"triage.urgency": urgency, "risk.suicidality": "none"}
    score = score_attempt(
        scenario, answers, asked=["need"], started_at=START, decided_at=START + timedelta(minutes=5)
    )
    return new_result(
        group=group,
        trainee=trainee,
        scenario_title="Oefencasus",
        score=score,
        started_at=START + timedelta(minutes=minutes),
        finished_at=START + timedelta(minutes=minutes + 5),
    )


def test_group_results_per_trainee(
    store_pair: tuple[Store, Store], scenario_data: dict[str, Any]
) -> None:
    store, _other = store_pair
    book = ResultBook(store)
    items = [
        result(scenario_data, "Bram", "Groep 1", "U4", 0),
        result(scenario_data, "anouk", "Groep 1", "U5", 10),  # under-triage
        result(scenario_data, "Bram", "Groep 1", "U1", 20),
        result(scenario_data, "Bram", "Groep 2", "U4", 30),
    ]
    assert [book.add(item) for item in items] == [True] * 4
    assert book.add(items[0]) is False  # same id: stored once
    assert book.groups() == ["Groep 2", "Groep 1"]
    summary = book.per_trainee("Groep 1")
    assert [s.trainee for s in summary] == ["anouk", "Bram"]
    anouk, bram = summary
    assert (anouk.attempts, anouk.under_triage, anouk.urgency_correct) == (1, 1, 0)
    assert bram.attempts == 2 and bram.urgency_correct == 1
    assert bram.best == max(items[0].total, items[2].total)
    assert bram.average == round((items[0].total + items[2].total) / 2, 1)
    assert bram.questions_asked == 2 == bram.questions_total
    stored = book.results("Groep 1")[0]
    assert stored == items[0] and stored.as_score().urgency.given == "U4"


def test_export_import_between_devices(
    store_pair: tuple[Store, Store], scenario_data: dict[str, Any]
) -> None:
    trainee_laptop, trainer_laptop = store_pair
    laptop = ResultBook(trainee_laptop)
    laptop.add(result(scenario_data, "Chris", "Groep 3", "U3", 0))
    exported = laptop.export_json("Groep 3")
    trainer = ResultBook(trainer_laptop)
    assert trainer.import_json(exported) == 1
    assert trainer.import_json(exported) == 0  # importing twice adds nothing
    assert [r.trainee for r in trainer.results("Groep 3")] == ["Chris"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{niet json", "Geen geldig resultatenbestand"),
        ('{"format": "iets anders"}', "geen Doorloop-resultatenbestand"),
        ('{"format": "doorloop-training-results", "version": 9}', "Onbekende versie"),
        (
            json.dumps(
                {"format": "doorloop-training-results", "version": 1, "results": [{"id": "x"}]}
            ),
            "Resultaat 1 in het bestand is onvolledig",
        ),
    ],
)
def test_bad_results_files_are_refused(
    store_pair: tuple[Store, Store], text: str, message: str
) -> None:
    book = ResultBook(store_pair[1])
    before = len(book.results())
    with pytest.raises(ResultsFileError, match=message):
        book.import_json(text)
    assert len(book.results()) == before


def test_results_survive_reopening(tmp_path: Path, scenario_data: dict[str, Any]) -> None:
    store = open_store(tmp_path, PASSPHRASE, training=True)
    item = result(scenario_data, "Dewi", "G", "U4", 0)
    ResultBook(store).add(item)
    store.close()
    reopened = open_store(tmp_path, PASSPHRASE, training=True)
    try:
        assert ResultBook(reopened).results() == [item]
    finally:
        reopened.close()

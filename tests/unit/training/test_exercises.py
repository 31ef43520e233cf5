"""Exercises in progress are kept in the training database, each change committed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.store import open_store
from desktop.training.exercises import ExerciseBook, ExerciseState, exercise_case_ids
from desktop.training.results import TrainingOnly

PASSPHRASE = "exercise test passphrase"


def state(case_id: str, **changes: object) -> ExerciseState:
    base = ExerciseState(
        case_id=case_id,
        scenario_id="suicidal_thoughts_14",
        scenario_version=1,
        scenario_title="Sanne",
        trainee="Bram",
        group="Groep maart",
        started_at=datetime(2026, 3, 10, 20, 0, tzinfo=UTC),
    )
    return base.model_copy(update=changes)


def test_states_survive_reopening_and_finished_ones_are_not_running(tmp_path: Path) -> None:
    store = open_store(tmp_path / "d", PASSPHRASE, training=True)
    book = ExerciseBook(store)
    book.save(state("a", elapsed=12.5, sections=["call"], asked={"need": 3.0}, urgency="U2"))
    book.save(state("b"))
    book.finish(state("b", elapsed=40.0))
    store.close()

    again = open_store(tmp_path / "d", PASSPHRASE, training=True)
    try:
        book = ExerciseBook(again)
        [running] = book.running()
        assert running == state(
            "a", elapsed=12.5, sections=["call"], asked={"need": 3.0}, urgency="U2"
        )
        assert book.get("b").status == "finished"  # type: ignore[union-attr]
        assert exercise_case_ids(again) == {"a", "b"}
    finally:
        again.close()


def test_a_production_store_keeps_no_exercises(tmp_path: Path) -> None:
    store = open_store(tmp_path / "p", PASSPHRASE)
    try:
        with pytest.raises(TrainingOnly):
            ExerciseBook(store)
        assert exercise_case_ids(store) == set()
    finally:
        store.close()

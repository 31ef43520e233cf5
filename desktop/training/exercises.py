"""Exercises in progress: what a trainee has done so far, so a crash or a lock loses
nothing.

An exercise is a training case plus its state outside the intake: which scenario
(id and version), who and in which group, the exercise time so far (seconds of the
call, not of the wall clock: a crash or a lock does not count), the sections reached,
the key questions ticked (with their moment), and the decision chosen in the side
panel. :class:`ExerciseBook` keeps one row per exercise in the training database
(``training_exercises``, created here; refused in a production store), each change
committed at once. A finished exercise is marked finished and is never offered again
as unfinished; :func:`exercise_case_ids` lets the start-up offer leave exercise cases
to the training panel.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from desktop.store import Store
from desktop.training.results import TrainingOnly

_SCHEMA = """CREATE TABLE IF NOT EXISTS training_exercises (
    case_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    state TEXT NOT NULL
)"""


class ExerciseState(BaseModel):
    """Everything needed to resume an exercise where it was."""

    model_config = ConfigDict(extra="ignore")

    case_id: str
    scenario_id: str
    scenario_version: int
    scenario_title: str
    trainee: str
    group: str
    started_at: datetime  # the wall-clock moment the exercise began (for the record)
    elapsed: float = 0.0  # exercise time in seconds so far
    sections: list[str] = []
    current_section: str | None = None  # the intake section on screen
    asked: dict[str, float] = {}
    urgency: str | None = None
    intervention: str | None = None
    status: Literal["running", "finished"] = "running"


class ExerciseBook:
    """Exercise states in a training store; every write is committed at once."""

    def __init__(self, store: Store) -> None:
        if not store.training:
            raise TrainingOnly("exercises are kept in the training database only")
        self.store = store
        with store.atomic() as db:
            db.execute(_SCHEMA)

    def save(self, state: ExerciseState) -> None:
        with self.store.atomic() as db:
            db.execute(
                "INSERT INTO training_exercises (case_id, status, updated_at, state) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(case_id) DO UPDATE SET "
                "status = excluded.status, updated_at = excluded.updated_at, "
                "state = excluded.state",
                [
                    state.case_id,
                    state.status,
                    datetime.now().astimezone().isoformat(),
                    state.model_dump_json(),
                ],
            )

    def finish(self, state: ExerciseState) -> ExerciseState:
        finished = state.model_copy(update={"status": "finished"})
        self.save(finished)
        return finished

    def get(self, case_id: str) -> ExerciseState | None:
        row = self.store.db.execute(
            "SELECT state FROM training_exercises WHERE case_id = ?", [case_id]
        ).fetchone()
        return _state(row[0]) if row else None

    def running(self) -> list[ExerciseState]:
        """Exercises not finished, the most recently touched first."""
        rows = self.store.db.execute(
            "SELECT state FROM training_exercises WHERE status = 'running' ORDER BY updated_at DESC"
        ).fetchall()
        states = [_state(row[0]) for row in rows]
        return [state for state in states if state is not None]

    def case_ids(self) -> set[str]:
        """Every case that is (or was) an exercise."""
        rows = self.store.db.execute("SELECT case_id FROM training_exercises").fetchall()
        return {row[0] for row in rows}


def _state(text: str) -> ExerciseState | None:
    try:
        return ExerciseState.model_validate(json.loads(text))
    except (ValueError, ValidationError):
        return None


def exercise_case_ids(store: Any) -> set[str]:
    """The exercise cases of a store (none in production)."""
    if not getattr(store, "training", False):
        return set()
    return ExerciseBook(store).case_ids()


__all__ = ["ExerciseBook", "ExerciseState", "exercise_case_ids"]

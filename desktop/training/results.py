"""Exercise results: stored in the training database only, grouped per group session.

One row per finished attempt (who, which scenario, when, the whole score as JSON) in a
table this module creates itself — ``training_results`` — and only ever in a training
store (:class:`ResultBook` refuses a production store), so results never mix with case
data and never sync. Trainees working on their own laptops export their results as a
JSON file; the trainer imports them (idempotent by result id) and sees the group
per trainee.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from desktop.i18n import _
from desktop.store import Store
from desktop.training.scoring import Score

EXPORT_FORMAT = "doorloop-training-results"
EXPORT_VERSION = 1

_SCHEMA = """CREATE TABLE IF NOT EXISTS training_results (
    id TEXT PRIMARY KEY,
    group_name TEXT NOT NULL,
    trainee TEXT NOT NULL,
    scenario_id TEXT NOT NULL,
    scenario_version INTEGER NOT NULL,
    scenario_title TEXT NOT NULL,
    case_id TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    total REAL NOT NULL,
    score TEXT NOT NULL
)"""
_COLUMNS = (
    "id, group_name, trainee, scenario_id, scenario_version, scenario_title, case_id, "
    "started_at, finished_at, total, score"
)


class TrainingOnly(ValueError):
    """Exercise results belong in a training store, never in production."""


class ResultsFileError(ValueError):
    """A results file that cannot be imported; the message is Dutch."""


class TrainingResult(BaseModel):
    """One finished attempt."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    group: str
    trainee: str
    scenario_id: str
    scenario_version: int
    scenario_title: str
    case_id: str | None = None
    started_at: datetime
    finished_at: datetime
    score: dict[str, Any]

    @property
    def total(self) -> float:
        return float(self.score.get("total", 0.0))

    def as_score(self) -> Score:
        return Score.from_data(self.score)


def new_result(
    *,
    group: str,
    trainee: str,
    scenario_title: str,
    score: Score,
    started_at: datetime,
    finished_at: datetime,
    case_id: str | None = None,
) -> TrainingResult:
    return TrainingResult(
        id=str(uuid.uuid4()),
        group=group.strip(),
        trainee=trainee.strip(),
        scenario_id=score.scenario_id,
        scenario_version=score.scenario_version,
        scenario_title=scenario_title,
        case_id=case_id,
        started_at=started_at,
        finished_at=finished_at,
        score=score.to_data(),
    )


@dataclass(frozen=True)
class TraineeSummary:
    """A trainee's results in one group session (the trainer's overview)."""

    trainee: str
    attempts: int
    average: float
    best: float
    urgency_correct: int
    under_triage: int
    questions_asked: int
    questions_total: int
    results: tuple[TrainingResult, ...]


class ResultBook:
    """Exercise results in a training store."""

    def __init__(self, store: Store) -> None:
        if not store.training:
            raise TrainingOnly("exercise results are kept in the training database only")
        self.store = store
        with store.atomic() as db:
            db.execute(_SCHEMA)
            db.execute(
                "CREATE INDEX IF NOT EXISTS training_results_group "
                "ON training_results (group_name, trainee)"
            )

    def add(self, result: TrainingResult) -> bool:
        """Store a result; ``False`` when one with the same id is already there."""
        with self.store.atomic() as db:
            cursor = db.execute(
                f"INSERT OR IGNORE INTO training_results ({_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    result.id,
                    result.group,
                    result.trainee,
                    result.scenario_id,
                    result.scenario_version,
                    result.scenario_title,
                    result.case_id,
                    result.started_at.isoformat(),
                    result.finished_at.isoformat(),
                    result.total,
                    json.dumps(result.score, ensure_ascii=False),
                ],
            )
            return bool(cursor.rowcount)

    def results(self, group: str | None = None) -> list[TrainingResult]:
        where, params = ("WHERE group_name = ?", [group]) if group is not None else ("", [])
        rows = self.store.db.execute(
            f"SELECT {_COLUMNS} FROM training_results {where} ORDER BY finished_at, trainee, id",
            params,
        ).fetchall()
        return [_result(row) for row in rows]

    def groups(self) -> list[str]:
        """Group sessions, the most recent first."""
        rows = self.store.db.execute(
            "SELECT group_name, MAX(finished_at) AS last FROM training_results "
            "GROUP BY group_name ORDER BY last DESC, group_name"
        ).fetchall()
        return [row[0] for row in rows]

    def per_trainee(self, group: str) -> list[TraineeSummary]:
        return summarise(self.results(group))

    def export_json(self, group: str | None = None) -> str:
        data = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "results": [r.model_dump(mode="json") for r in self.results(group)],
        }
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"

    def import_json(self, text: str) -> int:
        """Add the results of an export; returns how many were new."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ResultsFileError(
                _("Geen geldig resultatenbestand (JSON, regel {line}).").format(line=error.lineno)
            ) from None
        if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
            raise ResultsFileError(_("Dit is geen Doorloop-resultatenbestand."))
        if data.get("version") != EXPORT_VERSION:
            raise ResultsFileError(
                _("Onbekende versie van het resultatenbestand: {version}.").format(
                    version=data.get("version")
                )
            )
        results: list[TrainingResult] = []
        for index, item in enumerate(data.get("results") or []):
            try:
                result = TrainingResult.model_validate(item)
                result.as_score()
            except (ValidationError, KeyError, TypeError, ValueError):
                raise ResultsFileError(
                    _("Resultaat {number} in het bestand is onvolledig of beschadigd.").format(
                        number=index + 1
                    )
                ) from None
            results.append(result)
        return sum(1 for result in results if self.add(result))


def summarise(results: Iterable[TrainingResult]) -> list[TraineeSummary]:
    """Per trainee (alphabetical): attempts, average and best total, urgency hits."""
    by_trainee: dict[str, list[TrainingResult]] = {}
    for result in results:
        by_trainee.setdefault(result.trainee, []).append(result)
    out = []
    for trainee in sorted(by_trainee, key=str.casefold):
        items = by_trainee[trainee]
        scores = [item.as_score() for item in items]
        out.append(
            TraineeSummary(
                trainee=trainee,
                attempts=len(items),
                average=round(sum(item.total for item in items) / len(items), 1),
                best=max(item.total for item in items),
                urgency_correct=sum(1 for s in scores if s.urgency.correct),
                under_triage=sum(1 for s in scores if s.urgency.direction == "too_low"),
                questions_asked=sum(s.questions_asked for s in scores),
                questions_total=sum(len(s.questions) for s in scores),
                results=tuple(items),
            )
        )
    return out


def _result(row: tuple[Any, ...]) -> TrainingResult:
    return TrainingResult(
        id=row[0],
        group=row[1],
        trainee=row[2],
        scenario_id=row[3],
        scenario_version=row[4],
        scenario_title=row[5],
        case_id=row[6],
        started_at=datetime.fromisoformat(row[7]),
        finished_at=datetime.fromisoformat(row[8]),
        score=json.loads(row[10]),
    )

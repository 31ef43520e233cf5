"""The training sandbox: an exercise's case and results stay in the training database,
the desk refuses to sync it, and the central service rejects a training case."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop.paths import database_path
from desktop.session.desk import DeskSession
from desktop.store import Store, open_store
from desktop.store.cases import version_payload
from desktop.sync.engine import SyncEngine
from desktop.sync.errors import TrainingStoreRefused
from desktop.training.results import ResultBook, TrainingOnly, new_result
from desktop.training.scenario import bundled_scenarios
from desktop.training.scoring import score_attempt

PASSPHRASE = "oefenen is een vak apart"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sandbox")


@pytest.fixture(scope="module")
def stores(data_dir: Path) -> Iterator[tuple[Store, Store]]:
    """One production and one training store in the same data dir (opening is slow)."""
    production = open_store(data_dir, PASSPHRASE)
    training = open_store(data_dir, PASSPHRASE, training=True)
    for store in (production, training):
        store.create_profile("Tess Trainer", "trainer")
    yield production, training
    production.close()
    training.close()


def run_exercise(training: Store) -> str:
    scenario = bundled_scenarios()[0]
    profile = training.profile()
    assert profile is not None
    session = DeskSession(training, profile, clock=lambda: scenario.call_moment)
    case = session.new_case()
    case = session.save_answers(case.id, {"youth.first_name": "Sanne", "triage.urgency": "U2"})
    start = datetime(2026, 3, 10, 20, 40, tzinfo=UTC)
    score = score_attempt(
        scenario,
        case.answers,
        asked=["need"],
        started_at=start,
        decided_at=start + timedelta(minutes=5),
    )
    ResultBook(training).add(
        new_result(
            group="Groep A",
            trainee="Bram",
            scenario_title="Sanne",
            score=score,
            started_at=start,
            finished_at=start + timedelta(minutes=5),
            case_id=case.id,
        )
    )
    return case.id


def test_exercise_stays_in_the_training_database(
    data_dir: Path, stores: tuple[Store, Store]
) -> None:
    production, training = stores
    before = production.outbox.items()
    results_before = len(ResultBook(training).results())
    case_id = run_exercise(training)
    assert training.path == database_path(data_dir, training=True) != production.path
    assert training.cases.get(case_id).training is True
    # nothing queued for sync in the training store; nothing at all in production
    assert [item for item in training.outbox.items() if item.kind == "version"] == []
    assert production.cases.count() == 0
    assert production.outbox.items() == before  # only its own profile's audit event
    tables = {row[0] for row in production.db.execute("SELECT name FROM sqlite_master")}
    assert "training_results" not in tables
    assert len(ResultBook(training).results()) == results_before + 1


def test_results_are_refused_in_a_production_store(stores: tuple[Store, Store]) -> None:
    production, _training = stores
    with pytest.raises(TrainingOnly):
        ResultBook(production)


def test_the_desk_refuses_to_sync_a_training_store(stores: tuple[Store, Store]) -> None:
    _production, training = stores
    with pytest.raises(TrainingStoreRefused):
        SyncEngine(training, use_keyring=False)


def test_the_central_service_rejects_a_training_case(
    tmp_path: Path, stores: tuple[Store, Store]
) -> None:
    from central_api.storage import Principal, Storage
    from doorloop_protocol.models import VersionItem

    _production, training = stores
    case_id = run_exercise(training)
    payload = version_payload(training.cases.get(case_id))
    item = VersionItem.model_validate(
        {key: value for key, value in payload.items() if key in VersionItem.model_fields}
    )
    assert item.training is True
    central = Storage.open(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    try:
        principal = Principal(
            device_id="device-1",
            user_id="user-1",
            username="tess",
            display_name="Tess Trainer",
            role="trainer",
            region_id=1,
            region="demo",
            revoked=False,
        )
        response = central.push(principal, [item], [])
    finally:
        central.close()
    [result] = response.versions
    assert (result.result, result.reason, result.field) == ("rejected", "training_case", "training")

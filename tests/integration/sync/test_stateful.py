"""A hypothesis state machine: desks create, amend, sync and crash; nothing is lost or doubled."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from desktop.store import Store, actor_for, open_store
from desktop.sync import SyncEngine
from tests.integration.sync.conftest import (
    PASSPHRASE,
    Central,
    add_user,
    fast_backoff,
    fresh_region,
    new_device,
    server_versions,
)
from tests.integration.sync.helpers import local_version_hashes, local_versions

DESKS = 3


def test_desks_against_a_model(central: Central) -> None:
    storage = central.storage()

    class Desks(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.root = Path(tempfile.mkdtemp(prefix="doorloop-sync-model-"))
            region = fresh_region(central)
            self.username = add_user(central, region=region)
            self.region = region
            self.desks: list[tuple[Store, SyncEngine]] = [
                new_device(self.root / f"d{n}", central.url, self.username, region=region)
                for n in range(DESKS)
            ]
            self.model: dict[str, str] = {}  # version id → content hash, as queued

        def _remember(self, n: int) -> None:
            self.model.update(local_version_hashes(self.desks[n][0]))

        @rule(n=st.integers(0, DESKS - 1), name=st.text("abcdé ", min_size=1, max_size=8))
        def create(self, n: int, name: str) -> None:
            store = self.desks[n][0]
            actor = actor_for(store.profile())  # type: ignore[arg-type]
            store.cases.create(actor, region=self.region, answers={"youth.first_name": name})
            self._remember(n)

        @rule(n=st.integers(0, DESKS - 1), pick=st.integers(0, 50), seal=st.booleans())
        def amend(self, n: int, pick: int, seal: bool) -> None:
            store = self.desks[n][0]
            cases = store.cases.summaries(limit=100, order="updated_at")
            if not cases:
                return
            case_id = cases[pick % len(cases)].id
            actor = actor_for(store.profile())  # type: ignore[arg-type]
            store.cases.save_answers(case_id, {"youth.municipality": f"G{pick}"}, actor)
            if seal:
                store.cases.set_status(case_id, "ready_for_triage", actor, seal=True)
            self._remember(n)

        @rule(n=st.integers(0, DESKS - 1))
        def sync(self, n: int) -> None:
            store, engine = self.desks[n]
            assert engine.sync().outcome == "ok"
            # local: audit events from before the desk was linked to its central user
            assert {i.state for i in store.outbox.items()} <= {"acked", "local"}
            held = server_versions(central, storage)
            mine = local_version_hashes(store)
            assert {k: held.get(k) for k in mine} == mine

        @rule(n=st.integers(0, DESKS - 1))
        def crash(self, n: int) -> None:
            """The desk dies after taking a batch (sealed, 'sending') and before any answer."""
            store, engine = self.desks[n]
            store.outbox.take(limit=5)
            engine.close()
            store.close()
            reopened = open_store(store.path.parent, PASSPHRASE)
            self.desks[n] = (
                reopened,
                SyncEngine(reopened, use_keyring=False, backoff=fast_backoff(), max_attempts=5),
            )

        @invariant()
        def nothing_queued_was_changed(self) -> None:
            for n in range(DESKS):
                hashes = local_version_hashes(self.desks[n][0])
                sealed = {
                    row[0]
                    for row in self.desks[n][0]
                    .db.execute("SELECT version_id FROM case_versions WHERE sealed = 1")
                    .fetchall()
                }
                for version_id in sealed & hashes.keys():
                    if version_id in self.model:
                        assert hashes[version_id] == self.model[version_id]

        def teardown(self) -> None:
            try:
                for _round in range(2):
                    for _store, engine in self.desks:
                        assert engine.sync().outcome == "ok"
                everything = set(self.model)
                for n, (store, _engine) in enumerate(self.desks):
                    self._remember(n)
                    assert local_versions(store) == set(self.model)
                    assert store.outbox.unsynced_count() == 0
                held = server_versions(central, storage)
                assert everything <= held.keys()
                for version_id in everything:
                    assert held[version_id] == self.model[version_id]
            finally:
                for store, engine in self.desks:
                    engine.close()
                    store.close()
                shutil.rmtree(self.root, ignore_errors=True)

    try:
        run_state_machine_as_test(
            Desks,
            settings=settings(
                max_examples=4,
                stateful_step_count=10,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    finally:
        storage.close()

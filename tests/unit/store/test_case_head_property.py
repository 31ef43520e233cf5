"""For any sequence of local edits, pulls and reconciliations on two desks, a case row's
derived columns (status, flags, list columns, response deadline) equal a fresh
computation from its head version (``desktop.store.heads``)."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from desktop.session.reconcile import Reconciler
from desktop.store import Store, actor_for, open_store
from desktop.store.heads import stored_head_columns
from desktop.store.sync_state import SyncState

PASSPHRASE = "correct horse battery staple"
TIMES = ["2026-11-23T03:12:00+01:00", "2026-11-27T16:45:00+01:00", "2026-03-29T01:30:00+01:00"]
EDITS = st.fixed_dictionaries(
    {},
    optional={
        "triage.urgency": st.sampled_from(["U1", "U2", "U3", "U4", None]),
        "call.received_at": st.sampled_from([*TIMES, None]),
        "youth.first_name": st.sampled_from(["Sem", "Noor", "Daan", None]),
        "youth.municipality": st.sampled_from(["Utrecht", "Zeist", None]),
        "youth.age_estimate": st.sampled_from([14, 16.5, None]),
    },
)


class TwoDesks(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="heads-"))
        self.desks: list[Store] = []
        for name in ("Anna de Vries", "Bram Bos"):
            store = open_store(self.root / name.split()[0], PASSPHRASE)
            store.create_profile(name, "desk")
            self.desks.append(store)
        self.case_id: str | None = None

    def teardown(self) -> None:
        for store in self.desks:
            store.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def actor(self, desk: int) -> Any:
        profile = self.desks[desk].profile()
        assert profile is not None
        return actor_for(profile)

    @precondition(lambda self: self.case_id is None)
    @rule(answers=EDITS, received=st.sampled_from(TIMES), urgency=st.sampled_from(["U1", "U3"]))
    def create(self, answers: dict[str, Any], received: str, urgency: str) -> None:
        clean = {"call.received_at": received, "triage.urgency": urgency}
        clean.update({k: v for k, v in answers.items() if v is not None})
        self.case_id = self.desks[0].cases.create(self.actor(0), answers=clean).id

    def _present(self, desk: int) -> bool:
        return self.case_id is not None and self.desks[desk].cases.summary(self.case_id) is not None

    @rule(desk=st.integers(0, 1), changes=EDITS, sealed=st.booleans())
    def edit(self, desk: int, changes: dict[str, Any], sealed: bool) -> None:
        if not self._present(desk):
            return
        assert self.case_id is not None
        cases = self.desks[desk].cases
        if cases.get(self.case_id).status == "needs_reconciliation":
            return
        cases.save_answers(self.case_id, changes, self.actor(desk), own_version=sealed)

    @rule(desk=st.integers(0, 1))
    def decide(self, desk: int) -> None:
        if not self._present(desk):
            return
        assert self.case_id is not None
        cases = self.desks[desk].cases
        if cases.get(self.case_id).status == "needs_reconciliation":
            return
        cases.set_status(
            self.case_id,
            "triaged",
            self.actor(desk),
            legal_flags=[{"code": "consent_12_16", "rules_version": "2"}],
            legal_decision_date="2026-11-23",
            seal=True,
        )

    @rule(source=st.integers(0, 1))
    def sync(self, source: int) -> None:
        sender, receiver = self.desks[source], self.desks[1 - source]
        wire = sender.outbox.take_wire(1000, ("version",))
        sender.outbox.ack([item.item_id for item in wire])
        now = datetime.now(UTC).isoformat()
        with receiver.atomic():
            state = SyncState(receiver.db, user=receiver.current_user)
            for item in wire:
                payload = json.loads(item.wire_json)
                payload.setdefault("updated_at", now)
                state.apply_version(payload)

    @rule(desk=st.integers(0, 1), pick=st.integers(0, 3))
    def reconcile(self, desk: int, pick: int) -> None:
        if not self._present(desk):
            return
        assert self.case_id is not None
        reconciler = Reconciler(self.desks[desk])
        if self.case_id not in reconciler.cases():
            return
        if len(reconciler.heads(self.case_id)) < 2:
            return
        described = reconciler.describe(self.case_id)
        head = described.heads[pick % len(described.heads)]
        choices = {d.field_id: head.version.id for d in described.diffs}
        reconciler.resolve(self.case_id, choices, self.actor(desk))

    @invariant()
    def rows_follow_their_heads(self) -> None:
        for store in self.desks:
            if self.case_id is None or store.cases.summary(self.case_id) is None:
                continue
            stored, fresh = stored_head_columns(store.sql, self.case_id)
            if stored["status"] == "needs_reconciliation":
                fresh["status"] = stored["status"]  # the case's mark, not the version's
            assert stored == fresh


TwoDesks.TestCase.settings = settings(
    max_examples=20,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_two_desks = TwoDesks.TestCase

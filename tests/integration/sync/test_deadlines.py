"""The response deadline travels with the case (issue 14): against the real central API
over HTTP (PostgreSQL, SQLite), a U1 case decided on desk A shows the same deadline on
desk B after a pull, an amendment on B moves it on A, and a reconciliation that takes
B's urgency gives the merged case that urgency's deadline on both desks."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from desktop.session import DeskSession
from desktop.session.reconcile import Reconciler
from desktop.store import Store
from desktop.sync import SyncEngine
from tests.integration.sync.conftest import Central, add_user, fresh_region, new_device

pytestmark = pytest.mark.parametrize(
    "database_url", ["postgresql", "sqlite"], indirect=True, scope="module"
)

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 23, 3, 30, tzinfo=AMS)
U1_DEADLINE = "2026-11-23T04:12:00+01:00"
INTAKE: dict[str, Any] = {
    "call.received_at": "2026-11-23T03:12:00+01:00",
    "call.channel": "phone",
    "call.caller_role": "gp",
    "call.caller_name": "Dokter Testma",
    "call.caller_organisation": "Huisartsenpraktijk Voorbeeld",
    "call.caller_phone": "0612345678",
    "youth.first_name": "Sem",
    "youth.birth_date": "2012-05-04",
    "youth.current_location": "home",
    "youth.municipality": "Utrecht",
    "authority.situation": "joint_parents",
    "situation.reason": "Gedachten aan de dood met een plan.",
    "risk.suicidality": "plan",
}


def desk(central: Central, region: str, path: Path, role: str) -> tuple[DeskSession, SyncEngine]:
    username = add_user(central, role=role, region=region)
    store, engine = new_device(path, central.url, username, region=region)
    profile = store.profile()
    assert profile is not None
    # the desk works as the signed-in server user (the server checks the role)
    return DeskSession(store, dataclasses.replace(profile, role=role), clock=lambda: NOW), engine


def deadline(store: Store, case_id: str) -> tuple[str | None, str | None]:
    row = store.cases.summary(case_id)
    assert row is not None
    return row.urgency, row.deadline


def test_the_deadline_follows_the_case_across_desks(central: Central, tmp_path: Path) -> None:
    region = fresh_region(central)
    a, engine_a = desk(central, region, tmp_path / "a", "coordinator")
    b, engine_b = desk(central, region, tmp_path / "b", "triagist")
    case = a.new_case(INTAKE)
    a.mark_ready(case.id)
    assert engine_a.sync().outcome == "ok"  # the server takes each step from its base
    a.decide_triage(case.id, "U1", "assessment_on_site", "Plan en middelen; duo gaat.")
    assert deadline(a.store, case.id) == ("U1", U1_DEADLINE)
    assert engine_a.sync().outcome == "ok"
    assert engine_b.sync().outcome == "ok"
    assert [i.last_error for i in a.store.outbox.items("quarantined")] == []
    assert deadline(b.store, case.id) == ("U1", U1_DEADLINE)  # was (U1, None)

    # an amendment on B moves the deadline on A
    b.amend_triage(case.id, {"triage.urgency": "U2"}, "Nagebeld: veilig bij oma.")
    u2 = b.evaluate(b.get_case(case.id)).derived["triage.deadline"]
    assert u2 not in (None, U1_DEADLINE)
    assert engine_b.sync().outcome == "ok"
    assert engine_a.sync().outcome == "ok"
    assert deadline(a.store, case.id) == deadline(b.store, case.id) == ("U2", u2)

    # competing edits: B amends to U3, A corrects the municipality; A merges taking B's U3
    b.amend_triage(case.id, {"triage.urgency": "U3"}, "Geen acuut gevaar.")
    u3 = b.evaluate(b.get_case(case.id)).derived["triage.deadline"]
    a.save_answers(case.id, {"youth.municipality": "Zeist"})
    assert engine_a.sync().outcome == "ok"
    assert engine_b.sync().outcome == "ok"
    assert engine_a.sync().outcome == "ok"
    assert a.store.cases.summary(case.id).status == "needs_reconciliation"  # type: ignore[union-attr]
    reconciler = Reconciler(a.store)
    described = reconciler.describe(case.id)
    from_b = next(h for h in described.heads if h.answers.get("triage.urgency") == "U3")
    from_a = next(h for h in described.heads if h is not from_b)
    choices = {d.field_id: from_b.version.id for d in described.diffs}
    choices["youth.municipality"] = from_a.version.id
    reconciler.resolve(case.id, choices, a.actor)
    assert deadline(a.store, case.id) == ("U3", u3)
    assert engine_a.sync().outcome == "ok"
    assert engine_b.sync().outcome == "ok"
    for store in (a.store, b.store):
        assert deadline(store, case.id) == ("U3", u3)
        assert store.cases.get(case.id).answers["youth.municipality"] == "Zeist"
        assert store.cases.summary(case.id).status == "triaged"  # type: ignore[union-attr]

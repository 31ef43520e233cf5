"""Who sees what on the desk (issue 21): the list shows open cases in the window and
one's own; any other case opens only by break-the-glass with a reason, audited."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from desktop.session.access import BreakGlassRequired, ReasonRefused
from desktop.session.desk import DeskSession, now_local
from desktop.store import Actor, Store
from doorloop_protocol.privacy import DEFAULT_WINDOW_DAYS, GRANT_HOURS
from tests.helpers.stores import opened_store

COLLEAGUE = Actor(user_id="colleague", display_name="Bram", role="desk", device_id="dev-2")


def at(store: Store, role: str, moment: datetime) -> DeskSession:
    profile = store.profile()
    assert profile is not None
    from dataclasses import replace

    return DeskSession(store, replace(profile, role=role), clock=lambda: moment)


def colleague_case(store: Store, name: str = "Noor") -> str:
    case = store.cases.create(
        COLLEAGUE,
        form_version="1",
        answers={"youth.first_name": name, "call.received_at": "2026-11-20T10:00:00+01:00"},
        region="demo",
        training=False,
    )
    return case.id


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    with opened_store(tmp_path / "data") as opened:
        yield opened


def test_a_colleagues_old_case_leaves_the_list_and_opens_only_with_a_reason(store: Store) -> None:
    now = now_local()
    desk = at(store, "desk", now)
    mine = desk.new_case({"youth.first_name": "Sem"}).id
    theirs = colleague_case(store)
    assert {s.id for s in desk.summaries()} == {mine, theirs}

    later = now + timedelta(days=DEFAULT_WINDOW_DAYS + 1)
    desk = at(store, "desk", later)
    assert {s.id for s in desk.summaries()} == {mine}  # one's own case stays
    desk.open_case(mine)
    with pytest.raises(BreakGlassRequired):
        desk.open_case(theirs)

    with pytest.raises(ReasonRefused) as empty:
        desk.break_glass(theirs, "", "")
    assert empty.value.field == "reason" and "reden" in empty.value.message
    with pytest.raises(ReasonRefused) as silent:
        desk.break_glass(theirs, "continuity", "   ")
    assert silent.value.field == "note" and "Licht de reden toe" in silent.value.message
    assert not [e for e in store.audit.events(case_id=theirs) if e.action == "break_glass"]

    opened = desk.break_glass(theirs, "continuity", "Noor belt opnieuw")
    assert opened.id == theirs
    actions = [e.action for e in store.audit.events(case_id=theirs)]
    assert actions[-2:] == ["break_glass", "read"]
    glass = next(e for e in store.audit.events(case_id=theirs) if e.action == "break_glass")
    assert glass.details == {"reason": "continuity", "note": "Noor belt opnieuw"}
    assert {s.id for s in desk.summaries()} == {mine, theirs}  # in view for a while
    desk.open_case(theirs)

    after = at(store, "desk", later + timedelta(hours=GRANT_HOURS + 1))
    assert {s.id for s in after.summaries()} == {mine}
    assert store.verify_audit_chain().ok


def test_searching_outside_the_view_needs_a_reason_and_is_audited(store: Store) -> None:
    theirs = colleague_case(store, "Lotte")
    desk = at(store, "desk", now_local() + timedelta(days=DEFAULT_WINDOW_DAYS + 5))
    assert desk.summaries("Lotte") == []
    with pytest.raises(ReasonRefused):
        desk.search_outside_view("Lotte", "quality", "")
    found = desk.search_outside_view("Lotte", "quality", "Incidentonderzoek")
    assert [s.id for s in found] == [theirs]
    searches = [e for e in store.audit.events() if e.action == "break_glass"]
    assert searches[-1].details["search"] == "Lotte" and searches[-1].case_id is None


def test_a_coordinator_sees_old_open_cases_and_a_trainer_none(store: Store) -> None:
    theirs = colleague_case(store)
    later = now_local() + timedelta(days=DEFAULT_WINDOW_DAYS + 5)
    assert [s.id for s in at(store, "coordinator", later).summaries()] == [theirs]
    trainer = at(store, "trainer", now_local())
    assert trainer.summaries() == []
    with pytest.raises(BreakGlassRequired):
        trainer.open_case(theirs)


def test_a_correction_is_a_new_version_with_its_reason(store: Store) -> None:
    from desktop.forms.workflow import TransitionError

    desk = at(store, "desk", now_local())
    case = desk.new_case({"youth.first_name": "Noor", "youth.birth_date": "2011-04-02"})
    with pytest.raises(TransitionError) as empty:
        desk.correct(case.id, {"youth.birth_date": "2011-04-03"}, " ")
    assert "reden" in empty.value.reasons[0]
    with pytest.raises(TransitionError):
        desk.correct(case.id, {"triage.urgency": "U1"}, "verzoek moeder")
    with pytest.raises(TransitionError):
        desk.correct(case.id, {"youth.birth_date": "2999-01-01"}, "verzoek moeder")
    corrected = desk.correct(case.id, {"youth.birth_date": "2011-04-03"}, "verzoek moeder")
    assert corrected.answers["youth.birth_date"] == "2011-04-03"
    history = desk.history(case.id)
    assert history[-1].reason and "AVG art. 16" in history[-1].reason
    assert history[-1].sealed and len(history) >= 2
    assert any(e.answers.get("youth.birth_date") == "2011-04-02" for e in history[:-1])
    assert store.verify_audit_chain().ok

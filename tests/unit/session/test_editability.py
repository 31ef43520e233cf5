"""The session is the seam every UI action goes through: it refuses edits of a closed or
decided case with a Dutch reason, whatever widget (or none) asks, and audits the lock."""

from __future__ import annotations

import pytest

from desktop.forms.workflow import TransitionError
from desktop.session import DeskSession
from desktop.store import Store
from tests.unit.test_desk import (  # the desk tests' synthetic case and sessions
    decide_u1,
    ready_case,
)


def test_a_closed_case_refuses_every_edit_with_a_dutch_reason(
    desk: DeskSession, store: Store
) -> None:
    case_id = ready_case(desk)
    store.cases.set_status(case_id, "closed", desk.actor)
    before = store.cases.get(case_id)
    with pytest.raises(TransitionError) as refused:
        desk.save_answers(case_id, {"youth.first_name": "Noor"})
    assert refused.value.reasons == ("Deze casus is gesloten en kan niet meer worden gewijzigd.",)
    after = store.cases.get(case_id)
    assert (after.answers, after.version.id) == (before.answers, before.version.id)
    assert not desk.editable(after, "youth.first_name")


def test_a_decided_case_refuses_its_decision_but_not_the_follow_up(
    desk: DeskSession, triagist: DeskSession
) -> None:
    case_id = ready_case(desk)
    decide_u1(triagist, case_id)
    with pytest.raises(TransitionError) as refused:
        desk.save_answers(case_id, {"triage.urgency": "U3"})
    assert "afspraak is afspraak" in refused.value.reasons[0]
    case = desk.get_case(case_id)
    assert not desk.editable(case, "triage.urgency")
    assert desk.editable(case, "triage.caller_informed_at")
    assert desk.editable(case, "youth.first_name")


def test_lock_and_unlock_are_audited_by_the_session(desk: DeskSession, store: Store) -> None:
    from tests.helpers.stores import PASSPHRASE

    handed: list[bool] = []
    desk.lock(lambda: handed.append(store.locked))
    assert store.locked and handed == [False]  # the hook runs before the key goes
    store.unlock(PASSPHRASE)
    desk.record_unlock()
    actions = [event.action for event in store.audit.events()][-2:]
    assert actions == ["lock", "unlock"]

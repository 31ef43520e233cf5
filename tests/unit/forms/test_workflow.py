"""Case statuses: who may move a case where, and the reasons when not."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.forms import FormDefinition
from desktop.forms.workflow import (
    SYNC_ACTOR,
    Status,
    TransitionCheck,
    TransitionError,
    check_transition,
    check_triage_amendment,
    next_statuses,
    transition,
)

from .conftest import NOW

TRIAGE = {
    "triage.urgency": "U2",
    "triage.intervention": "assessment_on_site",
    "triage.rationale": "Concreet plan, middelen thuis.",
}
HANDOVER = {
    "handover.to_organisation": "Crisisteam Jeugd Regio",
    "handover.agreements": "Duo 14:00",
}


def check(
    form: FormDefinition, answers: dict[str, Any], current: str, target: str, role: str
) -> TransitionCheck:
    return check_transition(form, answers, current, target, role, now=NOW)


@pytest.mark.parametrize("role", ["desk", "outreach", "coordinator"])
def test_desk_roles_mark_a_complete_intake_ready(
    form: FormDefinition, complete_intake: dict[str, Any], role: str
) -> None:
    assert check(form, complete_intake, "draft", "ready_for_triage", role)


@pytest.mark.parametrize("role", ["triagist", "trainer"])
def test_other_roles_do_not_mark_ready(
    form: FormDefinition, complete_intake: dict[str, Any], role: str
) -> None:
    result = check(form, complete_intake, "draft", "ready_for_triage", role)
    assert not result
    assert "mag u een zaak niet op 'Klaar voor triage' zetten" in result.reasons[0]


def test_an_incomplete_intake_is_not_ready(
    form: FormDefinition, complete_intake: dict[str, Any]
) -> None:
    del complete_intake["risk.suicidality"]
    result = check(form, complete_intake, "draft", "ready_for_triage", "desk")
    assert not result
    assert result.missing == ("risk.suicidality",)
    assert result.reasons == ("Nog niet (goed) ingevuld: Suïcidaliteit.",)


@pytest.mark.parametrize(("role", "allowed"), [("triagist", True), ("coordinator", True),
                                               ("desk", False), ("outreach", False)])  # fmt: skip
def test_triagist_and_coordinator_decide_triage(
    form: FormDefinition, complete_intake: dict[str, Any], role: str, allowed: bool
) -> None:
    answers = {**complete_intake, **TRIAGE}
    assert bool(check(form, answers, "ready_for_triage", "triaged", role)) is allowed


def test_triage_needs_its_own_requirements(
    form: FormDefinition, complete_intake: dict[str, Any]
) -> None:
    result = check(form, complete_intake, "ready_for_triage", "triaged", "triagist")
    assert result.missing == ("triage.urgency", "triage.intervention", "triage.rationale")


def test_handover_requires_organisation_and_agreements(
    form: FormDefinition, complete_intake: dict[str, Any]
) -> None:
    answers = {**complete_intake, **TRIAGE}
    result = check(form, answers, "triaged", "handed_over", "desk")
    assert result.missing == ("handover.to_organisation", "handover.agreements")
    assert "Overgedragen aan (organisatie / team)" in result.reasons[0]
    answers.update(HANDOVER)
    assert check(form, answers, "triaged", "handed_over", "desk")
    assert check(form, answers, "handed_over", "closed", "outreach")


def test_no_skipping_steps(form: FormDefinition, complete_intake: dict[str, Any]) -> None:
    answers = {**complete_intake, **TRIAGE, **HANDOVER}
    result = check(form, answers, "draft", "triaged", "triagist")
    assert result.reasons == ("Een zaak met status 'Concept' kan niet naar 'Getrieerd'.",)
    assert not check(form, answers, "closed", "draft", "coordinator")
    assert not check(form, answers, "triaged", "ready_for_triage", "triagist")


def test_needs_reconciliation_is_set_only_by_sync(form: FormDefinition) -> None:
    assert check(form, {}, "triaged", "needs_reconciliation", SYNC_ACTOR)
    refused = check(form, {}, "triaged", "needs_reconciliation", "coordinator")
    assert refused.reasons == ("Alleen de synchronisatie zet een zaak op 'Samenvoegen nodig'.",)


def test_resolving_a_reconciliation(form: FormDefinition, complete_intake: dict[str, Any]) -> None:
    answers = {**complete_intake, **TRIAGE}
    assert check(form, answers, "needs_reconciliation", "draft", "desk")
    assert not check(form, answers, "needs_reconciliation", "triaged", "desk")
    assert check(form, answers, "needs_reconciliation", "triaged", "triagist")
    assert not check(form, answers, "needs_reconciliation", "handed_over", "triagist")


def test_unknown_status(form: FormDefinition) -> None:
    assert check(form, {}, "draft", "archived", "desk").reasons == ("Onbekende status: archived.",)


def test_transition_raises_with_reasons(
    form: FormDefinition, complete_intake: dict[str, Any]
) -> None:
    assert transition(form, complete_intake, "draft", "ready_for_triage", "desk", now=NOW) is (
        Status.READY_FOR_TRIAGE
    )
    with pytest.raises(TransitionError) as caught:
        transition(form, {}, "draft", "ready_for_triage", "trainer", now=NOW)
    assert len(caught.value.reasons) == 2


def test_next_statuses() -> None:
    assert next_statuses("draft", "desk") == [Status.READY_FOR_TRIAGE]
    assert next_statuses("ready_for_triage", "triagist") == [Status.DRAFT, Status.TRIAGED]
    assert next_statuses("closed", "coordinator") == []


def test_only_a_triagist_amends_a_decision_with_a_reason() -> None:
    assert check_triage_amendment("triagist", "Nieuwe informatie van de huisarts.")
    assert check_triage_amendment("coordinator", "x").reasons == (
        "Alleen een triagist kan een triagebesluit wijzigen.",
    )
    assert check_triage_amendment("triagist", "  ").reasons == (
        "Geef een reden voor het wijzigen van het triagebesluit.",
    )

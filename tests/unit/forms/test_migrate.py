"""Opening a case taken with version 1 under a (test-only) version 2 of the intake."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from desktop.forms import (
    FormDefinition,
    FormDefinitionError,
    MigrationError,
    can_mark_ready,
    evaluate,
    form_from_data,
    load_form_file,
    migrate_answers,
)

from .conftest import FIXTURES, NOW


@pytest.fixture(scope="module")
def v2() -> FormDefinition:
    return load_form_file(FIXTURES / "intake-v2.yaml")


def test_a_v1_case_opens_under_v2(
    form: FormDefinition, v2: FormDefinition, complete_intake: dict[str, Any]
) -> None:
    case = {"id": "c0ffee00-0000-4000-8000-000000000001", "form": {"id": "intake", "version": "1"}}
    answers = {
        **complete_intake,
        "youth.current_address": "Voorbeeldstraat 1, Utrecht",
        "call.repeat_contact": "yes",
        "risk.self_harm": "past",
        "youth.shoe_size": 42,  # not in either version
    }
    assert (case["form"]["id"], case["form"]["version"]) == form.key
    migrated, report = migrate_answers(answers, form, v2)
    assert migrated["youth.location_address"] == "Voorbeeldstraat 1, Utrecht"
    assert "youth.current_address" not in migrated
    assert "call.repeat_contact" not in migrated
    assert migrated["youth.school_level"] == "unknown"
    assert migrated["risk.self_harm"] == "earlier"
    assert report.renamed == {"youth.current_address": "youth.location_address"}
    assert report.dropped == {"call.repeat_contact": "yes", "youth.shoe_size": 42}
    assert report.added == {"youth.school_level": "unknown"}
    assert report.options_renamed == {"risk.self_harm": {"past": "earlier"}}
    assert report.invalid == {}
    assert report.changed
    state = evaluate(v2, migrated, now=NOW)
    assert state.errors == {}
    assert can_finish(v2, migrated)
    # the original answers are untouched
    assert answers["risk.self_harm"] == "past"


def can_finish(form: FormDefinition, answers: dict[str, Any]) -> bool:
    return bool(can_mark_ready(form, answers, now=NOW))


def test_an_added_field_keeps_a_given_answer(form: FormDefinition, v2: FormDefinition) -> None:
    migrated, report = migrate_answers({"youth.school_level": "primary"}, form, v2)
    assert migrated == {"youth.school_level": "primary"}
    assert report.added == {}


def test_same_version_changes_nothing(form: FormDefinition) -> None:
    answers = {"call.channel": "chat"}
    migrated, report = migrate_answers(answers, form, form)
    assert migrated == answers and migrated is not answers
    assert not report.changed


def test_values_that_do_not_fit_the_new_version_are_kept_and_reported(
    form: FormDefinition, v2: FormDefinition
) -> None:
    migrated, report = migrate_answers({"triage.domains": ["somatic", "magic"]}, form, v2)
    assert migrated["triage.domains"] == ["somatic", "magic"]
    assert report.invalid == {"triage.domains": "Onbekende keuze: 'magic'."}


def test_no_declared_migration(form: FormDefinition, v2: FormDefinition) -> None:
    with pytest.raises(MigrationError, match="declares no migration from v2"):
        migrate_answers({}, v2, form)


def test_migrations_are_checked_when_loading(v2: FormDefinition) -> None:
    data = yaml.safe_load((FIXTURES / "intake-v2.yaml").read_text(encoding="utf-8"))

    def problems(change: dict[str, Any]) -> list[str]:
        broken = copy.deepcopy(data)
        broken["migrations"][0].update(change)
        with pytest.raises(FormDefinitionError) as caught:
            form_from_data(broken)
        return caught.value.problems

    assert problems({"rename": {"youth.current_address": "youth.nowhere"}}) == [
        "migrations[0].rename.youth.current_address: unknown field 'youth.nowhere' in this version"
    ]
    assert problems({"drop": ["call.channel"]}) == [
        "migrations[0].drop[0]: 'call.channel' is still a field of this version"
    ]
    assert problems({"add": {"youth.school_level": "university"}}) == [
        "migrations[0].add.youth.school_level: default 'university' does not fit: "
        "Onbekende keuze: 'university'."
    ]
    assert problems({"rename_options": {"risk.self_harm": {"past": "long_ago"}}}) == [
        "migrations[0].rename_options.risk.self_harm.past: "
        "unknown option 'long_ago' in this version"
    ]
    assert problems({"from_version": "2"}) == [
        "migrations[0].from_version: a form cannot migrate from its own version"
    ]

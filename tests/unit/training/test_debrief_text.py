"""The debrief shows what the trainee saw in the form: labels, Dutch dates, decimal commas."""

from __future__ import annotations

import pytest

from desktop.forms import FormDefinition
from desktop.training.debrief import format_number, format_value


@pytest.mark.parametrize(
    ("field_id", "value", "expected"),
    [
        ("youth.birth_date", "2011-11-02", "02-11-2011"),
        ("call.received_at", "2026-03-10T20:40:00+00:00", "10-03-2026 21:40"),
        ("youth.interpreter_needed", True, "ja"),  # the form's own labels (one formatter)
        ("youth.interpreter_needed", False, "nee"),
        ("authority.parents_reachable", "unknown", "onbekend"),
        ("youth.age_estimate", 14.5, "14,5"),
        ("youth.age_estimate", 15.0, "15"),
    ],
)
def test_values_are_shown_as_in_the_form(
    form: FormDefinition, field_id: str, value: object, expected: str
) -> None:
    assert format_value(form, field_id, value, "nl") == expected


def test_choices_show_their_label(form: FormDefinition) -> None:
    label = form.field("risk.suicidality").option_label("thoughts", "nl")
    assert format_value(form, "risk.suicidality", "thoughts", "nl") == label != "thoughts"


def test_numbers_use_a_decimal_comma_in_dutch_only() -> None:
    assert format_number(54.4, "nl") == "54,4"
    assert format_number(54.4, "en") == "54.4"
    assert format_number(100.0, "nl") == "100"

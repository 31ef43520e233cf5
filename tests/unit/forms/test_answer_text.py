"""One answer formatter (desktop.forms.text.answer_text) for reports, history, the
reconcile view, the guarded-answer notes and the debrief: they all say the same."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.forms import FormDefinition, load_form
from desktop.forms.text import answer_text
from desktop.reports.contents import _Builder  # the reports' row builder
from desktop.training.debrief import format_value
from desktop.ui.history_view import value_text  # (Qt-free function in a Qt module)

FORM = load_form("intake", "1")


@pytest.mark.parametrize(
    ("field_id", "value", "lang", "expected"),
    [
        ("youth.birth_date", "2011-11-02", "nl", "02-11-2011"),
        ("call.received_at", "2026-03-10T20:40:00+00:00", "nl", "10-03-2026 21:40"),
        ("call.received_at", "2026-07-10T20:40:00Z", "en", "10-07-2026 22:40"),
        ("youth.interpreter_needed", True, "nl", "ja"),
        ("youth.interpreter_needed", False, "en", "no"),
        ("authority.parents_reachable", "unknown", "nl", "onbekend"),
        ("youth.age_estimate", 14.5, "nl", "14,5"),
        ("youth.age_estimate", 14.5, "en", "14.5"),
        ("youth.age_estimate", 15.0, "nl", "15"),
        ("youth.first_name", None, "nl", "(leeg)"),
        ("youth.first_name", "", "en", "(empty)"),
        ("youth.birth_date", "02-11-2011", "nl", "02-11-2011"),  # not ISO: as it is
        ("no.such_field", 3, "nl", "3"),
    ],
)
def test_an_answer_as_a_person_reads_it(
    field_id: str, value: Any, lang: str, expected: str
) -> None:
    assert answer_text(FORM, field_id, value, lang) == expected


def test_choices_show_their_label(form: FormDefinition) -> None:
    label = form.field("risk.suicidality").option_label("thoughts", "nl")
    assert answer_text(form, "risk.suicidality", "thoughts", "nl") == label != "thoughts"


ANSWERED = st.sampled_from(
    [
        ("youth.birth_date", "2012-05-04"),
        ("call.received_at", "2026-11-23T03:12:00+01:00"),
        ("youth.interpreter_needed", True),
        ("authority.parents_reachable", "no"),
        ("risk.suicidality", "plan"),
        ("youth.age_estimate", 16),
        ("youth.first_name", "Sem"),
        ("youth.first_name", None),
    ]
)


@given(ANSWERED)
def test_the_views_agree(answer: tuple[str, Any]) -> None:
    field_id, value = answer
    from zoneinfo import ZoneInfo

    expected = answer_text(FORM, field_id, value, "nl")
    assert format_value(FORM, field_id, value, "nl") == expected
    assert value_text(FORM, field_id, value, ZoneInfo(FORM.timezone)) == expected
    if value is not None:  # a report prints only given answers
        builder = _Builder({"answers": {field_id: value}}, "nl", FORM)
        assert builder.value_text(field_id, value) == expected

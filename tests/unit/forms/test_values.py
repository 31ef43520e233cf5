"""Validation of stored answers and parsing of typed text, per field type."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.forms import FormDefinition, parse_input, validate_value
from desktop.forms.values import bsn_is_valid, normalize_phone, phone_is_valid

from .conftest import NOW


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("23-11-2026", "2026-11-23"),
        ("2026-11-23", "2026-11-23"),
        ("23/11/2026", "2026-11-23"),
        ("1-2-2010", "2010-02-01"),
        (" 29-02-2024 ", "2024-02-29"),
    ],
)
def test_dates_in_either_format(form: FormDefinition, typed: str, stored: str) -> None:
    assert parse_input(form.field("handover.next_contact_at"), "x")[1]  # datetime needs time
    assert parse_input(form.field("youth.birth_date"), typed, now=NOW) == (stored, None)


@pytest.mark.parametrize("typed", ["31-02-2010", "2010-13-01", "gisteren", "23-11-26", "2010/1/1"])
def test_impossible_dates(form: FormDefinition, typed: str) -> None:
    assert parse_input(form.field("youth.birth_date"), typed, now=NOW) == (
        None,
        "Ongeldige datum; gebruik dd-mm-jjjj.",
    )


def test_birth_date_not_in_the_future_nor_over_120_years_back(form: FormDefinition) -> None:
    field = form.field("youth.birth_date")
    assert validate_value(field, "2026-11-24", now=NOW) == (None, "Deze datum ligt in de toekomst.")
    assert validate_value(field, "2026-11-23", now=NOW) == ("2026-11-23", None)
    assert validate_value(field, "1906-11-23", now=NOW) == ("1906-11-23", None)
    assert validate_value(field, "1906-11-22", now=NOW) == (
        None,
        "Deze datum ligt meer dan 120 jaar terug.",
    )
    # without a moment there is nothing to compare with
    assert validate_value(field, "2999-01-01") == ("2999-01-01", None)


def test_datetimes(form: FormDefinition) -> None:
    field = form.field("call.received_at")
    assert parse_input(field, "23-11-2026 03:12") == ("2026-11-23T03:12:00+01:00", None)
    assert parse_input(field, "23-11-2026 3.12") == ("2026-11-23T03:12:00+01:00", None)
    assert parse_input(field, "2026-07-01 14:00") == ("2026-07-01T14:00:00+02:00", None)
    assert parse_input(field, "2026-11-23T03:12:00+01:00") == ("2026-11-23T03:12:00+01:00", None)
    assert parse_input(field, "23-11-2026 03:12", tz="UTC") == ("2026-11-23T03:12:00+00:00", None)
    assert parse_input(field, "23-11-2026 25:00")[1] == (
        "Ongeldige datum en tijd; gebruik dd-mm-jjjj uu:mm."
    )
    assert validate_value(field, "2026-11-23T03:12:00") == (None, "Datum en tijd zonder tijdzone.")
    assert validate_value(field, "2026-11-23") == (
        None,
        "Ongeldige datum en tijd; gebruik dd-mm-jjjj uu:mm.",
    )


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("06-12345678", "0612345678"),
        ("06 1234 5678", "0612345678"),
        ("020-1234567", "0201234567"),
        ("+31 6 12345678", "+31612345678"),
        ("+31 (0)6 1234 5678", "+31612345678"),
        ("0031612345678", "+31612345678"),
        ("+32 470 12 34 56", "+32470123456"),
        ("+44 20 7946 0958", "+442079460958"),
        ("0800-1234", "08001234"),
        ("0900 0113", "09000113"),
    ],
)
def test_phone_numbers(form: FormDefinition, typed: str, stored: str) -> None:
    assert parse_input(form.field("call.caller_phone"), typed) == (stored, None)


@pytest.mark.parametrize(
    "typed", ["06-1234567", "061234567890", "+31 6 1234567", "12345", "bel me", "+0612345678"]
)
def test_bad_phone_numbers(form: FormDefinition, typed: str) -> None:
    value, error = parse_input(form.field("call.caller_phone"), typed)
    assert value is None
    assert error is not None and error.startswith("Ongeldig telefoonnummer")


def test_bsn_11_proef(form: FormDefinition) -> None:
    field = form.field("youth.bsn")
    assert bsn_is_valid("111222333") and bsn_is_valid("123456782")
    assert not bsn_is_valid("123456789") and not bsn_is_valid("000000000")
    assert parse_input(field, "1112.22.333") == ("111222333", None)
    assert parse_input(field, "123456782") == ("123456782", None)
    assert parse_input(field, "12345678") == (None, "Dit BSN klopt niet (11-proef).")
    assert validate_value(field, "123456789") == (None, "Dit BSN klopt niet (11-proef).")
    assert validate_value(field, "12345") == (None, "Een BSN heeft 9 cijfers.")
    assert validate_value(field, 111222333) == (None, "Een BSN heeft 9 cijfers.")


def test_bsn_with_a_leading_zero_may_be_typed_as_8_digits(form: FormDefinition) -> None:
    assert bsn_is_valid("010000008")
    assert parse_input(form.field("youth.bsn"), "10000008") == ("010000008", None)


def test_numbers_and_the_age_estimate_range(form: FormDefinition) -> None:
    field = form.field("youth.age_estimate")
    assert parse_input(field, "15") == (15, None)
    assert parse_input(field, "0") == (0, None)
    assert parse_input(field, "30") == (30, None)
    assert parse_input(field, "31") == (None, "Kies een waarde van 0 tot en met 30.")
    assert parse_input(field, "-1") == (None, "Kies een waarde van 0 tot en met 30.")
    assert parse_input(field, "15,5") == (None, "Verwacht een geheel getal.")
    assert parse_input(field, "vijftien") == (None, "Verwacht een getal.")
    assert validate_value(field, 15.0) == (15, None)
    assert validate_value(field, True) == (None, "Verwacht een getal.")
    assert validate_value(field, float("nan")) == (None, "Verwacht een getal.")


def test_choices_multi_and_yes_no(form: FormDefinition) -> None:
    channel = form.field("call.channel")
    assert validate_value(channel, "chat") == ("chat", None)
    assert validate_value(channel, "fax") == (None, "Onbekende keuze: 'fax'.")
    assert parse_input(channel, "Telefoon") == ("phone", None)
    assert parse_input(channel, "walk-in") == ("walk_in", None)  # English label
    domains = form.field("triage.domains")
    assert validate_value(domains, ["addiction", "somatic"]) == (["somatic", "addiction"], None)
    assert validate_value(domains, ["somatic", "magic"]) == (None, "Onbekende keuze: 'magic'.")
    assert validate_value(domains, "somatic") == (None, "Verwacht een lijst met keuzes.")
    assert parse_input(domains, "Verslavingszorg, somatic") == (["somatic", "addiction"], None)
    yesno = form.field("call.referrer_is_caller")
    assert parse_input(yesno, "ja") == (True, None)
    assert parse_input(yesno, "Nee") == (False, None)
    assert parse_input(yesno, "misschien") == (None, "Kies ja of nee.")
    assert validate_value(yesno, "yes") == (None, "Kies ja of nee.")
    ynu = form.field("risk.unsafe_home")
    assert parse_input(ynu, "onbekend") == ("unknown", None)
    assert validate_value(ynu, True) == (None, "Kies ja, nee of onbekend.")


def test_text_is_trimmed_and_limited(form: FormDefinition) -> None:
    name = form.field("call.caller_name")
    assert parse_input(name, "  Jansen ") == ("Jansen", None)
    assert parse_input(name, "   ") == (None, None)
    assert validate_value(name, "x" * 201) == (None, "Te lang: maximaal 200 tekens.")
    assert validate_value(name, 42) == (None, "Verwacht tekst.")


def test_helpers() -> None:
    assert normalize_phone("+31 (0)20 123 45 67") == "+31201234567"
    assert phone_is_valid("+31201234567")
    assert not phone_is_valid("٠٦١٢٣٤٥٦٧٨")  # other digits than ASCII


@given(st.sampled_from(["youth.birth_date", "call.received_at", "youth.bsn", "call.caller_phone",
                        "youth.age_estimate", "triage.domains", "risk.unsafe_home",
                        "call.referrer_is_caller", "call.caller_name", "call.channel"]),
       st.text(max_size=40))  # fmt: skip
def test_parse_input_never_raises(field_id: str, typed: str) -> None:
    from desktop.forms import load_form

    field = load_form().field(field_id)
    value, error = parse_input(field, typed, now=datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC")))
    assert value is None or error is None
    if value is not None:
        # what parse_input stores is itself a valid stored value
        assert validate_value(field, value) == (value, None)

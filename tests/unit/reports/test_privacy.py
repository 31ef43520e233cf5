"""Privacy warnings before a report goes out (16+: parents only with the youth's consent)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from desktop.reports import privacy_warnings
from tests.unit.reports.conftest import with_answers

ON = date(2026, 11, 23)
NO_PARENT_DETAILS = {
    "authority__parent1_name": None,
    "authority__parent1_phone": None,
    "authority__parent2_name": None,
    "authority__parent2_phone": None,
}


def without_consent(case: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return with_answers(case, handover__consent_to_inform_parents=None, **changes)


def test_consent_given_means_no_warning(case: dict[str, Any]) -> None:
    assert case["answers"]["handover.consent_to_inform_parents"] is True
    assert privacy_warnings(case, recipients=["parents", "gp"], on=ON) == []


@pytest.mark.parametrize("consent", [None, False])
def test_sending_to_parents_of_a_16_year_old_without_consent_warns(
    case: dict[str, Any], consent: bool | None
) -> None:
    changed = with_answers(case, handover__consent_to_inform_parents=consent, **NO_PARENT_DETAILS)
    warnings = privacy_warnings(changed, recipients=["parents"], on=ON)
    assert warnings == [
        "De jeugdige is 16 jaar en heeft geen toestemming gegeven om de ouders te "
        "informeren. Weet u zeker dat u dit naar de ouders wilt sturen?"
    ]
    assert privacy_warnings(changed, recipients=["gp", "referrer"], on=ON) == []


def test_a_handover_with_the_parents_details_warns_whoever_receives_it(
    case: dict[str, Any],
) -> None:
    warnings = privacy_warnings(without_consent(case), recipients=["current_provider"], on=ON)
    assert len(warnings) == 1
    assert "bevat gegevens van de ouders" in warnings[0]
    # the feedback letter never shows the parents' details
    feedback = privacy_warnings(without_consent(case), recipients=["referrer"], kind="feedback")
    assert feedback == []
    assert len(privacy_warnings(without_consent(case), recipients=["parents"], on=ON)) == 2


def test_under_16_on_the_day_of_sending_needs_no_consent(case: dict[str, Any]) -> None:
    young = without_consent(case, youth__birth_date="2010-11-24")  # 16 tomorrow
    assert privacy_warnings(young, recipients=["parents"], on=ON) == []
    assert privacy_warnings(young, recipients=["parents"], on=date(2026, 11, 24)) != []


def test_unknown_birth_date_counts_as_16_plus_even_with_an_estimate(
    case: dict[str, Any],
) -> None:
    unknown = without_consent(case, youth__birth_date=None, youth__age_estimate=14)
    warnings = privacy_warnings(unknown, recipients=["parents"], on=ON, kind="feedback")
    assert len(warnings) == 1
    assert warnings[0].startswith("De geboortedatum van de jeugdige is onbekend")


def test_unknown_report_kind_is_refused(case: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="letter"):
        privacy_warnings(case, recipients=[], kind="letter")


def test_parents_representing_an_incompetent_16_or_17_year_old_are_informed(
    case: dict[str, Any],
) -> None:
    """Rules version 2 (BW 7:465 lid 2): for a 16/17-year-old recorded as not competent
    the parents with authority are the representatives, not "others"; an adult who is
    not competent is not represented by parents with authority."""
    incompetent = without_consent(case, legal__youth_competent="no")
    assert privacy_warnings(incompetent, recipients=["parents"], on=ON) == []
    competent = without_consent(case, legal__youth_competent="yes")
    assert privacy_warnings(competent, recipients=["parents"], on=ON) != []
    adult = without_consent(case, legal__youth_competent="no", youth__birth_date="2008-11-23")
    assert privacy_warnings(adult, recipients=["parents"], on=ON) != []

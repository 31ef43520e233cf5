"""Privacy checks before a report leaves the desk (printing, sending, handing over).

From 16 (and when the birth date is unknown, which is treated the same: legal flag
AGE_UNKNOWN), parents are informed only with the young person's consent (legal flag
INFORM_PARENTS_NEEDS_CONSENT). Before a report is sent to the parents, or a report
with the parents' details is sent anywhere, :func:`privacy_warnings` lists what the
user must confirm; the UI shows each warning and records the confirmation in the audit
log. A 16- or 17-year-old recorded as not competent (``legal.youth_competent`` = no) is
the exception: the parents with authority are then the representatives and are
informed (rules version 2, flag INFORM_AUTHORITY; BW 7:465 lid 2). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from desktop.forms.engine import age_on
from desktop.reports.text import translator

#: Recipients use the option values of ``handover.informed``.
PARENTS = "parents"

#: Answers that identify or reach the parents with authority.
PARENT_FIELDS = (
    "authority.parent1_name",
    "authority.parent1_phone",
    "authority.parent2_name",
    "authority.parent2_phone",
)

CONSENT_AGE = 16
ADULT_AGE = 18


def privacy_warnings(
    case: Mapping[str, Any],
    *,
    recipients: Iterable[str],
    kind: str = "handover",
    on: date | None = None,
    lang: str = "nl",
) -> list[str]:
    """Warnings the user must confirm before the report of ``kind`` goes to ``recipients``.

    ``recipients`` are ``handover.informed`` option values (``parents``, ``gp``,
    ``referrer``, ...). ``kind`` is ``handover`` (which shows the parents' details when
    answered) or ``feedback`` (which never does). The age counts on ``on`` (default:
    today), the day the information is shared. Empty when nothing needs confirming.
    """
    if kind not in ("handover", "feedback"):
        raise ValueError(f"unknown report kind {kind!r}")
    _, _n = translator(lang)
    answers: Mapping[str, Any] = case.get("answers") or {}
    age = _age(answers, on or date.today())
    if age is not None and age < CONSENT_AGE:
        return []
    if age is not None and age < ADULT_AGE and answers.get("legal.youth_competent") == "no":
        return []  # the parents represent an incompetent 16/17-year-old: they are informed
    if answers.get("handover.consent_to_inform_parents") is True:
        return []

    send_to_parents = PARENTS in set(recipients)
    has_parent_details = kind == "handover" and any(answers.get(fid) for fid in PARENT_FIELDS)
    warnings = []
    if age is None:
        if send_to_parents:
            warnings.append(
                _(
                    "De geboortedatum van de jeugdige is onbekend; dan geldt hetzelfde als vanaf "
                    "16 jaar: de ouders alleen informeren met toestemming van de jeugdige, en die "
                    "is niet vastgelegd. Weet u zeker dat u dit naar de ouders wilt sturen?"
                )
            )
        if has_parent_details:
            warnings.append(
                _(
                    "De geboortedatum van de jeugdige is onbekend; dan geldt hetzelfde als vanaf "
                    "16 jaar. Dit overdrachtsformulier bevat gegevens van de ouders, zonder "
                    "vastgelegde toestemming van de jeugdige. Bevestig dat de ontvanger deze mag "
                    "hebben."
                )
            )
        return warnings
    if send_to_parents:
        warnings.append(
            _(
                "De jeugdige is {age} jaar en heeft geen toestemming gegeven om de ouders te "
                "informeren. Weet u zeker dat u dit naar de ouders wilt sturen?"
            ).format(age=age)
        )
    if has_parent_details:
        warnings.append(
            _(
                "De jeugdige is {age} jaar en heeft geen toestemming gegeven om de ouders te "
                "informeren. Dit overdrachtsformulier bevat gegevens van de ouders; bevestig dat "
                "de ontvanger deze mag hebben."
            ).format(age=age)
        )
    return warnings


def _age(answers: Mapping[str, Any], on: date) -> int | None:
    """Whole years on ``on`` from the birth date; an estimate does not establish the age."""
    birth = answers.get("youth.birth_date")
    if not isinstance(birth, str):
        return None
    age = age_on(date.fromisoformat(birth), on)
    return age[0] if age is not None else None

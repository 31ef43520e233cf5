"""Words for codes shown in the UI: urgency, status, sync state, durations.

Urgency and status words come from the form definition (a region may reword them);
sync states and durations are the app's own text.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from desktop.i18n import _, language, pick

if TYPE_CHECKING:
    from desktop.forms import FormDefinition


@cache
def _form(lang: str) -> FormDefinition:  # lang keys the cache per language
    from desktop.forms import load_form

    return load_form("intake", "1")


def urgency_text(code: str | None) -> str:
    """'U1 Direct' — code and word, never colour alone."""
    if not code:
        return ""
    for level in _form(language()).urgency:
        if level.code == code:
            return f"{code} {pick(level.label)}"
    return code


def urgency_colour(code: str | None) -> str | None:
    if not code:
        return None
    for level in _form(language()).urgency:
        if level.code == code:
            return str(level.colour)
    return None


def status_text(status: str) -> str:
    for item in _form(language()).statuses:
        if item.id == status:
            return pick(item.label)
    return status


def sync_state_text(state: str) -> str:
    return {
        "local": _("alleen lokaal"),
        "pending": _("nog niet verzonden"),
        "synced": _("gesynchroniseerd"),
        "conflict": _("aandacht nodig"),
    }.get(state, state)


def sync_state_help(state: str) -> str:
    return {
        "local": _("Oefencasus: wordt nooit verzonden."),
        "pending": _("Wijzigingen staan klaar om te verzenden zodra er verbinding is."),
        "synced": _("Alle wijzigingen zijn bij de centrale server bekend."),
        "conflict": _("De server heeft een wijziging geweigerd of er is een conflict."),
    }.get(state, "")


def duration(minutes: int) -> str:
    """45 min / 2 u 05 min / 3 d 4 u."""
    if minutes < 60:
        return _("{m} min").format(m=minutes)
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return _("{h} u {m:02d} min").format(h=hours, m=rest)
    days, hours = divmod(hours, 24)
    return _("{d} d {h} u").format(d=days, h=hours)

"""Who sees which case on the desk (issue 21): the view of the signed-in person, and
break-the-glass with a reason (the rule is ``doorloop_protocol.privacy``, shared with
the central API). Qt-free; the texts are Dutch through ``_()``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from desktop.i18n import _
from desktop.store import CaseView, Profile
from doorloop_protocol.privacy import (
    BREAK_GLASS_REASONS,
    DEFAULT_WINDOW_DAYS,
    GRANT_HOURS,
    MAX_NOTE_LENGTH,
    NO_CASE_ROLES,
    WIDE_ROLES,
    reason_problem,
)


class BreakGlassRequired(Exception):
    """The case is outside the person's view: it opens only with a reason."""

    def __init__(self, case_id: str) -> None:
        super().__init__(case_id)
        self.case_id = case_id


class ReasonRefused(ValueError):
    """A break-the-glass reason that is empty or not on the list; `field` is
    ``reason`` or ``note`` and `message` the Dutch text to show at it."""

    def __init__(self, field: str) -> None:
        self.field = field
        self.message = (
            _("Kies een reden om dit dossier te openen.")
            if field == "reason"
            else _("Licht de reden toe (verplicht, hoogstens {n} tekens).").format(
                n=MAX_NOTE_LENGTH
            )
        )
        super().__init__(self.message)


def reason_names() -> dict[str, str]:
    """The break-the-glass reasons as the dialog lists them."""
    names = {
        "continuity": _("Continuïteit van zorg (jeugdige meldt zich opnieuw)"),
        "emergency": _("Acuut gevaar / spoed"),
        "rights_request": _("Verzoek van jeugdige of ouder (inzage, correctie)"),
        "quality": _("Kwaliteitsonderzoek of incident"),
        "other": _("Anders"),
    }
    return {key: names[key] for key in BREAK_GLASS_REASONS}


def check_reason(reason: str | None, note: str | None) -> None:
    """Raise :class:`ReasonRefused` when the reason is empty or not on the list."""
    field = reason_problem(reason, note)
    if field is not None:
        raise ReasonRefused(field)


def view_for(
    profile: Profile, now: datetime, *, window_days: int = DEFAULT_WINDOW_DAYS
) -> CaseView:
    """The view of the signed-in person at `now`."""
    moment = now.astimezone(UTC)
    return CaseView(
        user_id=profile.user_id,
        since=(moment - timedelta(days=window_days)).isoformat(timespec="milliseconds"),
        grants_since=(moment - timedelta(hours=GRANT_HOURS)).isoformat(timespec="milliseconds"),
        wide=profile.role in WIDE_ROLES,
        nothing=profile.role in NO_CASE_ROLES,
    )


def action_names() -> dict[str, str]:
    """The audit actions as the access list names them."""
    return {
        "create": _("aangemaakt"),
        "read": _("geopend"),
        "update": _("gewijzigd"),
        "print": _("afgedrukt"),
        "export": _("geëxporteerd"),
        "status": _("status gewijzigd"),
        "decide": _("triagebesluit"),
        "amend": _("besluit gewijzigd"),
        "break_glass": _("noodtoegang"),
        "reconcile": _("samengevoegd"),
        "banner_shown": _("melding getoond"),
    }

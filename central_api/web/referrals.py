"""The receiving party's pages: its organisation's referrals, and its answers to them.

For a signed-in user of role ``receiver`` (bound to one organisation of the directory):

- ``GET /web/verwijzingen``: the referrals addressed to that organisation, newest first;
- ``GET /web/verwijzingen/{id}``: one referral. Before acceptance only what
  domain/coordination.md §1 allows (`BEFORE_ACCEPTANCE`: urgency, age band, legal route,
  setting and what the referrer feedback shows); from acceptance on the whole handover
  summary the sender attached;
- ``POST /web/verwijzingen/{id}/{move}``: ``receive`` (acknowledge), ``accept`` (with the
  agreed time of first contact), ``decline`` (a reason code, a text for ``other``),
  ``start`` (first contact happened), ``complete``.

Every move goes through the same rules as a desk's push (`Storage.push_referral_event`,
`coordination.referrals.check_move`), with the ``after`` the page showed: an answer on a
page that is out of date is refused, never stored over another answer. A refused move
is shown in Dutch on the page; nothing is stored. Another organisation's referral (or
an unknown one) is 404, the same answer for both.

The referral's summary is a flat mapping from the sender (``payload.summary`` of the
request): `SUMMARY_LABELS` names the keys shown with a label; other keys are shown after
acceptance under their own name; ``handover`` (text) is the handover itself.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from central_api import db
from central_api.storage import Principal, Storage
from central_api.web.i18n import N_, translations
from central_api.web.pages import (
    PREFIX,
    csrf_ok,
    forbidden,
    form_text,
    language,
    not_found,
    redirect,
    refused_form,
    render,
    signed_in_as,
)
from central_api.web.store import WebSession
from coordination.referrals import (
    DECLINE_REASONS,
    MOVES,
    RECEIVER_ROLE,
    Move,
    Referral,
    RefStatus,
    timers,
)
from doorloop_protocol import PushResult, ReferralEventItem

ZONE = ZoneInfo("Europe/Amsterdam")
WEB_DEVICE = uuid.UUID("5d1c8a0e-7f53-4f6b-9a52-0c4f5e3b2a91")
"""Namespace of the device ids of web answers (one per user: uuid5(WEB_DEVICE, user id))."""

STATUS_LABELS = {
    RefStatus.REQUESTED: N_("Nieuw"),
    RefStatus.RECEIVED: N_("Ontvangen"),
    RefStatus.ACCEPTED: N_("Geaccepteerd"),
    RefStatus.DECLINED: N_("Afgewezen"),
    RefStatus.IN_PROGRESS: N_("Eerste contact geweest"),
    RefStatus.COMPLETED: N_("Afgerond"),
    RefStatus.CANCELLED: N_("Ingetrokken door de verwijzer"),
}

# The receiver's moves, in the order the page offers them, with the button text.
RECEIVER_MOVES: dict[Move, str] = {
    Move.RECEIVE: N_("Ontvangst bevestigen"),
    Move.ACCEPT: N_("Accepteren"),
    Move.DECLINE: N_("Afwijzen"),
    Move.START: N_("Eerste contact gehad"),
    Move.COMPLETE: N_("Afronden"),
}
MOVE_DONE = {
    Move.RECEIVE: N_("De ontvangst is bevestigd."),
    Move.ACCEPT: N_("De verwijzing is geaccepteerd."),
    Move.DECLINE: N_("De verwijzing is afgewezen."),
    Move.START: N_("Het eerste contact is vastgelegd."),
    Move.COMPLETE: N_("De verwijzing is afgerond."),
}

DECLINE_LABELS = {
    "no_capacity": N_("Geen plek (capaciteit)"),
    "not_target_group": N_("Niet onze doelgroep"),
    "age": N_("Leeftijd valt buiten ons aanbod"),
    "legal_route_not_offered": N_("Dit juridisch kader bieden wij niet"),
    "intake_stop": N_("Intakestop"),
    "other": N_("Andere reden"),
}

SUMMARY_LABELS = {
    "urgency": N_("Urgentie"),
    "age_band": N_("Leeftijdsgroep"),
    "legal_route": N_("Juridisch kader"),
    "setting": N_("Setting"),
    "feedback": N_("Terugkoppeling aan de verwijzer"),
    "handover": N_("Overdracht"),
}
BEFORE_ACCEPTANCE = ("urgency", "age_band", "legal_route", "setting", "feedback")
"""The summary keys a receiver sees before accepting (domain/coordination.md §1)."""
FULL_STATUSES = frozenset({RefStatus.ACCEPTED, RefStatus.IN_PROGRESS, RefStatus.COMPLETED})

TIMER_LABELS = {
    "acknowledge": N_("Ontvangst bevestigen vóór"),
    "first_contact": N_("Eerste contact uiterlijk"),
}

# Dutch texts for the codes of coordination.referrals.Problem.
PROBLEM_TEXTS = {
    "concurrent_move": N_(
        "De verwijzing is intussen gewijzigd. Hieronder staat de nieuwe stand; "
        "kies opnieuw wat u wilt doen."
    ),
    "not_allowed": N_(
        "Deze stap kan niet: de verwijzing heeft de status ‘%(status)s’. "
        "Hieronder staan de stappen die nu wel kunnen."
    ),
}

MAX_TEXT = 2000

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def storage_of(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


def local(value: datetime | None) -> str:
    """A time as the pages show it: Dutch local time, day-month-year hours:minutes."""
    if value is None:
        return ""
    return value.astimezone(ZONE).strftime("%d-%m-%Y %H:%M")


def _receiver(request: Request) -> WebSession | Response:
    session = signed_in_as(request, {RECEIVER_ROLE})
    if isinstance(session, WebSession) and not session.user.organization_id:
        return forbidden(request, session)
    return session


def _own_referral(request: Request, session: WebSession, referral_id: str) -> Referral | None:
    """The referral when it is addressed to the session's organisation in its region."""
    try:
        key = str(uuid.UUID(referral_id))
    except ValueError:
        return None
    storage = storage_of(request)
    with storage.engine.connect() as conn:
        row = conn.execute(
            select(db.referrals.c.region_id, db.referrals.c.organization_id).where(
                db.referrals.c.id == key
            )
        ).first()
        conn.rollback()
    if (
        row is None
        or row.region_id != session.user.region_id
        or row.organization_id != session.user.organization_id
    ):
        return None
    return storage.referral(key)


def allowed_moves(referral: Referral) -> list[Move]:
    return [move for move in RECEIVER_MOVES if referral.status in MOVES[move].sources]


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    long: bool = False


def summary_facts(referral: Referral) -> list[Fact]:
    """What the receiver may see of the summary now (see the module doc)."""
    summary: dict[str, Any] = dict(referral.summary)
    if referral.urgency and "urgency" not in summary:
        summary["urgency"] = referral.urgency
    full = referral.status in FULL_STATUSES
    keys = list(BEFORE_ACCEPTANCE)
    if full:
        keys += ["handover", *sorted(k for k in summary if k not in SUMMARY_LABELS)]
    facts = []
    for key in keys:
        value = summary.get(key)
        if value is None or value == "":
            continue
        facts.append(Fact(SUMMARY_LABELS.get(key, key), _shown(value), long=key == "handover"))
    return facts


def _shown(value: Any) -> str:
    """A summary value as text (a list joined with commas)."""
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _timer_rows(referral: Referral) -> list[dict[str, Any]]:
    rows = []
    for state in timers(referral, datetime.now(UTC)):
        if state.due is None:
            continue
        rows.append(
            {
                "label": TIMER_LABELS.get(state.timer, state.timer),
                "due": local(state.due),
                "late": state.alert,
                "done": state.stopped_at is not None,
            }
        )
    return rows


def _detail(
    request: Request,
    session: WebSession,
    referral: Referral,
    *,
    notice: str | None = None,
    refused: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "referral.html",
        {
            "referral": referral,
            "short_id": referral.id[:8],
            "status_label": STATUS_LABELS[referral.status],
            "facts": summary_facts(referral),
            "full": referral.status in FULL_STATUSES,
            "timers": _timer_rows(referral),
            "moves": allowed_moves(referral),
            "move_labels": RECEIVER_MOVES,
            "decline_labels": DECLINE_LABELS,
            "reasons": DECLINE_REASONS,
            "requested_at": local(referral.requested_at),
            "agreed": local(referral.first_contact_agreed),
            "decline_reason": DECLINE_LABELS.get(referral.decline_reason or "", ""),
            "notice": notice,
            "refused": refused,
            "errors": errors or {},
            "values": values or {},
            "M": Move,
        },
        status=status,
        session=session,
    )


@router.get("/verwijzingen", response_class=HTMLResponse)
def referral_list(request: Request) -> Response:
    session = _receiver(request)
    if isinstance(session, Response):
        return session
    organization = session.user.organization_id
    assert organization is not None
    referrals = storage_of(request).referrals_of_organization(session.user.region_id, organization)
    rows = [
        {
            "id": r.id,
            "short_id": r.id[:8],
            "status": STATUS_LABELS[r.status],
            "urgency": r.urgency or r.summary.get("urgency") or "",
            "requested_at": local(r.requested_at),
            "late": any(t.alert for t in timers(r, datetime.now(UTC))),
            "open": r.is_open,
        }
        for r in referrals
    ]
    return render(
        request,
        "referrals.html",
        {"rows": [r for r in rows if r["open"]], "closed": [r for r in rows if not r["open"]]},
        session=session,
    )


@router.get("/verwijzingen/{referral_id}", response_class=HTMLResponse)
def referral_page(request: Request, referral_id: str, gedaan: str = "") -> Response:
    session = _receiver(request)
    if isinstance(session, Response):
        return session
    referral = _own_referral(request, session, referral_id)
    if referral is None:
        return not_found(request, session)
    done = next((text for move, text in MOVE_DONE.items() if move.value == gedaan), None)
    return _detail(request, session, referral, notice=done)


def _first_contact(value: str) -> datetime | None:
    """The agreed time from a datetime-local field (Dutch local time), else None."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        return None
    return parsed.replace(tzinfo=ZONE)


def _payload(move: Move, form: Any) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """(payload, field errors, the values to show again) of a move's form."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    payload: dict[str, Any] = {}
    if move is Move.ACCEPT:
        raw = form_text(form, "first_contact_at")
        values["first_contact_at"] = raw
        agreed = _first_contact(raw) if raw else None
        if not raw:
            errors["first_contact_at"] = N_("Vul het afgesproken moment van eerste contact in.")
        elif agreed is None:
            errors["first_contact_at"] = N_(
                "Vul een datum en tijd in, bijvoorbeeld 04-12-2026 14:30."
            )
        else:
            payload["first_contact_at"] = agreed.isoformat()
    elif move is Move.DECLINE:
        reason = form_text(form, "reason")
        text = form_text(form, "text")
        values.update(reason=reason, text=text)
        if reason not in DECLINE_REASONS:
            errors["reason"] = N_("Kies een reden voor de afwijzing.")
        else:
            payload["reason"] = reason
        if reason == "other" and not text:
            errors["text"] = N_("Licht de reden toe; dat is nodig bij ‘Andere reden’.")
        elif len(text) > MAX_TEXT:
            errors["text"] = N_("De toelichting is te lang (hoogstens 2000 tekens).")
        elif text:
            payload["text"] = text
    return payload, errors, values


def _principal(session: WebSession) -> Principal:
    user = session.user
    return Principal(
        device_id=str(uuid.uuid5(WEB_DEVICE, user.id)),
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        region_id=user.region_id,
        region=user.region,
        revoked=False,
        organization_id=user.organization_id,
    )


def _refusal_text(request: Request, result: PushResult, referral: Referral) -> str:
    gettext = translations(language(request)).gettext
    if result.reason == "not_allowed":
        status = gettext(STATUS_LABELS[referral.status])
        return gettext(PROBLEM_TEXTS["not_allowed"]) % {"status": status}
    if result.reason in PROBLEM_TEXTS:
        return gettext(PROBLEM_TEXTS[result.reason or ""])
    return gettext("Deze stap is niet opgeslagen (%(reason)s). Er is niets gewijzigd.") % {
        "reason": result.reason or "?"
    }


@router.post("/verwijzingen/{referral_id}/{move_name}", response_class=HTMLResponse)
async def answer(request: Request, referral_id: str, move_name: str) -> Response:
    session = _receiver(request)
    if isinstance(session, Response):
        return session
    referral = _own_referral(request, session, referral_id)
    if referral is None:
        return not_found(request, session)
    form = await request.form()
    if not csrf_ok(session.csrf, form.get("csrf")):
        return refused_form(request, session)
    move = next((m for m in RECEIVER_MOVES if m.value == move_name), None)
    if move is None:
        return not_found(request, session)
    payload, errors, values = _payload(move, form)
    if errors:
        return _detail(request, session, referral, errors=errors, values=values, status=422)
    after = form_text(form, "after")
    try:
        after_id: uuid.UUID | None = uuid.UUID(after)
    except ValueError:
        after_id = None
    item = ReferralEventItem(
        event_id=uuid.uuid4(),
        referral_id=uuid.UUID(referral.id),
        case_id=uuid.UUID(referral.case_id),
        region=session.user.region,
        move=move.value,
        actor_id=session.user.id,
        actor_role=session.user.role,
        actor_organization_id=session.user.organization_id,
        actor_name=session.user.display_name,
        device_id=uuid.uuid5(WEB_DEVICE, session.user.id),
        at=datetime.now(UTC),
        after=after_id,
        payload=payload,
    )
    storage = storage_of(request)
    result = storage.push_referral_event(_principal(session), item)
    if result.result in ("created", "duplicate"):
        return redirect(f"{PREFIX}/verwijzingen/{referral.id}?gedaan={move.value}")
    now = storage.referral(referral.id) or referral
    return _detail(
        request,
        session,
        now,
        refused=_refusal_text(request, result, now),
        values=values,
        status=409 if result.result == "conflict" else 422,
    )

"""The provider's page of places: its organisation's units and their free places.

For a signed-in user of role ``receiver`` (bound to one organisation of the directory):

- ``GET /web/plaatsen``: every unit of that organisation with its free places, maximum,
  holds, intake stop and when it was last updated (*verouderd* with its age past the
  region's freshness limit);
- ``POST /web/plaatsen/{unit_id}``: the new ``available`` (0..maximum) and the intake stop
  (on with a reason, or off). Updating a unit takes at most three actions: open the
  page, change the number (or the stop), *Opslaan*.

Every save goes through ``Storage.update_capacity`` (history row with time and author,
published to the region's desks). A refused value is shown at its field in Dutch;
another organisation's unit (or an unknown one) is 404.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from central_api.storage import Storage
from central_api.storage.directory import UNSET, Actor, DirectoryRefused
from central_api.web.i18n import N_, translations
from central_api.web.pages import (
    PREFIX,
    csrf_ok,
    form_text,
    language,
    not_found,
    redirect,
    refused_form,
    render,
)
from central_api.web.referrals import _receiver, local
from central_api.web.store import WebSession
from coordination.directory import Unit
from coordination.texts import duration

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def _storage(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


def _actor(session: WebSession) -> Actor:
    user = session.user
    return Actor(user.id, user.display_name, user.role, user.region_id, user.organization_id)


def _rows(request: Request, session: WebSession, units: list[Unit]) -> list[dict[str, object]]:
    now = datetime.now(UTC)
    limit = _storage(request).freshness_limit(session.user.region_id)
    lang = language(request)
    rows = []
    for unit in units:
        cap = unit.capacity
        age = (now - cap.updated).total_seconds()
        stop = cap.intake_stop
        rows.append(
            {
                "unit": unit,
                "free": cap.free(now),
                "held": cap.held(now),
                "updated": local(cap.updated),
                "stale": age > limit * 3600,
                "age": duration(max(age, 0), lang),
                "stop": stop
                if stop is not None and (stop.until is None or now < stop.until)
                else None,
                "stop_from": local(stop.start) if stop else "",
            }
        )
    return rows


def _page(
    request: Request,
    session: WebSession,
    *,
    notice: str | None = None,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    organization = session.user.organization_id
    assert organization is not None
    units = _storage(request).units_of_organization(session.user.region_id, organization)
    return render(
        request,
        "places.html",
        {
            "rows": _rows(request, session, units),
            "notice": notice,
            "errors": errors or {},
            "values": values or {},
        },
        status=status,
        session=session,
    )


@router.get("/plaatsen", response_class=HTMLResponse)
def places(request: Request, opgeslagen: str = "") -> Response:
    session = _receiver(request)
    if isinstance(session, Response):
        return session
    notice = N_("De plaatsen zijn opgeslagen.") if opgeslagen else None
    return _page(request, session, notice=notice)


@router.post("/plaatsen/{unit_id}", response_class=HTMLResponse)
async def save(request: Request, unit_id: str) -> Response:
    session = _receiver(request)
    if isinstance(session, Response):
        return session
    organization = session.user.organization_id
    storage = _storage(request)
    own = {
        u.id: u for u in storage.units_of_organization(session.user.region_id, organization or "")
    }
    unit = own.get(unit_id)
    if unit is None:
        return not_found(request, session)
    form = await request.form()
    if not csrf_ok(session.csrf, form.get("csrf")):
        return refused_form(request, session)
    raw = form_text(form, "available")
    stop_on = form_text(form, "intake_stop") == "aan"
    reason = form_text(form, "reason")
    values = {"available": raw, "reason": reason, "intake_stop": "aan" if stop_on else ""}
    gettext = translations(language(request)).gettext
    problems: dict[str, str] = {}
    available: int | None = None
    maximum = unit.capacity.maximum
    if not raw.isdigit() or int(raw) > maximum:
        problems["available"] = gettext(
            "Vul een heel getal in van 0 tot en met %(maximum)s (het maximum van deze unit)."
        ) % {"maximum": maximum}
    else:
        available = int(raw)
    if stop_on and not reason:
        problems["reason"] = gettext("Geef een reden voor de intakestop.")
    elif len(reason) > 300:
        problems["reason"] = gettext("De reden is te lang (hoogstens 300 tekens).")
    if problems:
        return _page(
            request, session, errors={unit_id: problems}, values={unit_id: values}, status=422
        )
    current = unit.capacity.intake_stop
    stop: Any = UNSET
    if stop_on and (current is None or current.reason != reason):
        stop = {"reason": reason}
    elif not stop_on and current is not None:
        stop = None
    try:
        storage.update_capacity(
            _actor(session), unit_id, available=available, intake_stop=stop, source="web"
        )
    except DirectoryRefused as exc:
        field = "reason" if exc.field and "intake_stop" in exc.field else "available"
        return _page(
            request,
            session,
            errors={unit_id: {field: exc.message}},
            values={unit_id: values},
            status=422,
        )
    return redirect(f"{PREFIX}/plaatsen?opgeslagen=1#unit-{unit_id}")

"""The web pages' frame: templates, headers, cookies, CSRF, sessions, and the login pages.

Server-rendered HTML (Jinja2) without any script. Every answer under ``/web`` carries a
strict Content-Security-Policy (no inline or other script, styles only from
``/web/static``, forms only to this site, no framing) besides the app's ``no-store`` and
``nosniff``. Every form carries a CSRF token: before login a double-submit cookie, after
it the session's own token (`central_api.web.store`). Cookies are HttpOnly,
SameSite=Strict, and Secure when the request came over HTTPS.

Feature pages (issue 16's `central_api.web.referrals`, and later areas) are routers of
their own passed to `install_web`; they use `signed_in_as` (the session of a user of the
right role, or the answer to give instead), `csrf_ok` with the session's token,
`render` and `not_found`/`forbidden`, and mark their Dutch text for the catalogue.

Signing in takes two steps: the password (the same accounts, argon2 hash gate and login
throttle as ``POST /v1/auth/login``), then a TOTP code (throttled the same way under its
own key).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from central_api.secret_box import SecretKeyError
from central_api.storage import Storage
from central_api.throttle import Busy, HashGate, LoginThrottle, Throttled
from central_api.web.i18n import N_, pick_language, translations
from central_api.web.store import (
    MAX_CODE_FAILURES,
    STAGE_FULL,
    STAGE_PASSWORD,
    WebSession,
    WebStore,
)

log = logging.getLogger("central_api.web")
HERE = Path(__file__).resolve().parent
PREFIX = "/web"
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
LANG_COOKIE = "doorloop_lang"
PRE_CSRF_COOKIE = "doorloop_csrf"
MAX_FIELD = 200

environment = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

# Fixed notices a redirect may ask for (?melding=...); nothing from the URL is shown.
NOTICES = {
    "uitgelogd": N_("U bent uitgelogd."),
    "verlopen": N_("Uw sessie is verlopen. Log opnieuw in."),
    "te_veel_codes": N_("Te veel onjuiste codes. Log opnieuw in."),
}


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def session_cookie(request: Request) -> str:
    """The session cookie's name: with the ``__Host-`` prefix over HTTPS."""
    return "__Host-doorloop_session" if secure(request) else "doorloop_session"


def language(request: Request) -> str:
    return pick_language(request.cookies.get(LANG_COOKIE))


def web_store(request: Request) -> WebStore:
    store: WebStore = request.app.state.web_store
    return store


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name, value, httponly=True, secure=secure(request), samesite="strict", path="/"
    )


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    session: WebSession | None = None,
    csrf: str | None = None,
) -> HTMLResponse:
    """The page `template` in the browser's language, with the page headers."""
    lang = language(request)
    catalogue = translations(lang)
    page = environment.get_template(template).render(
        {
            "_": catalogue.gettext,
            "ngettext": catalogue.ngettext,
            "lang": lang,
            "other_lang": "en" if lang == "nl" else "nl",
            "path": request.url.path,
            "user": session.user if session and session.stage == STAGE_FULL else None,
            "csrf": csrf if csrf is not None else (session.csrf if session else ""),
            "prefix": PREFIX,
            **(context or {}),
        }
    )
    return HTMLResponse(page, status_code=status, headers=PAGE_HEADERS)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=PAGE_HEADERS)


@dataclass
class FormErrors:
    """Errors of one form: a Dutch message per field id (shown beside the field and in
    the summary at the top, tied to it with aria-describedby)."""

    fields: dict[str, str]

    def __bool__(self) -> bool:
        return bool(self.fields)


def current_session(request: Request) -> WebSession | None:
    return web_store(request).session(request.cookies.get(session_cookie(request)))


def signed_in(request: Request) -> WebSession | Response:
    """The fully signed-in session, or the redirect to the login page."""
    session = current_session(request)
    if session is None or session.stage != STAGE_FULL:
        return redirect(f"{PREFIX}/login?melding=verlopen" if session else f"{PREFIX}/login")
    return session


def signed_in_as(request: Request, roles: Collection[str]) -> WebSession | Response:
    """The fully signed-in session of a user with one of `roles`; else the redirect to
    the login page, or 403 for another role."""
    session = signed_in(request)
    if isinstance(session, Response):
        return session
    if session.user.role not in roles:
        return forbidden(request, session)
    return session


def csrf_ok(expected: str | None, sent: object) -> bool:
    """The form's token equals the expected one (compared in constant time)."""
    if not expected or not isinstance(sent, str):
        return False
    return secrets.compare_digest(expected.encode(), sent.encode("utf-8", "replace"))


def form_text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip()[: MAX_FIELD * 10] if isinstance(value, str) else ""


def refused_form(request: Request, session: WebSession | None = None) -> HTMLResponse:
    """A form whose CSRF token is missing or stale: nothing is done."""
    return render(
        request,
        "message.html",
        {
            "title": N_("Formulier verlopen"),
            "text": N_(
                "Dit formulier is verlopen of niet van deze site. Er is niets gewijzigd. "
                "Open de pagina opnieuw en probeer het nog eens."
            ),
        },
        status=400,
        session=session,
    )


def not_found(request: Request, session: WebSession | None = None) -> HTMLResponse:
    return render(
        request,
        "message.html",
        {
            "title": N_("Niet gevonden"),
            "text": N_("Deze pagina bestaat niet, of u hebt er geen toegang toe."),
        },
        status=404,
        session=session,
    )


def forbidden(request: Request, session: WebSession) -> HTMLResponse:
    return render(
        request,
        "message.html",
        {
            "title": N_("Geen toegang"),
            "text": N_("Uw account heeft geen toegang tot deze pagina's."),
        },
        status=403,
        session=session,
    )


# --- the login pages ----------------------------------------------------------------------

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def _login_page(
    request: Request,
    *,
    username: str = "",
    errors: FormErrors | None = None,
    status: int = 200,
    notice: str | None = None,
) -> HTMLResponse:
    token = request.cookies.get(PRE_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        {"username": username, "errors": (errors or FormErrors({})).fields, "notice": notice},
        status=status,
        csrf=token,
    )
    _set_cookie(request, response, PRE_CSRF_COOKIE, token)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    session = current_session(request)
    if session is not None and session.stage == STAGE_FULL:
        return redirect(f"{PREFIX}/verwijzingen")
    return redirect(f"{PREFIX}/login")


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, melding: str | None = None) -> Response:
    return _login_page(request, notice=NOTICES.get(melding or ""))


@router.get("/taal/{lang}")
def choose_language(request: Request, lang: str, terug: str = "") -> Response:
    """Switch the pages' language (a cookie), back to the page it was chosen on."""
    back = terug if terug.startswith(f"{PREFIX}/") and "//" not in terug else f"{PREFIX}/"
    response = redirect(back)
    _set_cookie(request, response, LANG_COOKIE, pick_language(lang))
    return response


def _check_password(
    storage: Storage,
    throttle: LoginThrottle,
    gate: HashGate,
    username: str,
    password: str,
    client: str,
) -> tuple[str | None, int | None]:
    """(user id, None) when right; (None, retry seconds) when throttled; (None, None)
    when wrong."""
    try:
        attempt = throttle.begin(username, client)
    except Throttled as exc:
        storage.record("web.login", "throttled", None, username=username)
        return None, exc.retry_after
    try:
        with gate.hashing():
            user = storage.authenticate(username, password)
    except Busy:
        throttle.withdraw(attempt)
        raise
    if user is None:
        storage.record("web.login", "invalid_credentials", None, username=username)
        return None, None
    throttle.succeeded(attempt)
    return user.id, None


def _throttled(request: Request, retry_after: int, username: str = "") -> HTMLResponse:
    text = translations(language(request)).gettext(
        "Te veel pogingen. Probeer het over %(seconds)d seconden opnieuw."
    ) % {"seconds": retry_after}
    response = _login_page(request, username=username, status=429, notice=text)
    response.headers["Retry-After"] = str(retry_after)
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = await request.form()
    if not csrf_ok(request.cookies.get(PRE_CSRF_COOKIE), form.get("csrf")):
        return refused_form(request)
    username = form_text(form, "username")[:MAX_FIELD]
    raw_password = form.get("password")
    password = raw_password if isinstance(raw_password, str) else ""
    problems: dict[str, str] = {}
    if not username:
        problems["username"] = N_("Vul uw gebruikersnaam in.")
    if not password:
        problems["password"] = N_("Vul uw wachtwoord in.")
    if problems:
        return _login_page(request, username=username, errors=FormErrors(problems), status=422)
    state = request.app.state
    gate: HashGate = state.hash_gate
    busy = _login_page(
        request,
        username=username,
        status=503,
        notice=N_("Het is nu erg druk. Probeer het over een paar seconden opnieuw."),
    )
    if not gate.try_enter():
        return busy
    try:
        user_id, retry = await run_in_threadpool(
            _check_password,
            state.storage,
            state.login_throttle,
            gate,
            username,
            password[: MAX_FIELD * 5],
            client_of(request),
        )
    except Busy:
        return busy
    finally:
        gate.leave()
    if retry is not None:
        return _throttled(request, retry, username)
    if user_id is None:
        wrong = N_("De gebruikersnaam of het wachtwoord klopt niet.")
        return _login_page(
            request, username=username, errors=FormErrors({"password": wrong}), status=401
        )
    store = web_store(request)
    if not store.has_totp(user_id):
        return _login_page(
            request,
            username=username,
            status=403,
            notice=N_(
                "Voor deze pagina's is een tweede stap nodig (een code uit een "
                "authenticator-app), maar die is voor uw account nog niet ingesteld. "
                "Vraag de beheerder om die in te stellen."
            ),
        )
    response = redirect(f"{PREFIX}/login/code")
    _set_cookie(
        request, response, session_cookie(request), store.start_session(user_id, STAGE_PASSWORD)
    )
    return response


def _pending(request: Request) -> WebSession | None:
    session = current_session(request)
    return session if session is not None and session.stage == STAGE_PASSWORD else None


def _code_page(
    request: Request, session: WebSession, error: str | None = None, status: int = 200
) -> HTMLResponse:
    errors = {"code": error} if error else {}
    return render(request, "code.html", {"errors": errors}, status=status, session=session)


@router.get("/login/code", response_class=HTMLResponse)
def code_page(request: Request) -> Response:
    session = _pending(request)
    if session is None:
        return redirect(f"{PREFIX}/login?melding=verlopen")
    return _code_page(request, session)


def _check_code(
    store: WebStore, throttle: LoginThrottle, session: WebSession, code: str, client: str
) -> tuple[bool, int | None]:
    try:
        attempt = throttle.begin(f"totp\x00{session.user.username}", client)
    except Throttled as exc:
        return False, exc.retry_after
    if store.check_code(session.user.id, code):
        throttle.succeeded(attempt)
        return True, None
    return False, None


@router.post("/login/code", response_class=HTMLResponse)
async def code(request: Request) -> Response:
    session = _pending(request)
    if session is None:
        return redirect(f"{PREFIX}/login?melding=verlopen")
    form = await request.form()
    if not csrf_ok(session.csrf, form.get("csrf")):
        return refused_form(request, session)
    value = "".join(form_text(form, "code").split())
    if not value:
        return _code_page(request, session, N_("Vul de code van 6 cijfers in."), 422)
    if not (value.isdigit() and len(value) == 6):
        return _code_page(request, session, N_("De code bestaat uit 6 cijfers."), 422)
    store = web_store(request)
    try:
        ok, retry = await run_in_threadpool(
            _check_code, store, request.app.state.login_throttle, session, value, client_of(request)
        )
    except SecretKeyError as exc:
        # the stored secret does not open with this server's key: the administrator's
        # problem (the log names the setting), never a signed-in session
        log.error("web login of %s: %s", session.user.username, exc)
        store.audit("web.login_code", "server_key", session.user)
        text = N_(
            "De code kan nu niet worden gecontroleerd door een fout in de instellingen van "
            "de server. Meld dit bij de beheerder."
        )
        return _code_page(request, session, text, 503)
    if retry is not None:
        text = translations(language(request)).gettext(
            "Te veel pogingen. Probeer het over %(seconds)d seconden opnieuw."
        ) % {"seconds": retry}
        response = _code_page(request, session, text, 429)
        response.headers["Retry-After"] = str(retry)
        return response
    if not ok:
        store.audit("web.login_code", "invalid_code", session.user)
        if store.code_failed(session) >= MAX_CODE_FAILURES:
            return redirect(f"{PREFIX}/login?melding=te_veel_codes")
        return _code_page(
            request, session, N_("Deze code klopt niet. Probeer de nieuwste code."), 401
        )
    store.end_session(session.token_hash)
    store.audit("web.login", "ok", session.user)
    signed = redirect(f"{PREFIX}/")
    token = store.start_session(session.user.id, STAGE_FULL)
    _set_cookie(request, signed, session_cookie(request), token)
    return signed


@router.post("/uitloggen", response_class=HTMLResponse)
async def logout(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return redirect(f"{PREFIX}/login?melding=verlopen")
    form = await request.form()
    if not csrf_ok(session.csrf, form.get("csrf")):
        return refused_form(request, session)
    web_store(request).end_session(session.token_hash)
    web_store(request).audit("web.logout", "ok", session.user)
    response = redirect(f"{PREFIX}/login?melding=uitgelogd")
    response.delete_cookie(
        session_cookie(request), path="/", secure=secure(request), httponly=True, samesite="strict"
    )
    return response


def install_web(app: FastAPI, routers: list[APIRouter] | None = None) -> None:
    """Add the web pages to `app` (its storage must be on `app.state.storage`)."""
    storage: Storage = app.state.storage
    app.state.web_store = WebStore(storage.engine, storage.secret_box)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="web-static")
    app.include_router(router)
    for extra in routers or []:
        app.include_router(extra)
    app.include_router(fallback)


# Last: any other address under /web answers the pages' own 404 (not the API's JSON).
fallback = APIRouter(prefix=PREFIX, include_in_schema=False)


@fallback.api_route("/{rest:path}", methods=["GET", "POST"], response_class=HTMLResponse)
def unknown_page(request: Request, rest: str) -> Response:
    return not_found(request, current_session(request))

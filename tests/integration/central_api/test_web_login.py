"""The web pages' login (central_api.web): password with the API's accounts and throttle,
then a TOTP code; CSRF on every form, cookies, headers, logout, enrolment by the CLI.
On SQLite and PostgreSQL (the `database_url` fixture)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest

from central_api.__main__ import main as central_main
from central_api.storage import Storage
from central_api.web.store import MAX_CODE_FAILURES, WebStore
from tests.helpers.central import PASSWORD
from tests.integration.central_api.conftest import Api, make_api

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def enrol(storage: Storage, username: str) -> pyotp.TOTP:
    uri = WebStore(storage.engine, storage.secret_box).enrol_totp(username)
    secret = parse_qs(urlparse(uri).query)["secret"][0]
    return pyotp.TOTP(secret)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, html
    return found.group(1)


def password_step(web: Api, username: str, password: str = PASSWORD) -> object:
    page = web.client.get("/web/login")
    return web.client.post(
        "/web/login",
        data={"csrf": csrf_of(page.text), "username": username, "password": password},
    )


def sign_in(web: Api, username: str, totp: pyotp.TOTP) -> None:
    response = password_step(web, username)
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    page = web.client.get("/web/login/code")
    done = web.client.post("/web/login/code", data={"csrf": csrf_of(page.text), "code": totp.now()})
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/web/"


def test_login_page_is_dutch_with_strict_headers_and_a_csrf_cookie(web: Api) -> None:
    page = web.client.get("/web/login")
    assert page.status_code == 200
    assert '<html lang="nl">' in page.text
    assert "Inloggen" in page.text and 'for="username"' in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert "secure" not in cookie  # plain HTTP here
    assert "<script" not in page.text


def test_a_form_without_its_csrf_token_changes_nothing(web: Api) -> None:
    web.user("anna")
    web.client.get("/web/login")
    response = web.client.post(
        "/web/login", data={"csrf": "forged", "username": "anna", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "Formulier verlopen" in response.text
    assert "set-cookie" not in response.headers or "session" not in response.headers["set-cookie"]


def test_password_then_code_signs_in_and_the_code_cannot_be_replayed(web: Api) -> None:
    web.user("rita", role="desk")
    totp = enrol(web.storage, "rita")
    response = password_step(web, "rita")
    assert response.status_code == 303  # type: ignore[attr-defined]
    cookie = response.headers["set-cookie"].lower()  # type: ignore[attr-defined]
    assert cookie.startswith("doorloop_session=")
    assert "httponly" in cookie and "samesite=strict" in cookie
    # the pending session opens the code page only
    assert web.client.get("/web/").headers["location"] == "/web/login"
    page = web.client.get("/web/login/code")
    assert page.status_code == 200
    wrong = web.client.post("/web/login/code", data={"csrf": csrf_of(page.text), "code": "000000"})
    assert wrong.status_code == 401
    assert 'aria-describedby="code-hint code-fout"' in wrong.text
    assert 'aria-invalid="true"' in wrong.text
    code = totp.now()
    done = web.client.post("/web/login/code", data={"csrf": csrf_of(page.text), "code": code})
    assert done.status_code == 303
    assert web.client.get("/web/").headers["location"] == "/web/verwijzingen"
    audit = [row["action"] for row in web.storage.server_audit()]
    assert "web.login" in audit and "admin.totp_enrol" in audit
    # the same code again, in a new login: refused (one use per 30-second step)
    web.client.cookies.clear()
    password_step(web, "rita")
    page = web.client.get("/web/login/code")
    again = web.client.post("/web/login/code", data={"csrf": csrf_of(page.text), "code": code})
    assert again.status_code == 401


def test_a_user_without_a_second_factor_is_told_to_ask_the_administrator(web: Api) -> None:
    web.user("bert")
    response = password_step(web, "bert")
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert "nog niet ingesteld" in response.text  # type: ignore[attr-defined]


def test_wrong_password_names_the_field_and_empty_fields_are_named(web: Api) -> None:
    web.user("anna")
    empty = password_step(web, "", "")
    assert empty.status_code == 422  # type: ignore[attr-defined]
    assert "Vul uw gebruikersnaam in." in empty.text  # type: ignore[attr-defined]
    assert 'id="username-fout"' in empty.text  # type: ignore[attr-defined]
    wrong = password_step(web, "anna", "not the password")
    assert wrong.status_code == 401  # type: ignore[attr-defined]
    assert 'aria-describedby="password-fout"' in wrong.text  # type: ignore[attr-defined]


def test_password_guessing_is_throttled_like_the_api(web: Api) -> None:
    web.user("anna")
    statuses = [
        password_step(web, "anna", "not the password").status_code  # type: ignore[attr-defined]
        for _ in range(6)
    ]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    throttled = password_step(web, "anna")  # even the right password waits
    assert throttled.status_code == 429  # type: ignore[attr-defined]
    assert int(throttled.headers["retry-after"]) >= 1  # type: ignore[attr-defined]
    assert "Te veel pogingen" in throttled.text  # type: ignore[attr-defined]


def test_too_many_wrong_codes_end_the_pending_session(web: Api) -> None:
    web.user("anna")
    enrol(web.storage, "anna")
    password_step(web, "anna")
    page = web.client.get("/web/login/code")
    token = csrf_of(page.text)
    last = None
    for _ in range(MAX_CODE_FAILURES):
        last = web.client.post("/web/login/code", data={"csrf": token, "code": "123456"})
    assert last is not None and last.status_code == 303
    assert last.headers["location"] == "/web/login?melding=te_veel_codes"
    assert web.client.get("/web/login/code").headers["location"].endswith("melding=verlopen")


def test_logout_needs_the_session_token_and_ends_the_session(web: Api) -> None:
    web.user("anna")
    totp = enrol(web.storage, "anna")
    sign_in(web, "anna", totp)
    cookie = dict(web.client.cookies)
    assert web.client.post("/web/uitloggen", data={"csrf": "forged"}).status_code == 400
    assert web.client.get("/web/").headers["location"] == "/web/verwijzingen"
    page = web.client.get("/web/login")  # any page of the signed-in frame carries the token
    session = WebStore(web.storage.engine, web.storage.secret_box).session(
        cookie["doorloop_session"]
    )
    assert session is not None
    out = web.client.post("/web/uitloggen", data={"csrf": session.csrf})
    assert out.status_code == 303
    assert out.headers["location"] == "/web/login?melding=uitgelogd"
    assert (
        WebStore(web.storage.engine, web.storage.secret_box).session(cookie["doorloop_session"])
        is None
    )
    assert "U bent uitgelogd." in web.client.get(out.headers["location"]).text
    assert page.status_code == 200


def test_over_https_the_cookies_are_secure_with_the_host_prefix(storage: Storage) -> None:
    made = make_api(storage)
    made.client.base_url = made.client.base_url.copy_with(scheme="https")  # type: ignore[assignment]
    made.client.follow_redirects = False
    made.user("anna")
    enrol(storage, "anna")
    with made.client:
        response = password_step(made, "anna")
    cookie = response.headers["set-cookie"]  # type: ignore[attr-defined]
    assert cookie.startswith("__Host-doorloop_session=")
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_english_is_complete_and_chosen_by_the_language_link(web: Api) -> None:
    switch = web.client.get("/web/taal/en", params={"terug": "/web/login"})
    assert switch.status_code == 303 and switch.headers["location"] == "/web/login"
    page = web.client.get("/web/login")
    assert '<html lang="en">' in page.text
    assert "Sign in" in page.text and "Inloggen" not in page.text
    # an address elsewhere is never followed
    assert web.client.get("/web/taal/nl", params={"terug": "//evil"}).headers["location"] == "/web/"


def test_the_cli_enrols_and_resets_a_second_factor(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    storage = Storage.open(database_url)
    storage.add_region("noord")
    storage.add_user("anna", PASSWORD, role="desk", region="noord")
    storage.close()
    assert central_main(["user", "totp", "anna", "--database-url", database_url]) == 0
    first = capsys.readouterr().out.strip().splitlines()[-1]
    assert first.startswith("otpauth://totp/Doorloop:anna?secret=")
    assert central_main(["user", "totp", "anna", "--database-url", database_url]) == 0
    second = capsys.readouterr().out.strip().splitlines()[-1]
    assert second != first  # a reset: the old secret stops working
    assert central_main(["user", "totp", "nobody", "--database-url", database_url]) == 1
    storage = Storage.open(database_url)
    try:
        old = pyotp.TOTP(parse_qs(urlparse(first).query)["secret"][0])
        user_id = storage.authenticate("anna", PASSWORD)
        assert user_id is not None
        at = datetime.fromtimestamp(time.time(), UTC)
        assert not WebStore(storage.engine, storage.secret_box).check_code(
            user_id.id, old.at(at), at
        )
    finally:
        storage.close()


def test_a_new_password_or_deactivation_ends_the_web_session(web: Api) -> None:
    web.user("anna")
    totp = enrol(web.storage, "anna")
    sign_in(web, "anna", totp)
    assert web.client.get("/web/").headers["location"] == "/web/verwijzingen"
    web.storage.set_password("anna", "an entirely new sentence")
    assert web.client.get("/web/").headers["location"] == "/web/login"
    store = WebStore(web.storage.engine, web.storage.secret_box)
    user = web.storage.authenticate("anna", "an entirely new sentence")
    assert user is not None
    token = store.start_session(user.id, "full")
    assert store.session(token) is not None
    web.storage.set_active("anna", False)
    assert store.session(token) is None


def test_an_unknown_page_answers_the_pages_own_404(web: Api) -> None:
    response = web.client.get("/web/bestaat-niet")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Niet gevonden" in response.text
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert web.client.get("/web/static/web.css").status_code == 200

"""The receiving party's web pages over HTTP on SQLite and PostgreSQL: only its own
organisation's referrals, only what §1 allows before acceptance, the answers through the
same rules as a desk's push, refused moves in Dutch, another organisation's referral 404.
(The same flow in Chromium, by keyboard and with axe-core: tests/e2e/test_web_browser.py.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from central_api.storage import Storage
from tests.helpers.central import PASSWORD
from tests.helpers.web import FEEDBACK, HANDOVER, World, seed
from tests.integration.central_api.conftest import Api, make_api

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
AFTER = re.compile(r'name="after" value="([^"]+)"')


@pytest.fixture
def web(storage: Storage) -> Iterator[tuple[Api, World]]:
    world = seed(storage, {"org-1": 2, "org-2": 1})
    made = make_api(storage)
    made.client.follow_redirects = False
    with made.client:
        yield made, world


def sign_in(api: Api, username: str, totp: pyotp.TOTP) -> None:
    page = api.client.get("/web/login")
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    step = api.client.post(
        "/web/login", data={"csrf": token, "username": username, "password": PASSWORD}
    )
    assert step.status_code == 303, step.text
    page = api.client.get("/web/login/code")
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    done = api.client.post("/web/login/code", data={"csrf": token, "code": totp.now()})
    assert done.status_code == 303, done.text


def form_of(html: str) -> dict[str, str]:
    return {
        "csrf": CSRF.search(html).group(1),  # type: ignore[union-attr]
        "after": AFTER.search(html).group(1),  # type: ignore[union-attr]
    }


def test_a_receiver_sees_only_its_organisations_referrals(web: tuple[Api, World]) -> None:
    api, world = web
    sign_in(api, "rec-org-1", world.totp["rec-org-1"])
    listing = api.client.get("/web/verwijzingen")
    assert listing.status_code == 200
    for rid in world.referrals["org-1"]:
        assert f"/web/verwijzingen/{rid}" in listing.text
    other = world.referrals["org-2"][0]
    assert other not in listing.text
    refused = api.client.get(f"/web/verwijzingen/{other}")
    assert refused.status_code == 404
    assert "Niet gevonden" in refused.text and HANDOVER not in refused.text
    assert api.client.get("/web/verwijzingen/not-a-uuid").status_code == 404


def test_before_acceptance_only_the_allowed_facts_after_it_the_handover(
    web: tuple[Api, World],
) -> None:
    api, world = web
    sign_in(api, "rec-org-1", world.totp["rec-org-1"])
    rid = world.referrals["org-1"][0]
    page = api.client.get(f"/web/verwijzingen/{rid}")
    assert page.status_code == 200
    for shown in ("U2", "12-17", "vrijwillig", "thuis", FEEDBACK):
        assert shown in page.text
    assert HANDOVER not in page.text
    received = api.client.post(f"/web/verwijzingen/{rid}/receive", data=form_of(page.text))
    assert received.status_code == 303
    page = api.client.get(received.headers["location"])
    assert "De ontvangst is bevestigd." in page.text and HANDOVER not in page.text
    accepted = api.client.post(
        f"/web/verwijzingen/{rid}/accept",
        data={**form_of(page.text), "first_contact_at": "2026-12-04T14:30"},
    )
    assert accepted.status_code == 303, accepted.text
    page = api.client.get(f"/web/verwijzingen/{rid}")
    assert HANDOVER in page.text
    assert "04-12-2026 14:30" in page.text
    referral = api.storage.referral(rid)
    assert referral is not None and referral.status.value == "accepted"
    assert referral.first_contact_agreed is not None
    # Dutch local time (CET in December) stored as the instant
    assert referral.first_contact_agreed == datetime(2026, 12, 4, 13, 30, tzinfo=UTC)
    for move in ("start", "complete"):
        answered = api.client.post(f"/web/verwijzingen/{rid}/{move}", data=form_of(page.text))
        assert answered.status_code == 303, answered.text
        page = api.client.get(f"/web/verwijzingen/{rid}")
    assert api.storage.referral(rid).status.value == "completed"  # type: ignore[union-attr]
    assert "Er is nu niets te doen" in page.text
    audit = [row["action"] for row in api.storage.server_audit()]
    assert {"referral.receive", "referral.accept", "referral.start", "referral.complete"} <= set(
        audit
    )


def test_a_move_that_is_not_allowed_is_refused_in_dutch_and_nothing_is_stored(
    web: tuple[Api, World],
) -> None:
    api, world = web
    sign_in(api, "rec-org-1", world.totp["rec-org-1"])
    rid = world.referrals["org-1"][0]
    page = api.client.get(f"/web/verwijzingen/{rid}")
    refused = api.client.post(f"/web/verwijzingen/{rid}/complete", data=form_of(page.text))
    assert refused.status_code == 409
    assert "Deze stap kan niet: de verwijzing heeft de status ‘Nieuw’." in refused.text
    assert api.storage.referral(rid).status.value == "requested"  # type: ignore[union-attr]
    # a page that is out of date: its answer is refused, not stored over the other one
    stale = form_of(page.text)
    assert api.client.post(f"/web/verwijzingen/{rid}/receive", data=stale).status_code == 303
    late = api.client.post(
        f"/web/verwijzingen/{rid}/decline", data={**stale, "reason": "no_capacity"}
    )
    assert late.status_code == 409
    assert "De verwijzing is intussen gewijzigd." in late.text
    assert api.storage.referral(rid).status.value == "received"  # type: ignore[union-attr]


def test_decline_needs_a_reason_and_a_text_for_other(web: tuple[Api, World]) -> None:
    api, world = web
    sign_in(api, "rec-org-1", world.totp["rec-org-1"])
    rid = world.referrals["org-1"][1]
    page = api.client.get(f"/web/verwijzingen/{rid}")
    missing = api.client.post(f"/web/verwijzingen/{rid}/decline", data=form_of(page.text))
    assert missing.status_code == 422
    assert "Kies een reden voor de afwijzing." in missing.text
    assert 'id="reason" aria-describedby="reason-fout" aria-invalid="true"' in missing.text
    other = api.client.post(
        f"/web/verwijzingen/{rid}/decline", data={**form_of(page.text), "reason": "other"}
    )
    assert other.status_code == 422
    assert "Licht de reden toe" in other.text
    no_time = api.client.post(f"/web/verwijzingen/{rid}/accept", data=form_of(page.text))
    assert "Vul het afgesproken moment van eerste contact in." in no_time.text
    done = api.client.post(
        f"/web/verwijzingen/{rid}/decline",
        data={**form_of(page.text), "reason": "other", "text": "Wachtlijst tot maart"},
    )
    assert done.status_code == 303
    referral = api.storage.referral(rid)
    assert referral is not None and referral.status.value == "declined"
    assert (referral.decline_reason, referral.decline_text) == ("other", "Wachtlijst tot maart")


def test_a_user_of_another_role_gets_no_referral_pages(web: tuple[Api, World]) -> None:
    api, _world = web
    from tests.helpers.web import enrol

    totp = enrol(api.storage, "tess")
    sign_in(api, "tess", totp)
    assert api.client.get("/web/verwijzingen").status_code == 403


def test_the_referral_pages_need_a_full_sign_in(web: tuple[Api, World]) -> None:
    api, world = web
    rid = world.referrals["org-1"][0]
    assert api.client.get("/web/verwijzingen").headers["location"] == "/web/login"
    response = api.client.post(f"/web/verwijzingen/{rid}/receive", data={"csrf": "x"})
    assert response.status_code == 303 and response.headers["location"] == "/web/login"
    assert api.storage.referral(rid).status.value == "requested"  # type: ignore[union-attr]


def test_an_overdue_acknowledgement_is_marked_on_the_list_and_the_referral(
    storage: Storage,
) -> None:
    world = seed(storage, {"org-1": 1}, acknowledge_in=-timedelta(minutes=10))
    api = make_api(storage)
    api.client.follow_redirects = False
    with api.client:
        sign_in(api, "rec-org-1", world.totp["rec-org-1"])
        listing = api.client.get("/web/verwijzingen")
        assert "Afspraak verlopen" in listing.text
        page = api.client.get(f"/web/verwijzingen/{world.referrals['org-1'][0]}")
        assert "verlopen" in page.text
        received = api.client.post(
            f"/web/verwijzingen/{world.referrals['org-1'][0]}/receive", data=form_of(page.text)
        )
        assert received.status_code == 303  # a late acknowledgement is still taken
        assert "Afspraak verlopen" not in api.client.get("/web/verwijzingen").text

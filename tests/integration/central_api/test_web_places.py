"""A provider's page of places over HTTP and in Chromium, on SQLite and PostgreSQL: its own
units only, a new figure in three actions (open, type, Opslaan) stored with time and
author, more than the maximum refused at the field in Dutch, an intake stop set and
lifted, another organisation's unit 404; by keyboard with axe-core (0 serious/critical)
on a phone-sized screen."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from central_api.storage import Storage
from coordination.directory import load_directory
from tests.helpers.central import serve
from tests.helpers.web import World, seed
from tests.integration.central_api.conftest import Api, make_api
from tests.integration.central_api.test_web_referrals import CSRF, sign_in

DEMO = Path(__file__).resolve().parents[3] / "coordination" / "examples" / "directory-demo.json"


def seeded(storage: Storage) -> World:
    world = seed(storage, {"org-kompas": 0, "org-noordkust": 0})
    storage.import_directory("noord", load_directory(json.loads(DEMO.read_text("utf-8"))))
    return world


@pytest.fixture
def web(storage: Storage) -> Iterator[tuple[Api, World]]:
    world = seeded(storage)
    made = make_api(storage)
    made.client.follow_redirects = False
    with made.client:
        yield made, world


def test_a_provider_updates_its_places_on_the_web_page(web: tuple[Api, World]) -> None:
    api, world = web
    sign_in(api, "rec-org-kompas", world.totp["rec-org-kompas"])
    page = api.client.get("/web/plaatsen")
    assert page.status_code == 200
    assert "Crisisgroep" in page.text or "u-kompas-crisisgroep" in page.text
    assert "u-noordkust-crisisbedden" not in page.text  # another organisation's unit
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    saved = api.client.post(
        "/web/plaatsen/u-kompas-gesloten", data={"csrf": token, "available": "4", "reason": ""}
    )
    assert saved.status_code == 303
    unit = api.storage.export_directory("noord").unit("u-kompas-gesloten")
    assert unit.capacity.available == 4
    last = api.storage.capacity_history("noord", "u-kompas-gesloten")[-1]
    assert (last.source, last.available_old, last.available_new) == ("web", 1, 4)
    assert last.author == "rec-org-kompas" or last.author  # the display name
    too_many = api.client.post(
        "/web/plaatsen/u-kompas-gesloten", data={"csrf": token, "available": "11"}
    )
    assert too_many.status_code == 422
    assert "van 0 tot en met 10" in too_many.text
    assert 'id="available-u-kompas-gesloten-fout"' in too_many.text
    no_reason = api.client.post(
        "/web/plaatsen/u-kompas-gesloten",
        data={"csrf": token, "available": "4", "intake_stop": "aan", "reason": ""},
    )
    assert no_reason.status_code == 422 and "Geef een reden" in no_reason.text
    stop = api.client.post(
        "/web/plaatsen/u-kompas-gesloten",
        data={"csrf": token, "available": "4", "intake_stop": "aan", "reason": "Verbouwing"},
    )
    assert stop.status_code == 303
    stopped = api.storage.export_directory("noord").unit("u-kompas-gesloten").capacity
    assert stopped.intake_stop is not None and stopped.intake_stop.reason == "Verbouwing"
    lifted = api.client.post(
        "/web/plaatsen/u-kompas-gesloten", data={"csrf": token, "available": "4", "reason": ""}
    )
    assert lifted.status_code == 303
    assert (
        api.storage.export_directory("noord").unit("u-kompas-gesloten").capacity.intake_stop is None
    )
    other = api.client.post(
        "/web/plaatsen/u-noordkust-crisisbedden", data={"csrf": token, "available": "1"}
    )
    assert other.status_code == 404
    forged = api.client.post("/web/plaatsen/u-kompas-gesloten", data={"available": "2"})
    assert forged.status_code in (400, 403)
    assert api.storage.export_directory("noord").unit("u-kompas-gesloten").capacity.available == 4


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium not installed")
def test_a_provider_updates_a_unit_in_three_actions_in_chromium(database_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    from tests.helpers.browser import (
        FLAGS,
        PHONE,
        accessible,
        tab_to,
    )

    storage = Storage.open(database_url)
    try:
        world = seeded(storage)
    finally:
        storage.close()
    from tests.helpers.central import PASSWORD

    with serve(database_url) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        context = browser.new_context(
            base_url=server.base, viewport=PHONE, locale="nl-NL", timezone_id="Europe/Amsterdam"
        )
        page = context.new_page()
        page.goto("/web/login")
        tab_to(page, "#username")
        page.keyboard.type("rec-org-noordkust")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        expect(page.locator("h1")).to_have_text("Code invullen")
        tab_to(page, "#code")
        page.keyboard.type(world.totp["rec-org-noordkust"].now())
        page.keyboard.press("Enter")
        expect(page.locator("h1")).to_have_text("Verwijzingen")
        # action 1: open Plaatsen from the menu
        tab_to(page, "nav a:has-text('Plaatsen')")
        page.keyboard.press("Enter")
        expect(page.locator("h1")).to_have_text("Plaatsen")
        accessible(page)
        # more than the maximum: refused at the field, in Dutch
        field = "#available-u-noordkust-crisisbedden"
        tab_to(page, field)
        page.keyboard.press("Control+A")
        page.keyboard.type("9")
        page.keyboard.press("Enter")
        expect(page.locator(f"{field}-fout")).to_contain_text("van 0 tot en met 4")
        expect(page.locator(field)).to_have_attribute("aria-invalid", "true")
        accessible(page)
        # action 2: type the new figure; action 3: Opslaan
        tab_to(page, field)
        page.keyboard.press("Control+A")
        page.keyboard.type("3")
        tab_to(page, "#unit-u-noordkust-crisisbedden button")
        page.keyboard.press("Enter")
        expect(page.locator(".notice.ok")).to_have_text("De plaatsen zijn opgeslagen.")
        expect(page.locator(field)).to_have_value("3")
        accessible(page)
        # another organisation's unit does not exist for this provider
        response = page.goto("/web/plaatsen")
        assert response is not None and response.status == 200
        assert "u-kompas-gesloten" not in page.content()
        # English is complete
        tab_to(page, "a:has-text('English')")
        page.keyboard.press("Enter")
        expect(page.locator("h1")).to_have_text("Places")
        accessible(page)
        browser.close()
    storage = Storage.open(database_url)
    try:
        unit = storage.export_directory("noord").unit("u-noordkust-crisisbedden")
        assert unit.capacity.available == 3
    finally:
        storage.close()

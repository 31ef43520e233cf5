"""The receiving party's web pages in a real browser: Debian's Chromium driven by
Playwright against the real `doorloop-central serve`, on SQLite and PostgreSQL.

Signs in with password and TOTP by keyboard, sees only its own organisation's referrals,
acknowledges and accepts by keyboard, meets a refused move in Dutch, gets 404 for
another organisation's referral; axe-core (bundled in axe-playwright-python) finds no
serious or critical violation on any page, on a phone-sized screen without sideways
scrolling. No browser is downloaded: `.ci/run` installs the OS package; under CI=true a
missing browser fails instead of skipping.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from central_api.storage import Storage
from tests.helpers.browser import PHONE, accessible, chromium, require_chromium, tab_to
from tests.helpers.central import PASSWORD, serve
from tests.helpers.web import FEEDBACK, HANDOVER, World, seed

require_chromium()

from playwright.sync_api import Browser, expect  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def world(database_url: str) -> World:
    storage = Storage.open(database_url)
    try:
        return seed(storage, {"org-1": 2, "org-2": 1})
    finally:
        storage.close()


def test_a_receiver_answers_its_referrals_in_chromium(
    browser: Browser, database_url: str, world: World
) -> None:
    own, other = world.referrals["org-1"], world.referrals["org-2"][0]
    with serve(database_url) as server:
        context = browser.new_context(
            base_url=server.base, viewport=PHONE, locale="nl-NL", timezone_id="Europe/Amsterdam"
        )
        blocked: list[str] = []  # anything the Content-Security-Policy refused
        context.on(
            "console",
            lambda message: (
                blocked.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        page = context.new_page()

        # sign in by keyboard: the skip link comes first, then the fields
        page.goto("/web/login")
        accessible(page)
        page.keyboard.press("Tab")
        expect(page.locator(":focus")).to_have_text("Naar de inhoud")
        tab_to(page, "#username")
        page.keyboard.type("rec-org-1")
        page.keyboard.press("Tab")
        page.keyboard.type("not the password")
        page.keyboard.press("Enter")
        expect(page.locator("#password-fout")).to_contain_text("klopt niet")
        expect(page.locator("#password")).to_have_attribute("aria-describedby", "password-fout")
        accessible(page)  # the page with its error summary
        tab_to(page, "#password")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        expect(page.locator("h1")).to_have_text("Code invullen")
        accessible(page)
        tab_to(page, "#code")
        page.keyboard.type(world.totp["rec-org-1"].now())
        page.keyboard.press("Enter")

        # the list: own referrals only
        expect(page.locator("h1")).to_have_text("Verwijzingen")
        accessible(page)
        links = page.locator("ul.referrals a")
        expect(links).to_have_count(2)
        hrefs = {links.nth(i).get_attribute("href") for i in range(2)}
        assert hrefs == {f"/web/verwijzingen/{rid}" for rid in own}
        assert other not in page.content()

        # open the first by keyboard; before acceptance no handover
        first = links.nth(0).get_attribute("href")
        assert first is not None
        tab_to(page, f"a[href='{first}']")
        page.keyboard.press("Enter")
        expect(page.locator("h1")).to_contain_text("Verwijzing")
        expect(page.locator("main")).to_contain_text(FEEDBACK)
        expect(page.locator("main")).not_to_contain_text(HANDOVER)
        accessible(page)
        stale = context.new_page()  # a second tab, left on this state
        stale.goto(first)

        # acknowledge by keyboard
        tab_to(page, "button:has-text('Ontvangst bevestigen')")
        page.keyboard.press("Enter")
        expect(page.locator(".notice.ok")).to_have_text("De ontvangst is bevestigd.")
        accessible(page)

        # accept by keyboard: an empty time is refused with the field named
        tab_to(page, "button:has-text('Accepteren')")
        page.keyboard.press("Enter")
        expect(page.locator("#first_contact_at-fout")).to_contain_text("eerste contact")
        expect(page.locator("#first_contact_at")).to_have_attribute("aria-invalid", "true")
        accessible(page)
        tab_to(page, "#first_contact_at")
        page.keyboard.type("12122026")  # day and month alike: either field order
        page.keyboard.press("Tab")
        page.keyboard.type("1430")
        tab_to(page, "button:has-text('Accepteren')")
        page.keyboard.press("Enter")
        expect(page.locator(".notice.ok")).to_have_text("De verwijzing is geaccepteerd.")
        expect(page.locator("main")).to_contain_text(HANDOVER)
        expect(page.locator("main")).to_contain_text("12-12-2026 14:30")
        accessible(page)

        # the stale tab answers too: refused in Dutch, nothing stored over the acceptance
        stale.locator("#reason-no_capacity").check()
        stale.locator("button:has-text('Afwijzen')").click()
        expect(stale.locator("#geweigerd")).to_contain_text("De verwijzing is intussen gewijzigd")
        expect(stale.locator(".status").first).to_have_text("Geaccepteerd")
        accessible(stale)

        # a move the status does not allow, sent anyway: refused with the status named
        token = page.locator("input[name=csrf]").first.input_value()
        after = page.locator("input[name=after]").first.input_value()
        refused = page.request.post(
            f"{first}/complete", form={"csrf": token, "after": after}, max_redirects=0
        )
        assert refused.status == 409
        assert "Deze stap kan niet: de verwijzing heeft de status ‘Geaccepteerd’." in (
            refused.text()
        )

        # another organisation's referral does not exist for this receiver
        response = page.goto(f"/web/verwijzingen/{other}")
        assert response is not None and response.status == 404
        expect(page.locator("h1")).to_have_text("Niet gevonden")
        accessible(page)

        # English is complete; signing out ends the session
        page.goto("/web/verwijzingen")
        tab_to(page, "a:has-text('English')")
        page.keyboard.press("Enter")
        expect(page.locator("h1")).to_have_text("Referrals")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        accessible(page)
        tab_to(page, "button:has-text('Sign out')")
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_contain_text("You are signed out.")
        page.goto("/web/verwijzingen")
        expect(page.locator("h1")).to_have_text("Sign in")
        context.close()
        assert blocked == []

    storage = Storage.open(database_url)
    try:
        referral = storage.referral(first.rsplit("/", 1)[1])
        assert referral is not None and referral.status.value == "accepted"
    finally:
        storage.close()

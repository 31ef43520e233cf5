"""A real browser for the web page tests: Debian's Chromium (`/usr/bin/chromium`, from
the OS packages; `.ci/run` installs it) driven by Playwright, never a downloaded build;
axe-core from axe-playwright-python for the accessibility check.

A test module calls `require_chromium()` at import: without the browser it skips, except
under CI=true where it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 375, "height": 740}
SERIOUS = {"serious", "critical"}


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"{CHROMIUM} is missing under CI=true: .ci/run installs chromium")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)", allow_module_level=True)


@contextmanager
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def accessible(page: Page) -> dict[str, Any]:
    """axe-core on the page as it is: no serious or critical violation; and no sideways
    scrolling (the tests use a phone-sized screen). Returns axe's results."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    response: dict[str, Any] = results.response
    assert len(response["passes"]) > 10, "axe-core did not run its rules"
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in response["violations"]
        if v.get("impact") in SERIOUS
    ]
    assert bad == [], f"{page.url}: {bad}"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url
    return response


def tab_to(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until `selector` has the keyboard focus (it must be reachable)."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{selector} is not reachable by Tab on {page.url}")

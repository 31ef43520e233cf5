"""Static report text goes through the gettext catalogue in the report's language."""

from __future__ import annotations

import gettext
import io
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from desktop import i18n
from desktop.reports import render_handover, text
from tests.unit.reports.conftest import pdf_pages, squash

ENGLISH = {
    "pagina {page} van {pages}": "page {page} of {pages}",
    "Vertrouwelijk — medisch beroepsgeheim": "Confidential — medical secrecy",
    "Overdrachtsformulier": "Handover summary",
    "Reageren vóór {moment}": "Respond before {moment}",
}


@pytest.fixture
def english_catalogue(tmp_path: Path) -> Path:
    catalog = Catalog(locale="en", domain=i18n.DOMAIN)
    for dutch, english in ENGLISH.items():
        catalog.add(dutch, english)
    folder = tmp_path / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / f"{i18n.DOMAIN}.mo").open("wb") as handle:
        write_mo(handle, catalog)
    return tmp_path


def test_dutch_is_the_source_language() -> None:
    _, ngettext = text.translator("nl")
    assert _("Overdrachtsformulier") == "Overdrachtsformulier"
    assert ngettext("{n} jaar", "{n} jaar", 2) == "{n} jaar"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="de"):
        text.translator("de")


def test_english_comes_from_the_catalogue(english_catalogue: Path) -> None:
    _, _n = text.translator("en", english_catalogue)
    assert _("pagina {page} van {pages}") == "page {page} of {pages}"
    assert _("Niet vertaald") == "Niet vertaald"  # falls back to the Dutch source


def test_the_report_uses_the_catalogue_of_its_language(
    english_catalogue: Path, monkeypatch: pytest.MonkeyPatch, case: dict[str, Any],
    printed: dict[str, Any],
) -> None:  # fmt: skip
    with (english_catalogue / "en" / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo").open("rb") as handle:
        english = gettext.GNUTranslations(io.BytesIO(handle.read()))
    monkeypatch.setattr(text, "_catalogue", lambda lang, localedir: english)
    pages = [squash(page) for page in pdf_pages(render_handover(case, lang="en", **printed))]
    assert pages[0].startswith("Doorloop — Handover summary Confidential — medical secrecy")
    assert "Respond before 23-11-2026 07:12" in pages[0]
    assert pages[-1].endswith(f"page {len(pages)} of {len(pages)}")
    # Dutch stays Dutch whatever the English catalogue says
    dutch = squash(pdf_pages(render_handover(case, lang="nl", **printed))[0])
    assert "Vertrouwelijk — medisch beroepsgeheim" in dutch

"""The web pages' text: GNU gettext with Dutch as the source language, like the desk.

Templates and page code write ``_("Inloggen")``; the English catalogue
(``central_api/web/locale/en/LC_MESSAGES/doorloop_web.po``, compiled to ``.mo``)
translates it. The language is Dutch unless the browser chose English with the language
link (a cookie, see `central_api.web.pages`). Extracting and compiling is the
``i18n`` target of the Makefile (its ``central_api/web`` lines, with
``central_api/web/babel.cfg`` for the templates).
"""

from __future__ import annotations

import gettext
from functools import cache
from importlib import resources

DOMAIN = "doorloop_web"
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalogue of `language` (Dutch: the source text itself)."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    mo = resources.files("central_api.web").joinpath(
        "locale", language, "LC_MESSAGES", f"{DOMAIN}.mo"
    )
    with mo.open("rb") as handle:
        return gettext.GNUTranslations(handle)


def pick_language(value: str | None) -> str:
    """A supported language code from a cookie value (else Dutch)."""
    if value is not None and value in LANGUAGES:
        return value
    return DEFAULT_LANGUAGE


def N_(message: str) -> str:
    """Mark a Dutch text for extraction; translated where it is shown."""
    return message

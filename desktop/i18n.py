"""The one translation mechanism for user-facing text: GNU gettext.

Dutch is the source language: code writes ``_("Opgeslagen")`` and the English
catalogue (``desktop/locale/en/LC_MESSAGES/doorloop.po``, compiled to ``.mo``)
translates it. Data files (form definitions, rule files, scenarios) carry their
own ``nl``/``en`` texts; :func:`pick` chooses from such a pair.

Adding a string: wrap it in ``_()``, run ``make i18n`` (extracts, merges and
compiles the catalogue with Babel), fill in the English ``msgstr`` and run
``make i18n`` again. A test fails when a wrapped string has no English text.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from typing import Any

DOMAIN = "doorloop"
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

_language = DEFAULT_LANGUAGE
_translations: gettext.NullTranslations = gettext.NullTranslations()


def set_language(language: str) -> None:
    """Switch every later ``_()`` call to ``language`` (``nl`` or ``en``)."""
    global _language, _translations
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    _language = language
    if language == DEFAULT_LANGUAGE:
        _translations = gettext.NullTranslations()
        return
    from importlib import resources  # not needed for Dutch, the default

    mo = resources.files("desktop").joinpath("locale", language, "LC_MESSAGES", f"{DOMAIN}.mo")
    with mo.open("rb") as handle:
        _translations = gettext.GNUTranslations(handle)


def language() -> str:
    """The current UI language code."""
    return _language


def _(message: str) -> str:
    """Translate a Dutch source string into the current language."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate with a plural form."""
    return _translations.ngettext(singular, plural, n)


def pick(texts: Mapping[Any, str] | str | None, lang: str | None = None) -> str:
    """Choose the text for ``lang`` (default: current) from a ``{"nl":..., "en":...}`` pair.

    Keys are language codes: plain ``str`` or the forms' ``Literal["nl", "en"]`` (a
    Mapping is invariant in its key type, hence ``Any``)."""
    if texts is None:
        return ""
    if isinstance(texts, str):
        return texts
    lang = lang or _language
    return texts.get(lang) or texts.get(DEFAULT_LANGUAGE) or next(iter(texts.values()), "")

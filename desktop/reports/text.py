"""Static report text in the report's own language, through the one gettext catalogue.

The desk UI has one current language (:mod:`desktop.i18n`), but a report is rendered
in the language asked for (a Dutch desk may print an English handover). In the UI's
own language the report uses ``desktop.i18n._`` itself; in the other language
:func:`translator` reads the same ``doorloop`` catalogue. Dutch is the source
language; without a compiled English catalogue the Dutch source text is shown.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path

from desktop import i18n

Gettext = Callable[[str], str]
Ngettext = Callable[[str, str, int], str]


def translator(lang: str, localedir: Path | None = None) -> tuple[Gettext, Ngettext]:
    """The ``(_, ngettext)`` pair for ``lang``; ``localedir`` overrides the catalogue."""
    if lang not in i18n.LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(i18n.LANGUAGES)}")
    if localedir is None and lang == i18n.language():
        return i18n._, i18n.ngettext
    if lang == i18n.DEFAULT_LANGUAGE:
        plain = gettext.NullTranslations()
        return plain.gettext, plain.ngettext
    catalogue = _catalogue(lang, str(localedir) if localedir else None)
    return catalogue.gettext, catalogue.ngettext


@cache
def _catalogue(lang: str, localedir: str | None) -> gettext.NullTranslations:
    if localedir is not None:
        return gettext.translation(i18n.DOMAIN, localedir, languages=[lang], fallback=True)
    mo = resources.files("desktop").joinpath("locale", lang, "LC_MESSAGES", f"{i18n.DOMAIN}.mo")
    if not mo.is_file():
        return gettext.NullTranslations()
    with mo.open("rb") as handle:
        return gettext.GNUTranslations(handle)

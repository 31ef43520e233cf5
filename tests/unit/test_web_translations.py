"""The web pages' English catalogue (central_api/web/locale) is complete and compiled:
extraction mirrors the Makefile's ``i18n`` lines for ``central_api/web`` (templates and
code, keywords ``_``, ``N_`` and ``ngettext``)."""

from __future__ import annotations

import gettext
import io
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from central_api import web
from central_api.web.i18n import DOMAIN, translations

PACKAGE = Path(web.__file__).resolve().parent
MESSAGES = PACKAGE / "locale" / "en" / "LC_MESSAGES"
SAME_IN_ENGLISH = {"Code", "Menu", "Open", "Setting", "Status"}
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "N_": None, "ngettext": (1, 2)}


def extracted() -> set[str]:
    with (PACKAGE / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = extract_from_dir(str(PACKAGE), method_map, options_map, keywords=KEYWORDS)
    return {m[0] if isinstance(m, tuple) else m for _f, _l, m, _c, _x in found}


def test_every_page_text_has_english_and_the_mo_is_compiled_from_the_po() -> None:
    with (MESSAGES / f"{DOMAIN}.po").open("rb") as handle:
        catalog = read_po(handle)
    ids = extracted()
    assert len(ids) > 30
    missing = sorted(i for i in ids if not (catalog.get(i) and catalog.get(i).string))
    assert missing == [], "run the Makefile's i18n lines for central_api/web and fill in English"
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    expected = gettext.GNUTranslations(compiled)
    shipped = translations("en")
    for msgid in ids:
        assert shipped.gettext(msgid) == expected.gettext(msgid), msgid
        assert shipped.gettext(msgid) != msgid or msgid in SAME_IN_ENGLISH, msgid

"""The English gettext catalogue is complete, compiled and consistent with the code.

Extraction mirrors ``make i18n`` (Babel, ``babel.cfg``, Babel's default keywords plus
``_`` and ``ngettext:1,2``), so adding a ``_()`` string without English text fails here.
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import desktop
from desktop import i18n
from desktop.reports.text import translator

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(desktop.__file__).resolve().parent
MESSAGES = PACKAGE / "locale" / "en" / "LC_MESSAGES"
PO_FILE = MESSAGES / f"{i18n.DOMAIN}.po"
MO_FILE = MESSAGES / f"{i18n.DOMAIN}.mo"
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
ACCELERATOR = re.compile(r"&(?=[^&\s])")

MsgId = str | tuple[str, str]


def extract_ids(directory: Path) -> set[MsgId]:
    """Every message id ``make i18n`` would extract from ``directory``."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    ids: set[MsgId] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(directory), method_map, options_map, keywords=KEYWORDS
    ):
        if isinstance(message, tuple):
            ids.add((message[0], message[1]))
        else:
            ids.add(message)
    return ids


def untranslated(ids: Iterable[MsgId], catalog: Catalog) -> list[MsgId]:
    """The ids without a usable English text: absent, empty (any plural form) or fuzzy."""
    missing: list[MsgId] = []
    for msgid in ids:
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        message = catalog.get(key)
        strings = message.string if message else ""
        strings = strings if isinstance(strings, tuple) else (strings,)
        if message is None or message.fuzzy or not all(strings):
            missing.append(msgid)
    return sorted(missing, key=str)


def translated_pairs(catalog: Catalog) -> Iterator[tuple[str, str]]:
    """``(msgid, msgstr)`` for every text of every message, plural forms paired up."""
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            singular, plural = message.id
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            for index, text in enumerate(forms):
                yield (singular if index == 0 else plural), text
        else:
            yield message.id, str(message.string)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    with PO_FILE.open("rb") as handle:
        return read_po(handle, locale="en")


@pytest.fixture(scope="module")
def code_ids() -> set[MsgId]:
    return extract_ids(PACKAGE)


@pytest.fixture
def english() -> Iterator[None]:
    before = i18n.language()
    i18n.set_language("en")
    try:
        yield
    finally:
        i18n.set_language(before)


def test_extraction_finds_the_known_messages(code_ids: set[MsgId]) -> None:
    assert "&Nieuwe casus" in code_ids
    assert ("{n} jaar", "{n} jaar") in code_ids
    assert len(code_ids) > 100


def test_every_message_in_the_code_has_english_text(code_ids: set[MsgId], catalog: Catalog) -> None:
    missing = untranslated(code_ids, catalog)
    assert not missing, "run `make i18n` and translate:\n" + "\n".join(map(str, missing))


def test_plural_messages_are_plural_in_the_catalogue(
    code_ids: set[MsgId], catalog: Catalog
) -> None:
    for msgid in code_ids:
        message = catalog.get(msgid[0] if isinstance(msgid, tuple) else msgid)
        if message is not None:  # absent ids fail the completeness test above
            assert message.pluralizable == isinstance(msgid, tuple), msgid


def test_missing_and_fuzzy_translations_are_detected(tmp_path: Path) -> None:
    (tmp_path / "module.py").write_text(
        "from desktop.i18n import _, ngettext\n"
        "a = _('Vertaald')\n"
        "b = _('Nieuw en leeg')\n"
        "c = _('Nog twijfel')\n"
        "d = ngettext('{n} ding', '{n} dingen', 2)\n",
        encoding="utf-8",
    )
    ids = extract_ids(tmp_path)
    assert ids == {"Vertaald", "Nieuw en leeg", "Nog twijfel", ("{n} ding", "{n} dingen")}
    partial = Catalog(locale="en")
    partial.add("Vertaald", "Translated")
    partial.add("Nieuw en leeg", "")
    partial.add("Nog twijfel", "In doubt", flags=["fuzzy"])
    partial.add(("{n} ding", "{n} dingen"), ("{n} thing", ""))
    assert untranslated(ids, partial) == sorted(
        ["Nieuw en leeg", "Nog twijfel", ("{n} ding", "{n} dingen")], key=str
    )


def mo_differences(mo: bytes, catalog: Catalog) -> list[str]:
    """How a compiled catalogue differs from the ``.po``: messages and plural forms only.

    The header's other lines (``Generated-By``, dates) are the compiler's, not ours: a new
    Babel release must not make a correct ``.mo`` look stale.
    """
    committed = gettext.GNUTranslations(io.BytesIO(mo))
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    expected = gettext.GNUTranslations(io.BytesIO(buffer.getvalue()))
    problems: list[str] = []
    if committed._info.get("plural-forms") != expected._info.get("plural-forms"):
        problems.append(f"plural forms: {committed._info.get('plural-forms')!r}")
    ours = {key: value for key, value in committed._catalog.items() if key != ""}
    theirs = {key: value for key, value in expected._catalog.items() if key != ""}
    problems += [f"differs: {key!r}" for key in sorted(ours.keys() ^ theirs.keys(), key=str)]
    problems += [
        f"differs: {key!r}"
        for key in sorted(ours.keys() & theirs.keys(), key=str)
        if ours[key] != theirs[key]
    ]
    for n in (1, 2, 5):
        if committed.plural(n) != expected.plural(n):
            problems.append(f"plural index of {n}")
    return problems


def test_committed_mo_matches_the_po(catalog: Catalog) -> None:
    problems = mo_differences(MO_FILE.read_bytes(), catalog)
    assert not problems, "run `make i18n` to recompile the .mo:\n" + "\n".join(problems)


def test_a_stale_mo_is_detected_but_not_its_generator(catalog: Catalog) -> None:
    stale = Catalog(locale="en", project="doorloop")
    for message in catalog:
        if message.id:
            stale.add(message.id, message.string)
    buffer = io.BytesIO()
    write_mo(buffer, stale)
    assert mo_differences(buffer.getvalue(), catalog) == []
    changed = next(message for message in stale if message.id and isinstance(message.id, str))
    changed.string = changed.string + " (oud)"
    buffer = io.BytesIO()
    write_mo(buffer, stale)
    assert mo_differences(buffer.getvalue(), catalog) == [f"differs: {changed.id!r}"]


def test_no_fuzzy_or_obsolete_entries_remain(catalog: Catalog) -> None:
    fuzzy = [message.id for message in catalog if message.id and message.fuzzy]
    assert not fuzzy
    assert not catalog.obsolete


def test_placeholders_are_kept(catalog: Catalog) -> None:
    wrong = [
        (msgid, msgstr)
        for msgid, msgstr in translated_pairs(catalog)
        if set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(msgstr))
    ]
    assert not wrong


def test_menu_accelerators_are_kept_once(catalog: Catalog) -> None:
    wrong = [
        (msgid, msgstr)
        for msgid, msgstr in translated_pairs(catalog)
        if len(ACCELERATOR.findall(msgstr)) != min(1, len(ACCELERATOR.findall(msgid)))
    ]
    assert not wrong


def test_edge_whitespace_and_final_punctuation_are_kept(catalog: Catalog) -> None:
    def shape(text: str) -> tuple[bool, bool, str]:
        stripped = text.rstrip()
        end = stripped[-1] if stripped and stripped[-1] in ".:…?!" else ""
        return text[:1].isspace(), text[-1:].isspace(), end

    wrong = [
        (msgid, msgstr)
        for msgid, msgstr in translated_pairs(catalog)
        if shape(msgid) != shape(msgstr)
    ]
    assert not wrong


def test_switching_language_translates_and_switches_back() -> None:
    before = i18n.language()
    try:
        i18n.set_language("en")
        assert i18n._("&Nieuwe casus") == "&New case"
        assert i18n.ngettext("{n} jaar", "{n} jaar", 1) == "{n} year"
        assert i18n.ngettext("{n} jaar", "{n} jaar", 3) == "{n} years"
        i18n.set_language("nl")
        assert i18n._("&Nieuwe casus") == "&Nieuwe casus"
        assert i18n.ngettext("{n} jaar", "{n} jaar", 1) == "{n} jaar"
    finally:
        i18n.set_language(before)


def test_report_translator_reads_the_same_catalogue(catalog: Catalog) -> None:
    before = i18n.language()
    try:
        i18n.set_language("nl")
        gettext_en, ngettext_en = translator("en")
        for message in catalog:
            if message.id and not isinstance(message.id, tuple):
                assert gettext_en(message.id) == message.string, message.id
        assert ngettext_en("{n} jaar", "{n} jaar", 2) == "{n} years"
        gettext_nl, _ngettext_nl = translator("nl")
        assert gettext_nl("Overdrachtsformulier") == "Overdrachtsformulier"
    finally:
        i18n.set_language(before)


def test_overdue_prefix_still_marks_overdue_deadlines(english: None) -> None:
    # desktop/ui/case_list_model.py colours a deadline red when its text starts with
    # the first word of _("verlopen"); the English texts must keep that relation.
    prefix = i18n._("verlopen").split()[0]
    assert i18n._("verlopen {span}").format(span="5 min").startswith(prefix)
    assert not i18n._("nog {span}").format(span="5 min").startswith(prefix)


def test_catalogue_is_not_trivially_dutch(catalog: Catalog) -> None:
    # Guard against msgstr = msgid copies: most texts must actually change.
    messages = [message for message in catalog if message.id]
    same = [m.id for m in messages if not isinstance(m.id, tuple) and m.id == m.string]
    assert len(same) < len(messages) // 10, same

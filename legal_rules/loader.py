"""Reading and checking the rule files (``legal_rules/rules/*.yaml``).

Owns the file format: which keys a file and each entry may have, their types, and the
checks across files (unknown codes and terms, overlapping versions of a rule, cycles).
Every problem found is collected and reported together in :class:`RuleFileError`.

A rule file is a mapping with ``title: {nl, en}`` and one or more of these lists:

``terms``
    ``name``, ``description {nl, en}``, ``when``, ``valid_from``, optional ``valid_to``
    and ``notes``.
``rules``
    ``code``, ``severity`` (required / warning / info), ``when``, ``citations``,
    ``title {nl, en}``, ``explanation {nl, en}``, ``valid_from``, optional ``valid_to``
    (the last day in force), ``notes`` (``kind``: project_decision or open_point,
    ``text {nl, en}``) and ``detail``.
``missing_facts``
    ``fact``, ``when``, ``valid_from``, optional ``valid_to``.

Files are read in name order; a prefix such as ``20_`` orders the sections.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Callable
from datetime import date
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final

import yaml

from legal_rules.conditions import (
    CODE_PATTERN,
    NAME_PATTERN,
    ConditionError,
    Flagged,
    TermRef,
    parse,
    references,
    walk,
)
from legal_rules.engine import (
    DETAILS,
    MISSING_FACT_ORDER,
    NOTE_KINDS,
    SEVERITIES,
    BirthdayWithin,
    DetailChoice,
    MissingFact,
    Note,
    Rule,
    RuleSet,
    Section,
    Term,
)
from legal_rules.facts import CONDITION_VALUES, FACT_KEYS

LANGUAGES: Final = ("nl", "en")
_FILE_KEYS: Final = {"title", "terms", "rules", "missing_facts"}
_RULE_KEYS: Final = {
    "code": True,
    "severity": True,
    "when": True,
    "citations": True,
    "title": True,
    "explanation": True,
    "valid_from": True,
    "valid_to": False,
    "notes": False,
    "detail": False,
}
_TERM_KEYS: Final = {
    "name": True,
    "description": True,
    "when": True,
    "citations": False,
    "valid_from": True,
    "valid_to": False,
    "notes": False,
}
_MISSING_KEYS: Final = {"fact": True, "when": True, "valid_from": True, "valid_to": False}
_RESERVED_NAMES: Final = frozenset(
    {*FACT_KEYS, *CONDITION_VALUES, "age_years", "age_months", "age_total_months"}
)
_DATE_TEXT: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YAML_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class RuleFileError(ValueError):
    """The rule files are broken; ``problems`` lists each problem with its place."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("rule files rejected:\n" + "\n".join(f"- {p}" for p in self.problems))


class _Problems(Exception):
    """Internal: stops checking one entry after its first problem."""


def _text(raw: object, where: str, problems: list[str]) -> dict[str, str]:
    if (
        not isinstance(raw, dict)
        or set(raw) != set(LANGUAGES)
        or not all(isinstance(raw[lang], str) and raw[lang].strip() for lang in LANGUAGES)
    ):
        problems.append(f"{where}: needs a non-empty text for exactly nl and en")
        raise _Problems
    return {lang: raw[lang].strip() for lang in LANGUAGES}


def _date(raw: object, where: str, problems: list[str]) -> date:
    if type(raw) is date:
        return raw
    if isinstance(raw, str) and _DATE_TEXT.fullmatch(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    problems.append(f"{where}: not a date as YYYY-MM-DD: {raw!r}")
    raise _Problems


def _keys(raw: object, spec: dict[str, bool], where: str, problems: list[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        problems.append(f"{where}: an entry must be a mapping")
        raise _Problems
    unknown = [str(key) for key in raw if key not in spec]
    absent = [key for key, required in spec.items() if required and key not in raw]
    if unknown:
        problems.append(f"{where}: unknown key(s) {', '.join(unknown)}")
    if absent:
        problems.append(f"{where}: missing key(s) {', '.join(absent)}")
    if unknown or absent:
        raise _Problems
    return raw


def _when(raw: object, where: str, problems: list[str]) -> Any:
    try:
        return parse(raw, f"{where}: when")
    except ConditionError as error:
        problems.append(str(error))
        raise _Problems from error


def _dates(entry: dict[str, Any], where: str, problems: list[str]) -> tuple[date, date | None]:
    valid_from = _date(entry["valid_from"], f"{where}: valid_from", problems)
    valid_to = None
    if entry.get("valid_to") is not None:
        valid_to = _date(entry["valid_to"], f"{where}: valid_to", problems)
        if valid_to < valid_from:
            problems.append(f"{where}: valid_to {valid_to} is before valid_from {valid_from}")
            raise _Problems
    return valid_from, valid_to


def _notes(raw: object, where: str, problems: list[str]) -> tuple[Note, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(f"{where}: notes must be a list")
        raise _Problems
    notes = []
    for i, item in enumerate(raw):
        here = f"{where}: notes[{i}]"
        _keys(item, {"kind": True, "text": True}, here, problems)
        if item["kind"] not in NOTE_KINDS:
            problems.append(f"{here}: kind must be one of {', '.join(NOTE_KINDS)}")
            raise _Problems
        notes.append(Note(item["kind"], _text(item["text"], f"{here}.text", problems)))
    return tuple(notes)


def _citations(raw: object, where: str, problems: list[str]) -> tuple[str, ...]:
    if (
        not isinstance(raw, list)
        or not raw
        or not all(isinstance(c, str) and c.strip() for c in raw)
    ):
        problems.append(f"{where}: citations must be a non-empty list of texts")
        raise _Problems
    return tuple(c.strip() for c in raw)


def _rule(raw: object, where: str, section: str, problems: list[str]) -> Rule:
    entry = _keys(raw, _RULE_KEYS, where, problems)
    code = entry["code"]
    if not isinstance(code, str) or not CODE_PATTERN.fullmatch(code):
        problems.append(f"{where}: code must be UPPER_SNAKE_CASE; got {code!r}")
        raise _Problems
    where = f"{where} ({code})"
    if entry["severity"] not in SEVERITIES:
        problems.append(
            f"{where}: severity must be one of {', '.join(SEVERITIES)}; got {entry['severity']!r}"
        )
        raise _Problems
    citations = _citations(entry["citations"], where, problems)
    when = _when(entry["when"], where, problems)
    detail = entry.get("detail")
    if isinstance(detail, dict):
        detail = _detail_choice(detail, f"{where}: detail", problems)
    elif detail is not None:
        if not isinstance(detail, str) or detail not in DETAILS:
            problems.append(f"{where}: unknown detail {detail!r} (known: {', '.join(DETAILS)})")
            raise _Problems
        if sum(isinstance(node, BirthdayWithin) for node in walk(when)) != 1:
            problems.append(f"{where}: detail {detail} needs exactly one {detail} in when")
            raise _Problems
    valid_from, valid_to = _dates(entry, where, problems)
    return Rule(
        valid_from=valid_from,
        valid_to=valid_to,
        source=where,
        code=code,
        severity=entry["severity"],
        when=when,
        citations=citations,
        title=_text(entry["title"], f"{where}: title", problems),
        explanation=_text(entry["explanation"], f"{where}: explanation", problems),
        section=section,
        notes=_notes(entry.get("notes"), where, problems),
        detail=detail,
    )


def _detail_choice(raw: dict[str, Any], where: str, problems: list[str]) -> DetailChoice:
    """``{choose: [{when: cond, value: text}, ..., {value: text}]}``: the first option
    whose condition holds gives the detail; the last option (no ``when``) is the default."""
    options = raw.get("choose")
    if set(raw) != {"choose"} or not isinstance(options, list) or not options:
        problems.append(f"{where}: needs choose: a non-empty list of options")
        raise _Problems
    parsed: list[tuple[Any, str]] = []
    for i, option in enumerate(options):
        here = f"{where}.choose[{i}]"
        last = i == len(options) - 1
        _keys(option, {"when": not last, "value": True}, here, problems)
        if last and "when" in option:
            problems.append(f"{here}: the last option is the default and has no when")
            raise _Problems
        value = option["value"]
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{here}.value: needs a non-empty text")
            raise _Problems
        when = None
        if "when" in option:
            when = _when(option["when"], here, problems)
            if any(isinstance(n, Flagged | TermRef | BirthdayWithin) for n in walk(when)):
                problems.append(f"{here}: a detail condition reads facts only (no flagged, term)")
                raise _Problems
        parsed.append((when, value.strip()))
    return DetailChoice(tuple(parsed))


def _term(raw: object, where: str, section: str, problems: list[str]) -> Term:
    entry = _keys(raw, _TERM_KEYS, where, problems)
    name = entry["name"]
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        problems.append(f"{where}: name must be lower_snake_case; got {name!r}")
        raise _Problems
    where = f"{where} ({name})"
    if name in _RESERVED_NAMES:
        problems.append(f"{where}: name {name} is already a fact name")
        raise _Problems
    valid_from, valid_to = _dates(entry, where, problems)
    return Term(
        valid_from=valid_from,
        valid_to=valid_to,
        source=where,
        name=name,
        description=_text(entry["description"], f"{where}: description", problems),
        when=_when(entry["when"], where, problems),
        section=section,
        citations=_citations(entry["citations"], where, problems) if "citations" in entry else (),
        notes=_notes(entry.get("notes"), where, problems),
    )


def _missing(raw: object, where: str, section: str, problems: list[str]) -> MissingFact:
    entry = _keys(raw, _MISSING_KEYS, where, problems)
    if entry["fact"] not in MISSING_FACT_ORDER:
        problems.append(
            f"{where}: fact must be one of {', '.join(MISSING_FACT_ORDER)}; got {entry['fact']!r}"
        )
        raise _Problems
    where = f"{where} ({entry['fact']})"
    valid_from, valid_to = _dates(entry, where, problems)
    return MissingFact(
        valid_from=valid_from,
        valid_to=valid_to,
        source=where,
        fact=entry["fact"],
        when=_when(entry["when"], where, problems),
        section=section,
    )


def _read_files(folder: Traversable) -> list[tuple[str, str]]:
    files = [item for item in folder.iterdir() if item.name.endswith(".yaml") and item.is_file()]
    return [(item.name, item.read_text(encoding="utf-8")) for item in sorted(files, key=str)]


def _cross_checks(rules: list[Rule], terms: list[Term], missing: list[MissingFact]) -> list[str]:
    problems: list[str] = []
    codes = {rule.code for rule in rules}
    names: dict[str, Term] = {}
    for term in terms:
        if term.name in names:
            problems.append(f"{term.source}: term {term.name} is defined twice")
        names[term.name] = term
    entries: list[Rule | Term | MissingFact] = [*rules, *terms, *missing]
    for entry in entries:
        used_codes, used_terms = references(entry.when)
        for code in sorted(used_codes - codes):
            problems.append(f"{entry.source}: when refers to unknown rule code {code}")
        for name in sorted(used_terms - set(names)):
            problems.append(f"{entry.source}: when refers to unknown term {name}")
    by_code: dict[str, list[Rule]] = {}
    for rule in rules:
        by_code.setdefault(rule.code, []).append(rule)
    for code, versions in by_code.items():
        versions.sort(key=lambda rule: rule.valid_from)
        for earlier, later in itertools.pairwise(versions):
            if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
                problems.append(
                    f"{later.source}: two versions of {code} are in force at the same time "
                    f"(from {later.valid_from}); end the earlier one with valid_to"
                )
            if earlier.severity != later.severity:
                problems.append(
                    f"{later.source}: a new version of {code} changes its severity; "
                    "a changed meaning needs a new code"
                )
    return problems


def read_rules(folder: Traversable | Path) -> RuleSet:
    """Read, check and compile every ``*.yaml`` rule file in ``folder``.

    Raises :class:`RuleFileError` listing every problem found.
    """
    problems: list[str] = []
    sections: list[Section] = []
    rules: list[Rule] = []
    terms: list[Term] = []
    missing: list[MissingFact] = []
    try:
        files = _read_files(folder)
    except (OSError, UnicodeDecodeError) as error:
        raise RuleFileError([f"cannot read rule files in {folder}: {error}"]) from error
    if not files:
        raise RuleFileError([f"no rule files (*.yaml) in {folder}"])
    for name, text in files:
        try:
            data = yaml.load(text, Loader=_YAML_LOADER)  # plain data only, no tags
        except yaml.YAMLError as error:
            problems.append(f"{name}: not valid YAML: {error}".replace("\n", " "))
            continue
        if not isinstance(data, dict):
            problems.append(f"{name}: a rule file must be a mapping")
            continue
        unknown = [str(key) for key in data if key not in _FILE_KEYS]
        if unknown:
            problems.append(f"{name}: unknown key(s) {', '.join(unknown)}")
            continue
        section = name.removesuffix(".yaml")
        try:
            sections.append(Section(section, _text(data.get("title"), f"{name}: title", problems)))
        except _Problems:
            continue
        sections_of_file: tuple[tuple[str, Callable[..., Any], list[Any]], ...] = (
            ("terms", _term, terms),
            ("rules", _rule, rules),
            ("missing_facts", _missing, missing),
        )
        for key, reader, into in sections_of_file:
            entries = data.get(key, [])
            if not isinstance(entries, list):
                problems.append(f"{name}: {key} must be a list")
                continue
            for i, raw in enumerate(entries):
                with contextlib.suppress(_Problems):
                    into.append(reader(raw, f"{name}: {key}[{i}]", section, problems))
    if not problems:
        problems = _cross_checks(rules, terms, missing)
    if problems:
        raise RuleFileError(problems)
    try:
        return RuleSet(sections, rules, terms, missing)
    except ValueError as error:
        raise RuleFileError([str(error)]) from error


@cache
def _bundled_rules() -> RuleSet:
    return read_rules(resources.files("legal_rules") / "rules")


def load_rules(folder: str | Path | None = None) -> RuleSet:
    """The rule set: the bundled rule files (read once), or those in ``folder``."""
    if folder is None:
        return _bundled_rules()
    return read_rules(Path(folder))

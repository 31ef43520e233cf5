"""The rule table for a jurist, in Markdown (``python -m legal_rules table``).

Owns the layout of the table (``domain/legal-rules.md``, last section): how to read the
conditions, a glossary of the facts, the definitions, every rule with the explanation
the desk worker sees, its condition, detail, citations and notes, a matrix of care type
× age band, the worked cases as the engine evaluates them, every citation with article,
lid and sub, its official text and whether it was verified, and the project decisions,
open and closed points. Conditions, the matrix and the worked cases are produced from
the very rules the engine runs, so the table cannot drift from the engine.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib import resources
from typing import Any, Final

import yaml

from legal_rules.conditions import render
from legal_rules.engine import RULES_VERSION, SEVERITIES, DetailChoice, Note, Rule, RuleSet
from legal_rules.facts import AGE_BANDS, ENUM_FACTS, FACT_KEYS
from legal_rules.sources import Citation, load_sources
from legal_rules.worked_cases import worked_cases

# Per language: plain words, column headers (tuples), paragraphs (lists), severity names.
_WORDS: Final[dict[str, dict[str, Any]]] = {
    "nl": {
        "title": "Regeltabel toestemming en machtiging, versie {version}",
        "intro": (
            "Gegenereerd uit de regelbestanden (`legal_rules/rules/*.yaml`) met "
            "`python -m legal_rules table`; de voorwaarden, de matrix en de uitgewerkte "
            "casussen komen uit dezelfde regels die de rekenkern gebruikt. De regels "
            "adviseren een professional; zij beslissen niet. Een regel geldt van *geldig "
            "vanaf* tot en met *geldig tot*. Versie 2 verbetert de lezing van de wet na een "
            "juridische review; de verbeterde regels vervangen die van versie 1 (zelfde "
            "*geldig vanaf*), zie `legal_rules/CHANGELOG.md`. Keuzes van het project waar het "
            "recht niet eenduidig is, zijn gemarkeerd met **(projectbeslissing)**."
        ),
        "contents": "Inhoud",
        "how": "Zo leest u de voorwaarden",
        "how_text": [
            "`feit` verwijst naar een invoerfeit (zie de woordenlijst); *begrip* naar een "
            "definitie hieronder; `CODE` naar een andere regel.",
            "**EN**, **OF** en **NIET** in hoofdletters verbinden voorwaarden; wat tussen "
            "haakjes staat hoort bij elkaar. Voorbeeld: `a` EN (`b` OF `c`).",
            "`feit` is een van {`x`, `y`}: het feit heeft een van deze waarden.",
            "Leeftijd *12 tot 16*: 12 of ouder en jonger dan 16 (hele jaren op de "
            "beslisdatum; 17 jr 6 mnd = 17,5 jaar). Een leeftijdsvoorwaarde geldt niet als "
            "de leeftijd onbekend is.",
            "Ernst: **vereist** = een toestemming of machtiging die er moet komen, of een "
            "feit dat moet worden vastgesteld; **waarschuwing** = een waarschijnlijke "
            "vergissing om na te gaan; **info** = context.",
        ],
        "glossary": "Woordenlijst van de feiten",
        "glossary_cols": ("feit", "betekenis", "waarden"),
        "default": "standaard",
        "terms": "Begrippen",
        "when": "Wanneer",
        "seen": "Wat de deskmedewerker ziet",
        "detail": "Detail",
        "detail_choice": "`{value}` als {cond}",
        "detail_default": "anders `{value}`",
        "detail_birthday": "de datum van die verjaardag",
        "citations": "Bronnen",
        "valid": "Geldig",
        "valid_span": "vanaf {start} tot en met {end}",
        "valid_open": "vanaf {start}, geen einddatum",
        "severity_label": "Ernst",
        "severity": {"required": "vereist", "warning": "waarschuwing", "info": "info"},
        "project_decision": "projectbeslissing",
        "open_point": "open punt",
        "closed_point": "gesloten punt",
        "missing": "Ontbrekende feiten (in deze volgorde gemeld)",
        "missing_cols": ("feit", "gemeld wanneer", "geldig vanaf", "geldig tot"),
        "open": "-",
        "matrix": "Matrix: soort zorg × leeftijdsgroep",
        "matrix_intro": (
            "Per soort zorg welke regels in welke leeftijdsgroep kunnen worden gemeld, "
            "afgeleid uit de gecompileerde voorwaarden op {day}. ● = altijd gemeld; "
            "○ = gemeld afhankelijk van de andere feiten; – = nooit gemeld (onderdrukt)."
        ),
        "matrix_code": "regel",
        "matrix_never": "Nooit gemeld bij deze soort zorg",
        "bands": {
            "under_12": "< 12",
            "12_15": "12–15",
            "16_17": "16–17",
            "18_22": "18–22",
            "23_plus": "23+",
            "unknown": "onbekend",
        },
        "worked": "Uitgewerkte casussen",
        "worked_intro": (
            "De drie gesprekken uit de walk-through en de voorbeelden uit de juridische "
            "review, zoals de rekenkern ze nu beoordeelt."
        ),
        "facts": "Feiten",
        "result": "Uitkomst (versie {version})",
        "result_cols": ("ernst", "code", "titel", "detail"),
        "age": "Leeftijd: {years} jaar en {months} maanden ({band}).",
        "age_unknown": "Leeftijd onbekend.",
        "missing_facts": "Ontbrekende feiten: {facts}.",
        "no_missing": "Geen ontbrekende feiten.",
        "v1": "Versie 1 gaf: {codes}.",
        "v1_diff": "Versie 2 voegt toe: {added}; laat vallen: {dropped}.",
        "comment": "Toelichting",
        "none": "geen",
        "sources": "Bronnen: artikelen, wetsversies en verificatie",
        "sources_intro": (
            "Elke bron die een regel noemt. *Versie wettekst* is de datum van de versie van "
            "de officiële tekst waartegen het artikel is gecontroleerd. Geen van de bronnen "
            "kon bij het schrijven van versie 2 tegen wetten.overheid.nl worden gecontroleerd "
            "(geen toegang vanuit de ontwikkelomgeving): ze zijn gelezen uit het rapport "
            "(hoofdstuk 3), de KNMG-wegwijzer en de specificatie, en zijn gemarkeerd als "
            "**niet geverifieerd**. De links gaan naar de officiële tekst via het BWB-id; "
            "ook die zijn nog niet nagelopen. Een jurist die een bron controleert, legt dat "
            "vast in `legal_rules/sources.yaml` (verified)."
        ),
        "sources_cols": (
            "bron",
            "wet",
            "artikel",
            "lid",
            "sub",
            "versie wettekst",
            "officiële tekst",
            "geverifieerd",
            "gebruikt door",
        ),
        "chapter": "hoofdstuk {n}",
        "verified_yes": "ja, {on} ({by})",
        "verified_no": "**nee**",
        "link_unchecked": " (link niet nagelopen)",
        "text": "tekst",
        "cited_verified": "geverifieerd",
        "cited_unverified": "niet geverifieerd",
        "unknown_law": "onbekende wet",
        "notes": "Projectbeslissingen, open punten en gesloten punten",
        "notes_kinds": {
            "project_decision": "Projectbeslissingen",
            "open_point": "Open punten",
            "closed_point": "Gesloten punten",
        },
    },
    "en": {
        "title": "Consent and authorization rule table, version {version}",
        "intro": (
            "Generated from the rule files (`legal_rules/rules/*.yaml`) by "
            "`python -m legal_rules table`; the conditions, the matrix and the worked cases "
            "come from the same rules the engine runs. The rules advise a professional; they "
            "never decide. A rule is in force from *valid from* up to and including *valid "
            "to*. Version 2 corrects the reading of the law after a jurist-style review; the "
            "corrected rules replace those of version 1 (same *valid from*), see "
            "`legal_rules/CHANGELOG.md`. Choices of the project where the law is unsettled "
            "are marked **(project decision)**."
        ),
        "contents": "Contents",
        "how": "How to read the conditions",
        "how_text": [
            "`fact` refers to an input fact (see the glossary); *term* to a definition "
            "below; `CODE` to another rule.",
            "**AND**, **OR** and **NOT** in capitals join conditions; what is in brackets "
            "belongs together. Example: `a` AND (`b` OR `c`).",
            "`fact` is one of {`x`, `y`}: the fact has one of these values.",
            "Age *12 to under 16*: 12 or older and under 16 (whole years on the decision "
            "date; 17 y 6 m = 17½). An age condition does not hold when the age is unknown.",
            "Severity: **required** = a consent or authorization that must be obtained, or a "
            "fact that must be established; **warning** = a likely mistake to check; "
            "**info** = context.",
        ],
        "glossary": "Glossary of the facts",
        "glossary_cols": ("fact", "meaning", "values"),
        "default": "default",
        "terms": "Definitions",
        "when": "When",
        "seen": "What the desk worker sees",
        "detail": "Detail",
        "detail_choice": "`{value}` if {cond}",
        "detail_default": "otherwise `{value}`",
        "detail_birthday": "the date of that birthday",
        "citations": "Citations",
        "valid": "Valid",
        "valid_span": "from {start} up to and including {end}",
        "valid_open": "from {start}, no end date",
        "severity_label": "Severity",
        "severity": {"required": "required", "warning": "warning", "info": "info"},
        "project_decision": "project decision",
        "open_point": "open point",
        "closed_point": "closed point",
        "missing": "Missing facts (reported in this order)",
        "missing_cols": ("fact", "reported when", "valid from", "valid to"),
        "open": "-",
        "matrix": "Matrix: care type × age band",
        "matrix_intro": (
            "Per care type, which rules can be flagged in which age band, derived from the "
            "compiled conditions on {day}. ● = always flagged; ○ = flagged depending on the "
            "other facts; – = never flagged (suppressed)."
        ),
        "matrix_code": "rule",
        "matrix_never": "Never flagged for this care type",
        "bands": {
            "under_12": "< 12",
            "12_15": "12–15",
            "16_17": "16–17",
            "18_22": "18–22",
            "23_plus": "23+",
            "unknown": "unknown",
        },
        "worked": "Worked cases",
        "worked_intro": (
            "The three calls of the walk-through and the examples of the jurist-style "
            "review, as the engine judges them now."
        ),
        "facts": "Facts",
        "result": "Outcome (version {version})",
        "result_cols": ("severity", "code", "title", "detail"),
        "age": "Age: {years} years and {months} months ({band}).",
        "age_unknown": "Age unknown.",
        "missing_facts": "Missing facts: {facts}.",
        "no_missing": "No missing facts.",
        "v1": "Version 1 gave: {codes}.",
        "v1_diff": "Version 2 adds: {added}; drops: {dropped}.",
        "comment": "Comment",
        "none": "none",
        "sources": "Sources: articles, law versions and verification",
        "sources_intro": (
            "Every source a rule cites. *Law version* is the date of the version of the "
            "official text the article was checked against. None of the sources could be "
            "checked against wetten.overheid.nl when version 2 was written (no access from "
            "the development environment): they were read from the report (chapter 3), the "
            "KNMG guidance and the specification, and are marked **not verified**. The links "
            "go to the official text by BWB id; they too have not been opened yet. A jurist "
            "who checks a source records it in `legal_rules/sources.yaml` (verified)."
        ),
        "sources_cols": (
            "citation",
            "law",
            "article",
            "lid",
            "sub",
            "law version",
            "official text",
            "verified",
            "used by",
        ),
        "chapter": "chapter {n}",
        "verified_yes": "yes, {on} ({by})",
        "verified_no": "**no**",
        "link_unchecked": " (link not checked)",
        "text": "text",
        "cited_verified": "verified",
        "cited_unverified": "not verified",
        "unknown_law": "unknown law",
        "notes": "Project decisions, open points and closed points",
        "notes_kinds": {
            "project_decision": "Project decisions",
            "open_point": "Open points",
            "closed_point": "Closed points",
        },
    },
}

MATRIX_DAY: Final = date(2026, 12, 3)
"""The day the matrix is drawn for (all version-2 rules are in force then)."""


@cache
def glossary() -> dict[str, Any]:
    """``legal_rules/glossary.yaml``: the facts and their values in plain words."""
    text = (resources.files("legal_rules") / "glossary.yaml").read_text(encoding="utf-8")
    return dict(yaml.safe_load(text))


def _value_key(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def value_label(fact: str, value: Any, lang: str) -> str:
    """A fact's value in plain words (the value itself when the glossary lacks it)."""
    return glossary()["values"].get(fact, {}).get(_value_key(value), {}).get(lang, str(value))


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _row(cells: tuple[str, ...] | list[str]) -> str:
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def _header(cols: tuple[str, ...] | list[str]) -> list[str]:
    return [_row(cols), "|" + "---|" * len(cols)]


def _rank(rule: Rule) -> tuple[int, str]:
    return SEVERITIES.index(rule.severity), rule.code


def _valid(entry: Any, lang: str) -> str:
    words = _WORDS[lang]
    start = entry.valid_from.isoformat()
    if entry.valid_to is None:
        return words["valid_open"].format(start=start)
    return words["valid_span"].format(start=start, end=entry.valid_to.isoformat())


def _link(citation: Citation, lang: str) -> str:
    words = _WORDS[lang]
    if citation.law is None:
        return words["unknown_law"]
    suffix = "" if citation.law.link_checked else words["link_unchecked"]
    return f"[{citation.law.abbr}]({citation.law.url}){suffix}"


def _verified(citation: Citation, lang: str) -> str:
    words = _WORDS[lang]
    if citation.verified is None:
        return words["verified_no"]
    return words["verified_yes"].format(
        on=citation.verified.checked_on.isoformat(), by=citation.verified.checked_by
    )


def _citation_line(text: str, lang: str) -> str:
    citation = load_sources().parse(text)
    words = _WORDS[lang]
    state = words["cited_verified"] if citation.verified else words["cited_unverified"]
    if citation.law is None:
        return f"{text} ({words['unknown_law']})"
    return f"{text} ([{words['text']}]({citation.law.url}), {state})"


def _note_lines(notes: tuple[Note, ...], lang: str) -> list[str]:
    words = _WORDS[lang]
    return [f"- **{words[note.kind]}:** {_cell(note.text[lang])}" for note in notes]


def _detail(rule: Rule, lang: str) -> str | None:
    words = _WORDS[lang]
    if isinstance(rule.detail, DetailChoice):
        parts = []
        for when, value in rule.detail.options:
            if when is None:
                parts.append(words["detail_default"].format(value=value))
            else:
                parts.append(words["detail_choice"].format(value=value, cond=render(when, lang)))
        return "; ".join(parts)
    if rule.detail == "birthday_within":
        return words["detail_birthday"]
    return None


def _rule_block(rule: Rule, lang: str) -> list[str]:
    words = _WORDS[lang]
    title = rule.title[lang]
    if rule.project_decision:
        title += f" **({words['project_decision']})**"
    lines = [f"### `{rule.code}` — {title}", ""]
    lines.append(f"- **{words['severity_label']}:** {words['severity'][rule.severity]}")
    lines.append(f"- **{words['when']}:** {render(rule.when, lang)}")
    lines.append(f"- **{words['seen']}:** *{rule.title[lang]}.* {_cell(rule.explanation[lang])}")
    detail = _detail(rule, lang)
    if detail:
        lines.append(f"- **{words['detail']}:** {detail}")
    cited = "; ".join(_citation_line(text, lang) for text in rule.citations)
    lines.append(f"- **{words['citations']}:** {cited}")
    lines.append(f"- **{words['valid']}:** {_valid(rule, lang)}")
    lines += _note_lines(rule.notes, lang)
    return [*lines, ""]


def _how(lang: str) -> list[str]:
    words = _WORDS[lang]
    return [f"## {words['how']}", "", *(f"- {line}" for line in words["how_text"]), ""]


def _glossary(lang: str) -> list[str]:
    words = _WORDS[lang]
    data = glossary()
    lines = [f"## {words['glossary']}", "", *_header(words["glossary_cols"])]
    for fact in [*FACT_KEYS, "age_band"]:
        values = data["values"].get(fact, {})
        listed = "; ".join(f"`{key}` = {text[lang]}" for key, text in values.items())
        if fact in ("decision_date", "birth_date"):
            listed = "JJJJ-MM-DD" if lang == "nl" else "YYYY-MM-DD"
        lines.append(_row([f"`{fact}`", data["facts"][fact][lang], listed]))
    return [*lines, ""]


def _terms(rules: RuleSet, lang: str) -> list[str]:
    words = _WORDS[lang]
    lines = [f"## {words['terms']}", ""]
    for term in rules.terms:
        marked = any(note.kind == "project_decision" for note in term.notes)
        suffix = f" **({words['project_decision']})**" if marked else ""
        lines += [f"### *{term.name}*{suffix}", ""]
        lines.append(f"- {_cell(term.description[lang])}")
        lines.append(f"- **{words['when']}:** {render(term.when, lang)}")
        if term.citations:
            cited = "; ".join(_citation_line(text, lang) for text in term.citations)
            lines.append(f"- **{words['citations']}:** {cited}")
        lines.append(f"- **{words['valid']}:** {_valid(term, lang)}")
        lines += [*_note_lines(term.notes, lang), ""]
    return lines


def _sections(rules: RuleSet, lang: str) -> list[str]:
    words = _WORDS[lang]
    lines: list[str] = []
    for section in rules.sections:
        entries = sorted(
            (rule for rule in rules.rules if rule.section == section.id),
            key=lambda rule: (*_rank(rule), rule.valid_from),
        )
        missing = [entry for entry in rules.missing_facts if entry.section == section.id]
        if not entries and not missing:
            continue
        lines += [f"## {section.title[lang]}", ""]
        for rule in entries:
            lines += _rule_block(rule, lang)
        if missing:
            lines += [f"### {words['missing']}", "", *_header(words["missing_cols"])]
            for entry in missing:
                lines.append(
                    _row(
                        [
                            f"`{entry.fact}`",
                            render(entry.when, lang),
                            entry.valid_from.isoformat(),
                            entry.valid_to.isoformat() if entry.valid_to else words["open"],
                        ]
                    )
                )
            lines.append("")
    return lines


def _matrix(rules: RuleSet, lang: str) -> list[str]:
    words = _WORDS[lang]
    lines = [
        f"## {words['matrix']}",
        "",
        words["matrix_intro"].format(day=MATRIX_DAY.isoformat()),
        "",
    ]
    by_code = {rule.code: rule for rule in rules.in_force(MATRIX_DAY)}
    for care_type in ENUM_FACTS["care_type"]:
        possible = rules.possible_flags(MATRIX_DAY, care_type)
        codes = sorted(
            {code for band in possible.values() for code in band},
            key=lambda code: _rank(by_code[code]),
        )
        label = value_label("care_type", care_type, lang)
        lines += [f"### `{care_type}` ({label})", ""]
        lines += _header([words["matrix_code"], *(words["bands"][band] for band in AGE_BANDS)])
        symbol = {"always": "●", "depends": "○", None: "–"}
        for code in codes:
            cells = [symbol[possible.get(band, {}).get(code)] for band in AGE_BANDS]
            lines.append(_row([f"`{code}`", *cells]))
        never = sorted(set(by_code) - set(codes), key=lambda code: _rank(by_code[code]))
        lines += ["", f"{words['matrix_never']}: " + ", ".join(f"`{c}`" for c in never), ""]
    return lines


def _worked(rules: RuleSet, lang: str) -> list[str]:
    words = _WORDS[lang]
    lines = [f"## {words['worked']}", "", words["worked_intro"], ""]
    for case in worked_cases():
        result = rules.evaluate(case.facts)
        lines += [f"### {case.title[lang]}", "", f"**{words['facts']}:**", ""]
        for fact, value in case.facts.items():
            shown = (
                value if fact in ("decision_date", "birth_date") else value_label(fact, value, lang)
            )
            lines.append(f"- `{fact}` = `{_value_key(value)}` — {shown}")
        age = result["age"]
        band = words["bands"][age["band"]]
        lines.append("")
        if age["years"] is None:
            lines.append(words["age_unknown"])
        else:
            lines.append(words["age"].format(years=age["years"], months=age["months"], band=band))
        lines += ["", f"**{words['result'].format(version=result['rules_version'])}:**", ""]
        lines += _header(words["result_cols"])
        for flag in result["flags"]:
            detail = flag["detail"] or words["open"]
            lines.append(
                _row(
                    [
                        words["severity"][flag["severity"]],
                        f"`{flag['code']}`",
                        flag["title"][lang],
                        str(detail),
                    ]
                )
            )
        lines.append("")
        missing = result["missing_facts"]
        if missing:
            lines.append(words["missing_facts"].format(facts=", ".join(f"`{m}`" for m in missing)))
        else:
            lines.append(words["no_missing"])
        codes = [flag["code"] for flag in result["flags"]]
        if case.v1_flags:
            lines.append("")
            lines.append(words["v1"].format(codes=", ".join(f"`{c}`" for c in case.v1_flags)))
            added = [c for c in codes if c not in case.v1_flags]
            dropped = [c for c in case.v1_flags if c not in codes]
            lines.append(
                words["v1_diff"].format(
                    added=", ".join(f"`{c}`" for c in added) or words["none"],
                    dropped=", ".join(f"`{c}`" for c in dropped) or words["none"],
                )
            )
        lines += ["", f"**{words['comment']}:** {case.comment[lang]}", ""]
    return lines


def _sources(rules: RuleSet, lang: str) -> list[str]:
    words = _WORDS[lang]
    sources = load_sources()
    used: dict[str, list[str]] = {}
    for term in rules.terms:
        for text in term.citations:
            used.setdefault(text, []).append(f"*{term.name}*")
    for rule in sorted(rules.rules, key=_rank):
        for text in rule.citations:
            used.setdefault(text, []).append(f"`{rule.code}`")
    lines = [f"## {words['sources']}", "", words["sources_intro"], ""]
    lines += _header(words["sources_cols"])
    for text in sorted(used):
        citation = sources.parse(text)
        article = citation.article or (
            words["chapter"].format(n=citation.chapter) if citation.chapter else words["open"]
        )
        law = citation.law.name[lang] if citation.law else words["unknown_law"]
        version = citation.verified.law_version.isoformat() if citation.verified else words["open"]
        lines.append(
            _row(
                [
                    text,
                    law,
                    article,
                    citation.lid or words["open"],
                    citation.sub or words["open"],
                    version,
                    _link(citation, lang),
                    _verified(citation, lang),
                    ", ".join(dict.fromkeys(used[text])),
                ]
            )
        )
    return [*lines, ""]


def _notes(rules: RuleSet, lang: str) -> list[str]:
    words = _WORDS[lang]
    lines = [f"## {words['notes']}", ""]
    labelled = [(f"*{term.name}*", term.notes) for term in rules.terms]
    labelled += [(f"`{rule.code}`", rule.notes) for rule in sorted(rules.rules, key=_rank)]
    for kind in ("project_decision", "open_point", "closed_point"):
        lines += [f"### {words['notes_kinds'][kind]}", ""]
        for label, notes in labelled:
            for note in notes:
                if note.kind == kind:
                    lines.append(f"- {label}: {_cell(note.text[lang])}")
        lines.append("")
    return lines


def render_table(rules: RuleSet, lang: str = "nl") -> str:
    """The whole rule table as Markdown in ``lang`` (``nl`` or ``en``)."""
    if lang not in _WORDS:
        raise ValueError(f"language must be nl or en, not {lang!r}")
    words = _WORDS[lang]
    parts = {
        "how": _how(lang),
        "glossary": _glossary(lang),
        "terms": _terms(rules, lang),
    }
    body = [*parts["how"], *parts["glossary"], *parts["terms"], *_sections(rules, lang)]
    body += [*_matrix(rules, lang), *_worked(rules, lang), *_sources(rules, lang)]
    body += _notes(rules, lang)
    headings = [line[3:] for line in body if line.startswith("## ")]
    contents = [f"## {words['contents']}", "", *(f"- {heading}" for heading in headings), ""]
    title = f"# {words['title'].format(version=RULES_VERSION)}"
    return "\n".join([title, "", words["intro"], "", *contents, *body]).rstrip("\n") + "\n"

"""The rule table for a jurist, in Markdown (``python -m legal_rules table``).

Owns the layout of the table: per rule file a section with the definitions (terms) and
rules it holds, and at the end the list of project decisions and open points. The
"when" column is rendered from the very conditions the engine runs, so the table can
never drift from the engine.
"""

from __future__ import annotations

from typing import Final

from legal_rules.conditions import render
from legal_rules.engine import RULES_VERSION, SEVERITIES, Note, RuleSet

_HEAD: Final = {
    "nl": {
        "title": "Regeltabel toestemming en machtiging, versie {version}",
        "intro": (
            "Gegenereerd uit de regelbestanden (`legal_rules/rules/*.yaml`). "
            "Een regel geldt van *geldig vanaf* tot en met *geldig tot*. "
            "Regels gemarkeerd met (projectbeslissing) zijn keuzes van het project waar het "
            "recht niet eenduidig is; de onderbouwing staat bij *Notities*."
        ),
        "terms": "Begrippen",
        "term_cols": ("begrip", "betekenis", "wanneer", "bronnen", "geldig vanaf", "geldig tot"),
        "rule_cols": (
            "code",
            "ernst",
            "titel",
            "wanneer",
            "bronnen",
            "geldig vanaf",
            "geldig tot",
            "notities",
        ),
        "missing": "Ontbrekende feiten (in deze volgorde gemeld)",
        "missing_cols": ("feit", "gemeld wanneer", "geldig vanaf", "geldig tot"),
        "notes": "Projectbeslissingen en open punten",
        "project_decision": "projectbeslissing",
        "open_point": "open punt",
        "open": "-",
        "severity": {"required": "vereist", "warning": "waarschuwing", "info": "info"},
    },
    "en": {
        "title": "Consent and authorization rule table, version {version}",
        "intro": (
            "Generated from the rule files (`legal_rules/rules/*.yaml`). "
            "A rule is in force from *valid from* up to and including *valid to*. "
            "Rules marked (project decision) are choices of the project where the law is "
            "unsettled; the reasoning is under *Notes*."
        ),
        "terms": "Definitions",
        "term_cols": ("term", "meaning", "when", "citations", "valid from", "valid to"),
        "rule_cols": (
            "code",
            "severity",
            "title",
            "when",
            "citations",
            "valid from",
            "valid to",
            "notes",
        ),
        "missing": "Missing facts (reported in this order)",
        "missing_cols": ("fact", "reported when", "valid from", "valid to"),
        "notes": "Project decisions and open points",
        "project_decision": "project decision",
        "open_point": "open point",
        "open": "-",
        "severity": {"required": "required", "warning": "warning", "info": "info"},
    },
}


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _row(cells: tuple[str, ...] | list[str]) -> str:
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def _header(cols: tuple[str, ...]) -> list[str]:
    return [_row(cols), "|" + "---|" * len(cols)]


def _notes(notes: tuple[Note, ...], lang: str) -> str:
    words = _HEAD[lang]
    return " ".join(f"**{words[note.kind]}:** {note.text[lang]}" for note in notes)


def render_table(rules: RuleSet, lang: str = "nl") -> str:
    """The whole rule table as Markdown in ``lang`` (``nl`` or ``en``)."""
    if lang not in _HEAD:
        raise ValueError(f"language must be nl or en, not {lang!r}")
    words = _HEAD[lang]
    rank = {severity: i for i, severity in enumerate(SEVERITIES)}
    lines = [f"# {words['title'].format(version=RULES_VERSION)}", "", words["intro"], ""]
    for section in rules.sections:
        terms = [term for term in rules.terms if term.section == section.id]
        entries = sorted(
            (rule for rule in rules.rules if rule.section == section.id),
            key=lambda rule: (rank[rule.severity], rule.code, rule.valid_from),
        )
        missing = [entry for entry in rules.missing_facts if entry.section == section.id]
        lines += [f"## {section.title[lang]}", ""]
        if terms:
            lines += _header(words["term_cols"])
            for term in terms:
                meaning = term.description[lang]
                if term.notes:
                    meaning += " " + _notes(term.notes, lang)
                lines.append(
                    _row(
                        [
                            f"*{term.name}*",
                            meaning,
                            render(term.when, lang),
                            "; ".join(term.citations) or words["open"],
                            term.valid_from.isoformat(),
                            term.valid_to.isoformat() if term.valid_to else words["open"],
                        ]
                    )
                )
            lines.append("")
        if entries:
            lines += _header(words["rule_cols"])
            for rule in entries:
                title = rule.title[lang]
                if rule.project_decision:
                    title += f" ({words['project_decision']})"
                lines.append(
                    _row(
                        [
                            f"`{rule.code}`",
                            words["severity"][rule.severity],
                            title,
                            render(rule.when, lang),
                            "; ".join(rule.citations),
                            rule.valid_from.isoformat(),
                            rule.valid_to.isoformat() if rule.valid_to else words["open"],
                            _notes(rule.notes, lang) or words["open"],
                        ]
                    )
                )
            lines.append("")
        if missing:
            lines += [f"### {words['missing']}", ""]
            lines += _header(words["missing_cols"])
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
    lines += [f"## {words['notes']}", ""]
    labelled = [(f"*{term.name}*", term.notes) for term in rules.terms]
    labelled += [(f"`{rule.code}`", rule.notes) for rule in rules.rules]
    for kind in ("open_point", "project_decision"):
        for label, notes in labelled:
            for note in notes:
                if note.kind == kind:
                    lines.append(f"- **{words[kind]}** ({label}): {_cell(note.text[lang])}")
    lines.append("")
    return "\n".join(lines)

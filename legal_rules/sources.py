"""The sources behind the citations: which law, which article, lid and sub, the official
text, and whether a citation was checked against it.

Owns ``legal_rules/sources.yaml`` (the laws with their BWB id on wetten.overheid.nl, and
the record of verified citations) and the parsing of a citation text such as
``"BW 7:465 lid 1–2"`` into its parts. ``python -m legal_rules check`` uses
:func:`citation_problems` so that no rule can cite a law that is not listed; the rule
table prints :func:`describe` for every citation. Qt-free, no network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any, Final

import yaml

OFFICIAL: Final = "https://wetten.overheid.nl/"

_PATTERNS: Final = (
    # BW 7:465 lid 1–2 sub a / Wvggz 1:4 lid 2 / Jw 6.1.2 lid 4 / Wzd art. 21 / Rv 800 lid 3
    re.compile(
        r"^(?P<law>BW|Wvggz|Jw|Wzd|Rv) (?:art\. )?(?P<article>[0-9]+(?:[:.][0-9]+[a-z]?)*[a-z]?)"
        r"(?: lid (?P<lid>[0-9]+(?:[–-][0-9]+)?))?(?: sub (?P<sub>[a-z0-9]+))?$"
    ),
    re.compile(r"^(?P<law>Wvggz) hoofdstuk (?P<chapter>[0-9]+)$"),
    re.compile(r"^(?P<law>ECLI):(?P<ecli>NL:[A-Z]+:[0-9]{4}:[0-9]+)$"),
)


@dataclass(frozen=True)
class Law:
    abbr: str
    cite_as: str
    name: dict[str, str]
    url: str
    link_checked: bool


@dataclass(frozen=True)
class Verified:
    citation: str
    law_version: date
    checked_on: date
    checked_by: str


@dataclass(frozen=True)
class Citation:
    """One citation text taken apart; ``law`` is None when it cannot be read."""

    text: str
    law: Law | None
    article: str | None = None
    lid: str | None = None
    sub: str | None = None
    chapter: str | None = None
    verified: Verified | None = None


@dataclass(frozen=True)
class Sources:
    laws: tuple[Law, ...]
    verified: dict[str, Verified]

    def law_for(self, text: str) -> Law | None:
        for law in sorted(self.laws, key=lambda law: -len(law.cite_as)):
            if text.startswith(law.cite_as):
                return law
        return None

    def parse(self, text: str) -> Citation:
        for pattern in _PATTERNS:
            match = pattern.fullmatch(text)
            if match is None:
                continue
            parts = match.groupdict()
            law = self.law_for(text)
            if law is None:
                break
            return Citation(
                text=text,
                law=law,
                article=parts.get("article") or parts.get("ecli"),
                lid=parts.get("lid"),
                sub=parts.get("sub"),
                chapter=parts.get("chapter"),
                verified=self.verified.get(text),
            )
        return Citation(text=text, law=None)


def _read(raw: Any) -> Sources:
    laws = []
    for entry in raw["laws"]:
        url = entry.get("url") or f"{OFFICIAL}{entry['bwb']}"
        laws.append(
            Law(
                abbr=entry["abbr"],
                cite_as=entry["cite_as"],
                name=dict(entry["name"]),
                url=url,
                link_checked=bool(entry.get("link_checked")),
            )
        )
    verified = {}
    for entry in raw.get("verified") or []:
        verified[entry["citation"]] = Verified(
            citation=entry["citation"],
            law_version=date.fromisoformat(str(entry["law_version"])),
            checked_on=date.fromisoformat(str(entry["checked_on"])),
            checked_by=str(entry["checked_by"]),
        )
    return Sources(tuple(laws), verified)


@cache
def load_sources() -> Sources:
    """The bundled ``sources.yaml`` (read once)."""
    text = (resources.files("legal_rules") / "sources.yaml").read_text(encoding="utf-8")
    return _read(yaml.safe_load(text))


def citation_problems(
    citations: list[tuple[str, str]], sources: Sources | None = None
) -> list[str]:
    """Problems with ``(where, citation)`` pairs: a citation that cannot be read as law,
    article, lid and sub, or whose law is not in sources.yaml."""
    sources = sources or load_sources()
    problems = []
    for where, text in citations:
        if sources.parse(text).law is None:
            problems.append(
                f"{where}: citation {text!r} is not law + article (+ lid, sub) of a law "
                "listed in legal_rules/sources.yaml"
            )
    for text in sources.verified:
        if text not in {cited for _, cited in citations}:
            problems.append(f"sources.yaml: verified citation {text!r} is cited by no rule")
    return problems

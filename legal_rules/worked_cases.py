"""Worked cases for the jurist's rule table (``legal_rules/worked_cases.yaml``).

Owns reading the worked cases: the three calls of the walk-through and the examples of
the jurist-style review behind version 2, each with its facts, the flags a reviewer
agreed on, what version 1 gave, and a comment in Dutch and English. The table evaluates
each case with the engine when it is printed; the tests hold the engine to ``flags``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class WorkedCase:
    id: str
    title: dict[str, str]
    facts: dict[str, Any]
    flags: tuple[str, ...]
    """The flag codes a reviewer agreed the engine must give, in output order."""
    v1_flags: tuple[str, ...]
    """What version 1 of the rules gave for the same facts."""
    comment: dict[str, str]


@cache
def worked_cases() -> tuple[WorkedCase, ...]:
    """The bundled worked cases, in file order."""
    text = (resources.files("legal_rules") / "worked_cases.yaml").read_text(encoding="utf-8")
    return tuple(
        WorkedCase(
            id=entry["id"],
            title=dict(entry["title"]),
            facts=dict(entry["facts"]),
            flags=tuple(entry["flags"]),
            v1_flags=tuple(entry.get("v1_flags", ())),
            comment={lang: " ".join(text.split()) for lang, text in entry["comment"].items()},
        )
        for entry in yaml.safe_load(text)["cases"]
    )

"""Code rules import-linter cannot express: one write path for a case, no silent fallbacks.

The layer contracts themselves (Qt only in the UI, who imports whom) are import-linter's,
checked by ``make lint`` and ``tests/unit/test_layers.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_nothing_outside_the_store_writes_case_sql() -> None:
    """One write path for a case (desktop.store.heads): no other package writes the
    case rows or their versions."""
    writes = re.compile(r"(INSERT INTO|UPDATE|DELETE FROM)\s+(cases|case_versions)\b")
    offenders = [
        str(path.relative_to(ROOT))
        for package in ("desktop", "tools")
        for path in python_files(package)
        if "store" not in path.relative_to(ROOT).parts[:2]
        and writes.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_no_silent_import_fallbacks_in_the_desk() -> None:
    """A packaging fault fails loudly: no ``except ImportError`` in the desk's code."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in python_files("desktop")
        if "except ImportError" in path.read_text(encoding="utf-8")
        or "except ModuleNotFoundError" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []

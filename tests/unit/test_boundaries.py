"""The layer rule of DESIGN.md: Qt lives only in desktop/ui and the app wiring."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QT_FREE = [
    "desktop/store",
    "desktop/session",
    "desktop/forms",
    "desktop/sync",
    "desktop/reports",
    "desktop/training",
    "legal_rules",
    "central_api",
    "doorloop_protocol",
    "coordination",
]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", QT_FREE)
def test_no_qt_outside_the_ui(package: str) -> None:
    files = python_files(package)
    assert files, f"{package} has no Python files"
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in files
        for name in imported_modules(path)
        if name.split(".")[0] in {"PySide6", "shiboken6", "PyQt5", "PyQt6"}
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "package", ["central_api", "legal_rules", "doorloop_protocol", "coordination"]
)
def test_server_side_never_imports_the_desk(package: str) -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in python_files(package)
        for name in imported_modules(path)
        if name == "desktop" or name.startswith("desktop.")
    ]
    assert offenders == []


def test_coordination_never_imports_the_server() -> None:
    """coordination is shared by desk and server (DESIGN.md): it imports neither."""
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in python_files("coordination")
        for name in imported_modules(path)
        if name.split(".")[0] == "central_api"
    ]
    assert offenders == []


def test_boundary_check_catches_a_qt_import(tmp_path: Path) -> None:
    leaky = tmp_path / "leaky.py"
    leaky.write_text("from PySide6.QtCore import QObject\n", encoding="utf-8")
    assert "PySide6.QtCore" in imported_modules(leaky)


def test_nothing_outside_the_store_writes_case_sql() -> None:
    """One write path for a case (desktop.store.heads): no other package writes the
    case rows or their versions."""
    import re

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

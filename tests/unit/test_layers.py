"""The layer rules of DESIGN.md, kept by import-linter (`make lint`, contracts in
pyproject.toml). Here: every rule has its contract, and the contracts hold.

import-linter sees every import (in functions too) and chains through other modules,
which the AST check this replaces did not.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    found: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return found


def forbids(source: str, forbidden: str) -> bool:
    """True when a forbidden contract keeps `source` (and all below it) from `forbidden`."""
    return any(
        contract["type"] == "forbidden"
        and source in contract["source_modules"]  # type: ignore[operator]
        and forbidden in contract["forbidden_modules"]  # type: ignore[operator]
        for contract in contracts()
    )


def test_every_layer_rule_has_its_contract() -> None:
    project = ["desktop", "central_api", "doorloop_protocol", "legal_rules", "coordination"]
    rules = [
        *[(package, "PySide6") for package in project],  # Qt only where allowed (ignores)
        ("desktop.*", "desktop.ui"),  # only the app wiring imports the UI
        ("desktop.ui", "desktop.store.*"),  # the UI uses the store's public API
        ("central_api", "desktop"),
        ("coordination", "desktop"),
        ("coordination", "central_api"),
        ("legal_rules", "desktop"),
        ("legal_rules", "central_api"),
        *[("doorloop_protocol", other) for other in project if other != "doorloop_protocol"],
    ]
    missing = [rule for rule in rules if not forbids(*rule)]
    assert missing == []


def test_qt_is_allowed_only_in_the_ui_and_the_app_wiring() -> None:
    (qt,) = [c for c in contracts() if "PySide6" in c["forbidden_modules"]]  # type: ignore[operator]
    assert sorted(qt["ignore_imports"]) == ["desktop.app -> PySide6", "desktop.ui.** -> PySide6"]  # type: ignore[arg-type]


def test_the_contracts_hold() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(linter), "--no-cache"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout

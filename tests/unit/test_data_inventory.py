"""docs/data-inventory.md is generated from the intake format and the central schema and
is current: every field and every table is in it with purpose, legal basis, who sees it
and retention (issue 21)."""

from __future__ import annotations

import runpy
from pathlib import Path

from central_api import db
from desktop.forms import load_form

ROOT = Path(__file__).resolve().parents[2]


def test_the_data_inventory_is_current_and_complete() -> None:
    tool = runpy.run_path(str(ROOT / "tools" / "data_inventory.py"))
    text = tool["render"]()
    assert (ROOT / "docs" / "data-inventory.md").read_text(encoding="utf-8") == text, (
        "run: python tools/data_inventory.py"
    )
    form = load_form("intake", "1")
    for section in form.sections:
        for field in section.fields:
            row = next(line for line in text.splitlines() if line.startswith(f"| `{field.id}` |"))
            assert row.count("|") == 8 and "|  |" not in row
    for table in db.metadata.tables:
        block = text.split(f"### `{table}`\n", 1)[1].split("\n\n", 1)[0]
        for item in ("purpose", "legal basis", "who sees it", "retention", "columns"):
            assert f"- {item}: " in block

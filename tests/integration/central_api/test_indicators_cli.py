"""`doorloop-central indicators` and `dataset` as processes (DESIGN.md contract 9)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from .conftest import Api
from .indicator_world import expected, make_specs
from .test_indicators import END, START, check_exact, load

ROOT = Path(__file__).resolve().parents[3]


def central(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "central_api", *args, "--database-url", database_url],
        capture_output=True, text=True, env=env, timeout=120, cwd=ROOT,
    )  # fmt: skip


def test_indicators_and_dataset_from_the_command_line(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    specs = make_specs(5, 60, date(2026, 11, 1), 30)
    load(api, specs)
    period = ("--region", "noord", "--from", "2026-11-01", "--to", "2026-12-01")

    exact = central(database_url, "indicators", *period)
    assert exact.returncode == 0, exact.stderr
    check_exact(json.loads(exact.stdout), expected(specs, START, END))

    public = central(database_url, "indicators", *period, "--public", "--format", "csv")
    assert public.returncode == 0, public.stderr
    rows = list(csv.DictReader(public.stdout.splitlines()))
    assert {r["indicator"] for r in rows} >= {"cases_total", "cases_by_hour", "free_places"}
    for row in rows:  # no count from 1 to 4 leaves the region
        assert row["value"] not in {"1", "2", "3", "4"} or row["category"].endswith(":pct"), row
        assert row["n"] not in {"1", "2", "3", "4"}
    assert any(r["value"] in {"<5", "x"} for r in rows)

    out = tmp_path / "export"
    first = central(database_url, "dataset", *period, "-o", str(out))
    assert first.returncode == 0, first.stderr
    assert "values suppressed for k-anonymity" in first.stdout
    assert {p.name for p in out.iterdir()} == {"cases.csv", "datapackage.json"}
    before = (out / "cases.csv").read_text("utf-8")
    again = central(database_url, "dataset", *period, "-o", str(tmp_path / "again"))
    assert again.returncode == 0, again.stderr
    # the same region secret: the same pseudonyms in a later export
    assert (tmp_path / "again" / "cases.csv").read_text("utf-8") == before
    for spec in specs:
        assert spec.case_id not in before


def test_bad_input_names_the_option_and_exits_2(api: Api, database_url: str) -> None:
    api.storage.add_region("noord")
    cases = {
        ("--region", "nergens", "--from", "2026-11-01", "--to", "2026-12-01"): "--region",
        ("--region", "noord", "--from", "2026-11-01", "--to", "2026-11-01"): "--to",
        ("--region", "noord", "--from", "2026-12-01", "--to", "2026-11-01"): "--to",
        ("--region", "noord", "--from", "2099-01-01", "--to", "2099-02-01"): "--from",
        ("--region", "noord", "--from", "1-11-2026", "--to", "2026-12-01"): "--from",
    }
    for args, option in cases.items():
        result = central(database_url, "indicators", *args)
        assert result.returncode == 2, (args, result.stderr)
        assert option in result.stderr and "Traceback" not in result.stderr, result.stderr
    empty = central(database_url, "indicators", "--region", "noord", "--from", "2026-11-01",
                    "--to", "2026-12-01")  # fmt: skip
    assert empty.returncode == 0
    assert json.loads(empty.stdout)["indicators"]["cases_total"]["value"] == 0

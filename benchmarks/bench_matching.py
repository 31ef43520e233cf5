"""Matching speed: ``doorloop match`` logic for a directory of 5,000 units, in process.

Budget (DESIGN.md): at most 20 ms. Builds a synthetic region of 5,000 units (every
setting, age range, route, expertise, intake stops and holds, a fifth of them stale),
then times reading the case, judging every unit, ranking and building the output with
its reasons (``match_case(...).to_json()``) for three cases (crisis admission, ambulatory,
Wvggz admission); prints the median of the runs for each and the median of all, and the
time to serialise the JSON (not part of the budget; the CLI adds it and start-up).

Run as ``python benchmarks/bench_matching.py`` or ``python -m benchmarks matching``.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coordination import load_directory, match_case
from coordination.directory import EXPERTISE, GENDERS, LEGAL_ROUTES, SETTINGS, Directory

BUDGET_MS = 20.0
UNITS = 5_000
RUNS = 25
SEED = 20261203
AT = datetime(2026, 12, 3, 10, 0, tzinfo=timezone(timedelta(hours=1)))
PLACES = ["Noordhaven", "Zeedorp", "Rivierstad", "Zuidmeer", "Duinwijk", "Veldhoven-Oost"]


def synthetic_directory(count: int = UNITS, seed: int = SEED) -> Directory:
    """A valid ``doorloop-directory/1`` region of ``count`` units (synthetic names)."""
    pick = random.Random(seed)
    organizations = [
        {"id": f"org-{n}", "name": f"Proefaanbieder {n}", "phone_24_7": f"088{n:07d}"}
        for n in range(count // 20 + 1)
    ]
    units: list[dict[str, Any]] = []
    for n in range(count):
        low = pick.choice((0, 4, 6, 12, 12, 12, 16, 18))
        maximum = pick.randint(0, 12)
        updated = AT - timedelta(minutes=pick.randint(0, 16 * 60 if pick.random() < 0.8 else 9000))
        stop = None
        if pick.random() < 0.1:
            start = AT + timedelta(hours=pick.randint(-48, 24))
            stop = {"reason": "Synthetisch", "from": start.isoformat(), "until": None}
        holds = [
            {"case_id": f"case-{n}-{h}",
             "until": (AT + timedelta(minutes=pick.randint(-90, 90))).isoformat()}
            for h in range(pick.choice((0, 0, 0, 1, 2)))
        ]  # fmt: skip
        units.append(
            {
                "id": f"u-{n:05d}",
                "organization_id": f"org-{n // 20}",
                "name": f"Eenheid {pick.choice(PLACES)} {n}",
                "setting": pick.choice(SETTINGS),
                "min_age": low,
                "max_age": pick.randint(max(low, 11), 23),
                "genders": pick.sample(GENDERS, pick.randint(1, 3)),
                "legal_routes": ["voluntary", *pick.sample(LEGAL_ROUTES[1:], pick.randint(0, 3))],
                "expertise": pick.sample(EXPERTISE, pick.randint(0, 4)),
                "municipalities": pick.sample(PLACES, pick.randint(1, 3)),
                "capacity": {
                    "unit": "bed",
                    "available": pick.randint(0, maximum),
                    "maximum": maximum,
                    "updated": updated.isoformat(),
                    "intake_stop": stop,
                    "holds": holds,
                },
            }
        )
    return load_directory(
        {"format": "doorloop-directory/1", "organizations": organizations, "units": units}
    )


def case(intervention: str, flags: list[str], **answers: Any) -> dict[str, Any]:
    return {
        "id": "bench",
        "answers": {
            "youth.birth_date": "2011-04-12",
            "youth.gender": "female",
            "youth.municipality": "Noordhaven",
            "risk.suicidality": "plan",
            "triage.intervention": intervention,
            **answers,
        },
        "legal_flags": [{"code": code} for code in flags],
    }


CASES = {
    "crisis admission, voluntary": case("crisis_admission", []),
    "ambulatory, age 11": case("ambulatory_crisis_care", [], **{"youth.birth_date": "2015-08-30"}),
    "Wvggz crisis measure, psychosis": case(
        "crisis_admission", ["WVGGZ_CRISISMAATREGEL"], **{"risk.psychotic_symptoms": "yes"}
    ),
}


def timed(case_json: dict[str, Any], directory: Directory) -> tuple[float, float, float, int]:
    """(wall ms and CPU ms for match_case + to_json, ms for json.dumps, number of matches)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = match_case(case_json, directory, AT).to_json()
    middle, cpu = time.perf_counter(), time.process_time() - cpu
    json.dumps(result, ensure_ascii=False)
    done = time.perf_counter()
    return (middle - started) * 1000, cpu * 1000, (done - middle) * 1000, len(result["matches"])


def main() -> bool:
    """Print the figures; True when the median meets the budget."""
    started = time.perf_counter()
    directory = synthetic_directory()
    print(f"directory of {len(directory.units):,} units loaded in "
          f"{(time.perf_counter() - started) * 1000:.0f} ms (not part of the figure)")  # fmt: skip
    everything: list[float] = []
    cpu: list[float] = []
    for name, case_json in CASES.items():
        timed(case_json, directory)  # warm up (builds the directory's matching index once)
        runs = [timed(case_json, directory) for _ in range(RUNS)]
        logic = [run[0] for run in runs]
        everything.extend(logic)
        cpu.extend(run[1] for run in runs)
        print(
            f"  {name}: {statistics.median(logic):.1f} ms (median of {RUNS}; "
            f"{runs[0][3]:,} matches), JSON text {statistics.median(r[2] for r in runs):.1f} ms"
        )
    median = statistics.median(everything)
    ok = median <= BUDGET_MS
    print(
        f"matching {UNITS:,} units: {median:.1f} ms (median of {len(everything)}), "
        f"budget <= {BUDGET_MS:.0f} ms: {'OK' if ok else 'OVER BUDGET'}"
        f"  [CPU time of this process: {statistics.median(cpu):.1f} ms]"
    )
    if hasattr(os, "getloadavg"):
        print(f"(machine load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    return ok


if __name__ == "__main__":
    # Run by `python -m benchmarks` through runpy: report, never exit the runner.
    main()

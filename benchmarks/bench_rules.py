"""Rules evaluation speed: ``legal_rules.evaluate`` cases per second in one process.

Budget (DESIGN.md): at least 10,000 cases/s. Runs ``evaluate`` over a varied synthetic
set of facts (every care type, ages 0-30 and unknown, every answer value, decision dates
2020-2030), five times, and prints the median; also the median with the outcome cache
emptied before each run (the worst case: every answer combination new).

Run as ``python benchmarks/bench_rules.py`` or ``python -m benchmarks rules``.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from legal_rules import evaluate, load_rules
from legal_rules.facts import BOOLEAN_FACTS, ENUM_FACTS, TRISTATE_FACTS

BUDGET = 10_000
RUNS = 5
CASES = 20_000
SEED = 20261123


def synthetic_facts(count: int, seed: int = SEED) -> list[dict[str, Any]]:
    """``count`` valid, varied facts (synthetic; no real person)."""
    pick = random.Random(seed)
    first = date(2020, 1, 1).toordinal()
    last = date(2030, 12, 31).toordinal()
    cases = []
    for _ in range(count):
        decision = date.fromordinal(pick.randint(first, last))
        facts: dict[str, Any] = {
            "decision_date": decision.isoformat(),
            "care_type": pick.choice(ENUM_FACTS["care_type"]),
        }
        if pick.random() < 0.9:
            facts["birth_date"] = (decision - timedelta(days=pick.randint(0, 30 * 365))).isoformat()
        for key, values in ENUM_FACTS.items():
            if key != "care_type" and pick.random() < 0.8:
                facts[key] = pick.choice(values)
        for key in TRISTATE_FACTS:
            if pick.random() < 0.8:
                facts[key] = pick.choice((True, False, None))
        for key in BOOLEAN_FACTS:
            if pick.random() < 0.8:
                facts[key] = pick.random() < 0.5
        cases.append(facts)
    return cases


def rate(cases: list[dict[str, Any]], *, clear_cache: bool) -> tuple[float, float]:
    """Cases per second over one pass: by the wall clock and by this process's CPU time."""
    rules = load_rules()
    if clear_cache:
        rules.clear_cache()
    wall, cpu = time.perf_counter(), time.process_time()
    for facts in cases:
        evaluate(facts)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return len(cases) / wall, len(cases) / max(cpu, 1e-9)


def verdict(name: str, rates: list[float]) -> tuple[str, bool]:
    median = statistics.median(rates)
    ok = median >= BUDGET
    line = (
        f"{name}: {median:,.0f} cases/s (median of {len(rates)}), "
        f"budget >= {BUDGET:,}/s: {'OK' if ok else 'FAIL'}"
    )
    return line, ok


def main() -> bool:
    """Print the figures; True when the wall-clock medians meet the budget."""
    cases = synthetic_facts(CASES)
    load_rules()  # reading and compiling the rule files is not part of the figure
    rate(cases, clear_cache=False)  # warm up: one pass, not counted
    warm = [rate(cases, clear_cache=False) for _ in range(RUNS)]
    cold = [rate(cases, clear_cache=True) for _ in range(RUNS)]
    ok = True
    for name, runs in (("rules evaluation", warm), ("rules evaluation, cache emptied", cold)):
        line, passed = verdict(name, [wall for wall, _ in runs])
        cpu = statistics.median(cpu for _, cpu in runs)
        print(f"{line}  [per CPU second of this process: {cpu:,.0f}]", flush=True)
        ok = ok and passed
    if hasattr(os, "getloadavg"):
        print(f"(machine load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    return ok


if __name__ == "__main__":
    # Run by `python -m benchmarks` through runpy: report, never exit the runner.
    main()

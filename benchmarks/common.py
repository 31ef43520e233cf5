"""Helpers shared by the benchmark scripts: medians, child-process timing, synthetic cases."""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

FIRST = [
    "Sem",
    "Noor",
    "Liam",
    "Emma",
    "Daan",
    "Julia",
    "Finn",
    "Tess",
    "Milan",
    "Sara",
    "Lucas",
    "Zoë",
    "Bram",
    "Fleur",
    "Mohammed",
    "Yara",
    "Thijs",
    "Lotte",
    "Ömer",
    "Aylin",
]
LAST = [
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "Mulder",
    "de Boer",
    "Yılmaz",
    "El Amrani",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
]
PLACES = ["Utrecht", "Amersfoort", "Zeist", "Nieuwegein", "Houten", "Veenendaal", "Woerden"]


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def run_child(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Run a process; return (wall seconds, peak RSS in KiB, stdout)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} exited {proc.returncode}")
    return wall, int(usage.ru_maxrss), out


def synthetic_answers(rng: random.Random, received: datetime) -> dict[str, Any]:
    born = received.date() - timedelta(days=rng.randint(6 * 365, 22 * 365))
    answers: dict[str, Any] = {
        "call.received_at": received.isoformat(),
        "call.channel": rng.choice(["phone", "chat", "referral_letter"]),
        "call.caller_role": rng.choice(["parent", "gp", "school", "police", "youth"]),
        "call.caller_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "call.caller_phone": f"06{rng.randint(10000000, 99999999)}",
        "youth.first_name": rng.choice(FIRST),
        "youth.last_name": rng.choice(LAST),
        "youth.birth_date": born.isoformat(),
        "youth.municipality": rng.choice(PLACES),
        "youth.current_location": rng.choice(["home", "school", "street"]),
        "situation.reason": "Synthetische casus voor metingen. " * rng.randint(1, 8),
        "risk.suicidality": rng.choice(["none", "thoughts", "plan", "unknown"]),
    }
    if rng.random() < 0.6:
        answers["triage.urgency"] = rng.choice(["U1", "U2", "U3", "U4", "U5"])
    return answers


def fill_store(store: Any, count: int, seed: int = 1) -> None:
    """Insert ``count`` synthetic cases quickly (one transaction, no audit per row)."""
    from desktop.store.heads import summary_columns

    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    profile = store.profile()
    rows_cases = []
    rows_versions = []
    for n in range(count):
        received = start + timedelta(minutes=17 * n)
        answers = synthetic_answers(rng, received)
        case_id, version_id = str(uuid.uuid4()), str(uuid.uuid4())
        data = json.dumps(answers, ensure_ascii=False)
        s = summary_columns(answers)
        status = rng.choice(["draft", "ready_for_triage", "triaged", "handed_over", "closed"])
        now = received.isoformat()
        rows_cases.append(
            (
                case_id,
                "intake",
                "1",
                status,
                now,
                now,
                "demo",
                0,
                version_id,
                "synced",
                s["received_at"],
                s["youth_name"],
                s["birth_date"],
                s["age_estimate"],
                s["urgency"],
                None,
                s["search_text"],
            )
        )
        rows_versions.append(
            (
                version_id,
                case_id,
                1,
                None,
                status,
                data,
                now,
                profile.user_id,
                profile.display_name,
                profile.device_id,
            )
        )
    with store.atomic() as db:
        db.conn.executemany(
            "INSERT INTO cases (id, form_id, form_version, status, created_at, updated_at,"
            " region, training, head_version_id, sync_state, received_at, youth_name, birth_date,"
            " age_estimate, urgency, deadline, search_text)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows_cases,
        )
        db.conn.executemany(
            "INSERT INTO case_versions (version_id, case_id, number, base_version_id, status,"
            " answers, created_at, created_by, created_by_name, device_id, sealed)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            rows_versions,
        )


def verdict(ok: bool) -> str:
    return "OK" if ok else "OVER BUDGET"


PYTHON = sys.executable
ROOT = Path(__file__).resolve().parent.parent

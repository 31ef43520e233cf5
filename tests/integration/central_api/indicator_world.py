"""A generator of synthetic regions with known indicator answers (no real data).

Each case is drawn from a seeded random choice of its attributes (when received, age,
channel, caller role, whether and when it was decided, its urgency and a later amended
urgency, whether it went into reconciliation, which required fields are answered), and
its versions are built from those attributes. `expected` then counts the attributes
directly, without the code under test, so every indicator has a hand-computed value.
"""

from __future__ import annotations

import random
import statistics
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/Amsterdam")
CHANNELS = ["phone", "chat", "walk_in", "referral_letter", "on_site"]
ROLES = ["youth", "parent", "gp", "school", "police", "other"]
URGENCIES = ["U1", "U2", "U3", "U4", "U5"]
# (age in years at received or None, band)
AGES = [(9, "<12"), (13, "12-15"), (15, "12-15"), (16, "16-17"), (17, "16-17"), (19, "18-22"),
        (25, "23+"), (None, "unknown")]  # fmt: skip
REQUIRED = ["call.received_at", "call.caller_role", "call.caller_phone",
            "youth.current_location", "situation.reason", "risk.suicidality"]  # fmt: skip


@dataclass
class Spec:
    case_id: str
    received: datetime  # aware, local
    age: int | None
    band: str
    by_birth_date: bool
    channel: str | None
    caller_role: str | None
    ready: bool
    decided_after: float | None  # minutes; None: never decided
    urgency: str | None
    amended_urgency: str | None
    reconcile: bool
    missing: set[str] = field(default_factory=set)

    @property
    def role(self) -> str | None:
        return None if "call.caller_role" in self.missing else self.caller_role

    def answered(self, field_id: str) -> bool:
        if field_id == "call.caller_role":
            return self.role is not None
        return field_id not in self.missing

    @property
    def final_urgency(self) -> str | None:
        return self.amended_urgency or self.urgency


def make_specs(seed: int, n: int, start: date, days: int) -> list[Spec]:
    rnd = random.Random(seed)
    specs = []
    for _ in range(n):
        day = start + timedelta(days=rnd.randrange(days))
        moment = datetime(day.year, day.month, day.day, rnd.randrange(24), rnd.randrange(60),
                          tzinfo=ZONE)  # fmt: skip
        age, band = rnd.choice(AGES)
        ready = rnd.random() < 0.85
        decided = ready and rnd.random() < 0.8
        urgency = rnd.choice(URGENCIES) if decided else None
        specs.append(
            Spec(
                case_id=str(uuid.uuid4()),
                received=moment,
                age=age,
                band=band,
                by_birth_date=rnd.random() < 0.5,
                channel=rnd.choice([*CHANNELS, None]),
                caller_role=rnd.choice([*ROLES, None]),
                ready=ready,
                decided_after=float(rnd.randrange(1, 600)) if decided else None,
                urgency=urgency,
                amended_urgency=rnd.choice(URGENCIES) if decided and rnd.random() < 0.2 else None,
                reconcile=rnd.random() < 0.1,
                missing={f for f in REQUIRED[1:] if rnd.random() < 0.15},
            )
        )
    return specs


def answers_of(spec: Spec) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "call.received_at": spec.received.isoformat(),
        "call.caller_phone": "0612345678",
        "youth.current_location": "home",
        "situation.reason": "Synthetisch",
        "risk.suicidality": "none",
    }
    if spec.channel:
        answers["call.channel"] = spec.channel
    if spec.caller_role:
        answers["call.caller_role"] = spec.caller_role
    if spec.age is not None:
        if spec.by_birth_date:
            born = spec.received.date().replace(year=spec.received.year - spec.age)
            answers["youth.birth_date"] = (born - timedelta(days=1)).isoformat()
        else:
            answers["youth.age_estimate"] = spec.age
    for f in spec.missing:
        answers.pop(f, None)
    return answers


def expected(specs: list[Spec], start: date, end: date) -> dict[str, Any]:
    """The hand-computed exact values of every available indicator."""
    inside = [s for s in specs if start <= s.received.date() < end]
    total = len(inside)
    decided = [s for s in inside if s.decided_after is not None]
    minutes = sorted(s.decided_after for s in decided if s.decided_after is not None)

    def counts(values: list[str], categories: list[str]) -> dict[str, int]:
        return {c: values.count(c) for c in categories}

    ready = [s for s in inside if s.ready]
    completeness = {}
    for f in REQUIRED:
        num = sum(1 for s in ready if s.answered(f))
        den = len(ready)
        completeness[f] = {"pct": round(100 * num / den, 1) if den else None,
                           "numerator": num, "denominator": den}  # fmt: skip
    rec = sum(1 for s in inside if s.reconcile)
    p90 = None
    if len(minutes) >= 2:
        p90 = statistics.quantiles(minutes, n=10, method="inclusive")[8]
    elif minutes:
        p90 = minutes[0]
    return {
        "cases_total": total,
        "cases_by_urgency": counts([s.final_urgency for s in decided], URGENCIES),
        "cases_by_age_band": counts([s.band for s in inside],
                                    ["<12", "12-15", "16-17", "18-22", "23+", "unknown"]),
        "cases_by_channel": counts([s.channel or "unknown" for s in inside],
                                   [*CHANNELS, "unknown"]),
        "cases_by_caller_role": {
            **dict.fromkeys(["youth", "parent", "relative", "gp", "poh_ggz", "district_team",
                             "school", "police", "veilig_thuis", "child_protection",
                             "crisis_service", "hospital", "current_provider", "other",
                             "unknown"], 0),
            **counts([s.role or "unknown" for s in inside], [*ROLES, "unknown"]),
        },
        "cases_by_hour": counts([str(s.received.hour) for s in inside],
                                [str(h) for h in range(24)]),
        "time_to_decision": {
            "median": round(statistics.median(minutes), 2) if minutes else None,
            "p90": round(p90, 2) if p90 is not None else None,
        },
        "time_to_decision_n": len(minutes),
        "needs_reconciliation": {"pct": round(100 * rec / total, 1) if total else None,
                                 "numerator": rec, "denominator": total},
        "completeness": completeness,
    }  # fmt: skip


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()

"""Synthetic cases on a desk with known indicator answers (the dashboard's tests and
screenshot): drafts and decided cases spread over the weeks of a month."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from desktop.session.desk import DeskSession
from desktop.store import Profile, Store

AMS = ZoneInfo("Europe/Amsterdam")
URGENCIES = ("U1", "U2", "U3", "U4", "U5")


def intake(received: datetime) -> dict[str, Any]:
    return {
        "call.received_at": received.isoformat(),
        "call.channel": "phone",
        "call.caller_role": "gp",
        "call.caller_name": "Dokter Testma",
        "call.caller_phone": "0612345678",
        "youth.first_name": "Sem",
        "youth.birth_date": "2011-05-04",
        "youth.current_location": "home",
        "authority.situation": "joint_parents",
        "situation.reason": "Synthetische melding voor de stuurinformatie.",
        "risk.suicidality": "none",
    }


@dataclass
class Seeded:
    total: int
    by_urgency: dict[str, int]
    minutes: list[float]


def seed_month(
    store: Store,
    desk: DeskSession,
    count: int,
    first: datetime,
    decider: Profile | None = None,
    between: Callable[[], object] | None = None,
) -> Seeded:
    """``count`` cases from ``first`` on, one every 7 h 13 min; every third stays a draft,
    the rest are decided 5 + (i mod 40) minutes after the call by ``decider`` (default: a
    triagist on this desk; give the signed-in user's profile when the cases are synced,
    the server takes versions only from their author). ``between`` runs after the cases
    are ready and before the decisions (a sync, so the server sees ready → triaged)."""
    triagist = decider or Profile(
        user_id=str(uuid.uuid4()),
        display_name="Tim Triagist",
        role="triagist",
        device_id=str(uuid.uuid4()),
        created_at=datetime.now(UTC),
    )
    seeded = Seeded(0, dict.fromkeys(URGENCIES, 0), [])
    decisions = []
    for i in range(count):
        received = first + timedelta(hours=7 * i, minutes=13 * i)
        case = desk.new_case(intake(received))
        seeded.total += 1
        if i % 3 == 2:
            continue
        desk.mark_ready(case.id)
        decisions.append((i, case.id, received))
    if between is not None:
        between()
    for i, case_id, received in decisions:
        minutes = 5 + i % 40
        decided = received + timedelta(minutes=minutes)
        urgency = URGENCIES[(i * 3) % 5]
        DeskSession(store, triagist, clock=lambda d=decided: d).decide_triage(  # type: ignore[misc]
            case_id, urgency, "advice_caller", "Advies aan de melder."
        )
        seeded.by_urgency[urgency] += 1
        seeded.minutes.append(float(minutes))
    return seeded

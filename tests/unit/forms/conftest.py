"""Shared fixtures for the form tests: the shipped intake and fixed moments."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from desktop.forms import FormDefinition, load_form

FIXTURES = Path(__file__).parent / "fixtures"
AMS = ZoneInfo("Europe/Amsterdam")
# A Monday night in November (CET, +01:00).
NOW = datetime(2026, 11, 23, 3, 30, tzinfo=AMS)
RECEIVED = "2026-11-23T03:12:00+01:00"


@pytest.fixture(scope="session")
def form() -> FormDefinition:
    return load_form("intake", "1")


@pytest.fixture
def complete_intake() -> dict[str, object]:
    """Synthetic answers that finish every desk section (no real person)."""
    return {
        "call.received_at": RECEIVED,
        "call.channel": "phone",
        "call.caller_role": "parent",
        "call.caller_name": "Testmelder Jansen",
        "call.caller_phone": "0612345678",
        "youth.first_name": "Sem",
        "youth.last_name": "Voorbeeld",
        "youth.birth_date": "2011-05-04",
        "youth.current_location": "home",
        "authority.situation": "joint_parents",
        "situation.reason": "Dreigt van het balkon te springen.",
        "situation.youth_need": "Rust.",
        "situation.network_need": "Hulp vannacht.",
        "risk.suicidality": "thoughts",
    }

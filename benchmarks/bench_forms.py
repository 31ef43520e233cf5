"""Form engine figures: evaluate() on a full intake (budget: < 2 ms per call, the UI calls it
after every edit), parse_input, and loading the definition from YAML."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from desktop.forms import evaluate, load_form, parse_input
from desktop.forms.loader import _load_shipped

NOW = datetime(2026, 11, 23, 3, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
FULL_INTAKE: dict[str, object] = {
    "call.received_at": "2026-11-23T03:12:00+01:00", "call.channel": "phone",
    "call.caller_role": "gp", "call.caller_name": "Testarts",
    "call.caller_organisation": "Praktijk",
    "call.caller_phone": "0301234567", "call.referrer_is_caller": False,
    "call.referrer_name": "Test", "call.referrer_phone": "+32470123456",
    "call.repeat_contact": "no", "youth.first_name": "Sem", "youth.last_name": "Voorbeeld",
    "youth.birth_date": "2009-05-23", "youth.gender": "unknown", "youth.bsn": "111222333",
    "youth.municipality": "Utrecht", "youth.current_location": "home",
    "youth.interpreter_needed": True, "youth.language": "Arabisch",
    "authority.situation": "joint_parents", "authority.child_protection": "supervision_order",
    "authority.institution_name": "GI", "authority.parent1_name": "Ouder 1",
    "authority.parent1_phone": "0612345678", "authority.parent2_name": "Ouder 2",
    "network.family_in_crisis": "yes", "situation.reason": "Synthetische casus.",
    "situation.since": "days", "situation.youth_need": "Rust", "risk.suicidality": "plan",
    "risk.means_available": "yes", "risk.self_harm": "current", "risk.intoxication": "yes",
    "risk.somatic_danger": "no", "risk.unsafe_home": "yes", "background.waiting_list": "yes",
    "background.waiting_list_for": "Jeugd-ggz", "legal.care_type": "voluntary_admission",
    "legal.youth_position": "objects", "legal.youth_competent": "doubt",
    "triage.urgency": "U4", "triage.domains": ["somatic", "youth_mental_health"],
    "triage.intervention": "assessment_on_site", "triage.rationale": "Test",
    "handover.to_organisation": "Team", "handover.agreements": "Duo",
    "handover.informed": ["parents"],
}  # fmt: skip


def timed(label: str, action: Callable[[], object], repeat: int) -> None:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"{label}: median {statistics.median(samples):.3f} ms, p95 {p95:.3f} ms (n={repeat})")


def main() -> None:
    form = load_form()
    timed("evaluate, full intake", lambda: evaluate(form, FULL_INTAKE, now=NOW), 2000)
    timed("evaluate, empty intake", lambda: evaluate(form, {}, now=NOW), 2000)
    field = form.field("call.received_at")
    timed("parse_input, datetime", lambda: parse_input(field, "23-11-2026 03:12"), 2000)

    def cold_load() -> object:
        _load_shipped.cache_clear()
        return load_form()

    timed("load_form, uncached (YAML + checks)", cold_load, 20)


if __name__ == "__main__":
    main()

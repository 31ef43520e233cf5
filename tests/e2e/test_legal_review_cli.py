"""`doorloop legal-review` as a real process: a case decided under rules version 1 is
listed with the flags version 2 adds; the recorded decision stays as it was."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from desktop.session.desk import DeskSession
from desktop.session.legal import facts_from_answers
from desktop.store import open_store
from legal_rules import load_rules
from tests.e2e.conftest import doorloop
from tests.unit.test_desk import INTAKE, session_as

PASSPHRASE = "legal review passphrase"
NOW = datetime(2026, 11, 23, 3, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
V1_RULES = Path(__file__).parents[1] / "unit" / "legal_rules" / "rules_v1"
ANSWERS = {
    "legal.care_type": "voluntary_outpatient",
    "legal.youth_competent": "yes",
    "legal.parents_position": "consent",
}


def test_legal_review_lists_a_case_decided_under_version_1(tmp_path: Path) -> None:
    store = open_store(tmp_path, PASSPHRASE)
    store.create_profile("Anna de Vries", "desk")
    desk = DeskSession(store, store.profile(), clock=lambda: NOW)  # type: ignore[arg-type]
    triagist = session_as(store, "triagist", "Tim Triagist")
    case = desk.new_case()
    desk.save_answers(case.id, {**INTAKE, **ANSWERS})  # 14, parents with joint authority
    desk.mark_ready(case.id)
    facts = facts_from_answers({**INTAKE, **ANSWERS}, NOW.date())
    assert facts is not None
    old_flags = load_rules(V1_RULES).evaluate(facts)["flags"]
    triagist.decide_triage(
        case.id, "U2", "ambulatory_crisis_care", "Vandaag.",
        legal_flags=old_flags, legal_decision_date="2026-11-23",
    )  # fmt: skip
    store.close()

    result = doorloop(
        "legal-review", "--data-dir", str(tmp_path), env={"DOORLOOP_PASSPHRASE": PASSPHRASE}
    )
    assert result.returncode == 0, result.stderr
    assert f"Casus {case.id} (triaged), besluit 2026-11-23" in result.stdout
    assert "+ CONSENT_BOTH_PARENTS" in result.stdout
    assert "1 van 1 besloten casussen" in result.stdout

    store = open_store(tmp_path, PASSPHRASE)
    try:
        assert store.cases.get(case.id).legal_flags == old_flags
    finally:
        store.close()

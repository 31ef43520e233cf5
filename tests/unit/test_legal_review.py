"""After the rules change, decided cases keep their flags and a review shows the change.

The triage decision records the flags stamped with the rules version; `review_flags`
and `doorloop legal-review` compare the recorded flags with what the rules of today give
for the same decision date (version 1 flags come from the version-1 rule files kept for
the tests).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from desktop.cli import legal_review_command
from desktop.session.desk import DeskSession
from desktop.session.legal import (
    advice_for,
    facts_from_answers,
    recorded_flags,
    review_case,
    review_flags,
)
from desktop.store import Store, open_store
from legal_rules import load_rules
from tests.unit.test_desk import INTAKE, session_as

V1_RULES = Path(__file__).parent / "legal_rules" / "rules_v1"
from tests.helpers.stores import PASSPHRASE  # noqa: E402

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 23, 3, 30, tzinfo=AMS)
DAY = date(2026, 11, 23)

# a 14-year-old, outpatient care, parents with joint authority who agree (review 7)
JOINT_OUTPATIENT = {
    "youth.birth_date": "2012-05-04",
    "authority.situation": "joint_parents",
    "legal.care_type": "voluntary_outpatient",
    "legal.youth_competent": "yes",
    "legal.parents_position": "consent",
}


def v1_flags(answers: dict[str, Any], day: date = DAY) -> list[dict[str, Any]]:
    """What version 1 of the rules gave (as stored before version 2: no version stamp)."""
    facts = facts_from_answers(answers, day)
    assert facts is not None
    return load_rules(V1_RULES).evaluate(facts)["flags"]


def test_review_shows_what_version_2_adds_and_drops() -> None:
    decided = {**JOINT_OUTPATIENT, "triage.decided_at": NOW.isoformat()}
    review = review_flags(decided, v1_flags(decided), "2026-11-23")
    assert review.recorded_version == "1" and review.current_version == "2"
    assert review.added_codes == ["CONSENT_BOTH_PARENTS"]
    assert review.dropped_codes == []
    assert review.changed

    # a 16-year-old who is not competent: the parents are now informed as representatives
    sixteen = {
        "youth.birth_date": "2010-05-05",
        "authority.situation": "single_parent",
        "legal.care_type": "voluntary_outpatient",
        "legal.youth_competent": "no",
        "triage.decided_at": NOW.isoformat(),
    }
    review = review_flags(sixteen, v1_flags(sixteen), DAY)
    assert review.added_codes == ["INFORM_AUTHORITY"]
    assert review.dropped_codes == ["INFORM_PARENTS_NEEDS_CONSENT"]


def test_flags_recorded_with_version_2_need_no_review() -> None:
    decided = {**JOINT_OUTPATIENT, "triage.decided_at": NOW.isoformat()}
    flags = recorded_flags(advice_for(decided, DAY))
    assert {flag["rules_version"] for flag in flags} == {"2"}
    review = review_flags(decided, flags, DAY)
    assert not review.changed and review.recorded_version == "2"


def test_an_undecided_case_has_nothing_to_review() -> None:
    assert review_case({"answers": JOINT_OUTPATIENT, "legal_flags": []}) is None


def decided_case(store: Store, answers: dict[str, Any], flags: list[dict[str, Any]] | None) -> str:
    desk = DeskSession(store, store.profile(), clock=lambda: NOW)  # type: ignore[arg-type]
    triagist = session_as(store, "triagist", "Tim Triagist")
    triagist.clock = lambda: NOW  # type: ignore[method-assign]
    case = desk.new_case()
    desk.save_answers(case.id, {**INTAKE, **answers})
    desk.mark_ready(case.id)
    kwargs: dict[str, Any] = {}
    if flags is not None:
        kwargs = {"legal_flags": flags, "legal_decision_date": "2026-11-23"}
    triagist.decide_triage(case.id, "U2", "ambulatory_crisis_care", "Vandaag.", **kwargs)
    return case.id


def test_the_triage_decision_records_the_rules_version(store: Store) -> None:
    case_id = decided_case(store, JOINT_OUTPATIENT, None)
    case = store.cases.get(case_id)
    codes = [flag["code"] for flag in case.legal_flags]
    assert "CONSENT_BOTH_PARENTS" in codes
    assert {flag["rules_version"] for flag in case.legal_flags} == {"2"}


def test_legal_review_cli_lists_open_cases_whose_flags_change(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    old_answers = {**JOINT_OUTPATIENT, "triage.decided_at": NOW.isoformat()}
    old = decided_case(store, JOINT_OUTPATIENT, v1_flags(old_answers))  # decided under v1
    new = decided_case(store, JOINT_OUTPATIENT, None)  # decided under v2
    store.close()
    monkeypatch.setenv("DOORLOOP_PASSPHRASE", PASSPHRASE)
    assert legal_review_command(["--data-dir", str(tmp_path / "data")]) == 0
    out = capsys.readouterr().out
    assert f"Casus {old} (triaged), besluit 2026-11-23" in out
    assert "vastgelegd met regels versie 1, nu versie 2" in out
    assert "  + CONSENT_BOTH_PARENTS — Toestemming van beide gezaghebbende ouders nodig" in out
    assert new not in out
    assert "1 van 2 besloten casussen" in out
    reopened = open_store(tmp_path / "data", PASSPHRASE)
    try:  # the recorded decision is not touched
        assert "CONSENT_BOTH_PARENTS" not in [
            f["code"] for f in reopened.cases.get(old).legal_flags
        ]
    finally:
        reopened.close()


def test_legal_review_cli_reads_exported_case_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = {
        "youth.birth_date": "2007-04-04",
        "legal.care_type": "secure_youth_care",
        "legal.youth_position": "objects",
        "legal.youth_care_before_18": "yes",
        "triage.decided_at": NOW.isoformat(),
    }
    case = {
        "id": "c-1",
        "status": "handed_over",
        "answers": answers,
        "legal_flags": v1_flags(answers),
        "legal_decision_date": "2026-11-23",
    }
    path = tmp_path / "casus.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    assert legal_review_command([str(path)]) == 0
    out = capsys.readouterr().out
    assert "  + JW_GESLOTEN_NOT_AVAILABLE" in out
    assert "  - JW_MACHTIGING_GESLOTEN" in out and "  - JW_GESLOTEN_18PLUS" in out


def test_legal_review_cli_names_a_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "kapot.json"
    path.write_text("{niet json", encoding="utf-8")
    assert legal_review_command([str(path)]) == 2
    assert "kapot.json" in capsys.readouterr().err
    assert legal_review_command(["--data-dir", str(tmp_path / "leeg")]) == 2
    assert "Geen Doorloop-gegevens" in capsys.readouterr().err

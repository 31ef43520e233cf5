"""Advice banners from the format data (intake-v1.yaml) for the cases issue 15 found
without one; each banner is evaluated by the forms engine as the intake view does."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from desktop.forms import evaluate, load_form

NOW = datetime(2026, 11, 23, 3, 30, tzinfo=UTC)


def banners(answers: dict[str, Any]) -> tuple[str, ...]:
    return evaluate(load_form("intake", "1"), answers, now=NOW).banners


@pytest.mark.parametrize("means", ["unknown", None])
def test_a_plan_with_means_not_known_gets_the_high_risk_advice(means: str | None) -> None:
    answers: dict[str, Any] = {"risk.suicidality": "plan"}
    if means:
        answers["risk.means_available"] = means
    assert "suicide_plan_means_unknown" in banners(answers)
    assert "suicide_plan_means_unknown" in banners(
        {**answers, "risk.suicidality": "recent_attempt"}
    )


def test_the_plan_banners_do_not_overlap() -> None:
    known = banners({"risk.suicidality": "plan", "risk.means_available": "yes"})
    assert "high_suicide_risk" in known and "suicide_plan_means_unknown" not in known
    none = banners({"risk.suicidality": "plan", "risk.means_available": "no"})
    assert "suicide_plan_means_unknown" not in none and "high_suicide_risk" not in none
    assert "suicide_plan_means_unknown" not in banners({"risk.suicidality": "thoughts"})


@pytest.mark.parametrize("aggression", ["threats", "violence"])
def test_psychosis_with_threats_gets_advice_police_present_or_not(aggression: str) -> None:
    answers = {"risk.psychotic_symptoms": "yes", "risk.aggression": aggression}
    assert "psychosis_with_threats" in banners(answers)
    with_police = {
        **answers,
        "call.caller_role": "police",
        "youth.current_location": "police_station",
    }
    assert "psychosis_with_threats" in banners(with_police)


def test_no_psychosis_banner_without_both() -> None:
    assert "psychosis_with_threats" not in banners({"risk.psychotic_symptoms": "yes"})
    assert "psychosis_with_threats" not in banners({"risk.aggression": "threats"})
    unsure = {"risk.psychotic_symptoms": "unknown", "risk.aggression": "threats"}
    assert "psychosis_with_threats" not in banners(unsure)


def test_the_new_banners_suggest_u1_and_have_english_text() -> None:
    form = load_form("intake", "1")
    for banner_id in ("suicide_plan_means_unknown", "psychosis_with_threats"):
        banner = form.banner(banner_id)
        assert banner.suggests_urgency == "U1"
        assert banner.text["nl"] and banner.text["en"]

"""Fixtures for the training tests: a small valid scenario as data."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from desktop.forms import FormDefinition, load_form

MINIMAL: dict[str, Any] = {
    "id": "oefen_casus",
    "version": 1,
    "title": {"nl": "Oefencasus", "en": "Practice scenario"},
    "summary": {
        "nl": "Een vader belt over zijn zoon van 13.",
        "en": "A father calls about his son.",
    },
    "learning_goals": [{"nl": "Gezag uitvragen.", "en": "Ask about authority."}],
    "call_at": "2026-04-01T10:00:00+02:00",
    "caller": {"nl": "Vader", "en": "Father"},
    "script": [
        {
            "id": "opening",
            "when": "start",
            "speaker": {"nl": "Vader", "en": "Father"},
            "text": {
                "nl": "Mijn zoon wil niet meer naar school.",
                "en": "My son won't go to school.",
            },
        },
        {
            "id": "risk_line",
            "when": "section:risk",
            "speaker": {"nl": "Vader", "en": "Father"},
            "text": {
                "nl": "Hij heeft het niet over de dood.",
                "en": "He doesn't talk about death.",
            },
        },
        {
            "id": "need_line",
            "when": "question:need",
            "speaker": {"nl": "Zoon", "en": "Son"},
            "text": {"nl": "Rust in mijn hoofd.", "en": "Peace in my head."},
        },
    ],
    "key_questions": [
        {
            "id": "need",
            "text": {"nl": "Wat heb jij nodig?", "en": "What do you need?"},
            "why": {"nl": "Zijn eigen hulpvraag.", "en": "His own request."},
            "fields": ["situation.youth_need"],
        }
    ],
    "expected": {
        "answers": {
            "call.caller_role": "parent",
            "youth.birth_date": "2013-01-10",
            "authority.situation": "joint_parents",
            "situation.youth_need": ["rust", "hoofd"],
            "risk.suicidality": "none",
            "legal.care_type": "voluntary_outpatient",
            "legal.youth_position": "consents",
            "legal.youth_competent": "yes",
            "legal.parents_position": "consent",
        },
        "urgency": "U4",
        "acceptable_urgency": ["U3"],
        "intervention": "consult_referrer",
        # rules version 2: both parents with joint authority, also for outpatient care
        "flags": ["CONSENT_BOTH_PARENTS", "CONSENT_DUAL", "INFORM_AUTHORITY"],
        "decision_minutes": 10,
    },
}


@pytest.fixture
def scenario_data() -> dict[str, Any]:
    return copy.deepcopy(MINIMAL)


@pytest.fixture(scope="session")
def form() -> FormDefinition:
    return load_form("intake", "1")

"""Writing a scenario in the form: draft ⇄ data ⇄ YAML keeps everything, new and copied
scenarios, and what the form cannot show is named, not dropped."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.forms import FormDefinition, load_form
from desktop.training.authoring import (
    Bilingual,
    DraftError,
    LineDraft,
    QuestionDraft,
    ScenarioDraft,
    apply_draft,
    blank_data,
    copy_data,
    draft_from_data,
    form_gaps,
    friendly_problem,
    new_id,
    proposed_flags,
    slug,
)
from desktop.training.scenario import (
    ScenarioError,
    bundled_scenarios,
    dump_yaml,
    read_yaml,
    scenario_from_data,
)

FORM = load_form("intake", "1")
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r\x85"),
    max_size=30,
).map(str.strip)
IDENT = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
CHOICES = {
    "risk.suicidality": FORM.field("risk.suicidality").option_values,
    "call.caller_role": FORM.field("call.caller_role").option_values,
    "authority.situation": FORM.field("authority.situation").option_values,
}


@st.composite
def bilingual(draw: Any) -> Bilingual:
    nl = draw(TEXT)
    en = draw(TEXT)
    return Bilingual(nl, "" if en == nl else en)


@st.composite
def drafts(draw: Any) -> ScenarioDraft:
    questions = draw(
        st.lists(
            st.builds(
                QuestionDraft,
                id=IDENT,
                text=bilingual(),
                why=bilingual(),
                fields=st.lists(st.sampled_from(["risk.suicidality", "youth.first_name"])),
            ),
            max_size=3,
            unique_by=lambda q: q.id,
        )
    )
    moments = ["start", "section:risk", "after:90", *(f"question:{q.id}" for q in questions)]
    lines = draw(
        st.lists(
            st.builds(
                LineDraft,
                id=IDENT,
                when=st.sampled_from(moments),
                speaker=bilingual(),
                text=bilingual(),
            ),
            min_size=1,
            max_size=4,
            unique_by=lambda line: line.id,
        )
    )
    answers: dict[str, Any] = {}
    for fid, values in CHOICES.items():
        if draw(st.booleans()):
            answers[fid] = draw(st.sampled_from(values))
    if draw(st.booleans()):
        answers["situation.youth_need"] = draw(
            st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), min_size=1, max_size=3)
        )
    return ScenarioDraft(
        id=draw(IDENT),
        version=draw(st.integers(1, 50)),
        title=draw(bilingual()),
        summary=draw(bilingual()),
        caller=draw(bilingual()),
        call_at="2026-03-10T21:40:00+01:00",
        learning_goals=draw(st.lists(bilingual(), max_size=3)),
        script=lines,
        key_questions=questions,
        answers=answers,
        urgency=draw(st.sampled_from(["U1", "U2", "U3", "U4", ""])),
        acceptable_urgency=draw(st.lists(st.sampled_from(["U1", "U2", "U3"]), unique=True)),
        intervention=draw(st.sampled_from(list(FORM.field("triage.intervention").option_values))),
        acceptable_interventions=[],
        flags=draw(st.lists(st.sampled_from(["CONSENT_DUAL", "INFORM_AUTHORITY"]), unique=True)),
        flags_reason=draw(bilingual()),
        decision_minutes=draw(st.integers(1, 240)),
        debrief=draw(st.lists(bilingual(), max_size=2)),
    )


def normalised(draft: ScenarioDraft) -> ScenarioDraft:
    """What a draft means: an empty Dutch reason is no reason; English equal to Dutch is
    shown empty."""
    if not draft.flags_reason.nl.strip():
        draft.flags_reason = Bilingual()
    return draft


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(draft=drafts())
def test_form_to_yaml_to_form_keeps_everything(draft: ScenarioDraft) -> None:
    data = apply_draft({}, draft, FORM)
    text = dump_yaml(data)
    again = draft_from_data(read_yaml(text, "t"), FORM)
    assert again == normalised(draft)
    # and once more: stable
    assert apply_draft(read_yaml(text, "t"), again, FORM) == read_yaml(text, "t")


@pytest.mark.parametrize("scenario", bundled_scenarios(), ids=lambda s: s.id)
def test_every_bundled_scenario_goes_through_the_form_unchanged(scenario: Any) -> None:
    data = scenario.to_data()
    draft = draft_from_data(data, FORM)
    assert scenario_from_data(apply_draft(data, draft, FORM)) == scenario
    assert form_gaps(data, scenario.to_yaml()) == []


def test_keys_the_form_does_not_own_are_kept_and_named(form: FormDefinition) -> None:
    data = bundled_scenarios()[0].to_data()
    data["form"] = {"id": "intake", "version": "2"}
    data["trainer_note"] = "alleen voor mij"
    draft = draft_from_data(data, form)
    draft.title = Bilingual("Nieuwe titel", "")
    out = apply_draft(data, draft, form)
    assert out["form"] == {"id": "intake", "version": "2"}
    assert out["trainer_note"] == "alleen voor mij"
    assert out["title"] == {"nl": "Nieuwe titel", "en": "Nieuwe titel"}
    gaps = form_gaps(data, "# opmerking\n" + dump_yaml(data))
    assert any("versie 2" in gap for gap in gaps)
    assert any("trainer_note" in gap for gap in gaps)
    assert any("opmerkingen" in gap for gap in gaps)


def test_a_shape_the_form_cannot_hold_is_refused_naming_the_place(form: FormDefinition) -> None:
    data = bundled_scenarios()[0].to_data()
    data["script"][2]["text"] = ["a", "list"]
    data["learning_goals"] = "one goal"
    with pytest.raises(DraftError) as caught:
        draft_from_data(data, form)
    assert any("script.2.text" in p for p in caught.value.problems)
    assert any("learning_goals" in p for p in caught.value.problems)


def test_a_new_scenario_starts_blank_and_becomes_valid_when_filled(form: FormDefinition) -> None:
    now = datetime(2026, 5, 4, 16, 30, 12, tzinfo=ZoneInfo("Europe/Amsterdam"))
    data = blank_data(now, {"nieuwe_casus"})
    assert data["id"] == "nieuwe_casus_2" and data["call_at"] == "2026-05-04T16:30:00+02:00"
    with pytest.raises(ScenarioError):
        scenario_from_data(data)
    draft = draft_from_data(data, form)
    draft.title = Bilingual("Tim (15) blowt en dreigt", "")
    draft.summary = Bilingual("Een mentor belt over een leerling.", "")
    draft.caller = Bilingual("Mentor", "Teacher")
    draft.learning_goals = [Bilingual("Doorvragen naar middelengebruik.", "")]
    draft.script[0].speaker = Bilingual("Mentor", "")
    draft.script[0].text = Bilingual("Ik maak me zorgen om Tim.", "")
    draft.answers = {
        "call.caller_role": "school",
        "risk.suicidality": "none",
        "legal.care_type": "voluntary_outpatient",
        "youth.birth_date": "2011-01-10",
        "legal.youth_position": "consents",
        "legal.youth_competent": "yes",
        "legal.parents_position": "consent",
        "authority.situation": "joint_parents",
    }
    draft.urgency, draft.intervention = "U3", "consult_referrer"
    draft.flags = proposed_flags(draft, form)
    assert draft.flags  # the rules propose something for these facts
    scenario = scenario_from_data(apply_draft(data, draft, form))
    assert scenario.title["en"] == "Tim (15) blowt en dreigt"  # English defaults to Dutch


def test_flags_differing_from_the_rules_need_a_reason(form: FormDefinition) -> None:
    data = bundled_scenarios()[0].to_data()
    fewer = data["expected"]["flags"][:1]  # one of the rules' flags left out
    data["expected"]["flags"] = fewer
    with pytest.raises(ScenarioError, match="komt niet overeen met de regels"):
        scenario_from_data(data)
    data["expected"]["flags_reason"] = {"nl": "Oefent alleen toestemming.", "en": "Consent only."}
    assert scenario_from_data(data).expected.flags == fewer


def test_copy_gets_a_new_id_version_one_and_keeps_the_rest() -> None:
    scenario = bundled_scenarios()[0]
    data = scenario.to_data() | {"version": 3}
    out = copy_data(data, {s.id for s in bundled_scenarios()})
    assert out["id"] == "suicidal_thoughts_14_2" and out["version"] == 1
    assert out["title"]["nl"].endswith("(kopie)")
    assert out["expected"] == data["expected"] and out["script"] == data["script"]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Sanne (14): 'Ik wil…'", "sanne_14_ik_wil"),
        ("Één ", "een"),
        ("18+", "casus_18"),
        ("", "casus"),
    ],
)
def test_ids_are_made_from_titles(title: str, expected: str) -> None:
    assert slug(title) == expected
    assert new_id(title, {expected}) == f"{expected}_2"


def test_timed_lines_are_revealed_by_exercise_time() -> None:
    data = bundled_scenarios()[0].to_data()
    data["script"].append(
        {
            "id": "sigh",
            "when": "after:90",
            "speaker": {"nl": "Moeder", "en": "Mother"},
            "text": {"nl": "Bent u er nog?", "en": "Are you still there?"},
        }
    )
    scenario = scenario_from_data(data)
    assert "sigh" not in [line.id for line in scenario.revealed([], [], elapsed=89)]
    assert "sigh" in [line.id for line in scenario.revealed([], [], elapsed=90)]


def test_problems_name_the_place_in_the_forms_words(form: FormDefinition) -> None:
    data = bundled_scenarios()[0].to_data()
    data["expected"]["answers"]["risk.suicidality"] = "misschien"
    data["script"][1]["when"] = "section:bestaat_niet"
    with pytest.raises(ScenarioError) as caught:
        scenario_from_data(data)
    shown = [friendly_problem(p, form) for p in caught.value.problems]
    label = form.field("risk.suicidality").label["nl"]
    assert any(f"feit '{label}' (expected.answers.risk.suicidality)" in p for p in shown), shown
    assert any("script, regel 2 (script.1.when)" in p for p in shown), shown

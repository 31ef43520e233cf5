"""The shipped intake definition walked field by field against intake-format.md."""

from __future__ import annotations

import re

import pytest

from desktop.forms import CASE_STATUSES, FormDefinition, load_form
from desktop.forms.conditions import parse
from desktop.forms.loader import available_forms, latest_version


def _words(text: str) -> list[str]:
    return text.split()


# Every field id of domain/intake-format.md (the contract: stored answers, exports, sync).
SPEC_FIELD_IDS = _words("""
call.received_at call.channel call.caller_role call.caller_name call.caller_organisation
call.caller_phone call.referrer_is_caller call.referrer_name call.referrer_organisation
call.referrer_phone call.repeat_contact youth.first_name youth.last_name youth.birth_date
youth.age_estimate youth.gender youth.bsn youth.municipality youth.current_location
youth.current_address youth.interpreter_needed youth.language authority.situation
authority.child_protection authority.institution_name authority.parent1_name
authority.parent1_phone authority.parent2_name authority.parent2_phone
authority.parents_reachable network.significant_others network.family_in_crisis
network.parent_in_care situation.reason situation.since situation.youth_need
situation.network_need situation.caller_request situation.tried_so_far risk.suicidality
risk.means_available risk.self_harm risk.aggression risk.psychotic_symptoms risk.intoxication
risk.somatic_danger risk.unsafe_home risk.protective_factors
background.intellectual_disability background.current_care background.case_manager
background.waiting_list background.waiting_list_for background.known_diagnoses
background.medication background.substance_use background.previous_crises background.school
legal.care_type legal.youth_position legal.youth_competent legal.parents_position
legal.psychiatric_disorder_suspected legal.immediate_serious_harm legal.admission_proposed
legal.youth_care_before_18 triage.urgency triage.domains triage.intervention
triage.assigned_to triage.rationale triage.caller_informed_at handover.to_organisation
handover.to_contact handover.to_phone handover.agreements handover.next_contact_at
handover.informed handover.consent_to_inform_parents handover.notes
""")

SPEC_OPTIONS = {
    "call.channel": "phone chat walk_in referral_letter on_site",
    "call.caller_role": "youth parent relative gp poh_ggz district_team school police "
    "veilig_thuis child_protection crisis_service hospital current_provider other",
    "youth.gender": "female male other unknown",
    "youth.current_location": "home school emergency_department police_station street "
    "institution other",
    "authority.situation": "joint_parents single_parent guardian none unknown",
    "authority.child_protection": "none supervision_order guardianship_institution unknown",
    "situation.since": "today days weeks longer",
    "risk.suicidality": "none thoughts plan recent_attempt unknown",
    "risk.self_harm": "none past current unknown",
    "risk.aggression": "none threats violence unknown",
    "background.intellectual_disability": "established suspected no unknown",
    "background.substance_use": "none occasional problematic unknown",
    "background.previous_crises": "none once several unknown",
    "legal.care_type": "voluntary_outpatient voluntary_admission compulsory_mental_health "
    "involuntary_care_disability secure_youth_care out_of_home_placement emergency_treatment",
    "legal.youth_position": "consents objects neither unknown",
    "legal.youth_competent": "yes no doubt",
    "legal.parents_position": "consent refuse disagree unreachable unknown",
    "triage.urgency": "U1 U2 U3 U4 U5",
    "triage.domains": "youth_mental_health youth_family_care intellectual_disability "
    "child_protection somatic addiction adult_mental_health",
    "triage.intervention": "advice_caller consult_referrer assessment_on_site "
    "ambulatory_crisis_care intensive_home_treatment crisis_admission emergency_department "
    "veilig_thuis police other",
    "handover.informed": "parents gp referrer school current_provider district_team",
}

SPEC_REQ = {
    "call.received_at", "call.caller_role", "call.caller_name", "call.caller_phone",
    "youth.current_location", "authority.situation", "situation.reason", "risk.suicidality",
    "triage.urgency", "triage.intervention", "triage.rationale", "handover.to_organisation",
    "handover.agreements",
}  # fmt: skip
SPEC_SOFT = {
    "youth.first_name", "youth.last_name", "youth.birth_date", "situation.youth_need",
    "situation.network_need",
}  # fmt: skip


def test_the_definition_has_exactly_the_fields_of_the_spec(form: FormDefinition) -> None:
    assert [field.id for field in form.fields()] == SPEC_FIELD_IDS


def test_sections_follow_the_spec_order_with_their_roles(form: FormDefinition) -> None:
    assert [s.id for s in form.sections] == [
        "call", "youth", "authority", "situation", "risk", "background", "legal", "triage",
        "handover",
    ]  # fmt: skip
    assert form.section("triage").role == "triagist"
    assert form.section("triage").stage == "triage"
    assert form.section("handover").stage == "handover"
    assert {s.stage for s in form.sections[:7]} == {"intake"}


@pytest.mark.parametrize("field_id", SPEC_FIELD_IDS)
def test_every_field_is_labelled_and_explained_in_both_languages(
    form: FormDefinition, field_id: str
) -> None:
    field = form.field(field_id)
    assert field.id == field_id
    for text in (field.label, field.help):
        assert set(text) == {"nl", "en"}
        assert all(value.strip() for value in text.values())
    for option in field.options:
        assert set(option.label) == {"nl", "en"}
        assert option.label["nl"].strip() and option.label["en"].strip()
    if field.type in ("choice", "multi"):
        assert field.options, field_id
    for condition in (field.visible_if, field.required_if):
        if condition is not None:
            parse(condition)


@pytest.mark.parametrize(("field_id", "values"), sorted(SPEC_OPTIONS.items()))
def test_options_are_those_of_the_spec(form: FormDefinition, field_id: str, values: str) -> None:
    assert list(form.field(field_id).option_values) == values.split()


def test_requirements_are_those_of_the_spec(form: FormDefinition) -> None:
    assert {f.id for f in form.fields() if f.required == "req"} == SPEC_REQ
    assert {f.id for f in form.fields() if f.required == "soft"} == SPEC_SOFT


def test_field_types_follow_the_spec(form: FormDefinition) -> None:
    types = {f.id: f.type for f in form.fields()}
    assert types["call.received_at"] == "datetime"
    assert types["youth.bsn"] == "bsn"
    assert types["youth.birth_date"] == "date"
    assert types["youth.age_estimate"] == "number"
    assert types["call.referrer_is_caller"] == "yesno"
    assert types["risk.somatic_danger"] == "ynu"
    assert types["triage.domains"] == "multi"
    assert types["network.significant_others"] == "multiline"
    assert {t for fid, t in types.items() if fid.endswith("_phone")} == {"phone"}
    age = form.field("youth.age_estimate")
    assert (age.min, age.max, age.integer) == (0, 30, True)
    assert form.field("youth.bsn").masked


def test_urgency_scale(form: FormDefinition) -> None:
    scale = {level.code: level for level in form.urgency}
    assert list(scale) == ["U1", "U2", "U3", "U4", "U5"]
    assert [scale[c].target_minutes for c in scale] == [60, 240, 1440, None, None]
    assert scale["U4"].target_working_days == 3
    assert scale["U5"].target_working_days is None
    assert [scale[c].acute for c in scale] == [True, True, True, False, False]
    assert scale["U1"].label == {"nl": "Direct", "en": "Immediate"}
    assert all(re.fullmatch(r"#[0-9A-Fa-f]{6}", level.colour) for level in form.urgency)
    assert len({level.colour for level in form.urgency}) == 5
    # the urgency choice shows code and word, never colour alone
    assert form.option_label("triage.urgency", "U2", "nl") == "U2 Zeer dringend"


def test_banners_and_statuses(form: FormDefinition) -> None:
    assert [b.id for b in form.banners] == [
        "somatic_danger",
        "unsafe_home",
        "high_suicide_risk",
        "suicide_plan_means_unknown",
        "psychosis_with_threats",
    ]
    assert form.banner("unsafe_home").text["nl"] == "Meldcode: overweeg overleg met Veilig Thuis"
    assert form.banner("high_suicide_risk").suggests_urgency == "U1"
    assert tuple(s.id for s in form.statuses) == CASE_STATUSES
    assert form.status_label("draft", "nl") == "Concept"
    assert form.status_label("handed_over", "en") == "Handed over"


def test_labels_for_reports(form: FormDefinition) -> None:
    assert form.field("youth.birth_date").label["nl"] == "Geboortedatum"
    assert form.option_label("authority.situation", "joint_parents", "en") == "Both parents jointly"
    assert form.option_label("triage.domains", ["somatic", "addiction"], "nl") == (
        "Somatiek, Verslavingszorg"
    )
    assert form.option_label("risk.unsafe_home", "unknown", "nl") == "onbekend"
    assert form.option_label("call.referrer_is_caller", False, "en") == "no"
    assert form.option_label("call.channel", "carrier_pigeon", "nl") == "carrier_pigeon"
    assert form.field("triage.decided_at").type == "datetime"  # recorded by the product
    with pytest.raises(KeyError):
        form.field("youth.shoe_size")


def test_load_form_is_cached_and_knows_its_versions() -> None:
    assert load_form() is load_form("intake", "1")
    assert ("intake", "1") in available_forms()
    assert latest_version("intake") == "1"

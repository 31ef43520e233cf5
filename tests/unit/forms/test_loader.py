"""The strict loader refuses broken definitions and says where the problem is."""

from __future__ import annotations

import copy
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from desktop.forms import FormDefinitionError, form_from_data, load_form, load_form_file
from desktop.forms.loader import parse_form

SHIPPED = yaml.safe_load(
    resources.files("desktop.forms").joinpath("definitions", "intake-v1.yaml").read_text("utf-8")
)


def broken(change: Callable[[dict[str, Any]], None]) -> FormDefinitionError:
    data = copy.deepcopy(SHIPPED)
    change(data)
    with pytest.raises(FormDefinitionError) as caught:
        form_from_data(data, "test")
    return caught.value


def field_at(data: dict[str, Any], section: int, field: int) -> dict[str, Any]:
    return data["sections"][section]["fields"][field]


def test_the_shipped_data_itself_loads() -> None:
    assert form_from_data(copy.deepcopy(SHIPPED)).field("call.channel").type == "choice"


def test_unknown_field_in_a_condition_names_the_place() -> None:
    def typo(data: dict[str, Any]) -> None:
        field_at(data, 2, 4)["visible_if"] = "empty(youth.brithdate)"

    error = broken(typo)
    assert "sections[2].fields[4].visible_if: unknown field 'youth.brithdate'" in error.problems


def test_unknown_key_is_rejected() -> None:
    error = broken(lambda d: field_at(d, 0, 1).update(colour="red"))
    assert error.problems == ["sections[0].fields[1].colour: unknown key"]


def test_unknown_top_level_key_is_rejected() -> None:
    assert broken(lambda d: d.update(author="x")).problems == ["author: unknown key"]


def test_duplicate_field_id_is_rejected() -> None:
    error = broken(lambda d: field_at(d, 1, 1).update(id="call.channel"))
    assert error.problems == [
        "sections[1].fields[1].id: duplicate field id 'call.channel' "
        "(also at sections[0].fields[1])"
    ]


def test_duplicate_option_is_rejected() -> None:
    def duplicate(data: dict[str, Any]) -> None:
        options = field_at(data, 0, 1)["options"]
        options.append(copy.deepcopy(options[0]))

    error = broken(duplicate)
    assert error.problems == [
        "sections[0].fields[1].options[5].value: duplicate option 'phone' (also options[0])"
    ]


def test_bad_type_is_rejected() -> None:
    error = broken(lambda d: field_at(d, 0, 0).update(type="colour"))
    assert len(error.problems) == 1
    assert error.problems[0].startswith("sections[0].fields[0].type: Input should be")


def test_yaml_boolean_as_option_value_is_rejected() -> None:
    # the classic YAML trap: an unquoted `no` becomes false
    error = broken(lambda d: field_at(d, 5, 0)["options"][2].update(value=False))
    assert error.problems == [
        "sections[5].fields[0].options[2].value: Input should be a valid string"
    ]


def test_missing_english_label_is_rejected() -> None:
    error = broken(lambda d: field_at(d, 0, 0)["label"].pop("en"))
    assert len(error.problems) == 1
    assert "sections[0].fields[0].label" in error.problems[0]
    assert "'en'" in error.problems[0]


def test_missing_help_is_rejected() -> None:
    error = broken(lambda d: field_at(d, 0, 0).pop("help"))
    assert error.problems == ["sections[0].fields[0].help: required key is missing"]


def test_unknown_option_in_a_condition_is_rejected() -> None:
    error = broken(lambda d: d["banners"][2].update(when="risk.suicidality == 'plann'"))
    assert len(error.problems) == 1
    assert error.problems[0].startswith(
        "banners[2].when: unknown option 'plann' for 'risk.suicidality'"
    )


def test_condition_of_the_wrong_kind_is_rejected() -> None:
    error = broken(lambda d: field_at(d, 1, 3).update(visible_if="youth.birth_date < 3"))
    assert error.problems == [
        "sections[1].fields[3].visible_if: 'youth.birth_date' cannot be compared with 3: it is text"
    ]


def test_syntax_error_in_a_condition_is_rejected() -> None:
    error = broken(lambda d: field_at(d, 0, 3).update(required_if="call.caller_role !="))
    assert error.problems == [
        "sections[0].fields[3].required_if: expected a field id, a value or '(' "
        "but found end of condition at column 20"
    ]


def test_choice_without_options_and_options_on_text_are_rejected() -> None:
    def change(data: dict[str, Any]) -> None:
        field_at(data, 0, 1)["options"] = []
        field_at(data, 0, 3)["options"] = [{"value": "x", "label": {"nl": "x", "en": "x"}}]

    assert broken(change).problems == [
        "sections[0].fields[1].options: a choice field needs options",
        "sections[0].fields[3].options: only choice and multi fields have options",
    ]


def test_bad_urgency_and_statuses_are_rejected() -> None:
    def change(data: dict[str, Any]) -> None:
        data["urgency"][1]["code"] = "U1"
        data["urgency"][3]["target_minutes"] = 10
        data["statuses"].pop()

    assert broken(change).problems == [
        "statuses: missing status 'needs_reconciliation'",
        "urgency[1].code: duplicate urgency code 'U1'",
        "urgency[3]: give target_minutes or target_working_days, not both",
        # the urgency choice is built from the scale, so it sees the duplicate too
        "sections[7].fields[0].options[1].value: duplicate option 'U1' (also options[0])",
    ]


def test_banner_pointing_at_unknown_urgency_or_section() -> None:
    def change(data: dict[str, Any]) -> None:
        data["banners"][0]["suggests_urgency"] = "U9"
        data["banners"][1]["section"] = "nowhere"

    assert broken(change).problems == [
        "banners[0].suggests_urgency: unknown urgency 'U9'",
        "banners[1].section: unknown section 'nowhere'",
    ]


def test_several_problems_are_reported_together() -> None:
    def change(data: dict[str, Any]) -> None:
        field_at(data, 0, 2)["visible_if"] = "nobody.knows == 1"
        data["warnings"][0]["field"] = "handover.missing"

    problems = broken(change).problems
    assert len(problems) == 2
    assert "unknown field 'nobody.knows'" in problems[0]
    assert problems[1] == "warnings[0].field: unknown field 'handover.missing'"


def test_duplicate_yaml_keys_are_rejected() -> None:
    with pytest.raises(FormDefinitionError, match="duplicate key 'id'"):
        parse_form("id: intake\nid: other\n")


def test_not_yaml_and_not_a_mapping() -> None:
    with pytest.raises(FormDefinitionError, match="not valid YAML"):
        parse_form("id: [unclosed")
    with pytest.raises(FormDefinitionError, match="expected a mapping"):
        parse_form("- a list\n")


def test_load_form_file_checks_the_name_against_the_content(tmp_path: Path) -> None:
    text = yaml.safe_dump(SHIPPED, allow_unicode=True, sort_keys=False)
    good = tmp_path / "intake-v1.yaml"
    good.write_text(text, encoding="utf-8")
    assert load_form_file(good).key == ("intake", "1")
    wrong = tmp_path / "intake-v7.yaml"
    wrong.write_text(text, encoding="utf-8")
    with pytest.raises(FormDefinitionError, match="the file name says intake v7"):
        load_form_file(wrong)
    with pytest.raises(FormDefinitionError, match="cannot read the file"):
        load_form_file(tmp_path / "absent.yaml")


def test_region_can_relabel_and_retarget_by_data_only(tmp_path: Path) -> None:
    data = copy.deepcopy(SHIPPED)
    data["urgency"][1]["target_minutes"] = 120
    field_at(data, 0, 1)["options"][0]["label"]["nl"] = "Telefonisch"
    path = tmp_path / "intake-v1.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    regional = load_form_file(path)
    assert regional.urgency_level("U2").target_minutes == 120
    assert regional.option_label("call.channel", "phone", "nl") == "Telefonisch"
    assert load_form().option_label("call.channel", "phone", "nl") == "Telefoon"


def test_unknown_shipped_form() -> None:
    with pytest.raises(FormDefinitionError, match="no shipped form 'intake' version '99'"):
        load_form("intake", "99")

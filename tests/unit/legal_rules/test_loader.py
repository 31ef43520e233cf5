"""The rule-file loader: broken files are rejected with clear messages; dates are honoured."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from legal_rules import RuleFileError, load_rules

FACTS = {"decision_date": "2026-11-23", "care_type": "voluntary_outpatient"}


def rule(code: str = "A_RULE", **changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "code": code,
        "severity": "info",
        "citations": ["BW 7:450"],
        "valid_from": "2020-01-01",
        "when": {"is": {"care_type": "voluntary_outpatient"}},
        "title": {"nl": "Titel", "en": "Title"},
        "explanation": {"nl": "Uitleg", "en": "Explanation"},
    }
    entry.update(changes)
    return entry


def rule_file(*rules: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"title": {"nl": "Proef", "en": "Trial"}, "rules": list(rules), **extra}


def write(folder: Path, content: dict[str, Any] | str, name: str = "10_test.yaml") -> Path:
    text = content if isinstance(content, str) else yaml.safe_dump(content, allow_unicode=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def problems_for(folder: Path) -> str:
    with pytest.raises(RuleFileError) as info:
        load_rules(folder)
    assert info.value.problems
    return "\n".join(info.value.problems)


def test_bundled_rules_load_and_hold_every_contract_code() -> None:
    rules = load_rules()
    assert len(rules.codes) == 38
    assert {"CONSENT_DUAL", "WZD_ARTIKEL_21", "AGE_THRESHOLD_SOON"} <= rules.codes
    assert all(rule.title["nl"] and rule.title["en"] for rule in rules.rules)
    assert all(rule.citations for rule in rules.rules)


def test_bundled_rules_keep_the_open_points_visible_and_the_closed_one_closed() -> None:
    rules = load_rules()
    notes = [note for rule in rules.rules for note in rule.notes if note.kind == "open_point"]
    texts = " ".join(note.text["en"] for note in notes)
    assert "continuation" not in texts  # closed in v2: at most 3 days, then at most 3 weeks
    assert "place of residence" in texts
    assert "Jw 7.3.11" in texts and "2027-01-01" in texts and "no valid_to is preset" in texts
    inform = [rule for rule in rules.rules if rule.code == "INFORM_PARENTS_NEEDS_CONSENT"]
    assert [rule.valid_to for rule in inform] == [None]
    crisis = next(rule for rule in rules.rules if rule.code == "WVGGZ_CRISISMAATREGEL")
    assert "at most 3 weeks" in crisis.explanation["en"]


def test_a_minimal_rule_file_loads_and_evaluates(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, rule_file(rule())))
    assert [flag["code"] for flag in rules.evaluate(FACTS)["flags"]] == ["A_RULE"]


Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    def mutate(content: dict[str, Any]) -> None:
        target: Any = content["rules"][0]
        *parents, last = path.split(".")
        for part in parents:
            target = target[part]
        target[last] = value

    return mutate


def _del(key: str) -> Mutation:
    return lambda content: content["rules"][0].pop(key)


BROKEN: list[tuple[str, Mutation, str]] = [
    ("unknown rule key", _set("colour", "red"), "unknown key(s) colour"),
    ("missing key", _del("citations"), "missing key(s) citations"),
    ("bad severity", _set("severity", "fatal"), "severity must be one of"),
    ("bad code", _set("code", "a_rule"), "UPPER_SNAKE_CASE"),
    ("impossible date", _set("valid_from", "2020-13-01"), "valid_from: not a date"),
    ("date with time", _set("valid_from", "2020-01-01 10:00"), "not a date"),
    ("end before start", _set("valid_to", "2019-12-31"), "is before valid_from"),
    ("empty citations", _set("citations", []), "citations must be"),
    ("one language only", _set("title", {"nl": "Titel"}), "exactly nl and en"),
    ("unknown predicate", _set("when", {"regex": ".*"}), "unknown predicate 'regex'"),
    ("code as a string", _set("when", "care_type == 'x'"), "a condition is a mapping"),
    ("two predicates", _set("when", {"all": [], "any": []}), "exactly one"),
    ("empty all", _set("when", {"all": []}), "non-empty list"),
    ("unknown fact", _set("when", {"is": {"colour": "red"}}), "unknown fact 'colour'"),
    ("unknown value", _set("when", {"is": {"care_type": "hospital"}}), "unknown value 'hospital'"),
    ("YAML no read as false", _set("when", {"is": {"intellectual_disability": False}}), "false"),
    ("1 is not true", _set("when", {"is": {"admission_proposed": 1}}), "unknown value 1"),
    ("bad age bound", _set("when", {"age": {"at_least": "17y13m"}}), "age bound"),
    ("age bounds reversed", _set("when", {"age": {"at_least": 16, "under": 12}}), "below"),
    ("unknown age key", _set("when", {"age": {"over": 12}}), "at_least and/or under"),
    ("unknown code", _set("when", {"flagged": "NOPE"}), "unknown rule code NOPE"),
    ("unknown term", _set("when", {"term": "nope"}), "unknown term nope"),
    ("unknown detail", _set("detail", "age"), "unknown detail 'age'"),
    ("detail without window", _set("detail", "birthday_within"), "needs exactly one"),
    ("detail choose empty", _set("detail", {"choose": []}), "non-empty list of options"),
    ("detail choose other key", _set("detail", {"pick": [{"value": "a"}]}), "needs choose"),
    (
        "detail default with a condition",
        _set("detail", {"choose": [{"when": {"is": {"admission_proposed": True}}, "value": "a"}]}),
        "the last option is the default",
    ),
    (
        "detail option without condition",
        _set("detail", {"choose": [{"value": "a"}, {"value": "b"}]}),
        "missing key(s) when",
    ),
    (
        "detail reads a term",
        _set("detail", {"choose": [{"when": {"term": "x"}, "value": "a"}, {"value": "b"}]}),
        "reads facts only",
    ),
    ("detail empty value", _set("detail", {"choose": [{"value": " "}]}), "non-empty text"),
    (
        "bad birthday window",
        _set("when", {"birthday_within": {"ages": [12], "days": [30, 1]}}),
        "1 <= first <= last",
    ),
    ("bad note kind", _set("notes", [{"kind": "todo", "text": {"nl": "a", "en": "b"}}]), "kind"),
]


@pytest.mark.parametrize(
    ("mutate", "message"), [(m, s) for _, m, s in BROKEN], ids=[name for name, _, _ in BROKEN]
)
def test_a_broken_rule_is_rejected_with_a_clear_message(
    tmp_path: Path, mutate: Mutation, message: str
) -> None:
    content = rule_file(rule())
    mutate(content)
    text = problems_for(write(tmp_path, content))
    assert message in text
    assert "10_test.yaml" in text


def test_every_broken_entry_is_reported_at_once(tmp_path: Path) -> None:
    content = rule_file(rule("ONE", severity="fatal"), rule("TWO", colour="red"))
    with pytest.raises(RuleFileError) as info:
        load_rules(write(tmp_path, content))
    assert len(info.value.problems) == 2
    assert "ONE" in info.value.problems[0]


def test_yaml_syntax_error_is_named(tmp_path: Path) -> None:
    assert "not valid YAML" in problems_for(write(tmp_path, "title: [unclosed\n"))


def test_unknown_file_key_is_rejected(tmp_path: Path) -> None:
    assert "unknown key(s) rulez" in problems_for(write(tmp_path, rule_file(rulez=[])))


def test_yaml_tags_are_not_executed(tmp_path: Path) -> None:
    text = "title: !!python/object/apply:os.system ['echo hacked']\n"
    assert "not valid YAML" in problems_for(write(tmp_path, text))


def test_an_empty_folder_is_rejected(tmp_path: Path) -> None:
    assert "no rule files" in problems_for(tmp_path)


def test_a_cycle_between_rules_is_rejected(tmp_path: Path) -> None:
    content = rule_file(
        rule("A_RULE", when={"flagged": "B_RULE"}), rule("B_RULE", when={"flagged": "A_RULE"})
    )
    assert "cycle" in problems_for(write(tmp_path, content))


def test_overlapping_versions_of_a_rule_are_rejected(tmp_path: Path) -> None:
    content = rule_file(rule(valid_to="2027-01-01"), rule(valid_from="2027-01-01"))
    assert "in force at the same time" in problems_for(write(tmp_path, content))


def test_a_new_version_may_not_change_the_severity(tmp_path: Path) -> None:
    content = rule_file(
        rule(valid_to="2026-12-31"), rule(valid_from="2027-01-01", severity="warning")
    )
    assert "changes its severity" in problems_for(write(tmp_path, content))


def test_unknown_missing_fact_is_rejected(tmp_path: Path) -> None:
    entry = {
        "fact": "care_type",
        "valid_from": "2020-01-01",
        "when": {"is": {"age_band": "unknown"}},
    }
    content = rule_file(rule(), missing_facts=[entry])
    assert "fact must be one of" in problems_for(write(tmp_path, content))


def test_a_term_may_not_shadow_a_fact(tmp_path: Path) -> None:
    term = {
        "name": "authority",
        "description": {"nl": "a", "en": "a"},
        "valid_from": "2020-01-01",
        "when": {"is": {"age_band": "unknown"}},
    }
    assert "already a fact name" in problems_for(write(tmp_path, rule_file(rule(), terms=[term])))


def test_a_rule_may_not_outlive_a_term_it_uses(tmp_path: Path) -> None:
    term = {
        "name": "short_lived",
        "description": {"nl": "a", "en": "a"},
        "valid_from": "2020-01-01",
        "valid_to": "2024-12-31",
        "when": {"is": {"age_band": "unknown"}},
    }
    content = rule_file(rule(when={"term": "short_lived"}), terms=[term])
    assert "not in force on 2025-01-01" in problems_for(write(tmp_path, content))


def _dated_rules(tmp_path: Path) -> Path:
    old = rule(
        "INFORM_RULE",
        valid_to="2026-12-31",
        title={"nl": "Oud", "en": "Old"},
    )
    new = rule("INFORM_RULE", valid_from="2027-01-01", title={"nl": "Nieuw", "en": "New"})
    later = rule("ONLY_LATER", valid_from="2027-01-01")
    follows = rule("FOLLOWS", when={"flagged": "ONLY_LATER"})
    return write(tmp_path, rule_file(old, new, later, follows))


@pytest.mark.parametrize(
    ("day", "title", "later"),
    [("2026-12-31", "Old", False), ("2027-01-01", "New", True), ("2030-06-01", "New", True)],
)
def test_the_rules_in_force_on_the_decision_date_apply(
    tmp_path: Path, day: str, title: str, later: bool
) -> None:
    rules = load_rules(_dated_rules(tmp_path))
    flags = {
        flag["code"]: flag for flag in rules.evaluate({**FACTS, "decision_date": day})["flags"]
    }
    assert flags["INFORM_RULE"]["title"]["en"] == title
    assert ("ONLY_LATER" in flags) is later
    assert ("FOLLOWS" in flags) is later


def test_in_force_lists_one_version_per_code(tmp_path: Path) -> None:
    from datetime import date

    rules = load_rules(_dated_rules(tmp_path))
    before = rules.in_force(date(2026, 12, 31))
    assert [rule.code for rule in before] == ["FOLLOWS", "INFORM_RULE"]
    assert before[1].title["en"] == "Old"


def test_load_rules_does_not_share_state_between_folders(tmp_path: Path) -> None:
    custom = load_rules(write(tmp_path, rule_file(rule())))
    assert custom.codes == {"A_RULE"}
    assert "A_RULE" not in load_rules().codes


def test_a_detail_chosen_by_the_facts(tmp_path: Path) -> None:
    choice = {
        "choose": [
            {"when": {"is": {"immediate_serious_harm": True}}, "value": "crisismaatregel"},
            {"value": "zorgmachtiging"},
        ]
    }
    rules = load_rules(write(tmp_path, rule_file(rule(detail=choice))))
    details = [
        rules.evaluate({**FACTS, "immediate_serious_harm": harm})["flags"][0]["detail"]
        for harm in (True, False)
    ]
    assert details == ["crisismaatregel", "zorgmachtiging"]

"""``python -m legal_rules``: evaluate, table and check, run as real processes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legal_rules import load_rules
from legal_rules.__main__ import main

ROOT = Path(__file__).resolve().parents[3]
FACTS = {
    "decision_date": "2026-11-23",
    "birth_date": "2012-08-01",
    "care_type": "voluntary_admission",
    "authority": "joint_parents",
    "child_protection": "none",
}


def run(*args: str, stdin: str | bytes = b"") -> subprocess.CompletedProcess[bytes]:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run(
        [sys.executable, "-m", "legal_rules", *args],
        input=data,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_evaluate_a_file(tmp_path: Path) -> None:
    source = tmp_path / "facts.json"
    source.write_text(json.dumps(FACTS), encoding="utf-8")
    done = run("evaluate", str(source))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["age"] == {"years": 14, "months": 3, "band": "12_15"}
    assert [flag["code"] for flag in result["flags"]][:2] == [
        "CONSENT_BOTH_PARENTS",
        "CONSENT_DUAL",
    ]
    assert result["missing_facts"] == ["youth_competent"]
    assert done.stderr == b""


def test_evaluate_stdin_keeps_dutch_text_intact() -> None:
    done = run("evaluate", "-", stdin=json.dumps(FACTS))
    assert done.returncode == 0
    titles = [flag["title"]["nl"] for flag in json.loads(done.stdout.decode("utf-8"))["flags"]]
    assert "Toestemming van jeugdige én gezaghebbende(n) nodig" in titles


def test_bad_keys_exit_2_naming_each_key_with_nothing_on_stdout() -> None:
    facts = {**FACTS, "colour": "red", "youth_competent": "yes", "birth_date": "2027-01-01"}
    done = run("evaluate", "-", stdin=json.dumps(facts))
    assert done.returncode == 2
    assert done.stdout == b""
    for key in ("colour", "youth_competent", "birth_date"):
        assert key.encode() in done.stderr
    assert b"Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (b"{not json", b"not valid JSON"),
        (b"", b"not valid JSON"),
        (b"[1, 2]", b"must be a JSON object"),
        (b'{"care_type": "voluntary_outpatient", "care_type": "x"}', b"care_type: appears more"),
        (b'{"decision_date": NaN}', b"NaN"),
        (b"\xff\xfe{", b"not UTF-8"),
        (b"[" * 100000, b"not valid JSON"),
    ],
)
def test_unreadable_input_exits_2_without_a_traceback(stdin: bytes, message: bytes) -> None:
    done = run("evaluate", "-", stdin=stdin)
    assert done.returncode == 2
    assert done.stdout == b""
    assert message in done.stderr
    assert b"Traceback" not in done.stderr


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    done = run("evaluate", str(tmp_path / "absent.json"))
    assert done.returncode == 2 and done.stdout == b""
    assert b"cannot read" in done.stderr


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_table_lists_every_rule_with_its_explanation_citations_and_notes(lang: str) -> None:
    done = run("table", "--lang", lang)
    assert done.returncode == 0
    text = done.stdout.decode("utf-8")
    for rule in load_rules().rules:
        assert f"### `{rule.code}` — {rule.title[lang]}" in text
        assert " ".join(rule.explanation[lang].split()) in text  # what the desk worker sees
        for citation in rule.citations:
            assert citation in text
    assert "Jw 7.3.11" in text and "2027-01-01" in text and "1:245/1:247" in text
    assert ("projectbeslissing" if lang == "nl" else "project decision") in text
    assert "2020-01-01" in text
    assert ("versie 2" if lang == "nl" else "version 2") in text


def test_table_reads_as_the_spec_asks() -> None:
    """domain/legal-rules.md, last section: glossary, unambiguous conditions, matrix,
    worked cases, citations with lid, law version, link and verification, decisions."""
    text = run("table").stdout.decode("utf-8")
    for heading in (
        "## Zo leest u de voorwaarden",
        "## Woordenlijst van de feiten",
        "## Matrix: soort zorg × leeftijdsgroep",
        "## Uitgewerkte casussen",
        "## Bronnen: artikelen, wetsversies en verificatie",
        "### Projectbeslissingen",
        "### Open punten",
        "### Gesloten punten",
    ):
        assert heading in text
    # glossary: every fact key with its values in words
    for fact in ("youth_competent", "parents_position", "psychiatric_disorder_suspected"):
        assert f"| `{fact}` |" in text
    assert "`disagree` = de twee gezaghebbenden zijn het oneens" in text
    # unambiguous grouping: capital connectives, brackets, value sets in braces
    assert (
        "(leeftijd 16 tot 18 EN (`youth_position` is `objects` OF (`youth_competent` is "
        "`false` EN `parents_position` is een van {`refuse`, `disagree`})))" in text
    )
    # the matrix marks suppressed flags: no consent flags for secure youth care
    secure = text.split("### `secure_youth_care`")[1].split("###")[0]
    assert "| `JW_MACHTIGING_GESLOTEN` | ● | ● | ● | ○ | – | ● |" in secure
    assert "`CONSENT_DUAL`" in secure.split("Nooit gemeld bij deze soort zorg:")[1]
    # the three walk-through calls, evaluated
    for title in (
        "Meisje van 15 met een suïcideplan",
        "Jongen van 11 met angstklachten",
        "Jongen van 17 met een psychose, onder een crisismaatregel",
    ):
        assert f"### {title}" in text
    assert "| waarschuwing | `COMPULSORY_ROUTE_TO_CONSIDER` |" in text
    # citations: lid apart, official link by BWB id, not verified (no source reachable)
    assert (
        "| BW 7:465 lid 2 | Burgerlijk Wetboek Boek 7 (o.a. WGBO, art. 7:446–468) | 7:465 | 2 |"
        in text
    )
    assert "https://wetten.overheid.nl/BWBR0040635" in text
    assert "| geverifieerd |" in text and "**nee**" in text
    # every project decision the spec names is marked as one
    decisions = text.split("### Projectbeslissingen")[1].split("### Open punten")[0]
    for code in (
        "TRANSITION_18_SOON",
        "INFORM_PARENTS_NEEDS_CONSENT",
        "WZD_ARTIKEL_21",
        "EMERGENCY_NO_CONSENT",
        "CONSENT_BOTH_PARENTS",
    ):
        assert f"`{code}`" in decisions
    assert "3 weken" in text.split("### Gesloten punten")[1]


def test_the_sample_table_in_docs_is_current() -> None:
    sample = (ROOT / "docs" / "legal-rules-table.md").read_text(encoding="utf-8")
    assert sample == run("table").stdout.decode("utf-8"), (
        "regenerate: python -m legal_rules table > docs/legal-rules-table.md"
    )


def test_table_defaults_to_dutch() -> None:
    assert "Regeltabel" in run("table").stdout.decode("utf-8")


def test_check_passes_on_the_bundled_rules() -> None:
    done = run("check")
    assert done.returncode == 0
    assert b"ok: 38 rules" in done.stdout


def test_check_rejects_a_citation_of_an_unlisted_law(tmp_path: Path) -> None:
    (tmp_path / "10_rule.yaml").write_text(
        "title: {nl: a, en: a}\nrules:\n  - code: X\n    severity: info\n"
        "    citations: ['Wet op de lijkbezorging 1']\n    valid_from: 2020-01-01\n"
        "    when: {is: {care_type: voluntary_outpatient}}\n"
        "    title: {nl: t, en: t}\n    explanation: {nl: e, en: e}\n",
        encoding="utf-8",
    )
    done = run("check", str(tmp_path))
    assert done.returncode == 1
    assert b"Wet op de lijkbezorging 1" in done.stderr and b"sources.yaml" in done.stderr


def test_check_fails_on_broken_rules(tmp_path: Path) -> None:
    (tmp_path / "10_bad.yaml").write_text(
        "title: {nl: a, en: a}\nrules:\n  - code: X\n    severity: fatal\n", encoding="utf-8"
    )
    done = run("check", str(tmp_path))
    assert done.returncode == 1
    assert b"10_bad.yaml" in done.stderr and b"missing key(s)" in done.stderr


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=14), inner, max_size=4)
    ),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        json_values,
        st.fixed_dictionaries(
            {"decision_date": st.sampled_from(["2026-11-23", "2019-01-01", 7])},
            optional={
                "care_type": st.sampled_from(["secure_youth_care", "x"]),
                "birth_date": st.sampled_from(["2010-02-28", "2030-01-01", None, "2010"]),
                "youth_position": json_values,
            },
        ),
    )
)
def test_cli_on_any_json_prints_a_result_or_exits_2(document: Any) -> None:
    text = json.dumps(document)
    out, err = io.StringIO(), io.StringIO()
    status = main(["evaluate", "-"], stdin=io.StringIO(text), stdout=out, stderr=err)
    if status == 0:
        result = json.loads(out.getvalue())
        assert result["rules_version"] == "2" and err.getvalue() == ""
    else:
        assert status == 2
        assert out.getvalue() == ""
        assert err.getvalue().startswith("legal_rules: invalid")

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
def test_table_lists_every_rule_with_citations_and_open_points(lang: str) -> None:
    done = run("table", "--lang", lang)
    assert done.returncode == 0
    text = done.stdout.decode("utf-8")
    for rule in load_rules().rules:
        assert f"`{rule.code}`" in text
        assert rule.citations[0] in text
        assert rule.title[lang] in text
    assert "Jw 7.3.11" in text and "7:7–7:11" in text and "1:245/1:247" in text
    assert ("projectbeslissing" if lang == "nl" else "project decision") in text
    assert "2020-01-01" in text


def test_table_defaults_to_dutch() -> None:
    assert "Regeltabel" in run("table").stdout.decode("utf-8")


def test_check_passes_on_the_bundled_rules() -> None:
    done = run("check")
    assert done.returncode == 0
    assert b"ok: 38 rules" in done.stdout


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

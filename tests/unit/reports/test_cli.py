"""``doorloop handover`` as a process: the ok paths and every exit-2 path (contract 5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.unit.reports.conftest import FIXTURES, load_case, pdf_pages, squash

ROOT = Path(__file__).resolve().parents[3]
RUN = "import sys; from desktop.reports.cli import handover_command; sys.exit(handover_command(sys.argv[1:]))"  # noqa: E501


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", RUN, *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


def write_case(tmp_path: Path, case: Any) -> Path:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    return path


def test_handover_is_written(tmp_path: Path) -> None:
    out = tmp_path / "overdracht.pdf"
    result = run(str(FIXTURES / "case_16plus.json"), "-o", str(out), "--printed-by", "T. Bakker")
    assert (result.returncode, result.stderr, result.stdout) == (0, "", "")
    pages = [squash(page) for page in pdf_pages(out.read_bytes())]
    assert pages[0].startswith("Doorloop — Overdrachtsformulier")
    assert "Afgedrukt door T. Bakker op" in pages[0]
    assert pages[-1].endswith(f"pagina {len(pages)} van {len(pages)}")


def test_feedback_with_risk_in_english_from_stdin(tmp_path: Path) -> None:
    out = tmp_path / "feedback.pdf"
    case_text = (FIXTURES / "case_16plus.json").read_text(encoding="utf-8")
    args = ["-", "-o", str(out), "--kind", "feedback", "--lang", "en", "--include", "risk"]
    result = run(*args, stdin=case_text)
    assert (result.returncode, result.stderr) == (0, "")
    text = squash(" ".join(pdf_pages(out.read_bytes())))
    assert "Suicidality" in text  # the form's English label; risk was included
    assert "Known diagnoses" not in text  # background was not


def bad_cases() -> list[tuple[str, Any, str]]:
    case = load_case()
    missing = {k: v for k, v in case.items() if k != "answers"}
    unknown_field = {**case, "answers": {**case["answers"], "youth.shoe_size": 42}}
    bad_date = {**case, "answers": {**case["answers"], "youth.birth_date": "14-05-2010"}}
    bad_choice = {**case, "answers": {**case["answers"], "risk.suicidality": "maybe"}}
    unborn = {**case, "answers": {**case["answers"], "youth.birth_date": "2999-01-01"}}
    empty = {**case, "answers": {**case["answers"], "handover.notes": ""}}
    bad_flag = {**case, "legal_flags": [{"code": "X", "severity": "fatal", "title": "t"}]}
    bad_form = {**case, "form": {"id": "intake", "version": "9"}}
    return [
        ("missing answers", missing, "answers: ontbreekt (verplicht)"),
        ("unknown field", unknown_field, "answers.youth.shoe_size: onbekend veld"),
        ("bad date", bad_date, "answers.youth.birth_date: Ongeldige datum"),
        ("bad choice", bad_choice, "answers.risk.suicidality: Onbekende keuze: 'maybe'"),
        ("future birth date", unborn, "answers.youth.birth_date: Deze datum ligt in de toekomst"),
        ("empty answer", empty, "answers.handover.notes: leeg antwoord"),
        ("bad flag", bad_flag, "legal_flags[0].severity: verwacht een van"),
        ("unknown form", bad_form, "form: onbekend formulier intake versie 9"),
        ("not an object", [1, 2], "case: verwacht een JSON-object"),
    ]


@pytest.mark.parametrize(("name", "case", "message"), bad_cases(), ids=[c[0] for c in bad_cases()])
def test_bad_input_exits_2_naming_the_field(
    tmp_path: Path, name: str, case: Any, message: str
) -> None:
    out = tmp_path / "out.pdf"
    result = run(str(write_case(tmp_path, case)), "-o", str(out))
    assert result.returncode == 2, name
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not out.exists()


def test_invalid_json_and_missing_file_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"id": "3f2b9c1e", "answers": {', encoding="utf-8")
    result = run(str(broken), "-o", str(tmp_path / "out.pdf"))
    assert result.returncode == 2
    assert "is geen geldige JSON (regel 1" in result.stderr
    assert "Traceback" not in result.stderr

    result = run(str(tmp_path / "nowhere.json"), "-o", str(tmp_path / "out.pdf"))
    assert result.returncode == 2
    assert "kan " in result.stderr and "nowhere.json niet lezen" in result.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    case = str(FIXTURES / "case_16plus.json")
    no_output = run(case)
    assert no_output.returncode == 2 and "-o/--output" in no_output.stderr
    bad_kind = run(case, "-o", str(tmp_path / "x.pdf"), "--kind", "letter")
    assert bad_kind.returncode == 2 and "--kind" in bad_kind.stderr
    bad_include = run(case, "-o", str(tmp_path / "x.pdf"), "--kind", "feedback", "--include", "x")
    assert bad_include.returncode == 2 and "--include: onbekend onderdeel x" in bad_include.stderr
    include_on_handover = run(case, "-o", str(tmp_path / "x.pdf"), "--include", "risk")
    assert include_on_handover.returncode == 2
    assert not (tmp_path / "x.pdf").exists()


def test_unwritable_output_exits_1(tmp_path: Path) -> None:
    result = run(str(FIXTURES / "case_16plus.json"), "-o", str(tmp_path / "no" / "dir" / "x.pdf"))
    assert result.returncode == 1
    assert "niet schrijven" in result.stderr and "Traceback" not in result.stderr

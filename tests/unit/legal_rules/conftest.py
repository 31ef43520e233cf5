"""YAML rule cases, OpenFisca style: each ``cases/*.yaml`` file is a list of cases.

A case has ``name`` and ``input`` (the facts) and any of: ``flags`` (codes that must be
flagged; an item may be ``{code: X, detail: "..."}``), ``absent`` (codes that must not
be flagged), ``exact: true`` (the flags are exactly ``flags``), ``missing_facts`` and
``age`` (compared whole), or ``error`` (the keys a FactsError must name, exactly).
``changed`` (rule codes) marks a case that contradicts the version-1 reading of those
rules: test_v2_changes.py checks it fails on the version-1 rule files.
Unknown keys in a case and unknown rule codes fail the case, so a typo cannot make a
case pass silently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from legal_rules import FactsError, RuleSet, load_rules

CASES = Path(__file__).parent / "cases"
CASE_KEYS = {
    "name", "input", "flags", "absent", "exact", "missing_facts", "age", "error", "changed"
}  # fmt: skip


class CaseFailure(AssertionError):
    """A YAML case did not hold."""


def read_cases(path: Path) -> list[dict[str, Any]]:
    """The cases in one file (a YAML list), checked for shape."""
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(cases, list):
        raise CaseFailure(f"{path.name}: a case file is a list of cases")
    return cases


def expected_codes(case: dict[str, Any]) -> list[tuple[str, Any]]:
    """(code, detail or ...) for each flag a case expects; ... = any detail."""
    found = []
    for item in case.get("flags", []):
        if isinstance(item, dict):
            found.append((item["code"], item.get("detail", ...)))
        else:
            found.append((item, ...))
    return found


def check_case(case: dict[str, Any], rules: RuleSet | None = None) -> None:
    """Run one case (on the bundled rules, or on ``rules``); raise CaseFailure saying
    what differs."""
    unknown = set(case) - CASE_KEYS
    if unknown or "name" not in case or "input" not in case:
        raise CaseFailure(f"bad case keys: unknown {sorted(unknown)}; name and input needed")
    codes_known = load_rules().codes
    evaluate = (rules or load_rules()).evaluate
    named = [code for code, _ in expected_codes(case)] + list(case.get("absent", []))
    named += list(case.get("changed", []))
    typos = sorted(set(named) - codes_known)
    if typos:
        raise CaseFailure(f"unknown rule codes in the case: {typos}")
    if "error" in case:
        try:
            result = evaluate(case["input"])
        except FactsError as error:
            if sorted(error.errors) != sorted(case["error"]):
                raise CaseFailure(
                    f"errors named {sorted(error.errors)}, expected {sorted(case['error'])}"
                ) from error
            return
        raise CaseFailure(f"expected FactsError, got a result with flags {result['flags']}")
    result = evaluate(case["input"])
    flags = {flag["code"]: flag for flag in result["flags"]}
    problems = []
    for code, detail in expected_codes(case):
        if code not in flags:
            problems.append(f"{code} not flagged")
        elif detail is not ... and flags[code]["detail"] != detail:
            problems.append(f"{code} detail {flags[code]['detail']!r}, expected {detail!r}")
    for code in case.get("absent", []):
        if code in flags:
            problems.append(f"{code} flagged but should be absent")
    if case.get("exact"):
        extra = sorted(set(flags) - {code for code, _ in expected_codes(case)})
        if extra:
            problems.append(f"unexpected flags {extra}")
    if "missing_facts" in case and result["missing_facts"] != case["missing_facts"]:
        problems.append(
            f"missing_facts {result['missing_facts']}, expected {case['missing_facts']}"
        )
    if "age" in case and result["age"] != case["age"]:
        problems.append(f"age {result['age']}, expected {case['age']}")
    if problems:
        raise CaseFailure("; ".join(problems) + f"\n  flags: {list(flags)}")


class CaseFile(pytest.File):
    def collect(self) -> Any:
        for index, case in enumerate(read_cases(self.path)):
            name = case.get("name", f"case {index}") if isinstance(case, dict) else str(index)
            yield CaseItem.from_parent(self, name=name, case=case)


class CaseItem(pytest.Item):
    def __init__(self, *, case: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        if not isinstance(self.case, dict):
            raise CaseFailure("a case is a mapping")
        check_case(self.case)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailure):
            return f"{self.path.name}: {self.name}: {excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"case: {self.name}"


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix == ".yaml" and file_path.parent == CASES:
        return CaseFile.from_parent(parent, path=file_path)
    return None

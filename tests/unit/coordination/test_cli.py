"""``doorloop match`` (and ``python -m coordination``) run as real processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from coordination import load_directory
from coordination.hsds import to_hsds
from tests.unit.coordination.builders import (
    EXAMPLES,
    case_json,
    directory_json,
    unit_json,
)

ROOT = Path(__file__).resolve().parents[3]
DIRECTORY = str(EXAMPLES / "directory-demo.json")
CASE = str(EXAMPLES / "case-15-suicide-plan.json")
AT = "2026-12-03T10:00:00+01:00"


def doorloop(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", "match", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def write(tmp_path: Path, name: str, data: Any) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_match_prints_the_json_of_section_3() -> None:
    done = doorloop(CASE, "--directory", DIRECTORY, "--at", AT)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    result = json.loads(done.stdout)
    assert list(result) == ["at", "placement_needed", "asks", "matches", "excluded"]
    assert result["at"] == AT and result["placement_needed"] is True
    assert list(result["matches"][0]) == ["unit_id", "rank", "free", "flags", "reasons"]
    assert result["matches"][0]["unit_id"] == "u-noordkust-crisisbedden"
    assert "Heeft expertise in suïcidaliteit." in result["matches"][0]["reasons"]
    assert list(result["excluded"][0]) == ["unit_id", "codes"]


def test_lang_en_and_a_time_without_offset_is_dutch_time() -> None:
    done = doorloop(CASE, "--directory", DIRECTORY, "--at", "2026-12-03T10:00", "--lang", "en")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["at"] == AT
    assert result["matches"][0]["reasons"][0] == "Availability updated 2 h ago."


def test_at_defaults_to_now() -> None:
    done = doorloop(CASE, "--directory", DIRECTORY)
    assert done.returncode == 0, done.stderr
    at = json.loads(done.stdout)["at"]
    assert at.endswith(("+01:00", "+02:00"))  # Dutch time, with its offset


def test_an_hsds_directory_is_accepted(tmp_path: Path) -> None:
    demo = json.loads(Path(DIRECTORY).read_text("utf-8"))
    hsds = write(tmp_path, "hsds.json", to_hsds(load_directory(demo)))
    done = doorloop(CASE, "--directory", hsds, "--at", AT)
    direct = doorloop(CASE, "--directory", DIRECTORY, "--at", AT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == json.loads(direct.stdout)


def test_a_bad_directory_exits_2_naming_the_key_and_the_unit(tmp_path: Path) -> None:
    bad = write(tmp_path, "dir.json", directory_json(unit_json("u-9", min_age=18, max_age=17)))
    done = doorloop(CASE, "--directory", bad, "--at", AT)
    assert done.returncode == 2
    assert done.stdout == ""
    assert 'units[0].min_age (unit "u-9"): 18 is more than max_age (17)' in done.stderr
    assert "dir.json" in done.stderr


def test_a_bad_case_exits_2_naming_the_key(tmp_path: Path) -> None:
    bad = write(tmp_path, "case.json", case_json([], youth__gender="meisje"))
    done = doorloop(bad, "--directory", DIRECTORY, "--at", AT)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "answers.youth.gender: 'meisje' is not one of" in done.stderr
    assert "case.json" in done.stderr


def test_files_that_are_not_json_exit_2(tmp_path: Path) -> None:
    broken = write(tmp_path, "broken.json", '{"format": ')
    twice = write(tmp_path, "twice.json", '{"format": "a", "format": "b"}')
    for args, words in [
        ((CASE, "--directory", broken), "not valid JSON"),
        ((CASE, "--directory", twice), "format: appears more than once"),
        ((CASE, "--directory", str(tmp_path / "missing.json")), "cannot read it"),
        ((broken, "--directory", DIRECTORY), "not valid JSON"),
        ((CASE, "--directory", DIRECTORY, "--at", "morgen"), "--at: 'morgen'"),
    ]:
        done = doorloop(*args)
        assert done.returncode == 2, args
        assert words in done.stderr, (args, done.stderr)
        assert done.stdout == ""


def test_missing_arguments_exit_2() -> None:
    done = doorloop(CASE)
    assert done.returncode == 2
    assert "--directory" in done.stderr


def test_python_m_coordination_and_the_hsds_conversion(tmp_path: Path) -> None:
    def coordination(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "coordination", *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=ROOT,
            timeout=60,
            check=False,
        )

    done = coordination("match", CASE, "--directory", DIRECTORY, "--at", AT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == json.loads(
        doorloop(CASE, "--directory", DIRECTORY, "--at", AT).stdout
    )
    exported = coordination("hsds-export", DIRECTORY)
    assert exported.returncode == 0, exported.stderr
    hsds = write(tmp_path, "hsds.json", exported.stdout)
    imported = coordination("hsds-import", hsds)
    assert imported.returncode == 0, imported.stderr
    back = load_directory(json.loads(imported.stdout))
    demo = load_directory(json.loads(Path(DIRECTORY).read_text("utf-8")))
    assert {unit.id: unit for unit in back.units} == {unit.id: unit for unit in demo.units}
    bad = coordination("hsds-import", DIRECTORY)  # not HSDS
    assert bad.returncode == 2 and "contents" in bad.stderr
    assert coordination().returncode == 2

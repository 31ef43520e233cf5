"""The committed lock file agrees with pyproject.toml (DESIGN.md contract 10).

``make`` installs ``requirements.lock`` with hash checking, so a requirement that the
lock does not pin, or pins outside the range pyproject.toml allows, would install
something nobody asked for (or fail on a fresh clone). No network: both files are read.
"""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_lockfile() -> ModuleType:
    """``packaging/lockfile.py`` by path (``packaging`` is also a PyPI package's name)."""
    spec = importlib.util.spec_from_file_location(
        "doorloop_packaging_lockfile", ROOT / "packaging" / "lockfile.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


lockfile = _load_lockfile()
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCK_TEXT = lockfile.LOCK.read_text(encoding="utf-8")


def test_the_lock_pins_every_declared_requirement_within_its_range() -> None:
    assert lockfile.problems(PYPROJECT, LOCK_TEXT) == []


def test_the_lock_covers_the_build_backend_and_the_tools() -> None:
    pins = lockfile.read_lock(LOCK_TEXT)
    for name in ("setuptools", "ruff", "pytest-qt", "uv", "babel", "pyinstaller"):
        assert name in pins, name


def test_this_environment_is_the_locked_set() -> None:
    """What the tests run with is what a fresh clone installs (make test, CI)."""
    assert lockfile.environment_differences(LOCK_TEXT) == []


SAMPLE_PYPROJECT = {
    "build-system": {"requires": ["setuptools>=77"]},
    "project": {
        "dependencies": ["alpha>=1.0", "beta>=2,!=2.5", "gamma>=1; sys_platform == 'win32'"],
        "optional-dependencies": {"dev": ["delta>=0.5"]},
    },
}
HASHES = "    --hash=sha256:" + "a" * 64
GOOD = ("alpha==1.2", "beta==2.6", "gamma==1.0 ; sys_platform == 'win32'", "delta==0.5")


def lock_text(*pins: str) -> str:
    pins = (*pins, "setuptools==80.0")
    return "# made by a tool\n" + "".join(f"{pin} \\\n{HASHES}\n" for pin in pins)


def test_an_agreeing_lock_passes() -> None:
    assert lockfile.problems(SAMPLE_PYPROJECT, lock_text(*GOOD)) == []


@pytest.mark.parametrize(
    ("pins", "expected"),
    [
        (GOOD[:3], "delta>=0.5 is not pinned for linux: run `make lock`"),
        (
            ("alpha==0.9", *GOOD[1:]),
            "alpha>=1.0 but the lock pins 0.9 for linux: run `make lock`",
        ),
        (
            (GOOD[0], "beta==2.5", *GOOD[2:]),
            "beta!=2.5,>=2 but the lock pins 2.5 for darwin: run `make lock`",
        ),
        (
            (*GOOD[:2], "gamma==1.0 ; sys_platform == 'linux'", GOOD[3]),
            'gamma>=1; sys_platform == "win32" is not pinned for win32: run `make lock`',
        ),
    ],
)
def test_a_missing_or_out_of_range_pin_is_named(pins: tuple[str, ...], expected: str) -> None:
    assert expected in lockfile.problems(SAMPLE_PYPROJECT, lock_text(*pins))


def test_a_pin_without_hash_is_named() -> None:
    text = lock_text(*GOOD[:3]) + "delta==0.5\n"
    assert lockfile.problems(SAMPLE_PYPROJECT, text) == ["delta==0.5 has no hash"]


def test_an_environment_that_drifted_from_the_lock_is_named() -> None:
    installed = {"alpha": "1.2", "beta": "2.7", "gamma": "1.0", "setuptools": "80.0"}.get
    linux = {**lockfile.PYTHON_3_11, **lockfile.PLATFORMS[0]}
    assert lockfile.environment_differences(lock_text(*GOOD), installed, linux) == [
        "beta 2.7 is installed, the lock says 2.6",
        "delta==0.5 is locked but not installed",
    ]

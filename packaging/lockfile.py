"""The committed lock file (``requirements.lock``): reading it and checking it.

``make`` installs the lock with hash checking (DESIGN.md contract 10). Two checks keep
it honest: the lock agrees with ``pyproject.toml`` (every declared requirement pinned
within its range on Linux, Windows and macOS, every pin hashed; ``tests/unit/
test_lock.py``), and the environment a frozen build is made from is exactly the locked
set (``packaging/build.py``). No network: only files and installed metadata are read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker, default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)"
    r"(?:\s*;\s*(?P<marker>.+?))?\s*\\?$"
)
HASH = re.compile(r"^\s+--hash=sha256:[0-9a-f]{64}\s*\\?$")
# The platforms the lock must serve, with Python 3.11.
PLATFORMS = [
    {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"},
    {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"},
    {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix"},
]
PYTHON_3_11 = {
    "python_version": "3.11",
    "python_full_version": "3.11.7",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "platform_machine": "x86_64",
    "extra": "",
}


@dataclass
class Pin:
    name: str
    version: str
    marker: Marker | None
    hashes: list[str] = field(default_factory=list)

    def applies(self, environment: Mapping[str, str]) -> bool:
        return self.marker is None or self.marker.evaluate(dict(environment))


def read_lock(text: str) -> dict[str, list[Pin]]:
    """Pins by canonical name; a name may be pinned once per platform marker."""
    pins: dict[str, list[Pin]] = {}
    current: Pin | None = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if match := PIN.match(line):
            marker = match["marker"]
            current = Pin(match["name"], match["version"], Marker(marker) if marker else None)
            pins.setdefault(canonicalize_name(current.name), []).append(current)
        elif HASH.match(line) and current is not None:
            current.hashes.append(line.strip())
        else:
            raise ValueError(f"unexpected line in the lock: {line!r}")
    return pins


def declared_requirements(pyproject: Mapping) -> list[Requirement]:
    """The project's requirements, its extras' and its build backend's."""
    project = pyproject["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    lines += pyproject.get("build-system", {}).get("requires", [])
    return [Requirement(line) for line in lines]


def problems(pyproject: Mapping, lock_text: str) -> list[str]:
    """Every disagreement between pyproject.toml and the lock, as a sentence."""
    pins = read_lock(lock_text)
    found = [
        f"{pin.name}=={pin.version} has no hash"
        for same in pins.values()
        for pin in same
        if not pin.hashes
    ]
    for requirement in declared_requirements(pyproject):
        for platform in PLATFORMS:
            environment = {**PYTHON_3_11, **platform}
            if requirement.marker and not requirement.marker.evaluate(environment):
                continue
            applicable = [
                pin
                for pin in pins.get(canonicalize_name(requirement.name), [])
                if pin.applies(environment)
            ]
            where = platform["sys_platform"]
            if not applicable:
                found.append(f"{requirement} is not pinned for {where}: run `make lock`")
            found += [
                f"{requirement} but the lock pins {pin.version} for {where}: run `make lock`"
                for pin in applicable
                if not requirement.specifier.contains(pin.version, prereleases=True)
            ]
    return sorted(set(found))


def _installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def environment_differences(
    lock_text: str,
    installed: Callable[[str], str | None] = _installed_version,
    environment: Mapping[str, str] | None = None,
) -> list[str]:
    """Where this environment differs from the lock (for this platform's pins)."""
    environment = environment if environment is not None else default_environment()
    found = []
    for same in read_lock(lock_text).values():
        for pin in same:
            if not pin.applies(environment):
                continue
            version = installed(pin.name)
            if version is None:
                found.append(f"{pin.name}=={pin.version} is locked but not installed")
            elif canonicalize_name(version) != canonicalize_name(pin.version):
                found.append(f"{pin.name} {version} is installed, the lock says {pin.version}")
    return found

"""``python -m desktop.system_check``: one clear line naming the missing system packages.

The real Qt binaries are read (every library they link must map to a Debian package or
be part of every Debian install), and the module runs as a process with a stand-in
``ldd`` on the PATH so a machine without missing libraries can show the message too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import system_check

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


def needed(binary: Path) -> set[str]:
    """The sonames a binary links directly (ELF NEEDED entries)."""
    done = subprocess.run(
        ["readelf", "-d", str(binary)], capture_output=True, text=True, check=True
    )
    return {
        line.split("[", 1)[1].rstrip("]") for line in done.stdout.splitlines() if "(NEEDED)" in line
    }


def test_every_system_library_qt_links_has_a_package() -> None:
    if shutil.which("readelf") is None:
        pytest.skip("binutils' readelf is not installed")
    pyside = system_check.pyside_dir()
    assert pyside is not None
    qt_lib = pyside / "Qt" / "lib"
    binaries = system_check.qt_binaries(pyside, None)
    assert any(path.name == "libqxcb.so" for path in binaries)
    # Qt's and PySide's own libraries behind the modules and plugins ship in the wheels
    folders = (qt_lib, pyside, pyside.parent / "shiboken6")
    shipped = {path.name: path for folder in folders for path in folder.glob("*.so*")}
    todo = list(binaries)
    seen: set[str] = set()
    unmapped: set[str] = set()
    while todo:
        for soname in needed(todo.pop()):
            if soname in seen:
                continue
            seen.add(soname)
            if soname in shipped:
                todo.append(shipped[soname])
            elif soname not in system_check.BASE_LIBRARIES | system_check.DEBIAN_PACKAGES.keys():
                unmapped.add(soname)
    assert not unmapped, "add to DEBIAN_PACKAGES: " + ", ".join(sorted(unmapped))
    assert "libxcb-cursor.so.0" in seen  # the walk reached the xcb plugin's libraries


def fake_ldd(folder: Path, output: str) -> dict[str, str]:
    script = folder / "ldd"
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{output}\nEOF\n", encoding="utf-8")
    script.chmod(0o755)
    env = {key: value for key, value in os.environ.items() if key != "QT_QPA_PLATFORM"}
    env["PATH"] = f"{folder}{os.pathsep}{env['PATH']}"
    return env


def run_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop.system_check"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_missing_libraries_are_named_as_packages_in_one_line(tmp_path: Path) -> None:
    env = fake_ldd(
        tmp_path,
        "\tlibxcb-icccm.so.4 => not found\n"
        "\tlibxcb-keysyms.so.1 => not found\n"
        "\tlibweird.so.7 => not found\n"
        "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x0001)",
    )
    done = run_check(env)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines == [
        "Doorloop kan niet starten: ontbrekende systeempakketten: "
        "libweird.so.7 libxcb-icccm4 libxcb-keysyms1 "
        "(installeer met: sudo apt-get install libweird.so.7 libxcb-icccm4 libxcb-keysyms1)"
    ]


def test_nothing_is_printed_when_every_library_is_found(tmp_path: Path) -> None:
    env = fake_ldd(tmp_path, "\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x0001)")
    done = run_check(env)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_the_xcb_plugin_is_checked_only_when_qt_will_use_x11() -> None:
    pyside = system_check.pyside_dir()
    assert pyside is not None
    names = lambda platform: {p.name for p in system_check.qt_binaries(pyside, platform)}  # noqa: E731
    assert "libqxcb.so" in names(None)
    assert "libqxcb.so" in names("xcb")
    assert "libqxcb.so" not in names("offscreen")
    assert any(name.startswith("QtWidgets") for name in names("offscreen"))


def test_the_package_list_is_the_linux_dependency_list() -> None:
    assert "libxcb-cursor0" in system_check.SYSTEM_PACKAGES
    assert system_check.FONT_PACKAGE in system_check.SYSTEM_PACKAGES
    assert len(set(system_check.SYSTEM_PACKAGES)) == len(system_check.SYSTEM_PACKAGES)


def test_the_readme_lists_the_same_packages() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    command = readme.split("sudo apt-get install ", 1)[1].split("```", 1)[0]
    assert command.replace("\\", " ").split() == list(system_check.SYSTEM_PACKAGES)

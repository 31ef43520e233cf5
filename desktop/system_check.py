"""The Linux system libraries the desk app needs, and which Debian package brings each.

PySide6 ships Qt itself, but Qt links against the host's X11/xcb, OpenGL, fontconfig,
D-Bus and CUPS libraries. On a bare Debian or Ubuntu without a desktop several are
missing and Qt aborts at start-up with a message about the "xcb" platform plugin that
names neither the library nor the package. ``python -m desktop.system_check`` (run by
``make run``) asks the dynamic linker (``ldd``) what it cannot find and prints one line
naming the packages to install; exit 1 then, 0 when everything is there (or on
another OS). ``SYSTEM_PACKAGES`` is also the Linux package's dependency list
(``packaging/build.py --deb``).

Only the libraries Qt links directly are mapped; apt installs what those need itself.
Libraries every Debian has (libc6, libstdc++6, zlib1g, libzstd1) are not listed.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

# soname -> the Debian/Ubuntu package that installs it (Debian 12 names; Ubuntu 24.04
# renamed a few with a "t64" suffix, which apt resolves from the old name).
DEBIAN_PACKAGES: dict[str, str] = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libcups.so.2": "libcups2",
    "libdbus-1.so.3": "libdbus-1-3",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb.so.1": "libxcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
}
# Present on every Debian/Ubuntu install, so never a dependency to declare.
BASE_LIBRARIES = frozenset(
    {
        "ld-linux-x86-64.so.2",
        "ld-linux-aarch64.so.1",
        "libc.so.6",
        "libm.so.6",
        "libgcc_s.so.1",
        "libstdc++.so.6",
        "libz.so.1",
        "libzstd.so.1",
        "libpthread.so.0",
        "libdl.so.2",
        "librt.so.1",
    }
)
# Not a library: without any font Qt draws no text at all on a bare machine.
FONT_PACKAGE = "fonts-dejavu-core"
SYSTEM_PACKAGES: tuple[str, ...] = (*sorted(set(DEBIAN_PACKAGES.values())), FONT_PACKAGE)

# What the desk app loads: its PySide6 modules, Qt's libraries behind them and the
# plugins it needs on X11 (the xcb platform; CUPS for printing handovers).
_MODULES = ("QtCore", "QtGui", "QtWidgets", "QtPrintSupport")
_X11_PLUGINS = ("platforms/libqxcb.so",)
_OTHER_PLUGINS = ("printsupport/libcupsprintersupport.so",)


def pyside_dir() -> Path | None:
    """PySide6's folder, found without importing it (importing would load Qt)."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def qt_binaries(pyside: Path, platform: str | None) -> list[Path]:
    """The binaries to check; the xcb plugin only when Qt will use X11."""
    files = [
        next(pyside.glob(f"{module}.*.so"), pyside / f"{module}.abi3.so") for module in _MODULES
    ]
    plugins = list(_OTHER_PLUGINS)
    if not platform or platform.startswith("xcb"):
        plugins += _X11_PLUGINS
    files += [pyside / "Qt" / "plugins" / plugin for plugin in plugins]
    return [path for path in files if path.is_file()]


def unresolved(ldd_output: str) -> list[str]:
    """The sonames ``ldd`` reports as ``not found``."""
    return [
        line.split("=>")[0].strip()
        for line in ldd_output.splitlines()
        if "=>" in line and line.split("=>")[1].strip() == "not found"
    ]


def missing_libraries(binaries: Iterable[Path], ldd: str) -> list[str]:
    missing: set[str] = set()
    for binary in binaries:
        done = subprocess.run([ldd, str(binary)], capture_output=True, text=True, check=False)
        missing.update(unresolved(done.stdout))
    return sorted(missing)


def packages_for(sonames: Iterable[str]) -> list[str]:
    """Debian packages for the sonames; an unmapped soname is named as it is."""
    return sorted({DEBIAN_PACKAGES.get(soname, soname) for soname in sonames})


def problem_line(packages: list[str]) -> str:
    from desktop.i18n import _

    return _(
        "Doorloop kan niet starten: ontbrekende systeempakketten: {packages} "
        "(installeer met: sudo apt-get install {packages})"
    ).format(packages=" ".join(packages))


def main() -> int:
    if not sys.platform.startswith("linux"):
        return 0
    ldd = shutil.which("ldd")
    pyside = pyside_dir()
    if ldd is None or pyside is None:  # no dynamic linker to ask, or no Qt yet
        return 0
    binaries = qt_binaries(pyside, os.environ.get("QT_QPA_PLATFORM"))
    packages = packages_for(missing_libraries(binaries, ldd))
    if not packages:
        return 0
    print(problem_line(packages), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

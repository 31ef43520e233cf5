"""What goes into the frozen Doorloop build: data globs, excluded modules, version.

One place shared by ``packaging/doorloop.spec`` (which PyInstaller executes),
``packaging/build.py`` and ``tests/packaging/test_packaging_config.py``. It imports nothing
from the app, so reading it never starts Qt.

Data files are picked up by glob, per package, so a new form definition, rule file,
catalogue, font or icon is bundled without touching the spec. Every non-Python file
under a bundled package must either match :data:`DATA_GLOBS` or be listed in
:data:`SOURCE_ONLY` (a test enforces this).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
APP_NAME = "doorloop"
CLI_NAME = "doorloop-cli"  # Windows only: the console twin of the windowed doorloop.exe
DISPLAY_NAME = "Doorloop"
BUNDLE_ID = "nl.doorloop.desk"

# The packages of the desk app. central_api (the server) is not part of the desk build.
PACKAGES = ("desktop", "legal_rules", "doorloop_protocol", "coordination")

# Globs relative to each package folder, matched against the POSIX relative path.
# "**/" means "in this folder or any folder below it".
DATA_GLOBS = (
    "**/*.yaml",
    "**/*.yml",
    "**/*.json",
    "**/*.csv",
    "**/*.mo",
    "**/*.ttf",
    "**/*.otf",
    "**/*.png",
    "**/*.svg",
    "**/*.ico",
    "**/LICENSE*",
)

# Non-Python files that are sources for something bundled, never read at run time.
SOURCE_ONLY = (
    "**/*.po",  # compiled to .mo by `make i18n`
    "**/*.pot",  # the extracted message template
    "**/*.pyi",
    "**/py.typed",
    "**/CHANGELOG*",  # e.g. legal_rules/CHANGELOG.md, for jurists reading the repository
    "**/README*",
)

# Python packages the desk app never imports: the server stack, test tools, and the
# parts of the standard library and of PySide6 that a widgets app does not use.
EXCLUDED_MODULES = (
    # the central service and its stack
    "central_api",
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "psycopg_binary",
    # (argon2 is the desk's too: each user's key slot is unwrapped with Argon2id)
    # development tools
    "pytest",
    "_pytest",
    "hypothesis",
    "schemathesis",
    "pytestqt",
    "babel",
    "ruff",
    "PyInstaller",
    # standard library parts a desk app does not need
    "tkinter",
    "unittest",
    "pydoc",
    "pydoc_data",
    "lib2to3",
    "idlelib",
    "ensurepip",
    "venv",
    "readline",
    # optional lazy imports of pypdfium2 (bitmap.to_numpy, its CLI's tables) Doorloop never
    # makes; without this a machine that has numpy would bundle it
    "numpy",
    "tabulate",
    # Pillow (needed by reportlab) image codecs the PDFs never use
    "PIL._avif",
    "PIL.AvifImagePlugin",
    # Qt modules Doorloop does not use (it uses QtCore, QtGui, QtWidgets, QtPrintSupport, and
    # QtSvg for the dashboard's SVG export;
    # tests/packaging/test_packaging_config.py fails when the app imports an excluded module)
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickControls2",
    "PySide6.QtQuickWidgets",
    "PySide6.QtQuickTest",
    "PySide6.QtQmlFeatures",
    "PySide6.QtLabsStyleKit",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
    "PySide6.QtWebEngineQuick",
    "PySide6.QtWebChannel",
    "PySide6.QtWebSockets",
    "PySide6.Qt3DCore",
    "PySide6.Qt3DRender",
    "PySide6.Qt3DExtras",
    "PySide6.QtMultimedia",
    "PySide6.QtMultimediaWidgets",
    "PySide6.QtCharts",
    "PySide6.QtDataVisualization",
    "PySide6.QtGraphs",
    "PySide6.QtPdf",
    "PySide6.QtPdfWidgets",
    "PySide6.QtPositioning",
    "PySide6.QtLocation",
    "PySide6.QtBluetooth",
    "PySide6.QtNfc",
    "PySide6.QtSerialPort",
    "PySide6.QtSensors",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtDesigner",
    "PySide6.QtHelp",
    "PySide6.QtUiTools",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtConcurrent",
    "PySide6.QtXml",
    "PySide6.QtNetwork",
    "PySide6.QtSvgWidgets",
)

# Files PyInstaller's Qt hooks collect that a widgets app does not load. Matched against
# the destination path inside the bundle (POSIX separators).
EXCLUDED_BINARY_GLOBS = (
    "*/Qt/plugins/qmltooling/*",
    "*/Qt/plugins/designer/*",
    "*/Qt/plugins/sqldrivers/*",
    "*/Qt/plugins/networkinformation/*",
    "*/Qt/plugins/tls/*",
    "*/Qt/plugins/wayland-*/*",
    # embedded-device and remote platforms; the desk runs on xcb, wayland or offscreen
    "*/Qt/plugins/generic/*",
    "*/Qt/plugins/egldeviceintegrations/*",
    "*/Qt/plugins/platforms/*qeglfs*",
    "*/Qt/plugins/platforms/*qlinuxfb*",
    "*/Qt/plugins/platforms/*qvnc*",
    "*/Qt/plugins/platforms/*qvkkhrdisplay*",
    "*/Qt/plugins/platforms/*qminimalegl*",
    "*/Qt/lib/libQt6EglFs*",
    "*/Qt/lib/libQt6EglFSDeviceIntegration*",
    # the GTK theme would pull GTK's stack (cairo, pango, glib) into the bundle, where it
    # clashes with the host's; the XDG desktop portal theme gives native dialogs instead
    "*/Qt/plugins/platformthemes/*qgtk3*",
    "*/Qt/lib/libQt6Qml*",
    "*/Qt/lib/libQt6Quick*",
    "*/Qt/lib/libQt6Pdf*",
    "*/Qt/lib/libQt6Network*",
    "*/Qt/lib/libQt6WaylandCompositor*",
    "*/Qt/qml/*",
)

# Qt's own translations: only the app's languages (Dutch and English).
QT_TRANSLATIONS = ("nl", "en")

_VERSION = re.compile(r'^__version__\s*=\s*["\']([^"\']+)["\']', re.MULTILINE)


def version() -> str:
    """The app version: ``desktop.__version__``, read from the file without importing."""
    match = _VERSION.search((ROOT / "desktop" / "__init__.py").read_text("utf-8"))
    if match is None:
        raise RuntimeError("desktop/__init__.py has no __version__ line")
    return match.group(1)


def matches(relative: str | PurePosixPath, patterns: tuple[str, ...]) -> bool:
    """Whether a package-relative POSIX path matches one of ``patterns``.

    ``**/NAME`` matches a file called NAME (a glob) at any depth, including the package
    folder itself; any other pattern is matched against the whole relative path.
    """
    path = PurePosixPath(relative)
    for pattern in patterns:
        if pattern.startswith("**/"):
            if fnmatch.fnmatchcase(path.name, pattern[3:]):
                return True
        elif fnmatch.fnmatchcase(path.as_posix(), pattern):
            return True
    return False


def package_files(root: Path = ROOT) -> list[tuple[str, Path]]:
    """Every non-Python file under the bundled packages, as (package, path)."""
    found = []
    for package in PACKAGES:
        base = root / package
        for path in sorted(base.rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            if path.suffix in (".py", ".pyc"):
                continue
            found.append((package, path))
    return found


def data_files(root: Path = ROOT) -> list[tuple[str, str]]:
    """PyInstaller ``datas`` entries (source file, destination folder) for the globs."""
    entries = []
    for package, path in package_files(root):
        relative = path.relative_to(root / package).as_posix()
        if matches(relative, DATA_GLOBS):
            destination = path.parent.relative_to(root).as_posix()
            entries.append((str(path), destination))
    return entries


def unclassified_files(root: Path = ROOT) -> list[Path]:
    """Non-Python files in the packages that are neither bundled nor declared source-only."""
    return [
        path
        for package, path in package_files(root)
        if not matches(path.relative_to(root / package).as_posix(), DATA_GLOBS + SOURCE_ONLY)
    ]


def keep_in_bundle(destination: str) -> bool:
    """Whether a file PyInstaller collected (by destination path) stays in the build."""
    path = destination.replace("\\", "/")
    probe = "/" + path
    if any(fnmatch.fnmatchcase(probe, pattern) for pattern in EXCLUDED_BINARY_GLOBS):
        return False
    if "/Qt/translations/" in probe:
        name = PurePosixPath(path).name
        return any(name.endswith(f"_{lang}.qm") for lang in QT_TRANSLATIONS)
    return True


def prune_unreached(
    entries: list[tuple[str, str, str]], imports_of: Callable[[str], Iterable[str]]
) -> list[tuple[str, str, str]]:
    """Drop shared libraries that only excluded files needed.

    ``entries`` are PyInstaller TOC tuples (destination, source, typecode). Libraries
    PyInstaller collected as dependencies sit at the top of the bundle (a destination
    without a folder); they are kept only when a kept binary still links to them,
    directly or through another kept library (``imports_of(source)`` gives the file
    names a binary links to). ``SYMLINK`` entries are kept when their target is.
    The Python library itself is always kept (the bootloader loads it).
    """

    def top_level(destination: str) -> bool:
        return "/" not in destination.replace("\\", "/")

    dependencies = {
        destination: entry
        for entry in entries
        if (destination := entry[0])
        and top_level(destination)
        and entry[2] == "BINARY"
        and not destination.startswith(("libpython", "python"))
    }
    reached: set[str] = set()
    pending = [
        entry[1]
        for entry in entries
        if entry[0] not in dependencies and entry[2] in ("BINARY", "EXTENSION")
    ]
    while pending:
        for name in imports_of(pending.pop()):
            if name in dependencies and name not in reached:
                reached.add(name)
                pending.append(dependencies[name][1])
    kept = [entry for entry in entries if entry[0] not in dependencies or entry[0] in reached]
    present = {entry[0].replace("\\", "/") for entry in kept}
    return [
        entry for entry in kept if entry[2] != "SYMLINK" or entry[1].replace("\\", "/") in present
    ]


def linked_names(source: str) -> list[str]:
    """The file names of the shared libraries ``source`` links to (PyInstaller's reader)."""
    from PyInstaller.depend import bindepend

    try:
        imports = bindepend.get_imports(source)
    except Exception:  # not a binary PyInstaller can read: it links to nothing we track
        return []
    return [Path(resolved or name).name for name, resolved in imports] + [
        Path(name).name for name, _ in imports
    ]

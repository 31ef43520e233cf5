"""The packaging configuration, checked without building or running the app: data globs,
desktop entry, build.py's verdicts on fake outputs, bundle pruning, recipes. The real
frozen build is ``make package`` (packaging/build.py); see docs/packaging.md. That the
bundle holds every file the app reads is tests/e2e/test_packaging_resources.py."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers.packaging import PACKAGING, ROOT, build, bundle


def test_every_data_file_in_the_packages_is_bundled_or_declared_source_only() -> None:
    assert bundle.unclassified_files() == []
    bundled = {Path(source).relative_to(ROOT).as_posix() for source, _ in bundle.data_files()}
    assert "desktop/forms/definitions/intake-v1.yaml" in bundled
    assert "desktop/locale/en/LC_MESSAGES/doorloop.mo" in bundled
    assert "desktop/locale/en/LC_MESSAGES/doorloop.po" not in bundled
    assert any(path.startswith("legal_rules/rules/") for path in bundled)
    # destinations mirror the source tree, which is what importlib.resources expects
    for source, destination in bundle.data_files():
        assert Path(source).parent == ROOT / destination


def test_a_new_data_file_is_bundled_without_editing_the_spec(tmp_path: Path) -> None:
    (tmp_path / "desktop" / "training" / "scenarios").mkdir(parents=True)
    (tmp_path / "desktop" / "training" / "scenarios" / "night.yaml").write_text("id: night\n")
    (tmp_path / "desktop" / "ui" / "icons").mkdir(parents=True)
    (tmp_path / "desktop" / "ui" / "icons" / "lock.svg").write_text("<svg/>")
    (tmp_path / "desktop" / "notes.txt").write_text("a file nobody declared")
    bundled = {(Path(src).name, dest) for src, dest in bundle.data_files(tmp_path)}
    assert bundled == {
        ("night.yaml", "desktop/training/scenarios"),
        ("lock.svg", "desktop/ui/icons"),
    }
    assert bundle.unclassified_files(tmp_path) == [tmp_path / "desktop" / "notes.txt"]


@pytest.mark.parametrize(
    ("relative", "patterns", "expected"),
    [
        ("rules/10_definitions.yaml", ("**/*.yaml",), True),
        ("intake.yaml", ("**/*.yaml",), True),
        ("fonts/LICENSE.md", ("**/LICENSE*",), True),
        ("fonts/README.md", ("**/LICENSE*",), False),
        ("locale/en/LC_MESSAGES/doorloop.po", bundle.DATA_GLOBS, False),
        ("locale/en/LC_MESSAGES/doorloop.po", bundle.SOURCE_ONLY, True),
        ("forms/definitions/x.yaml", ("forms/*/x.yaml",), True),
        ("forms/definitions/x.yaml", ("rules/*.yaml",), False),
    ],
)
def test_glob_matching(relative: str, patterns: tuple[str, ...], expected: bool) -> None:
    assert bundle.matches(relative, patterns) is expected


def test_version_comes_from_desktop_init() -> None:
    import desktop

    assert bundle.version() == desktop.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+([.-]?\w+)?", bundle.version())


# ---- build.py's checks on fake outputs ----------------------------------------------------


def test_a_good_smoke_run_passes() -> None:
    assert build.check_smoke(0, "ready in 812 ms\n", "") == []
    qt_notice = "This plugin does not support propagateSizeHints()\n"
    assert build.check_smoke(0, "ready in 5 ms\n", qt_notice) == []
    assert build.ready_ms("ready in 812 ms\n") == 812


def test_a_missing_ready_line_fails() -> None:
    problems = build.check_smoke(0, "", "")
    assert len(problems) == 1 and "ready in" in problems[0]
    assert build.check_smoke(0, "ready in ms\n", "") != []
    assert build.check_smoke(0, "ready soon\n", "") != []
    assert build.ready_ms("started") is None


def test_a_non_zero_exit_fails_even_with_a_ready_line() -> None:
    problems = build.check_smoke(2, "ready in 100 ms\n", "")
    assert problems == ["exit code 2, expected 0"]


def test_unexpected_stderr_fails_and_names_the_line() -> None:
    stderr = "Traceback (most recent call last):\nModuleNotFoundError: No module named 'yaml'\n"
    problems = build.check_smoke(0, "ready in 100 ms\n", stderr)
    assert len(problems) == 1
    assert "Traceback" in problems[0] and "No module named 'yaml'" in problems[0]
    plugin = 'qt.qpa.plugin: Could not load the Qt platform plugin "xcb"\n'
    assert build.check_smoke(0, "ready in 100 ms\n", plugin) != []


def test_extra_stdout_next_to_the_ready_line_fails() -> None:
    assert build.check_smoke(0, "debug: opened store\nready in 100 ms\n", "") != []


@given(st.text().filter(lambda text: not re.search(r"ready in \d+ ms", text)))
def test_no_output_without_a_ready_line_ever_passes(stdout: str) -> None:
    assert build.check_smoke(0, stdout, "") != []


def test_pdf_checks() -> None:
    good = b"%PDF-1.4\n/BaseFont /AAAAAA+DejaVuSans\n%%EOF\n"
    assert build.check_pdf(good, ["Zo\u00eb"], "Overdracht Zo\u00eb") == []
    assert build.check_pdf(good, ["Zo\u00eb"], None) == []
    assert "not a PDF" in build.check_pdf(b"<html>", [], None)[0]
    assert any("font" in p for p in build.check_pdf(b"%PDF-1.4\n%%EOF\n", [], None))
    assert any("truncated" in p for p in build.check_pdf(b"%PDF-1.4 DejaVuSans", [], None))
    assert any("lacks" in p for p in build.check_pdf(good, ["Zo\u00eb"], "Overdracht"))


def test_size_check() -> None:
    assert build.check_size(199_000_000, 200) == []
    assert "over the 200 MB target" in build.check_size(201_000_000, 200)[0]


def test_bundled_data_check_finds_missing_and_changed_files(tmp_path: Path) -> None:
    internal = tmp_path / "_internal"
    entries = bundle.data_files()
    for source, destination in entries:
        target = internal / destination / Path(source).name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    assert build.check_bundled_data(internal) == []
    first_source, first_destination = entries[0]
    (internal / first_destination / Path(first_source).name).write_bytes(b"changed")
    mo = internal / "desktop" / "locale" / "en" / "LC_MESSAGES" / "doorloop.mo"
    mo.unlink()
    problems = build.check_bundled_data(internal)
    assert len(problems) == 2
    assert any("doorloop.mo" in problem and "missing" in problem for problem in problems)


# ---- what the spec keeps and drops ----------------------------------------------------------


@pytest.mark.parametrize(
    ("destination", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/qmltooling/libqmldbg_tcp.so", False),
        ("PySide6/Qt/lib/libQt6Quick.so.6", False),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
        ("PySide6/Qt/translations/qtbase_nl.qm", True),
        ("PySide6/Qt/translations/qtbase_de.qm", False),
        ("PySide6\\Qt\\translations\\qtbase_fr.qm", False),
        ("desktop/forms/definitions/intake-v1.yaml", True),
    ],
)
def test_keep_in_bundle(destination: str, kept: bool) -> None:
    assert bundle.keep_in_bundle(destination) is kept


def test_prune_drops_libraries_only_dropped_plugins_needed() -> None:
    entries = [
        ("PySide6/QtWidgets.abi3.so", "/site/QtWidgets.so", "EXTENSION"),
        ("libQt6Widgets.so.6", "PySide6/Qt/lib/libQt6Widgets.so.6", "SYMLINK"),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", "/site/libQt6Widgets.so.6", "BINARY"),
        ("libfontconfig.so.1", "/lib/libfontconfig.so.1", "BINARY"),
        ("libexpat.so.1", "/lib/libexpat.so.1", "BINARY"),
        ("libcairo.so.2", "/lib/libcairo.so.2", "BINARY"),
        ("libpython3.11.so.1.0", "/usr/lib/libpython3.11.so.1.0", "BINARY"),
        ("libQt6Network.so.6", "PySide6/Qt/lib/libQt6Network.so.6", "SYMLINK"),
        ("desktop/forms/definitions/intake-v1.yaml", "/src/intake-v1.yaml", "DATA"),
    ]
    links = {
        "/site/QtWidgets.so": ["libQt6Widgets.so.6"],
        "/site/libQt6Widgets.so.6": ["libfontconfig.so.1"],
        "/lib/libfontconfig.so.1": ["libexpat.so.1"],
        "/lib/libcairo.so.2": ["libexpat.so.1"],
    }
    kept = [entry[0] for entry in bundle.prune_unreached(entries, lambda s: links.get(s, []))]
    assert kept == [
        "PySide6/QtWidgets.abi3.so",
        "libQt6Widgets.so.6",
        "PySide6/Qt/lib/libQt6Widgets.so.6",
        "libfontconfig.so.1",
        "libexpat.so.1",
        "libpython3.11.so.1.0",
        "desktop/forms/definitions/intake-v1.yaml",
    ]


def _imported_modules(source: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_the_app_imports_no_excluded_module() -> None:
    """An excluded module the app imports would only fail in the frozen build, late."""
    excluded = set(bundle.EXCLUDED_MODULES)
    offenders = []
    for package in bundle.PACKAGES:
        for source in sorted((ROOT / package).rglob("*.py")):
            for name in _imported_modules(source):
                parts = name.split(".")
                prefixes = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
                if prefixes & excluded:
                    offenders.append(f"{source.relative_to(ROOT)}: {name}")
    assert offenders == []
    assert "PySide6.QtWidgets" in _imported_modules(ROOT / "desktop" / "ui" / "main_window.py")


def test_spec_uses_the_bundle_definition_and_no_upx() -> None:
    spec = (PACKAGING / "doorloop.spec").read_text("utf-8")
    assert "bundle.data_files()" in spec
    assert "excludes=list(bundle.EXCLUDED_MODULES)" in spec
    assert "upx=True" not in spec
    assert spec.count("upx=False") == 2
    assert {"PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtWebEngineCore"} <= set(
        bundle.EXCLUDED_MODULES
    )
    # the desk build must not carry the server
    assert "central_api" in bundle.EXCLUDED_MODULES
    assert "central_api" not in bundle.PACKAGES


# ---- recipes ----------------------------------------------------------------------------------

MAIN_CATEGORIES = {
    "AudioVideo", "Audio", "Video", "Development", "Education", "Game", "Graphics",
    "Network", "Office", "Science", "Settings", "System", "Utility",
}  # fmt: skip
DESKTOP_KEYS = {
    "Type", "Version", "Name", "GenericName", "NoDisplay", "Comment", "Icon", "Hidden",
    "OnlyShowIn", "NotShowIn", "DBusActivatable", "TryExec", "Exec", "Path", "Terminal",
    "Actions", "MimeType", "Categories", "Implements", "Keywords", "StartupNotify",
    "StartupWMClass", "URL", "PrefersNonDefaultGPU", "SingleMainWindow",
}  # fmt: skip


def _desktop_entry(text: str) -> dict[str, str]:
    """Parse a desktop entry strictly (freedesktop.org Desktop Entry Specification 1.4)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert lines[0] == "[Desktop Entry]", "the first group must be [Desktop Entry]"
    entry: dict[str, str] = {}
    for line in lines[1:]:
        assert not line.startswith("["), f"unexpected group {line}"
        match = re.fullmatch(r"([A-Za-z0-9-]+)(\[[A-Za-z_@.]+\])?=(.*)", line)
        assert match, f"not a key=value line: {line!r}"
        key = match.group(1) + (match.group(2) or "")
        assert key not in entry, f"duplicate key {key}"
        assert match.group(1) in DESKTOP_KEYS, f"unknown key {match.group(1)}"
        entry[key] = match.group(3)
    return entry


def test_the_linux_desktop_entry_is_valid() -> None:
    path = PACKAGING / "linux" / "doorloop.desktop"
    entry = _desktop_entry(path.read_text("utf-8"))
    assert entry["Type"] == "Application"
    assert entry["Version"] == "1.4"
    assert entry["Name"] == "Doorloop"
    assert entry["Terminal"] == "false"
    assert entry["Exec"].split()[0] == entry["TryExec"]
    assert entry["TryExec"].endswith("/doorloop")
    assert (PACKAGING / "icons" / f"{entry['Icon']}.png").is_file()
    for key in ("Categories", "Keywords"):
        assert entry[key].endswith(";")
    assert set(entry["Categories"].rstrip(";").split(";")) & MAIN_CATEGORIES
    validator = shutil.which("desktop-file-validate")
    if validator:  # the reference validator, where installed (CI's package job has it)
        done = subprocess.run([validator, str(path)], capture_output=True, text=True)
        assert done.returncode == 0 and not done.stdout.strip(), done.stdout


def test_icons_exist_in_every_platform_format() -> None:
    icons = PACKAGING / "icons"
    assert (icons / "doorloop.png").read_bytes().startswith(b"\x89PNG")
    assert (icons / "doorloop.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"
    assert (icons / "doorloop.icns").read_bytes()[:4] == b"icns"


def test_the_windows_installer_takes_the_version_from_outside() -> None:
    script = (PACKAGING / "windows" / "doorloop.iss").read_text("utf-8")
    assert not re.search(r"^AppVersion=\d", script, re.MULTILINE), "version is hard-coded"
    assert "AppVersion={#AppVersion}" in script
    assert '#define AppExe "doorloop.exe"' in script
    assert "dist\\doorloop\\*" in script
    assert "packaging\\icons\\doorloop.ico" in script


def test_the_ci_workflow_builds_and_smoke_tests_on_three_systems() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "package.yml").read_text())
    job = workflow["jobs"]["package"]
    systems = {name.split("-")[0] for name in job["strategy"]["matrix"]["os"]}
    assert systems == {"ubuntu", "windows", "macos"}
    commands = "\n".join(step.get("run", "") for step in job["steps"])
    assert "packaging/build.py" in commands
    assert "--skip-build" in commands  # the second smoke on the native/X11 platform
    assert "doorloop.iss" in commands


def test_the_debian_package_declares_the_system_packages_qt_needs() -> None:
    from desktop.system_check import SYSTEM_PACKAGES

    control = build.debian_control("1.2.3", "amd64", SYSTEM_PACKAGES)
    fields = dict(line.split(": ", 1) for line in control.splitlines() if ": " in line)
    assert fields["Package"] == "doorloop"
    assert fields["Version"] == "1.2.3"
    assert fields["Architecture"] == "amd64"
    assert fields["Depends"].split(", ") == list(SYSTEM_PACKAGES)
    assert {"libxcb-icccm4", "libxcb-keysyms1", "libxcb-cursor0"} <= set(SYSTEM_PACKAGES)
    assert control.endswith("\n")

"""Build the frozen Doorloop desk app and prove it runs: what ``make package`` runs.

    python packaging/build.py [--skip-build] [--runs N] [--qt-platform NAME]
                              [--case CASE.json] [--max-size-mb MB] [--report FILE]

1. Runs PyInstaller on ``packaging/doorloop.spec`` into ``dist/doorloop/``
   (work files in ``build/pyinstaller/``).
2. Checks that every data file the spec bundles (``packaging/bundle.py``) is in the
   build, byte for byte, and that Qt's platform plugin for this OS is there.
3. Runs the frozen ``doorloop --smoke`` with a temporary data dir: fails on a non-zero
   exit, a missing ``ready in N ms`` line, or anything unexpected on stderr.
4. Runs the frozen ``doorloop handover`` on a synthetic case, in Dutch and English,
   and checks the PDFs (header, embedded DejaVu Sans, the case's text); then has the
   frozen program render the Dutch PDF's first page with the bundled PDFium
   (``DOORLOOP_CHECK_PDFIUM``, see ``packaging/entry.py``): the report dialog's preview
   and printing need that native library.
5. Reports build time, unpacked size (fails over ``--max-size-mb``) and the frozen
   start-up time against the source run (median of ``--runs`` each).
6. Before building, checks that the environment is exactly the locked set
   (``requirements.lock``), so the build bundles what CI tested. With ``--deb`` (Linux)
   it packs ``dist/doorloop_<version>_<arch>.deb``, which installs into
   ``/opt/doorloop`` and declares the system packages Qt needs
   (``desktop.system_check.SYSTEM_PACKAGES``) as ``Depends``.

Exit 0 when every check passed, 1 otherwise; the figures are printed and written as
JSON to ``--report`` (default ``dist/doorloop-build.json``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bundle
import lockfile

ROOT = bundle.ROOT
SPEC = bundle.PACKAGING / "doorloop.spec"
DEFAULT_CASE = ROOT / "tests" / "unit" / "reports" / "fixtures" / "case_16plus.json"
SMOKE_PASSPHRASE = "packaging smoke passphrase"
READY = re.compile(r"ready in (\d+) ms")
PDFIUM = re.compile(r"pdfium: (\d+) pages, page 1 (\d+)x(\d+) px, (\d+) dark pixels")
# Lines the smoke run may print on stderr without failing: Qt notices that depend on
# the machine running the check, not on the build.
ALLOWED_STDERR = (
    # the offscreen platform cannot resize native windows (see pyproject's qt_log_ignore)
    re.compile(r"This plugin does not support propagateSizeHints\(\)"),
    # headless CI runners and root containers have no XDG runtime dir
    re.compile(r"QStandardPaths: (XDG_RUNTIME_DIR not set|runtime directory .* is not owned)"),
    re.compile(r"QStandardPaths: wrong permissions on runtime directory"),
)
PLATFORM_PLUGIN = {
    "linux": ("libqxcb.so", "libqoffscreen.so"),
    "win32": ("qwindows.dll", "qoffscreen.dll"),
    "darwin": ("libqcocoa.dylib", "libqoffscreen.dylib"),
}
TIMEOUT = 120  # seconds for one frozen or source run


@dataclass
class Run:
    """One finished run of a command."""

    command: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float


@dataclass
class Report:
    """The figures and problems of one build."""

    version: str
    platform: str
    build_seconds: float | None = None
    size_bytes: int | None = None
    file_count: int | None = None
    frozen_ready_ms: list[int] = field(default_factory=list)
    frozen_wall_seconds: list[float] = field(default_factory=list)
    source_ready_ms: list[int] = field(default_factory=list)
    source_wall_seconds: list[float] = field(default_factory=list)
    handover_pdf_bytes: int | None = None
    problems: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)

    def check(self, name: str, problems: list[str]) -> bool:
        """Record a named check's outcome; True when it found no problem."""
        if problems:
            self.problems.extend(f"{name}: {problem}" for problem in problems)
            return False
        self.passed.append(name)
        return True


# ---- the checks (pure functions over outputs, tested in tests/packaging) ----------------


def unexpected_stderr(stderr: str) -> list[str]:
    """The stderr lines that are neither blank nor allowed by :data:`ALLOWED_STDERR`."""
    return [
        line
        for line in stderr.splitlines()
        if line.strip() and not any(pattern.search(line) for pattern in ALLOWED_STDERR)
    ]


def check_smoke(returncode: int, stdout: str, stderr: str) -> list[str]:
    """Problems with a ``doorloop --smoke`` run; empty when it started as it should."""
    problems = []
    if returncode != 0:
        problems.append(f"exit code {returncode}, expected 0")
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not any(READY.fullmatch(line.strip()) for line in lines):
        problems.append(f"no 'ready in N ms' line on stdout (got {stdout.strip()[:200]!r})")
    elif len(lines) != 1:
        problems.append(f"stdout has more than the 'ready in' line: {stdout.strip()[:200]!r}")
    problems.extend(stderr_problem(stderr))
    return problems


def stderr_problem(stderr: str) -> list[str]:
    """One problem quoting the unexpected stderr lines (a traceback's end), or none."""
    lines = unexpected_stderr(stderr)
    if not lines:
        return []
    shown = lines if len(lines) <= 6 else [*lines[:2], "...", *lines[-3:]]
    return ["unexpected stderr: " + " | ".join(line.strip()[:300] for line in shown)]


def ready_ms(stdout: str) -> int | None:
    """The N of the ``ready in N ms`` line, or None."""
    match = READY.search(stdout)
    return int(match.group(1)) if match else None


def check_pdf(data: bytes, expected_texts: list[str], page_text: str | None) -> list[str]:
    """Problems with a handover PDF: header, embedded report font, expected case text.

    ``page_text`` is the PDF's extracted text, or None when no PDF reader is available
    (then only the bytes are checked).
    """
    problems = []
    if not data.startswith(b"%PDF-"):
        problems.append("not a PDF (no %PDF- header)")
        return problems
    if b"%%EOF" not in data[-1024:]:
        problems.append("PDF is truncated (no %%EOF at the end)")
    if b"DejaVuSans" not in data:
        problems.append("the DejaVu Sans report font is not embedded (fonts not bundled?)")
    if page_text is not None:
        missing = [text for text in expected_texts if text not in page_text]
        if missing:
            problems.append(f"PDF text lacks {missing!r}")
    return problems


def check_pdfium(returncode: int, stdout: str, stderr: str, pages: int | None) -> list[str]:
    """Problems with the frozen PDFium render of a handover PDF (``packaging/entry.py``).

    ``pages`` is the PDF's page count from pypdf, or None when pypdf is not installed.
    Page 1 must be A4 at 50 dpi (413x585 px, give or take one) and show some ink.
    """
    problems = []
    if returncode != 0:
        problems.append(f"exit code {returncode}, expected 0")
    match = PDFIUM.search(stdout)
    if match is None:
        problems.append(f"no 'pdfium: ...' line on stdout (got {stdout.strip()[:200]!r})")
    else:
        count, width, height, dark = (int(group) for group in match.groups())
        if pages is not None and count != pages:
            problems.append(f"PDFium counts {count} pages, pypdf {pages}")
        if abs(width - 413) > 1 or abs(height - 585) > 1:
            problems.append(f"page 1 rendered {width}x{height} px, not A4 at 50 dpi")
        if dark == 0:
            problems.append("page 1 rendered blank")
    problems.extend(stderr_problem(stderr))
    return problems


def check_bundled_data(internal: Path, root: Path = ROOT) -> list[str]:
    """Every data file the spec bundles is present in the build, with the same bytes."""
    problems = []
    entries = bundle.data_files(root)
    if not entries:
        problems.append("the spec bundles no data files at all")
    for source, destination in entries:
        source_path = Path(source)
        target = internal / destination / source_path.name
        if not target.is_file():
            problems.append(f"missing {destination}/{source_path.name}")
        elif target.read_bytes() != source_path.read_bytes():
            problems.append(f"{destination}/{source_path.name} differs from the source file")
    return problems


def check_platform_plugin(internal: Path) -> list[str]:
    """Qt's platform plugins for this OS (native and offscreen) are in the build."""
    wanted = PLATFORM_PLUGIN.get(sys.platform, ())
    found = {path.name for path in internal.rglob("plugins/platforms/*")}
    return [f"Qt platform plugin {name} is missing" for name in wanted if name not in found]


def check_size(size_bytes: int, limit_mb: float) -> list[str]:
    """The unpacked build stays within the size target."""
    size_mb = size_bytes / 1_000_000
    if size_mb > limit_mb:
        return [f"{size_mb:.1f} MB unpacked, over the {limit_mb:.0f} MB target"]
    return []


# ---- running things --------------------------------------------------------------------


def run(command: list[str], env: dict[str, str], cwd: Path | None = None) -> Run:
    """Run ``command`` to completion, capturing its output and wall time."""
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as expired:
        return Run(command, -1, str(expired.stdout or ""), f"timed out after {TIMEOUT} s", TIMEOUT)
    return Run(command, done.returncode, done.stdout, done.stderr, time.perf_counter() - started)


def folder_size(folder: Path) -> tuple[int, int]:
    """Bytes and number of files under ``folder`` (symlinks not followed)."""
    total = count = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
            count += 1
    return total, count


def frozen_executable(dist: Path, *, console: bool = True) -> Path:
    """The frozen program inside ``dist``: on Windows the console twin unless asked not."""
    if sys.platform == "win32":
        return dist / bundle.APP_NAME / f"{bundle.CLI_NAME if console else bundle.APP_NAME}.exe"
    return dist / bundle.APP_NAME / bundle.APP_NAME


def source_command() -> list[str]:
    """The source run to compare with: the venv's ``doorloop`` console script."""
    scripts = Path(sysconfig.get_path("scripts"))
    script = scripts / ("doorloop.exe" if os.name == "nt" else "doorloop")
    return [str(script)] if script.exists() else [sys.executable, "-m", "desktop"]


def run_environment(qt_platform: str | None) -> dict[str, str]:
    """The environment of a smoke run: passphrase for automation, chosen Qt platform."""
    env = {**os.environ, "DOORLOOP_PASSPHRASE": SMOKE_PASSPHRASE}
    for name in ("DOORLOOP_DATA_DIR", "DOORLOOP_LANG", "PYTHONPATH"):
        env.pop(name, None)
    if qt_platform:
        env["QT_QPA_PLATFORM"] = qt_platform
    return env


def default_qt_platform() -> str | None:
    """Offscreen on a Linux box without a display; otherwise the OS's own platform."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return os.environ["QT_QPA_PLATFORM"]
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return "offscreen"
    return None


def pdf_page_count(path: Path) -> int | None:
    """How many pages the PDF has, or None when pypdf is not installed."""
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    return len(PdfReader(path).pages)


def pdf_text(path: Path) -> str | None:
    """The text of every page, or None when pypdf is not installed."""
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def build(dist: Path, work: Path) -> Run:
    """Run PyInstaller on the spec (clean), writing into ``dist`` and ``work``."""
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        str(SPEC),
    ]
    env = {**os.environ}
    env.pop("PYTHONPATH", None)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, stdin=subprocess.DEVNULL)
    return Run(command, done.returncode, "", "", time.perf_counter() - started)


def smoke_runs(
    commands: dict[str, list[str]], runs: int, env: dict[str, str], report: Report
) -> dict[str, tuple[list[int], list[float]]]:
    """For each named command: a checked first run on a new data dir, then ``runs`` timed
    runs reusing it. The timed runs alternate between the commands, so a machine that
    gets busier or quieter during the measurement skews both sides alike.
    """
    figures: dict[str, tuple[list[int], list[float]]] = {name: ([], []) for name in commands}
    with contextlib.ExitStack() as stack:
        full = {}
        for name, command in commands.items():
            data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="doorloop-smoke-"))
            first = run([*command, "--smoke", "--data-dir", data_dir], env)
            if report.check(
                f"{name} smoke", check_smoke(first.returncode, first.stdout, first.stderr)
            ):
                full[name] = [*command, "--smoke", "--data-dir", data_dir]
        for _ in range(runs):
            for name, command in list(full.items()):
                timed = run(command, env)
                problems = check_smoke(timed.returncode, timed.stdout, timed.stderr)
                if problems:
                    report.check(f"{name} smoke (repeat)", problems)
                    del full[name]
                    continue
                figures[name][0].append(ready_ms(timed.stdout) or 0)
                figures[name][1].append(round(timed.seconds, 3))
    return figures


def handover_checks(executable: Path, case: Path, env: dict[str, str], report: Report) -> None:
    """Render the case in Dutch and English with the frozen handover CLI; check the PDFs."""
    answers = json.loads(case.read_text("utf-8")).get("answers", {})
    expected = [str(answers[key]) for key in ("youth.first_name",) if key in answers]
    texts = {}
    with tempfile.TemporaryDirectory(prefix="doorloop-handover-") as folder:
        for lang in ("nl", "en"):
            output = Path(folder) / f"handover-{lang}.pdf"
            done = run(
                [str(executable), "handover", str(case), "-o", str(output), "--lang", lang], env
            )
            problems = []
            if done.returncode != 0:
                problems.append(f"exit code {done.returncode}: {done.stderr.strip()[:500]}")
            elif not output.is_file():
                problems.append("exit 0 but no PDF written")
            else:
                problems.extend(stderr_problem(done.stderr))
                data = output.read_bytes()
                texts[lang] = pdf_text(output)
                problems.extend(check_pdf(data, expected, texts[lang]))
                report.handover_pdf_bytes = len(data)
            report.check(f"frozen handover --lang {lang}", problems)
            if lang == "nl" and not problems:
                pdfium_check(executable, output, env, report)
    if texts.get("nl") is not None and texts.get("en") is not None and texts["nl"] == texts["en"]:
        report.check("translations", ["the English PDF is identical to the Dutch one"])


def pdfium_check(executable: Path, pdf: Path, env: dict[str, str], report: Report) -> None:
    """The frozen program renders ``pdf``'s first page with its bundled PDFium."""
    done = run([str(executable)], {**env, "DOORLOOP_CHECK_PDFIUM": str(pdf)})
    report.check(
        "frozen PDFium render",
        check_pdfium(done.returncode, done.stdout, done.stderr, pdf_page_count(pdf)),
    )


def other_programs(dist: Path, env: dict[str, str], report: Report) -> None:
    """Smoke the other ways people start the app: Windows' windowed exe, macOS' .app."""
    with tempfile.TemporaryDirectory(prefix="doorloop-smoke-") as data_dir:
        if sys.platform == "win32":
            # A windowed program has no stdout to read: its exit code must be 0.
            windowed = frozen_executable(dist, console=False)
            done = run([str(windowed), "--smoke", "--data-dir", data_dir], env)
            problems = [f"exit code {done.returncode}"] if done.returncode else []
            report.check(f"{windowed.name} --smoke", problems)
        elif sys.platform == "darwin":
            app = dist / f"{bundle.DISPLAY_NAME}.app" / "Contents" / "MacOS" / bundle.APP_NAME
            done = run([str(app), "--smoke", "--data-dir", data_dir], env)
            report.check(
                f"{bundle.DISPLAY_NAME}.app --smoke",
                check_smoke(done.returncode, done.stdout, done.stderr),
            )


def debian_control(version: str, architecture: str, depends: tuple[str, ...]) -> str:
    """The ``DEBIAN/control`` of the Linux package."""
    return (
        f"Package: {bundle.APP_NAME}\n"
        f"Version: {version}\n"
        f"Architecture: {architecture}\n"
        "Maintainer: Doorloop <doorloop@example.org>\n"
        "Section: misc\n"
        "Priority: optional\n"
        f"Depends: {', '.join(depends)}\n"
        "Description: triage assistant for crisis lines for children and youth\n"
        " Doorloop guides a crisis desk through the agreed intake format, shows the\n"
        " consents and authorizations the law requires and keeps every edit, encrypted.\n"
    )


def debian_package(dist: Path, work: Path) -> Path:
    """Pack the frozen build as a .deb (files hard-linked into a staging tree)."""
    from desktop.system_check import SYSTEM_PACKAGES

    architecture = subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()
    stage = work / "deb"
    shutil.rmtree(stage, ignore_errors=True)
    shutil.copytree(dist / bundle.APP_NAME, stage / "opt" / bundle.APP_NAME, copy_function=os.link)
    applications = stage / "usr" / "share" / "applications"
    icons = stage / "usr" / "share" / "icons" / "hicolor" / "512x512" / "apps"
    binaries = stage / "usr" / "bin"
    for folder in (applications, icons, binaries, stage / "DEBIAN"):
        folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(bundle.PACKAGING / "linux" / "doorloop.desktop", applications)
    shutil.copy2(bundle.PACKAGING / "icons" / "doorloop.png", icons)
    (binaries / bundle.APP_NAME).symlink_to(f"/opt/{bundle.APP_NAME}/{bundle.APP_NAME}")
    (stage / "DEBIAN" / "control").write_text(
        debian_control(bundle.version(), architecture, SYSTEM_PACKAGES), "utf-8"
    )
    target = dist / f"{bundle.APP_NAME}_{bundle.version()}_{architecture}.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "--build", str(stage), str(target)],
        check=True,
        capture_output=True,
    )
    shutil.rmtree(stage, ignore_errors=True)
    return target


def check_debian_package(deb: Path, expected_depends: tuple[str, ...]) -> list[str]:
    """The .deb declares the system packages and holds the program."""
    depends = subprocess.run(
        ["dpkg-deb", "--field", str(deb), "Depends"], capture_output=True, text=True, check=False
    ).stdout.strip()
    problems = []
    if depends != ", ".join(expected_depends):
        problems.append(f"Depends is {depends!r}")
    listing = subprocess.run(
        ["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=False
    ).stdout
    for path in (f"./opt/{bundle.APP_NAME}/{bundle.APP_NAME}", "./usr/bin/doorloop"):
        if path not in listing:
            problems.append(f"{path} is not in the package")
    return problems


def median(values: list[float] | list[int]) -> float | None:
    return statistics.median(values) if values else None


def summary(report: Report, limit_mb: float) -> str:
    """The human-readable figures."""
    lines = [f"doorloop {report.version} on {report.platform}"]
    if report.build_seconds is not None:
        lines.append(f"build time:     {report.build_seconds:.0f} s")
    if report.size_bytes is not None:
        lines.append(
            f"unpacked size:  {report.size_bytes / 1_000_000:.1f} MB in {report.file_count} files"
            f" (target <= {limit_mb:.0f} MB)"
        )
    for name, ready, wall in (
        ("frozen", report.frozen_ready_ms, report.frozen_wall_seconds),
        ("source", report.source_ready_ms, report.source_wall_seconds),
    ):
        if wall:
            lines.append(
                f"{name} --smoke: median wall {median(wall):.2f} s, median 'ready in'"
                f" {median(ready):.0f} ms ({len(wall)} runs)"
            )
    if report.frozen_wall_seconds and report.source_wall_seconds:
        ratio = median(report.frozen_wall_seconds) / median(report.source_wall_seconds)
        lines.append(f"frozen/source wall time: {ratio:.2f}x")
    lines.extend(f"ok   {name}" for name in report.passed)
    lines.extend(f"FAIL {problem}" for problem in report.problems)
    lines.append(f"{len(report.passed)} passed, {len(report.problems)} failed")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="packaging/build.py", description=__doc__.split("\n")[0])
    parser.add_argument("--skip-build", action="store_true", help="check an existing dist/")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller")
    parser.add_argument("--runs", type=int, default=5, help="timed smoke runs of each kind")
    parser.add_argument("--no-source", action="store_true", help="do not time the source run")
    parser.add_argument("--qt-platform", default=default_qt_platform())
    parser.add_argument("--case", type=Path, default=DEFAULT_CASE)
    parser.add_argument("--max-size-mb", type=float, default=200.0)
    parser.add_argument("--report", type=Path, default=None)
    parser.add_argument("--deb", action="store_true", help="also pack a .deb (Linux)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = Report(version=bundle.version(), platform=sys.platform)
    report.check(
        "locked dependencies",
        lockfile.environment_differences(lockfile.LOCK.read_text(encoding="utf-8")),
    )
    if not args.skip_build:
        shutil.rmtree(args.dist / bundle.APP_NAME, ignore_errors=True)
        built = build(args.dist, args.work)
        report.build_seconds = round(built.seconds, 1)
        if not report.check(
            "pyinstaller", [f"exit {built.returncode}"] if built.returncode else []
        ):
            print(summary(report, args.max_size_mb))
            return 1
    executable = frozen_executable(args.dist)
    if not report.check("executable", [] if executable.is_file() else [f"{executable} missing"]):
        print(summary(report, args.max_size_mb))
        return 1
    internal = executable.parent / "_internal"
    report.size_bytes, report.file_count = folder_size(executable.parent)
    report.check("size", check_size(report.size_bytes, args.max_size_mb))
    report.check("bundled data files", check_bundled_data(internal))
    report.check("Qt platform plugins", check_platform_plugin(internal))

    env = run_environment(args.qt_platform)
    commands = {"frozen": [str(executable)]}
    if not args.no_source and args.runs:
        commands["source"] = source_command()
    figures = smoke_runs(commands, args.runs, env, report)
    report.frozen_ready_ms, report.frozen_wall_seconds = figures["frozen"]
    report.source_ready_ms, report.source_wall_seconds = figures.get("source", ([], []))
    handover_checks(executable, args.case, env, report)
    other_programs(args.dist, env, report)
    if args.deb and sys.platform.startswith("linux"):
        from desktop.system_check import SYSTEM_PACKAGES

        deb = debian_package(args.dist, args.work)
        report.check(f"{deb.name}", check_debian_package(deb, SYSTEM_PACKAGES))

    destination = args.report or args.dist / f"{bundle.APP_NAME}-build.json"
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_text(json.dumps(asdict(report), indent=2) + "\n", "utf-8")
    print(summary(report, args.max_size_mb))
    return 1 if report.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The frozen build's PDFium check: the entry script's render and build.py's verdict on it.

The real frozen run is ``packaging/build.py`` ("frozen PDFium render"); here the same
entry script runs from source, and the verdict is checked on fake outputs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers.packaging import PACKAGING, ROOT, build


def test_the_entry_script_renders_a_report_page_with_pdfium(tmp_path: Path) -> None:
    pdf = tmp_path / "handover.pdf"
    case = ROOT / "tests" / "unit" / "reports" / "fixtures" / "case_16plus.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    rendered = subprocess.run(
        [sys.executable, "-m", "desktop", "handover", str(case), "-o", str(pdf)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert pdf.read_bytes().startswith(b"%PDF-"), rendered.stderr
    done = subprocess.run(
        [sys.executable, str(PACKAGING / "entry.py")],
        cwd=ROOT,
        env={**env, "DOORLOOP_CHECK_PDFIUM": str(pdf)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    pages = build.pdf_page_count(pdf)
    assert pages is not None and pages >= 2
    assert build.check_pdfium(done.returncode, done.stdout, done.stderr, pages) == []


def test_a_good_render_passes_and_a_broken_one_names_its_problems() -> None:
    good = "pdfium: 4 pages, page 1 414x585 px, 3355 dark pixels\n"
    assert build.check_pdfium(0, good, "", 4) == []
    assert build.check_pdfium(0, good, "", None) == []  # no pypdf: page count not compared

    problems = build.check_pdfium(0, "pdfium: 3 pages, page 1 300x585 px, 0 dark pixels", "", 4)
    assert problems == [
        "PDFium counts 3 pages, pypdf 4",
        "page 1 rendered 300x585 px, not A4 at 50 dpi",
        "page 1 rendered blank",
    ]
    missing = "ImportError: libpdfium.so: cannot open shared object file\n"
    problems = build.check_pdfium(1, "", "Traceback (most recent call last):\n" + missing, 4)
    assert problems[0] == "exit code 1, expected 0"
    assert "no 'pdfium: ...' line" in problems[1]
    assert "libpdfium.so" in problems[2]

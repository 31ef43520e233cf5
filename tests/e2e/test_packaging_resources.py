"""The frozen build bundles every file the app reads: the app's resource readers run in a
fresh interpreter under an audit hook (see docs/packaging.md)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.helpers.packaging import ROOT, bundle

CASE = ROOT / "tests" / "unit" / "reports" / "fixtures" / "case_16plus.json"

# Runs the resource-reading parts of the app in a fresh interpreter and lists every
# file opened or listed below the bundled packages (an audit hook sees all of them).
TRACE = textwrap.dedent(
    """
    import json, os, sys, tempfile
    root, packages, case = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
    folders = [os.path.join(root, name) + os.sep for name in packages]
    seen = set()

    def hook(event, args):
        if event in ("open", "os.listdir", "os.scandir") and args and args[0] is not None:
            path = os.fspath(args[0]) if not isinstance(args[0], int) else ""
            if isinstance(path, bytes):
                path = path.decode()
            full = os.path.abspath(path) if path else ""
            if any(full.startswith(folder) or full + os.sep == folder for folder in folders):
                seen.add(full)

    sys.addaudithook(hook)
    from desktop.__main__ import main
    from desktop.i18n import set_language
    from desktop.forms import load_form
    from legal_rules.loader import load_rules
    set_language("en")
    load_form()
    load_rules()
    with tempfile.TemporaryDirectory() as out:
        for lang in ("nl", "en"):
            for kind in ("handover", "feedback"):
                target = os.path.join(out, f"{kind}-{lang}.pdf")
                code = main(["handover", case, "-o", target, "--lang", lang, "--kind", kind])
                assert code == 0, (lang, kind, code)
    print(json.dumps(sorted(seen)))
    """
)


def _read_at_run_time() -> list[Path]:
    done = subprocess.run(
        [sys.executable, "-c", TRACE, str(ROOT), json.dumps(bundle.PACKAGES), str(CASE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    paths = [Path(item) for item in json.loads(done.stdout.strip().splitlines()[-1])]
    return [path for path in paths if path.is_file() and path.suffix not in (".py", ".pyc")]


def test_every_file_the_app_reads_through_importlib_resources_is_bundled() -> None:
    read = _read_at_run_time()
    suffixes = {path.suffix for path in read}
    # the trace itself works: it saw form definitions, rule files, a catalogue and fonts
    assert {".yaml", ".mo", ".ttf"} <= suffixes, read
    assert any("legal_rules" in path.parts for path in read)
    bundled = {Path(source) for source, _ in bundle.data_files()}
    assert [path for path in read if path not in bundled] == []

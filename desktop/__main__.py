"""``doorloop``: the desk app, plus its command-line tools (DESIGN.md contracts 2, 5 and 8).

    doorloop [--data-dir DIR] [--training] [--smoke] [--lang nl|en]
    doorloop handover CASE.json -o OUT.pdf [--kind handover|feedback] [--lang nl|en]
    doorloop export --case ID -o FILE [--data-dir DIR] [--training]
    doorloop legal-review [CASE.json ...] [--data-dir DIR] [--training] [--all]
    doorloop match CASE.json --directory DIRECTORY.json [--at ISO] [--lang nl|en]
    doorloop user list|init|add|remove|passwd ...   (several users on one device)

``DOORLOOP_PASSPHRASE`` may carry the passphrase for tests and kiosks only (and
``DOORLOOP_USER`` whose: a name or id; else each user's key slot is tried).
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

# The desk loads no third-party pydantic plugins: none are wanted in a clinical app,
# and looking for them scans every installed package at start-up (~0.2 s).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
from pathlib import Path  # noqa: E402


def gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="doorloop",
        description="Doorloop: triage-assistent voor crisisdiensten jeugd.",
        epilog=(
            "Subcommands: 'doorloop handover ...', 'doorloop export ...', "
            "'doorloop legal-review ...', 'doorloop match ...', 'doorloop user ...' "
            "(use --help on each)."
        ),
    )
    parser.add_argument("--data-dir", type=Path, help="map voor de lokale gegevens")
    parser.add_argument("--training", action="store_true", help="open de oefenomgeving")
    parser.add_argument(
        "--smoke", action="store_true", help="start, toon het hoofdvenster, meld 'ready in N ms'"
    )
    parser.add_argument("--lang", choices=("nl", "en"), default=None, help="taal van de app")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["handover"]:
        from desktop.reports.cli import handover_command

        return handover_command(args[1:])
    if args[:1] == ["export"]:
        from desktop.cli import export_command

        return export_command(args[1:])
    if args[:1] == ["legal-review"]:
        from desktop.cli import legal_review_command

        return legal_review_command(args[1:])
    if args[:1] == ["user"]:
        from desktop.user_cli import user_command

        return user_command(args[1:])
    if args[:1] == ["match"]:
        from coordination.cli import match_command

        return match_command(args[1:])
    options = gui_parser().parse_args(args)
    from desktop.app import run

    return run(
        data_dir=options.data_dir,
        training=options.training,
        smoke=options.smoke,
        language=options.lang,
        started=STARTED,
    )


if __name__ == "__main__":
    raise SystemExit(main())

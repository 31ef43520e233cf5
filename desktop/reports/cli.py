"""``doorloop handover``: render a handover or feedback PDF from a case JSON (contract 5).

    doorloop handover CASE.json -o OUT.pdf [--kind handover|feedback] [--lang nl|en]
                      [--include risk,background] [--printed-by NAME]

Exit 0 when the PDF is written; 2 on bad input (unreadable or invalid JSON, a missing
required key, an unknown field id, a bad value: each named on stderr); 1 when the
output cannot be written. Never a traceback for bad input. The GUI is not opened.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import datetime
from pathlib import Path

from desktop.reports.case_input import CaseError, check_case
from desktop.reports.contents import FEEDBACK_EXTRAS
from desktop.reports.text import translator

EXIT_OK = 0
EXIT_OUTPUT = 1
EXIT_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="doorloop handover",
        description="Render a handover summary or referrer feedback letter as PDF.",
    )
    parser.add_argument("case", help="case JSON file ('-' reads standard input)")
    parser.add_argument("-o", "--output", required=True, help="the PDF file to write")
    parser.add_argument("--kind", choices=("handover", "feedback"), default="handover")
    parser.add_argument("--lang", choices=("nl", "en"), default="nl")
    parser.add_argument(
        "--include",
        default="",
        help="feedback only: extra parts, comma-separated: risk,background",
    )
    parser.add_argument("--printed-by", default=None, help="name in the footer (default: user)")
    return parser


def _fail(message: str) -> int:
    print(f"doorloop handover: {message}", file=sys.stderr)
    return EXIT_INPUT


def _current_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in a bare container or service
        return "doorloop"


def handover_command(argv: list[str]) -> int:
    """Run ``doorloop handover`` with ``argv`` (without the ``handover`` word); exit code."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as stop:  # argparse printed its usage message on stderr
        return int(stop.code or 0)
    _, _n = translator(args.lang)

    include = {part.strip() for part in args.include.split(",") if part.strip()}
    unknown = include - FEEDBACK_EXTRAS
    if unknown:
        return _fail(
            _("--include: onbekend onderdeel {parts}; kies uit risk, background").format(
                parts=", ".join(sorted(unknown))
            )
        )
    if include and args.kind != "feedback":
        return _fail(_("--include geldt alleen voor --kind feedback"))

    try:
        raw = sys.stdin.read() if args.case == "-" else Path(args.case).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return _fail(_("kan {path} niet lezen: {error}").format(path=args.case, error=error))
    try:
        case = json.loads(raw)
    except json.JSONDecodeError as error:
        return _fail(
            _("{path} is geen geldige JSON (regel {line}, kolom {column}): {message}").format(
                path=args.case, line=error.lineno, column=error.colno, message=error.msg
            )
        )
    try:
        case, form = check_case(case, lang=args.lang, now=datetime.now().astimezone())
    except CaseError as error:
        for problem in error.problems:
            print(f"doorloop handover: {args.case}: {problem}", file=sys.stderr)
        return EXIT_INPUT

    from desktop.reports.render import render_feedback, render_handover

    printed_by = args.printed_by or _current_user()
    printed_at = datetime.now().astimezone()
    if args.kind == "feedback":
        pdf = render_feedback(
            case,
            lang=args.lang,
            printed_by=printed_by,
            printed_at=printed_at,
            include=include,
            form=form,
        )
    else:
        pdf = render_handover(
            case, lang=args.lang, printed_by=printed_by, printed_at=printed_at, form=form
        )
    try:
        Path(args.output).write_bytes(pdf)
    except OSError as error:
        print(
            "doorloop handover: "
            + _("kan {path} niet schrijven: {error}").format(path=args.output, error=error),
            file=sys.stderr,
        )
        return EXIT_OUTPUT
    return EXIT_OK

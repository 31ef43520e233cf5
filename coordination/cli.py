"""Command line of matching (DESIGN.md contract 8) and of the HSDS conversion.

``doorloop match CASE.json --directory DIRECTORY.json [--at ISO] [--lang nl|en]``
(also ``python -m coordination match ...``) prints the JSON of ``domain/coordination.md``
§3 and exits 0. The directory is a ``doorloop-directory/1`` file or an HSDS 3 page (see
:mod:`coordination.hsds`). ``--at`` defaults to now; a time without an offset is Dutch
time. Bad input exits 2 with a message on stderr naming the file and each bad key (and
unit), and prints nothing on stdout.

``python -m coordination hsds-export DIRECTORY.json`` and ``hsds-import HSDS.json``
convert between the two directory formats (JSON on stdout).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from datetime import datetime
from typing import IO

from coordination.asks import REGION_ZONE, CaseError
from coordination.directory import Directory, DirectoryError, load_directory
from coordination.hsds import from_hsds, to_hsds
from coordination.matching import match_case
from doorloop_protocol.strict_json import InputError, parse

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def read_json(path: str) -> object:
    """The JSON document in ``path`` (UTF-8, no duplicate keys, no NaN)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        raise InputError(f"cannot read it: {error.strerror or error}") from error
    return parse(raw)


def directory_from_json(data: object) -> Directory:
    """A directory from either format: ``doorloop-directory/1`` or an HSDS 3 page/list."""
    if isinstance(data, list) or (
        isinstance(data, Mapping) and "format" not in data and "contents" in data
    ):
        return from_hsds(data)
    return load_directory(data)


def parse_at(value: str | None) -> datetime:
    """``--at``: an ISO date-time (Dutch time without an offset); now when not given."""
    if value is None:
        return datetime.now(REGION_ZONE).replace(microsecond=0)
    try:
        at = datetime.fromisoformat(value)
    except ValueError as error:
        raise InputError(f"--at: {value!r} is not an ISO date-time") from error
    if at.tzinfo is None:
        at = at.replace(tzinfo=REGION_ZONE)
    return at


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Match a case to the units of a directory that fit it (JSON out).",
    )
    parser.add_argument("case", metavar="CASE.json", help="the case as JSON (contract 4)")
    parser.add_argument(
        "--directory",
        required=True,
        metavar="DIRECTORY.json",
        help="doorloop-directory/1 or an HSDS 3 page",
    )
    parser.add_argument("--at", metavar="ISO", help="moment of matching (default: now)")
    parser.add_argument("--lang", choices=("nl", "en"), default="nl", help="language of reasons")
    return parser


def match_command(
    argv: list[str],
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    prog: str = "doorloop match",
) -> int:
    """``doorloop match``; returns the exit status."""
    if stdout is None:
        stdout = sys.stdout
        if hasattr(stdout, "reconfigure"):
            stdout.reconfigure(encoding="utf-8")  # JSON with Dutch text, also on Windows
    stderr = stderr or sys.stderr
    options = _parser(prog).parse_args(argv)
    step = "--at"
    try:
        at = parse_at(options.at)
        step = options.directory
        directory = directory_from_json(read_json(options.directory))
        step = options.case
        result = match_case(read_json(options.case), directory, at, options.lang)
    except (InputError, DirectoryError, CaseError) as error:
        problems = getattr(error, "problems", None) or [str(error)]
        if step == "--at":
            stderr.write(f"{prog}: {problems[0]}\n")
        else:
            lines = "".join(f"  {problem}\n" for problem in problems)
            stderr.write(f"{prog}: {step}:\n{lines}")
        return EXIT_BAD_INPUT
    stdout.write(json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """``python -m coordination match|hsds-export|hsds-import ...``."""
    args = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    if args[:1] == ["match"]:
        return match_command(args[1:], prog="python -m coordination match")
    if args[:1] in (["hsds-export"], ["hsds-import"]) and len(args) == 2:
        try:
            data = read_json(args[1])
            if args[0] == "hsds-export":
                out = to_hsds(load_directory(data))
            else:
                out = from_hsds(data).to_json()
        except (InputError, DirectoryError) as error:
            problems = getattr(error, "problems", None) or [str(error)]
            sys.stderr.write(f"{args[0]}: {args[1]}:\n" + "".join(f"  {p}\n" for p in problems))
            return EXIT_BAD_INPUT
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    sys.stderr.write(
        "usage: python -m coordination match CASE.json --directory DIRECTORY.json"
        " [--at ISO] [--lang nl|en]\n"
        "       python -m coordination hsds-export DIRECTORY.json\n"
        "       python -m coordination hsds-import HSDS.json\n"
    )
    return EXIT_BAD_INPUT

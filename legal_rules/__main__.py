"""Command line of the rules engine (DESIGN.md contract 3).

``python -m legal_rules evaluate FILE|-``
    JSON facts in (a file, or stdin for ``-``), the JSON result on stdout, exit 0.
    Input that is not a JSON object meeting the contract exits 2 with a message on
    stderr naming each bad key, and prints nothing on stdout.
``python -m legal_rules table [--lang nl|en]``
    the whole rule table in Markdown, for a jurist.
``python -m legal_rules check [FOLDER]``
    check the rule files (the bundled ones, or those in FOLDER), including that every
    citation names a law listed in ``legal_rules/sources.yaml``: exit 0 when sound, 1
    with the problems on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import IO

from doorloop_protocol.strict_json import InputError, parse
from legal_rules.facts import FactsError
from legal_rules.loader import RuleFileError, load_rules
from legal_rules.sources import citation_problems
from legal_rules.table import render_table

EXIT_OK = 0
EXIT_RULES_BROKEN = 1
EXIT_BAD_INPUT = 2


def read_json(source: str, stdin: IO[str]) -> object:
    """Parse the JSON document in file ``source`` (or ``stdin`` for ``-``)."""
    try:
        if source == "-":
            buffer = getattr(stdin, "buffer", None)
            raw: bytes | str = buffer.read() if buffer is not None else stdin.read()
        else:
            with open(source, "rb") as handle:
                raw = handle.read()
    except OSError as error:
        raise InputError(f"cannot read {source}: {error.strerror or error}") from error
    return parse(raw)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m legal_rules",
        description="Consent and authorization rules: evaluate facts, print or check the rules.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    evaluate = commands.add_parser("evaluate", help="evaluate JSON facts, print the JSON result")
    evaluate.add_argument("source", metavar="FILE", help="JSON file with the facts, or - (stdin)")
    table = commands.add_parser("table", help="print the rule table in Markdown")
    table.add_argument("--lang", choices=("nl", "en"), default="nl", help="language (nl)")
    check = commands.add_parser("check", help="check the rule files")
    check.add_argument("folder", nargs="?", help="folder with rule files (default: bundled)")
    return parser


def main(
    argv: list[str] | None = None,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """Run one command; returns the exit status."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    args = _parser().parse_args(argv)
    try:
        if args.command == "check":
            rules = load_rules(args.folder)
            cited = [(rule.source, text) for rule in rules.rules for text in rule.citations]
            cited += [(term.source, text) for term in rules.terms for text in term.citations]
            problems = citation_problems(cited)
            if problems:
                raise RuleFileError(problems)
            count = len(rules.rules)
            stdout.write(f"ok: {count} rules, {len(rules.terms)} definitions\n")
            return EXIT_OK
        if args.command == "table":
            stdout.write(render_table(load_rules(), args.lang))
            return EXIT_OK
        try:
            facts = read_json(args.source, stdin)
            result = load_rules().evaluate(facts)
        except InputError as error:
            stderr.write(f"legal_rules: invalid input: {error}\n")
            return EXIT_BAD_INPUT
        except FactsError as error:
            lines = [f"  {key}: {message}" for key, message in error.errors.items()]
            stderr.write("legal_rules: invalid facts:\n" + "\n".join(lines) + "\n")
            return EXIT_BAD_INPUT
        stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    except RuleFileError as error:
        stderr.write(f"legal_rules: {error}\n")
        return EXIT_RULES_BROKEN


if __name__ == "__main__":
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    raise SystemExit(main())

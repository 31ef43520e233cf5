"""``doorloop-central directory import|export|history``: a region's directory on the CLI.

Import reads ``doorloop-directory/1`` or HSDS 3 JSON (the format is recognised, as for
``doorloop match``); a bad file exits 2 with every problem naming its key and unit.
Export writes either format; history prints every capacity change as JSON lines.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from central_api.storage import Storage
from coordination.cli import directory_from_json, read_json
from coordination.directory import DirectoryError
from coordination.hsds import to_hsds
from doorloop_protocol.strict_json import InputError


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    directory = sub.add_parser(
        "directory", help="the provider directory with live places"
    ).add_subparsers(dest="action", required=True)
    imp = directory.add_parser(
        "import",
        parents=[common],
        help="replace a region's directory from doorloop-directory/1 or HSDS 3 JSON",
    )
    imp.add_argument("file", type=Path)
    imp.add_argument("--region", required=True)
    exp = directory.add_parser("export", parents=[common], help="write a region's directory")
    exp.add_argument("--region", required=True)
    exp.add_argument("--format", choices=("directory", "hsds"), default="directory")
    exp.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    hist = directory.add_parser(
        "history", parents=[common], help="every capacity change of a region (JSON lines)"
    )
    hist.add_argument("--region", required=True)
    hist.add_argument("--unit", help="only this unit")


def run(storage: Storage, args: argparse.Namespace) -> int:
    if args.action == "import":
        try:
            directory = directory_from_json(read_json(str(args.file)))
        except InputError as error:
            print(f"doorloop-central: {args.file}: {error}", file=sys.stderr)
            return 2
        except DirectoryError as error:
            for problem in error.problems:
                print(f"doorloop-central: {args.file}: {problem}", file=sys.stderr)
            return 2
        s = storage.import_directory(args.region, directory)
        print(
            f"directory for {args.region}: {s.created} new, {s.updated} changed, "
            f"{s.unchanged} unchanged, {s.removed} removed units"
        )
        return 0
    if args.action == "export":
        exported = storage.export_directory(args.region)
        data = to_hsds(exported) if args.format == "hsds" else exported.to_json()
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        if args.output:
            args.output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return 0
    for row in storage.capacity_history(args.region, args.unit):
        print(
            json.dumps(
                {
                    "unit_id": row.unit_id,
                    "at": row.at.isoformat(),
                    "author": row.author,
                    "source": row.source,
                    "available": [row.available_old, row.available_new],
                    "maximum": row.maximum,
                    "intake_stop": [row.intake_stop_old, row.intake_stop_new],
                },
                ensure_ascii=False,
            )
        )
    return 0

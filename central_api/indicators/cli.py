"""`doorloop-central indicators` and `doorloop-central dataset` (DESIGN.md contract 9).

Bad input (an unknown region, a bad, empty, reversed or future period) raises
`IndicatorInputError` naming the option; `central_api.__main__` exits 2 with it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from central_api.indicators.service import IndicatorInputError, dataset, parse_period, report
from coordination.indicators import to_csv


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    indicators = sub.add_parser(
        "indicators", parents=[common], help="print a region's indicators (stuurinformatie)"
    )
    indicators.add_argument("--region", required=True)
    indicators.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
    indicators.add_argument("--to", dest="end", required=True, help="day after the last")
    indicators.add_argument("--format", choices=("json", "csv"), default="json")
    indicators.add_argument(
        "--public", action="store_true", help="apply the small-number rules (leaves the region)"
    )
    data = sub.add_parser(
        "dataset", parents=[common], help="write the anonymised minimal dataset of a region"
    )
    data.add_argument("--region", required=True)
    data.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
    data.add_argument("--to", dest="end", required=True, help="day after the last")
    data.add_argument("-o", "--output", dest="output", type=Path, required=True)


def _option(exc: IndicatorInputError) -> ValueError:
    return ValueError(f"--{exc}")


def run(storage: Any, args: argparse.Namespace) -> int:
    try:
        period = parse_period(args.start, args.end)
        if args.command == "indicators":
            result = report(storage.engine, args.region, period, public=args.public)
            if args.format == "csv":
                sys.stdout.write(to_csv(result))
            else:
                print(json.dumps(result, indent=2, ensure_ascii=False))
            return 0
        if args.output.exists() and not args.output.is_dir():
            raise ValueError(f"-o: {args.output} exists and is not a directory")
        written = dataset(storage.engine, args.region, period, args.output, storage.secret_box)
    except IndicatorInputError as exc:
        raise _option(exc) from None
    print(
        f"{len(written.rows)} cases written to {args.output} "
        f"({written.suppressed_total} values suppressed for k-anonymity, "
        f"{written.rows_dropped} rows dropped)"
    )
    return 0

"""`doorloop-central audit case CASE_ID` and `doorloop-central audit review --region R
--from DATE --to DATE --out FILE.pdf` (issue 21, NEN 7513). Bad input raises ValueError
naming the option (exit 2)."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from central_api.privacy.review import case_access, review, review_pdf
from central_api.storage import Storage


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    audit = sub.add_parser("audit", help="access review (NEN 7513)").add_subparsers(
        dest="action", required=True
    )
    case = audit.add_parser("case", parents=[common], help="who opened this case, when, why")
    case.add_argument("case_id")
    case.add_argument("--json", action="store_true")
    rev = audit.add_parser(
        "review", parents=[common], help="a region's access review for a period, as PDF"
    )
    rev.add_argument("--region", required=True)
    rev.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
    rev.add_argument("--to", dest="end", required=True, help="day after the last")
    rev.add_argument("--out", type=Path, required=True, help="the PDF to write")
    rev.add_argument("--json", action="store_true", help="also print the review as JSON")


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{option}: not a date (YYYY-MM-DD): {value!r}") from exc


def run(storage: Storage, args: argparse.Namespace) -> int:
    if args.action == "case":
        rows = case_access(storage, args.case_id)
        if args.json:
            print(json.dumps([row.as_json() for row in rows], indent=2, ensure_ascii=False))
            return 0
        print(f"Wie heeft dossier {args.case_id} ingezien ({len(rows)} regels):")
        for row in rows:
            print(
                f"{row.at.strftime('%Y-%m-%d %H:%M:%S')}  {row.action:18}  {row.outcome:9}  "
                f"{row.user:30}  {row.role:12}  {row.device[:8]:8}  {row.reason}"
            )
        return 0
    report = review(storage, args.region, _day(args.start, "--from"), _day(args.end, "--to"))
    args.out.write_bytes(review_pdf(report))
    if args.json:
        print(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    print(
        f"review of {args.region}: {len(report.break_glass)} break-the-glass openings, "
        f"{len(report.unusual)} users with unusual numbers of openings -> {args.out}"
    )
    return 0

"""`doorloop-central audit case CASE_ID`, `doorloop-central audit review --region R
--from DATE --to DATE --out FILE.pdf` (issue 21, NEN 7513) and `doorloop-central
retention run [--dry-run]` / `retention set|show --region R`. Bad input raises
ValueError naming the option (exit 2)."""

from __future__ import annotations

import argparse
import dataclasses
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

    retention = sub.add_parser("retention", help="retention (WGBO 7:454)").add_subparsers(
        dest="action", required=True
    )
    run_ = retention.add_parser(
        "run", parents=[common], help="purge expired cases; desks get tombstones (idempotent)"
    )
    run_.add_argument("--dry-run", action="store_true", help="only report what would go")
    run_.add_argument("--json", action="store_true")
    set_ = retention.add_parser(
        "set", parents=[common], help="a region's view window, retention and keep periods"
    )
    set_.add_argument("--region", required=True)
    for option, name in OPTIONS.items():
        set_.add_argument(f"--{option}", dest=name, type=int, help="days")
    show = retention.add_parser("show", parents=[common], help="a region's privacy settings")
    show.add_argument("--region", required=True)

    person = sub.add_parser("person", help="the young person's rights").add_subparsers(
        dest="action", required=True
    )
    helps = {
        "find": "all cases of one person in the region",
        "export": "inzage export (JSON and PDF), audited",
        "destroy": "a destruction request: purge, or refuse with the legal reason",
    }
    for name, text in helps.items():
        command = person.add_parser(name, parents=[common], help=text)
        command.add_argument("--region", required=True)
        command.add_argument("--bsn")
        command.add_argument("--first-name")
        command.add_argument("--last-name")
        command.add_argument("--birth-date", help="YYYY-MM-DD")
        if name == "export":
            command.add_argument("--json-out", type=Path, required=True)
            command.add_argument("--pdf-out", type=Path, required=True)
        if name == "destroy":
            command.add_argument("--legal-hold", help="why the law requires keeping it")


OPTIONS = {
    "window-days": "window_days",
    "production-days": "retention_production_days",
    "training-days": "retention_training_days",
    "keep-closed-days": "keep_closed_days",
    "outreach-keep-closed-days": "keep_closed_days_outreach",
}


def _retention(storage: Storage, args: argparse.Namespace) -> int:
    if args.action == "run":
        report = storage.retention_run(dry_run=args.dry_run)
        if args.json:
            rows = [{**r, "closed": r["closed"].isoformat()} for r in report]
            print(json.dumps(rows, indent=2))
            return 0
        verb = "would be purged" if args.dry_run else "purged"
        for row in report:
            print(f"{row['case_id']}  {row['region']:12}  closed {row['closed']:%Y-%m-%d}")
        print(f"{len(report)} expired cases {verb}")
        return 0
    if args.action == "set":
        values = {
            name: getattr(args, name)
            for name in OPTIONS.values()
            if getattr(args, name) is not None
        }
        for option, name in OPTIONS.items():
            if name in values and values[name] < 1:
                raise ValueError(f"--{option}: at least 1 day")
        settings = storage.set_region_privacy(args.region, **values)
    else:
        settings = storage.region_privacy(args.region)
    print(json.dumps(dataclasses.asdict(settings), indent=2))
    return 0


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{option}: not a date (YYYY-MM-DD): {value!r}") from exc


def _person(storage: Storage, args: argparse.Namespace) -> int:
    from central_api.privacy import rights

    who = rights.Person(args.bsn, args.first_name, args.last_name, args.birth_date)
    if args.action == "find":
        cases = rights.find(storage, args.region, who)
        for case in cases:
            print(f"{case['case_id']}  {case['status']:22}  {len(case['versions'])} versions")
        print(f"{len(cases)} cases found")
    elif args.action == "export":
        document = rights.export(storage, args.region, who)
        args.json_out.write_text(
            json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        args.pdf_out.write_bytes(rights.export_pdf(document))
        print(f"{len(document['cases'])} cases exported to {args.json_out} and {args.pdf_out}")
    else:
        result = rights.destroy(storage, args.region, who, legal_hold=args.legal_hold)
        print(json.dumps(result, indent=2))
        return 0
    return 0


def run(storage: Storage, args: argparse.Namespace) -> int:
    if args.command == "retention":
        return _retention(storage, args)
    if args.command == "person":
        return _person(storage, args)
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

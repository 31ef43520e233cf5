"""``doorloop export``: write one case as JSON without opening the GUI."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from desktop.i18n import _


def export_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="doorloop export", description=_("Exporteer een casus als JSON.")
    )
    parser.add_argument("--case", required=True, help=_("id van de casus"))
    parser.add_argument("-o", "--output", required=True, type=Path, help=_("uitvoerbestand"))
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--training", action="store_true")
    options = parser.parse_args(argv)

    from desktop.paths import default_data_dir
    from desktop.session.desk import DeskSession
    from desktop.store import NotFoundError, WrongPassphrase, open_store, store_exists

    data_dir = options.data_dir or default_data_dir()
    if not store_exists(data_dir, training=options.training):
        print(_("Geen Doorloop-gegevens gevonden in {dir}.").format(dir=data_dir), file=sys.stderr)
        return 2
    passphrase = os.environ.get("DOORLOOP_PASSPHRASE") or getpass.getpass(_("Wachtwoordzin: "))
    try:
        store = open_store(data_dir, passphrase, training=options.training)
    except WrongPassphrase:
        print(_("Onjuiste wachtwoordzin."), file=sys.stderr)
        return 2
    try:
        profile = store.profile()
        if profile is None:
            print(_("Er is nog geen profiel aangemaakt."), file=sys.stderr)
            return 2
        try:
            DeskSession(store, profile).export_case(options.case, options.output)
        except NotFoundError:
            print(_("Casus {id} bestaat niet.").format(id=options.case), file=sys.stderr)
            return 2
    finally:
        store.close()
    return 0


REVIEWED_STATUSES = ("triaged", "handed_over")
"""Decided cases still open: their recorded flags may need a coordinator's review."""


def legal_review_command(argv: list[str]) -> int:
    """``doorloop legal-review``: which flags the rules of today add to or drop from the
    flags each decided, open case was decided with (the recorded flags stay as they are).

    Reads the local store (``--data-dir``, ``--training``; ``--all`` includes closed
    cases), or case JSON files (contract 4) given as arguments. Exit 0 with the report on
    stdout; 2 when the data cannot be read."""
    parser = argparse.ArgumentParser(
        prog="doorloop legal-review",
        description=_(
            "Toon per besloten casus welke juridische signalen de regels van nu toevoegen "
            "of laten vallen ten opzichte van het vastgelegde besluit."
        ),
    )
    parser.add_argument("cases", nargs="*", type=Path, help=_("casusbestanden (JSON)"))
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--training", action="store_true")
    parser.add_argument("--all", action="store_true", help=_("ook afgesloten casussen"))
    options = parser.parse_args(argv)

    import json

    from desktop.session.legal import review_case

    cases: list[dict[str, object]] = []
    if options.cases:
        for path in options.cases:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
                print(
                    _("Kan {path} niet lezen als casus (JSON): {error}").format(
                        path=path, error=error
                    ),
                    file=sys.stderr,
                )
                return 2
            if not isinstance(data, dict) or not isinstance(data.get("answers", {}), dict):
                print(_("{path} is geen casus (JSON-object).").format(path=path), file=sys.stderr)
                return 2
            cases.append(data)
    else:
        loaded = _open_cases(options.data_dir, options.training, options.all)
        if loaded is None:
            return 2
        cases = loaded

    changed = 0
    decided = 0
    for case in cases:
        review = review_case(case)
        if review is None:
            continue
        decided += 1
        if not review.changed:
            continue
        changed += 1
        print(
            _("Casus {id} ({status}), besluit {day}: vastgelegd met regels versie {old}, "
              "nu versie {new}").format(
                id=case.get("id", "?"),
                status=case.get("status", "?"),
                day=review.decision_date.isoformat(),
                old=review.recorded_version,
                new=review.current_version or "?",
            )
        )  # fmt: skip
        for flag in review.added:
            detail = f" [{flag['detail']}]" if flag.get("detail") else ""
            print(f"  + {flag['code']} — {_title(flag)}{detail}")
        for flag in review.dropped:
            print(f"  - {flag.get('code')} — {_title(flag)}")
    print(
        _("{changed} van {decided} besloten casussen geven met de regels van nu andere "
          "signalen. Het vastgelegde besluit verandert niet.").format(
            changed=changed, decided=decided
        )
    )  # fmt: skip
    return 0


def _title(flag: dict[str, object]) -> str:
    from desktop.i18n import pick

    title = flag.get("title")
    return pick(title) if isinstance(title, dict) else str(title or "")


def _open_cases(
    data_dir: Path | None, training: bool, include_closed: bool
) -> list[dict[str, object]] | None:
    from desktop.paths import default_data_dir
    from desktop.store import WrongPassphrase, open_store, store_exists

    data_dir = data_dir or default_data_dir()
    if not store_exists(data_dir, training=training):
        print(_("Geen Doorloop-gegevens gevonden in {dir}.").format(dir=data_dir), file=sys.stderr)
        return None
    passphrase = os.environ.get("DOORLOOP_PASSPHRASE") or getpass.getpass(_("Wachtwoordzin: "))
    try:
        store = open_store(data_dir, passphrase, training=training)
    except WrongPassphrase:
        print(_("Onjuiste wachtwoordzin."), file=sys.stderr)
        return None
    statuses = [*REVIEWED_STATUSES, *(["closed"] if include_closed else [])]
    try:
        cases = []
        offset = 0
        while True:
            page = store.cases.summaries(statuses=statuses, limit=200, offset=offset)
            cases += [store.cases.get(summary.id).to_json() for summary in page]
            if len(page) < 200:
                return cases
            offset += 200
    finally:
        store.close()

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

    from desktop.desk import DeskSession
    from desktop.paths import default_data_dir
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

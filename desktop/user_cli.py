"""``doorloop user``: the users of one device, each with their own passphrase.

    doorloop user list   [--data-dir DIR] [--training]
    doorloop user init   --name NAME --role ROLE [--data-dir DIR] [--training]
    doorloop user add    --name NAME --role ROLE [--as USER] [--data-dir DIR] [--training]
    doorloop user remove USER [--as USER] [--data-dir DIR] [--training]
    doorloop user passwd [--as USER] [--data-dir DIR] [--training]

``list`` needs no passphrase (it reads the names of the key slots). ``init`` makes a
new store and its first user. ``add`` and ``remove`` need the passphrase of a user who
may manage users (the device's first user or a coordinator); ``--as`` names them (else
whoever's slot the passphrase opens). Passphrases are asked for without echo; for tests
and kiosks only, ``DOORLOOP_PASSPHRASE`` carries the acting user's and
``DOORLOOP_NEW_PASSPHRASE`` the new one. Exit 0 on success, 2 with a Dutch message on
stderr otherwise.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.i18n import _

if TYPE_CHECKING:
    from desktop.store import Store


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def _passphrase() -> str:
    return os.environ.get("DOORLOOP_PASSPHRASE") or getpass.getpass(_("Wachtwoordzin: "))


def _new_passphrase() -> str | None:
    """The new passphrase (asked twice); None when the two differ."""
    given = os.environ.get("DOORLOOP_NEW_PASSPHRASE")
    if given:
        return given
    first = getpass.getpass(_("Nieuwe wachtwoordzin: "))
    if getpass.getpass(_("Herhaal de nieuwe wachtwoordzin: ")) != first:
        return None
    return first


def user_command(argv: list[str]) -> int:
    from desktop.store import ROLES

    parser = argparse.ArgumentParser(
        prog="doorloop user",
        description=_("Beheer de gebruikers van dit apparaat; elk heeft een eigen wachtwoordzin."),
    )
    sub = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path)
    common.add_argument("--training", action="store_true")
    sub.add_parser("list", parents=[common], help=_("toon de gebruikers"))
    for name, text in (("init", _("maak de eerste gebruiker")), ("add", _("voeg toe"))):
        command = sub.add_parser(name, parents=[common], help=text)
        command.add_argument("--name", required=True, help=_("naam"))
        command.add_argument("--role", required=True, choices=ROLES, help=_("rol"))
        if name == "add":
            command.add_argument("--as", dest="acting", help=_("wie toevoegt (naam)"))
    remove = sub.add_parser("remove", parents=[common], help=_("verwijder een gebruiker"))
    remove.add_argument("user", help=_("naam of id van de gebruiker"))
    remove.add_argument("--as", dest="acting", help=_("wie verwijdert (naam)"))
    passwd = sub.add_parser("passwd", parents=[common], help=_("wijzig uw wachtwoordzin"))
    passwd.add_argument("--as", dest="acting", help=_("uw naam"))
    options = parser.parse_args(argv)

    from desktop.paths import default_data_dir

    data_dir: Path = options.data_dir or default_data_dir()
    if options.command == "list":
        return _list(data_dir, options.training)
    if options.command == "init":
        return _init(data_dir, options)
    return _with_store(data_dir, options)


def _list(data_dir: Path, training: bool) -> int:
    from desktop.store import list_users, store_exists

    if not store_exists(data_dir, training=training):
        return _fail(_("Geen Doorloop-gegevens gevonden in {dir}.").format(dir=data_dir))
    users = list_users(data_dir, training=training)
    if not users:
        print(_("Nog geen gebruikers met een eigen wachtwoordzin (open de app één keer)."))
    for info in users:
        print(f"{info.name}\t{info.slot_id}")
    return 0


def _init(data_dir: Path, options: argparse.Namespace) -> int:
    from desktop.store import MIN_PASSPHRASE_LENGTH, StoreError, open_store, store_exists

    if store_exists(data_dir, training=options.training):
        return _fail(
            _("In {dir} staan al Doorloop-gegevens; voeg een gebruiker toe met 'user add'.").format(
                dir=data_dir
            )
        )
    secret = _new_passphrase()
    if secret is None:
        return _fail(_("De twee wachtwoordzinnen zijn niet gelijk."))
    if len(secret) < MIN_PASSPHRASE_LENGTH:
        return _fail(
            _("De wachtwoordzin moet minstens {n} tekens lang zijn.").format(
                n=MIN_PASSPHRASE_LENGTH
            )
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(data_dir, secret, training=options.training)
    try:
        profile = store.create_profile(options.name, options.role)
    except StoreError as error:
        return _fail(_("Naam: {error}").format(error=error))
    finally:
        store.close()
    print(
        _("Gebruiker {name} aangemaakt ({id}).").format(
            name=profile.display_name, id=profile.local_id
        )
    )
    return 0


def _find(store: Store, wanted: str) -> str | None:
    key = wanted.strip().casefold()
    for user in store.users():
        if key in (user.local_id.casefold(), user.display_name.casefold()):
            return user.local_id
    return None


def _with_store(data_dir: Path, options: argparse.Namespace) -> int:
    from desktop.store import (
        PermissionDenied,
        StoreError,
        WrongPassphrase,
        open_store,
        slot_named,
        store_exists,
    )

    if not store_exists(data_dir, training=options.training):
        return _fail(_("Geen Doorloop-gegevens gevonden in {dir}.").format(dir=data_dir))
    acting = slot_named(data_dir, options.acting, training=options.training)
    current = _passphrase()
    try:
        store = open_store(data_dir, current, training=options.training, user=acting)
    except WrongPassphrase:
        return _fail(_("Onjuiste wachtwoordzin."))
    try:
        profile = store.profile()
        if profile is None:
            return _fail(_("Er is nog geen profiel aangemaakt."))
        if options.command in ("add", "remove") and not store.may_manage_users(profile):
            return _fail(
                _(
                    "{name} mag geen gebruikers beheren: dat mogen de eerste gebruiker van "
                    "dit apparaat en coördinatoren."
                ).format(name=profile.display_name)
            )
        if options.command == "add":
            if any(
                u.display_name.casefold() == options.name.strip().casefold() for u in store.users()
            ):
                return _fail(_("Naam: er is al een gebruiker met deze naam."))
            secret = _checked(_new_passphrase())
            if not isinstance(secret, str):
                return secret
            added = store.add_user(options.name, options.role, secret)
            print(
                _("Gebruiker {name} toegevoegd door {by}.").format(
                    name=added.display_name, by=profile.display_name
                )
            )
        elif options.command == "remove":
            target = _find(store, options.user)
            if target is None:
                return _fail(_("Gebruiker {user} bestaat niet.").format(user=options.user))
            if target == profile.local_id:
                return _fail(_("U kunt uzelf niet verwijderen."))
            name = store.user(target).display_name  # type: ignore[union-attr]
            store.remove_user(target)
            print(
                _("Gebruiker {name} verwijderd; die wachtwoordzin opent niets meer.").format(
                    name=name
                )
            )
        else:
            secret = _checked(_new_passphrase())
            if not isinstance(secret, str):
                return secret
            store.change_passphrase(current, secret)
            print(_("Wachtwoordzin van {name} gewijzigd.").format(name=profile.display_name))
    except PermissionDenied:
        return _fail(_("U mag geen gebruikers beheren."))
    except StoreError as error:
        return _fail(_("Niet gelukt: {error}").format(error=error))
    finally:
        store.close()
    return 0


def _checked(secret: str | None) -> str | int:
    """The new passphrase, or the exit code after a Dutch message naming the problem."""
    from desktop.store import MIN_PASSPHRASE_LENGTH

    if secret is None:
        return _fail(_("De twee wachtwoordzinnen zijn niet gelijk."))
    if len(secret) < MIN_PASSPHRASE_LENGTH:
        return _fail(
            _("De wachtwoordzin moet minstens {n} tekens lang zijn.").format(
                n=MIN_PASSPHRASE_LENGTH
            )
        )
    return secret

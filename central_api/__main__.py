"""`doorloop-central`: serve the central API and administer it (DESIGN.md contract 7).

Subcommands: serve, migrate, secret-key new, region add, user add/passwd/deactivate/activate/
totp, device list, device revoke, providers import, directory import/export/history, forms
publish, case purge, compact, indicators, dataset, audit case, audit review, retention
run/set/show, person find/export/destroy. Each takes `--database-url`
(default: $DOORLOOP_CENTRAL_DATABASE_URL, else a SQLite file in the user data dir).
The server key that seals the TOTP secrets and pseudonym keys comes from
$DOORLOOP_CENTRAL_SECRET_KEY or $DOORLOOP_CENTRAL_SECRET_KEY_FILE, else (SQLite only) a
key file beside the database (`central_api.secret_box`).
Exit codes: 0 success, 1 not found / already exists, 2 bad input.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import ipaddress
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from central_api import secrets_at_rest
from central_api.config import (
    ENV_DATABASE_URL,
    ENV_MIGRATE_ON_START,
    ENV_RATE_PER_MINUTE,
    Settings,
    normalise_database_url,
)
from central_api.secret_box import load_box, new_key_text
from central_api.storage import AlreadyExists, NotFound, Storage
from doorloop_protocol import ROLES, FormDefinitionDoc


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database-url",
        help="SQLAlchemy URL, e.g. postgresql://user@host/db (default: SQLite in the data dir)",
    )
    parser = argparse.ArgumentParser(
        prog="doorloop-central", description="Doorloop central API: serve and administer."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", parents=[common], help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument(
        "--rate-per-minute",
        type=float,
        default=None,
        help="requests per minute per device (0 switches the limit off)",
    )
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--forwarded-allow-ips",
        default="",
        help="comma-separated addresses or networks of the reverse proxies whose "
        "X-Forwarded-For/-Proto headers are trusted (default: none, the headers are ignored)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes (PostgreSQL only; the per-device rate limit then counts per "
        "worker, the login throttle is shared)",
    )

    sub.add_parser(
        "migrate",
        parents=[common],
        help="bring the database schema up to date and seal secrets stored in the clear",
    )
    secret_key = sub.add_parser("secret-key", help="the server key").add_subparsers(
        dest="action", required=True
    )
    secret_key.add_parser(
        "new",
        help="print a fresh server key (base64 of 32 random bytes) for "
        "DOORLOOP_CENTRAL_SECRET_KEY or a key file",
    )

    region = sub.add_parser("region", help="regions").add_subparsers(dest="action", required=True)
    region_add = region.add_parser("add", parents=[common], help="add a region")
    region_add.add_argument("name")
    region.add_parser("list", parents=[common], help="list regions")

    user = sub.add_parser("user", help="users").add_subparsers(dest="action", required=True)
    user_add = user.add_parser("add", parents=[common], help="add a user")
    user_add.add_argument("username")
    user_add.add_argument("--role", required=True, choices=ROLES)
    user_add.add_argument("--region", required=True)
    user_add.add_argument("--display-name")
    user_add.add_argument(
        "--organization",
        help="for --role receiver: the directory organisation id whose referrals it answers",
    )
    user_add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    user_passwd = user.add_parser(
        "passwd", parents=[common], help="set a new password; revokes all the user's devices"
    )
    user_passwd.add_argument("username")
    user_passwd.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    user_deactivate = user.add_parser(
        "deactivate", parents=[common], help="refuse the user's logins; revokes their devices"
    )
    user_deactivate.add_argument("username")
    user_activate = user.add_parser("activate", parents=[common], help="allow logins again")
    user_activate.add_argument("username")
    user_totp = user.add_parser(
        "totp",
        parents=[common],
        help="enrol (or reset) the user's second factor for the web pages; prints the "
        "otpauth URI once (the old secret stops working, their web sessions end)",
    )
    user_totp.add_argument("username")

    device = sub.add_parser("device", help="devices").add_subparsers(dest="action", required=True)
    device_list = device.add_parser("list", parents=[common], help="list devices")
    device_list.add_argument("--region")
    device_list.add_argument("--json", action="store_true")
    device_revoke = device.add_parser("revoke", parents=[common], help="revoke a device")
    device_revoke.add_argument("device_id")
    device_revoke.add_argument(
        "--wipe",
        action="store_true",
        help="lost or stolen: the device erases its local data at its next contact",
    )

    providers = sub.add_parser("providers", help="provider directory").add_subparsers(
        dest="action", required=True
    )
    providers_import = providers.add_parser(
        "import", parents=[common], help="replace a region's provider directory from CSV"
    )
    providers_import.add_argument("file", type=Path)
    providers_import.add_argument("--region", required=True)

    from central_api import directory_cli

    directory_cli.add_parsers(sub, common)

    forms = sub.add_parser("forms", help="form definitions").add_subparsers(
        dest="action", required=True
    )
    forms_publish = forms.add_parser(
        "publish", parents=[common], help="publish a form definition (YAML or JSON)"
    )
    forms_publish.add_argument("file", type=Path)
    forms_publish.add_argument("--region", help="only for this region (default: all)")

    case = sub.add_parser("case", help="cases").add_subparsers(dest="action", required=True)
    case_purge = case.add_parser(
        "purge", parents=[common], help="remove a case (retention); desks get tombstones"
    )
    case_purge.add_argument("case_id")

    compact = sub.add_parser(
        "compact", parents=[common], help="drop old tombstones; older cursors get 410"
    )
    compact.add_argument("--older-than-days", type=float, default=90.0)

    from central_api.indicators import cli as indicators_cli

    indicators_cli.add_parsers(sub, common)
    from central_api.privacy import cli as privacy_cli

    privacy_cli.add_parsers(sub, common)
    sub.add_parser(
        "after-restore",
        parents=[common],
        help="after restoring a backup: every desk resyncs from 0 (run with the API stopped)",
    )
    return parser


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise ValueError("the passwords differ")
    return first


def _proxy_addresses(value: str) -> list[str]:
    """The trusted proxy addresses of --forwarded-allow-ips, each checked (no "*")."""
    addresses = [item.strip() for item in value.split(",") if item.strip()]
    for address in addresses:
        try:
            ipaddress.ip_network(address, strict=False)
        except ValueError:
            raise ValueError(
                f"--forwarded-allow-ips: {address!r} is not an IP address or network; "
                "list the reverse proxy's addresses"
            ) from None
    return addresses


# On stop, requests get this long to finish; then open event streams (which would keep a
# worker alive for minutes) and anything else still running are cancelled. A push cut off
# is rolled back and the desk sends it again.
GRACEFUL_SHUTDOWN_SECONDS = 5


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from central_api.app import create_app

    proxies = _proxy_addresses(args.forwarded_allow_ips)
    # Without a configured proxy uvicorn must not read X-Forwarded-For at all (it trusts
    # 127.0.0.1, or $FORWARDED_ALLOW_IPS, by default): the client address is the peer's.
    proxy_headers, forwarded_allow_ips = bool(proxies), proxies or None
    settings = Settings.from_env(args.database_url)
    load_box(settings.database_url)  # no server key: refused before the schema is touched
    if args.rate_per_minute is not None:
        settings = dataclasses.replace(settings, rate_per_minute=args.rate_per_minute)
    if args.workers < 1:
        raise ValueError("--workers must be at least 1")
    if args.workers == 1:
        app = create_app(settings)
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            proxy_headers=proxy_headers,
            forwarded_allow_ips=forwarded_allow_ips,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
        return 0
    if not settings.database_url.startswith("postgresql"):
        raise ValueError("--workers above 1 needs PostgreSQL (SQLite has one writer)")
    # Migrate (and check the server key, seal secrets in the clear) once here, then let
    # each worker build the app from the environment (the key's variables included).
    storage = Storage.open(settings.database_url, migrate=settings.migrate_on_start)
    try:
        secrets_at_rest.prepare(storage.engine, storage.secret_box)
    finally:
        storage.close()
    os.environ[ENV_DATABASE_URL] = settings.database_url
    os.environ[ENV_RATE_PER_MINUTE] = str(settings.rate_per_minute)
    os.environ[ENV_MIGRATE_ON_START] = "0"
    uvicorn.run(
        "central_api.app:app_from_env",
        factory=True,
        workers=args.workers,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    return 0


def _read_form(path: Path, region: str | None) -> FormDefinitionDoc:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in {".yaml", ".yml"}:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"{path}: not valid YAML: {exc}") from exc
    else:
        data = json.loads(text)
    if not isinstance(data, dict) or "id" not in data or "version" not in data:
        raise ValueError(f"{path}: a form definition needs top-level 'id' and 'version'")
    return FormDefinitionDoc(
        id=str(data["id"]), version=str(data["version"]), region=region, definition=data
    )


def run(args: argparse.Namespace) -> int:
    if args.command == "serve":
        return _serve(args)
    if args.command == "secret-key":
        print(new_key_text())
        return 0
    database_url = normalise_database_url(args.database_url)
    if args.command == "migrate":
        load_box(database_url)  # no server key: refused before the schema is touched
    storage = Storage.open(database_url)
    try:
        return _admin(storage, args)
    finally:
        storage.close()


def _admin(storage: Storage, args: argparse.Namespace) -> int:
    command = (args.command, getattr(args, "action", None))
    if args.command in {"indicators", "dataset"}:
        from central_api.indicators import cli as indicators_cli

        return indicators_cli.run(storage, args)
    if args.command == "directory":
        from central_api import directory_cli

        return directory_cli.run(storage, args)
    if args.command in {"audit", "retention", "person"}:
        from central_api.privacy import cli as privacy_cli

        return privacy_cli.run(storage, args)
    if command == ("migrate", None):
        sealed = secrets_at_rest.prepare(storage.engine, storage.secret_box)
        print("database is up to date" + (f"; {sealed} secrets sealed" if sealed else ""))
    elif command == ("after-restore", None):
        from central_api.restore import after_restore

        print(f"horizon raised to {after_restore(storage)}: every desk resyncs from 0")
    elif command == ("region", "add"):
        storage.add_region(args.name)
        print(f"region {args.name} added")
    elif command == ("region", "list"):
        for name in storage.regions():
            print(name)
    elif command == ("user", "add"):
        password = _read_password(args.password_stdin)
        user_id = storage.add_user(
            args.username,
            password,
            role=args.role,
            region=args.region,
            display_name=args.display_name,
            organization_id=args.organization,
        )
        print(f"user {args.username} added ({args.role}, {args.region}): {user_id}")
    elif command == ("user", "passwd"):
        password = _read_password(args.password_stdin)
        revoked = storage.set_password(args.username, password)
        print(f"password of {args.username} changed; {revoked} devices revoked")
    elif command == ("user", "deactivate"):
        revoked = storage.set_active(args.username, False)
        print(f"user {args.username} deactivated; {revoked} devices revoked")
    elif command == ("user", "activate"):
        storage.set_active(args.username, True)
        print(f"user {args.username} activated")
    elif command == ("user", "totp"):
        from central_api.web.store import WebStore

        uri = WebStore(storage.engine, storage.secret_box).enrol_totp(args.username)
        print(f"second factor of {args.username} set; add it to an authenticator app:")
        print(uri)
    elif command == ("device", "list"):
        devices = storage.list_devices(args.region)
        if args.json:
            rows = [
                {
                    "id": d.id,
                    "name": d.name,
                    "username": d.username,
                    "region": d.region,
                    "created_at": d.created_at.isoformat(),
                    "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None,
                    "revoked": d.revoked_at is not None,
                    "wipe_requested": d.wipe_requested_at is not None,
                    "wipe_confirmed_at": (
                        d.wipe_confirmed_at.isoformat() if d.wipe_confirmed_at else None
                    ),
                }
                for d in devices
            ]
            print(json.dumps(rows, indent=2))
        else:
            for d in devices:
                state = "revoked" if d.revoked_at else "active"
                if d.wipe_requested_at is not None:
                    state = "wiped" if d.wipe_confirmed_at else "wipe-pending"
                seen = d.last_seen_at.strftime("%Y-%m-%d %H:%M") if d.last_seen_at else "never"
                print(f"{d.id}  {state:12}  {d.region:12}  {d.username:16}  {seen:16}  {d.name}")
    elif command == ("device", "revoke"):
        storage.revoke_device(args.device_id, wipe=args.wipe)
        wiped = "; it erases its local data at its next contact" if args.wipe else ""
        print(f"device {args.device_id} revoked{wiped}")
    elif command == ("providers", "import"):
        from central_api.providers_csv import parse_providers

        providers = parse_providers(args.file.read_text(encoding="utf-8"), args.region)
        s = storage.import_providers(args.region, providers)
        print(
            f"providers for {args.region}: {s.created} new, {s.updated} changed, "
            f"{s.unchanged} unchanged, {s.removed} removed"
        )
    elif command == ("forms", "publish"):
        doc = _read_form(args.file, args.region)
        outcome = storage.publish_form(doc)
        print(f"form {doc.id}@{doc.version}: {outcome}")
    elif command == ("case", "purge"):
        removed = storage.purge_case(args.case_id)
        print(f"case {args.case_id} purged ({removed} versions)")
    elif command == ("compact", None):
        before = datetime.now(UTC) - timedelta(days=args.older_than_days)
        dropped, horizon = storage.compact(before=before)
        print(f"{dropped} tombstones dropped; cursors below {horizon} now get 410")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return run(args)
    except (NotFound, AlreadyExists) as exc:
        print(f"doorloop-central: {exc}", file=sys.stderr)
        return 1
    except (ValueError, OSError) as exc:
        print(f"doorloop-central: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())

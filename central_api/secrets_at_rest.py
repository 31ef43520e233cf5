"""Which secrets of the central database are sealed (`central_api.secret_box`) and how
the ones stored in the clear before are sealed.

Sealed: `user_totp.secret` (context ``user_totp:<user id>``) and `region_secrets.secret`
(context ``region_secret:<region id>``; the sealed text is the key's hex, as before, so
the pseudonyms of the minimal dataset stay the same). A database made before sealing
keeps plaintext values; `prepare` (at every start of the API and on ``migrate``) first
checks that the key opens the values already sealed, then seals the rest, in one
transaction, each with a server audit row ``admin.secret_sealed``. A value met in the
clear later (a row written by an older server during an upgrade) is sealed where it is
read (`seal_in_place`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Column, Connection, Engine, Table, insert, inspect, select, update

from central_api import db
from central_api.secret_box import PREFIX, SecretBox
from doorloop_protocol import canonical_json


def totp_context(user_id: str) -> bytes:
    return b"user_totp:" + user_id.encode("utf-8")


def region_context(region_id: int) -> bytes:
    return b"region_secret:" + str(region_id).encode("ascii")


class SealedColumn(NamedTuple):
    """One column of sealed secrets: its table, the row's key and the row's context."""

    table: Table
    key: Column[Any]
    context: Callable[[Any], bytes]
    audit_as: str  # the server audit's column naming the row's owner

    @property
    def secret(self) -> Column[Any]:
        return self.table.c.secret


TOTP = SealedColumn(db.user_totp, db.user_totp.c.user_id, totp_context, "user_id")
REGION = SealedColumn(db.region_secrets, db.region_secrets.c.region_id, region_context, "region_id")
SEALED = (TOTP, REGION)


def _seal_in_place(
    conn: Connection, box: SecretBox, sealed: SealedColumn, key: Any, plain: str
) -> None:
    """Replace the plaintext secret of row `key` by its sealed value (in the caller's
    transaction, the one that read it), audited as ``admin.secret_sealed``."""
    conn.execute(
        update(sealed.table)
        .where(sealed.key == key, sealed.secret == plain)
        .values(secret=box.seal(plain, sealed.context(key)))
    )
    conn.execute(
        insert(db.server_audit).values(
            {
                "at": datetime.now(UTC),
                "action": "admin.secret_sealed",
                "outcome": "ok",
                "user_id": None,
                "device_id": None,
                "region_id": None,
                "detail": canonical_json({"table": sealed.table.name}),
                sealed.audit_as: key,  # the row's owner: the user or the region
            }
        )
    )


def seal_totp_in_place(conn: Connection, box: SecretBox, user_id: str, plain: str) -> None:
    """Replace the plaintext TOTP secret of `user_id` by its sealed value, audited."""
    _seal_in_place(conn, box, TOTP, user_id, plain)


def seal_region_in_place(conn: Connection, box: SecretBox, region_id: int, plain: str) -> None:
    """Replace the plaintext pseudonym key of `region_id` by its sealed value, audited."""
    _seal_in_place(conn, box, REGION, region_id, plain)


def check_key(conn: Connection, box: SecretBox) -> None:
    """Raise `SecretKeyError` (naming the setting) when `box` does not open a value
    already sealed in this database; nothing sealed yet passes."""
    for sealed in SEALED:
        row = conn.execute(
            select(sealed.key, sealed.secret).where(sealed.secret.startswith(PREFIX)).limit(1)
        ).first()
        if row is not None:
            box.open(row[1], sealed.context(row[0]))


def prepare(engine: Engine, box: SecretBox) -> int:
    """Check the key against the sealed values, then seal every plaintext value (in one
    transaction; idempotent). Returns how many were sealed now. A database whose schema
    predates the secrets' tables (not migrated yet) has nothing to seal."""
    count = 0
    with engine.begin() as conn:
        found = inspect(conn)
        if not all(found.has_table(sealed.table.name) for sealed in SEALED):
            return 0
        check_key(conn, box)
        for sealed in SEALED:
            rows = conn.execute(
                select(sealed.key, sealed.secret)
                .where(~sealed.secret.startswith(PREFIX))
                .with_for_update()
            ).all()
            for key, plain in rows:
                _seal_in_place(conn, box, sealed, key, plain)
            count += len(rows)
    return count

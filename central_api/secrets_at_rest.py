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

from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, insert, inspect, select, update

from central_api import db
from central_api.secret_box import PREFIX, SecretBox
from doorloop_protocol import canonical_json


def totp_context(user_id: str) -> bytes:
    return b"user_totp:" + user_id.encode("utf-8")


def region_context(region_id: int) -> bytes:
    return b"region_secret:" + str(region_id).encode("ascii")


def _audit_sealed(conn: Connection, table: str, user_id: str | None, region_id: int | None) -> None:
    conn.execute(
        insert(db.server_audit).values(
            at=datetime.now(UTC),
            action="admin.secret_sealed",
            outcome="ok",
            user_id=user_id,
            device_id=None,
            region_id=region_id,
            detail=canonical_json({"table": table}),
        )
    )


def seal_totp_in_place(conn: Connection, box: SecretBox, user_id: str, plain: str) -> None:
    """Replace the plaintext TOTP secret of `user_id` by its sealed value (same transaction
    as the caller's read), audited."""
    conn.execute(
        update(db.user_totp)
        .where(db.user_totp.c.user_id == user_id, db.user_totp.c.secret == plain)
        .values(secret=box.seal(plain, totp_context(user_id)))
    )
    _audit_sealed(conn, "user_totp", user_id, None)


def seal_region_in_place(conn: Connection, box: SecretBox, region_id: int, plain: str) -> None:
    """Replace the plaintext pseudonym key of `region_id` by its sealed value, audited."""
    conn.execute(
        update(db.region_secrets)
        .where(db.region_secrets.c.region_id == region_id, db.region_secrets.c.secret == plain)
        .values(secret=box.seal(plain, region_context(region_id)))
    )
    _audit_sealed(conn, "region_secrets", None, region_id)


def check_key(conn: Connection, box: SecretBox) -> None:
    """Raise `SecretKeyError` (naming the setting) when `box` does not open a value
    already sealed in this database; nothing sealed yet passes."""
    totp = conn.execute(
        select(db.user_totp.c.user_id, db.user_totp.c.secret)
        .where(db.user_totp.c.secret.startswith(PREFIX))
        .limit(1)
    ).first()
    if totp is not None:
        box.open(totp.secret, totp_context(totp.user_id))
    region = conn.execute(
        select(db.region_secrets.c.region_id, db.region_secrets.c.secret)
        .where(db.region_secrets.c.secret.startswith(PREFIX))
        .limit(1)
    ).first()
    if region is not None:
        box.open(region.secret, region_context(region.region_id))


def prepare(engine: Engine, box: SecretBox) -> int:
    """Check the key against the sealed values, then seal every plaintext value (in one
    transaction; idempotent). Returns how many were sealed now. A database whose schema
    predates the secrets' tables (not migrated yet) has nothing to seal."""
    with engine.begin() as conn:
        found = inspect(conn)
        if not (found.has_table("user_totp") and found.has_table("region_secrets")):
            return 0
        check_key(conn, box)
        totp_rows = conn.execute(
            select(db.user_totp.c.user_id, db.user_totp.c.secret)
            .where(~db.user_totp.c.secret.startswith(PREFIX))
            .with_for_update()
        ).all()
        for row in totp_rows:
            seal_totp_in_place(conn, box, row.user_id, row.secret)
        region_rows = conn.execute(
            select(db.region_secrets.c.region_id, db.region_secrets.c.secret)
            .where(~db.region_secrets.c.secret.startswith(PREFIX))
            .with_for_update()
        ).all()
        for row in region_rows:
            seal_region_in_place(conn, box, row.region_id, row.secret)
    return len(totp_rows) + len(region_rows)

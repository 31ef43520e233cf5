"""The web pages' own tables: each user's TOTP secret and the browser sessions.

TOTP (RFC 6238, 30-second steps, 6 digits, SHA-1 as every authenticator app supports):
the administrator enrols a user with ``doorloop-central user totp USERNAME``, which makes
a new secret and prints its ``otpauth://`` URI once; the secret stays in the database
(``user_totp``), sealed under the server key for its user (`central_api.secrets_at_rest`),
and is never shown again. A secret stored in the clear by an older server is sealed
when it is first checked; one that does not open with the key raises `SecretKeyError`
(never a signed-in session). A code is accepted once: the step it belongs
to is stored and a code of that step or an earlier one is refused (no replay).

A browser session is a random token in an HttpOnly cookie; only its sha256 is stored
(``web_sessions``). After the password it is at stage ``password`` (only the code page
may be used, for `PENDING_SECONDS`, with at most `MAX_CODE_FAILURES` wrong codes); a
right code replaces it by a new session at stage ``full``. A session ends on logout,
after `IDLE_SECONDS` without a request, after `ABSOLUTE_SECONDS`, when its user is
deactivated or gets a new password (the session keeps a digest of the password hash it
was opened with), or when the user's TOTP is reset.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import Engine, delete, insert, select, update

from central_api import db
from central_api.secret_box import SecretBox
from central_api.secrets_at_rest import check_key, seal_totp_in_place, totp_context
from central_api.security import new_token, token_hash
from central_api.storage.core import NotFound

ISSUER = "Doorloop"
PENDING_SECONDS = 300
IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 3600
MAX_CODE_FAILURES = 5
STEP_SECONDS = 30

STAGE_PASSWORD = "password"
STAGE_FULL = "full"


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@dataclass(frozen=True)
class WebUser:
    """The user behind a browser session."""

    id: str
    username: str
    display_name: str
    role: str
    region_id: int
    region: str
    # role "receiver": the directory organisation whose referrals the user answers
    organization_id: str | None = None


@dataclass(frozen=True)
class WebSession:
    token_hash: str
    stage: str
    csrf: str
    code_failures: int
    user: WebUser


class WebStore:
    """TOTP secrets (sealed with `box`) and browser sessions on the central database's
    engine."""

    def __init__(self, engine: Engine, box: SecretBox) -> None:
        self.engine = engine
        self.box = box

    # --- TOTP -------------------------------------------------------------------------

    def enrol_totp(self, username: str) -> str:
        """Give `username` a new TOTP secret (replacing any old one, which stops working
        at once, and ending the user's browser sessions); returns the otpauth URI.
        `SecretKeyError` when the server key does not open the secrets already sealed."""
        secret = pyotp.random_base32()
        with self.engine.begin() as conn:
            user_id = conn.execute(
                select(db.users.c.id).where(db.users.c.username == username)
            ).scalar()
            if user_id is None:
                raise NotFound(f"no user {username!r}")
            check_key(conn, self.box)  # never seal a new secret under another key
            conn.execute(delete(db.user_totp).where(db.user_totp.c.user_id == user_id))
            conn.execute(
                insert(db.user_totp).values(
                    user_id=user_id,
                    secret=self.box.seal(secret, totp_context(user_id)),
                    enrolled_at=_now(),
                    last_step=None,
                )
            )
            conn.execute(delete(db.web_sessions).where(db.web_sessions.c.user_id == user_id))
            conn.execute(
                insert(db.server_audit).values(
                    at=_now(),
                    action="admin.totp_enrol",
                    outcome="ok",
                    user_id=user_id,
                    device_id=None,
                    region_id=None,
                    detail="{}",
                )
            )
        return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)

    def has_totp(self, user_id: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.execute(
                select(db.user_totp.c.user_id).where(db.user_totp.c.user_id == user_id)
            ).first()
            conn.rollback()
        return found is not None

    def check_code(self, user_id: str, code: str, at: datetime | None = None) -> bool:
        """True once for a right code of the current step or the one before or after
        (clocks drift); the step is then used up. `SecretKeyError` when the stored secret
        does not open with the server key."""
        code = "".join(code.split())
        if not (code.isdigit() and len(code) == 6):
            return False
        moment = at or _now()
        with self.engine.begin() as conn:
            row = conn.execute(
                select(db.user_totp.c.secret, db.user_totp.c.last_step)
                .where(db.user_totp.c.user_id == user_id)
                .with_for_update()
            ).first()
            if row is None:
                return False
            if self.box.is_sealed(row.secret):
                secret = self.box.open(row.secret, totp_context(user_id))
            else:
                secret = row.secret
                seal_totp_in_place(conn, self.box, user_id, secret)
            totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
            now_step = int(moment.timestamp()) // STEP_SECONDS
            for step in (now_step - 1, now_step, now_step + 1):
                if row.last_step is not None and step <= row.last_step:
                    continue
                if secrets.compare_digest(totp.generate_otp(step), code):
                    conn.execute(
                        update(db.user_totp)
                        .where(db.user_totp.c.user_id == user_id)
                        .values(last_step=step)
                    )
                    return True
        return False

    # --- sessions ---------------------------------------------------------------------

    def start_session(self, user_id: str, stage: str) -> str:
        """A new session for `user_id` at `stage`; returns the cookie token."""
        token = new_token()
        now = _now()
        with self.engine.begin() as conn:
            # sessions left without a request for the idle time are gone for good
            conn.execute(
                delete(db.web_sessions).where(
                    db.web_sessions.c.last_seen_at < now - timedelta(seconds=IDLE_SECONDS)
                )
            )
            password_hash = conn.execute(
                select(db.users.c.password_hash).where(db.users.c.id == user_id)
            ).scalar_one()
            conn.execute(
                insert(db.web_sessions).values(
                    token_hash=token_hash(token),
                    user_id=user_id,
                    stage=stage,
                    csrf=secrets.token_urlsafe(32),
                    code_failures=0,
                    credential=token_hash(password_hash),
                    created_at=now,
                    last_seen_at=now,
                )
            )
        return token

    def session(self, token: str | None) -> WebSession | None:
        """The live session of this cookie token (its last-seen time moved on), else None
        (an ended or expired one is removed)."""
        if not token:
            return None
        key = token_hash(token)
        now = _now()
        with self.engine.begin() as conn:
            row = conn.execute(
                select(
                    db.web_sessions,
                    db.users.c.username,
                    db.users.c.display_name,
                    db.users.c.role,
                    db.users.c.region_id,
                    db.users.c.active,
                    db.users.c.organization_id,
                    db.users.c.password_hash,
                    db.regions.c.name.label("region"),
                )
                .join(db.users, db.users.c.id == db.web_sessions.c.user_id)
                .join(db.regions, db.regions.c.id == db.users.c.region_id)
                .where(db.web_sessions.c.token_hash == key)
            ).first()
            if row is None:
                return None
            created, seen = _aware(row.created_at), _aware(row.last_seen_at)
            limit = PENDING_SECONDS if row.stage == STAGE_PASSWORD else ABSOLUTE_SECONDS
            expired = (
                not row.active
                or not secrets.compare_digest(row.credential, token_hash(row.password_hash))
                or now - created > timedelta(seconds=limit)
                or now - seen > timedelta(seconds=IDLE_SECONDS)
            )
            if expired:
                conn.execute(delete(db.web_sessions).where(db.web_sessions.c.token_hash == key))
                return None
            conn.execute(
                update(db.web_sessions)
                .where(db.web_sessions.c.token_hash == key)
                .values(last_seen_at=now)
            )
        user = WebUser(
            id=row.user_id,
            username=row.username,
            display_name=row.display_name,
            role=row.role,
            region_id=row.region_id,
            region=row.region,
            organization_id=row.organization_id,
        )
        return WebSession(row.token_hash, row.stage, row.csrf, row.code_failures, user)

    def code_failed(self, session: WebSession) -> int:
        """Count a wrong code on a pending session; at `MAX_CODE_FAILURES` it ends.
        Returns the failures so far."""
        failures = session.code_failures + 1
        with self.engine.begin() as conn:
            if failures >= MAX_CODE_FAILURES:
                conn.execute(
                    delete(db.web_sessions).where(
                        db.web_sessions.c.token_hash == session.token_hash
                    )
                )
            else:
                conn.execute(
                    update(db.web_sessions)
                    .where(db.web_sessions.c.token_hash == session.token_hash)
                    .values(code_failures=failures)
                )
        return failures

    def end_session(self, session_hash: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                delete(db.web_sessions).where(db.web_sessions.c.token_hash == session_hash)
            )

    def audit(self, action: str, outcome: str, user: WebUser | None, detail: str = "{}") -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(db.server_audit).values(
                    at=_now(),
                    action=action,
                    outcome=outcome,
                    user_id=user.id if user else None,
                    device_id=None,
                    region_id=user.region_id if user else None,
                    detail=detail,
                )
            )

"""The central database: SQLAlchemy Core tables, engine set-up and Alembic migrations.

The same tables run on PostgreSQL (production) and SQLite (embedded default). Writers are
serialised: on PostgreSQL by locking the `counters` row (`SELECT ... FOR UPDATE`), on
SQLite by opening every transaction with `BEGIN IMMEDIATE`.
"""

from __future__ import annotations

import os
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)

ENV_POOL_SIZE = "DOORLOOP_CENTRAL_POOL_SIZE"
ENV_POOL_OVERFLOW = "DOORLOOP_CENTRAL_POOL_OVERFLOW"
DEFAULT_POOL_SIZE = 10  # per process; see docs/central-api.md "Connection pooling"

metadata = MetaData()

regions = Table(
    "regions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("username", String(200), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(300), nullable=False),
    Column("role", String(20), nullable=False),
    Column("region_id", Integer, ForeignKey("regions.id"), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # a user of role "receiver" answers the referrals of this directory organisation only
    Column("organization_id", String(200), nullable=True),
)

devices = Table(
    "devices",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    # the desk's installation id (LoginRequest.installation_id): a retried login from the
    # same installation gets the same live device instead of an orphan one
    Column("installation_id", String(36), nullable=True),
    # remote wipe (issue 21): the admin revoked it as lost; the desk confirmed its erase
    Column("wipe_requested_at", DateTime(timezone=True), nullable=True),
    Column("wipe_confirmed_at", DateTime(timezone=True), nullable=True),
)
Index(
    "ux_devices_user_installation",
    devices.c.user_id,
    devices.c.installation_id,
    unique=True,
    postgresql_where=devices.c.revoked_at.is_(None) & devices.c.installation_id.isnot(None),
    sqlite_where=devices.c.revoked_at.is_(None) & devices.c.installation_id.isnot(None),
)

# Failed-login counters shared by every worker (central_api.throttle): one row per
# (user name, client) and per client, keyed by a hash; `blocked_until` answers 429.
login_throttle = Table(
    "login_throttle",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("blocked_until", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, index=True),
)

# Per-device request rate limit shared by all workers (central_api.rate_limit): the
# GCRA "theoretical arrival time" in epoch seconds. UNLOGGED on PostgreSQL.
rate_buckets = Table(
    "rate_buckets",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("tat", Float(precision=53), nullable=False),
)

# Named counters: "seq" (the last server sequence number handed out; never reused) and
# "horizon" (pulls with 0 < since < horizon get 410, see Storage.compact).
counters = Table(
    "counters",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("region_id", Integer, ForeignKey("regions.id"), nullable=False, index=True),
    Column("status", String(40), nullable=False),
    Column("heads", Text, nullable=False),
    Column("needs_reconciliation", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# state: "applied" (has a seq, visible in pulls) or "held" (its base has not arrived yet).
versions = Table(
    "versions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("case_id", String(36), nullable=False, index=True),
    Column("base_version_id", String(36), nullable=True, index=True),
    Column("region_id", Integer, ForeignKey("regions.id"), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("state", String(10), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("pushed_by_device", String(36), nullable=False),
)

# The change log: one row per live object (its latest seq) plus tombstones.
changes = Table(
    "changes",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("object_key", String(300), nullable=False, unique=True),
    Column("object_id", String(300), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("scope", String(10), nullable=False),
    Column("region_id", Integer, nullable=True),
    Column("data", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # a referral event's addressee organisation: the only changes a receiver pulls
    Column("organization_id", String(200), nullable=True),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("region_id", Integer, ForeignKey("regions.id"), nullable=False),
    Column("case_id", String(36), nullable=True, index=True),
    Column("pushed_by_device", String(36), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

# Referrals (coordination.referrals): every move is an immutable event; `referrals` is
# the fold's summary the server needs for its rules and the breach sweep. A timer's due
# column is set while it can still breach unrecorded, NULL once stopped or recorded.
referral_events = Table(
    "referral_events",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("referral_id", String(36), nullable=False, index=True),
    Column("case_id", String(36), nullable=False, index=True),
    Column("region_id", Integer, ForeignKey("regions.id"), nullable=False),
    Column("seq", BigInteger, nullable=False, unique=True),
    Column("move", String(20), nullable=False),
    Column("organization_id", String(200), nullable=True),
    Column("content_hash", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("pushed_by_device", String(36), nullable=False),
)

referrals = Table(
    "referrals",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("case_id", String(36), nullable=False, index=True),
    Column("region_id", Integer, ForeignKey("regions.id"), nullable=False),
    Column("organization_id", String(200), nullable=True),
    Column("status", String(20), nullable=False),
    Column("is_open", Boolean, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("acknowledge_due", DateTime(timezone=True), nullable=True),
    Column("first_contact_due", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # for the indicators (central_api.indicators.query): the timers, when they were met,
    # whether their breach was recorded, the urgency and a decline's reason code
    Column("urgency", String(10), nullable=True),
    Column("acknowledge_by", DateTime(timezone=True), nullable=True),
    Column("acknowledged_at", DateTime(timezone=True), nullable=True),
    Column("first_contact_by", DateTime(timezone=True), nullable=True),
    Column("first_contact_at", DateTime(timezone=True), nullable=True),
    Column("acknowledge_breached", Boolean, nullable=False),
    Column("first_contact_breached", Boolean, nullable=False),
    Column("decline_reason", String(40), nullable=True),
)
Index("ix_referrals_region_ack_due", referrals.c.region_id, referrals.c.acknowledge_due)
Index("ix_referrals_region_contact_due", referrals.c.region_id, referrals.c.first_contact_due)
Index(
    "ux_referrals_open_case",
    referrals.c.case_id,
    unique=True,
    postgresql_where=referrals.c.is_open,
    sqlite_where=referrals.c.is_open,
)

server_audit = Table(
    "server_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("action", String(50), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("user_id", String(36), nullable=True),
    Column("device_id", String(36), nullable=True),
    Column("region_id", Integer, nullable=True),
    Column("detail", Text, nullable=False),
)
Index("ix_server_audit_device_at", server_audit.c.device_id, server_audit.c.at)


# Stuurinformatie (central_api.indicators): one row of facts per case, derived from its
# versions and kept up to date from the change log (counter "indicator_facts": the last
# seq read); the indicators are SQL aggregates over it. See docs/indicators.md.
indicator_facts = Table(
    "indicator_facts",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("region_id", Integer, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=True),
    Column("local_hour", Integer, nullable=True),
    Column("iso_week", String(8), nullable=True),
    Column("part_of_day", String(5), nullable=True),
    Column("weekend", Boolean, nullable=True),
    Column("channel", String(40), nullable=False),
    Column("caller_role", String(40), nullable=False),
    Column("age_band", String(10), nullable=False),
    Column("gender", String(40), nullable=True),
    Column("urgency", String(2), nullable=True),
    Column("decided", Boolean, nullable=False),
    Column("minutes_to_decision", Double, nullable=True),
    Column("intervention", String(40), nullable=True),
    Column("care_type", String(40), nullable=True),
    Column("ready", Boolean, nullable=False),
    Column("answered_mask", Integer, nullable=False),
    Column("needed_reconciliation", Boolean, nullable=False),
)
Index(
    "ix_indicator_facts_region_received", indicator_facts.c.region_id, indicator_facts.c.received_at
)
# The median and p90 walk this index in order (LIMIT 2 OFFSET k) instead of sorting.
Index(
    "ix_indicator_facts_region_minutes",
    indicator_facts.c.region_id,
    indicator_facts.c.minutes_to_decision,
    postgresql_include=["received_at"],
    postgresql_where=indicator_facts.c.minutes_to_decision.isnot(None),
    sqlite_where=indicator_facts.c.minutes_to_decision.isnot(None),
)

# Counts per region, local day and category (dim "total", "urgency", "age_band",
# "caller_role", "channel", "hour", "decided", "ready", "reconciled", "answered",
# "minutes"), kept by the same catch-up as the facts: each recomputed case takes its old
# row's counts off and adds its new ones. A region-year is ~25,000 rows to add up.
indicator_daily = Table(
    "indicator_daily",
    metadata,
    Column("region_id", Integer, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("dim", String(20), primary_key=True),
    Column("category", String(60), primary_key=True),
    Column("n", BigInteger, nullable=False),
)

# The key of each region's pseudonyms in the minimal dataset (HMAC-SHA256), made on its
# first export and kept: the same case gets the same pseudonym in every export. Stored
# sealed under the server key (central_api.secrets_at_rest), never in the clear.
region_secrets = Table(
    "region_secrets",
    metadata,
    Column("region_id", Integer, ForeignKey("regions.id"), primary_key=True),
    Column("secret", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# The web pages (central_api.web): each user's TOTP secret (server-side only, sealed
# under the server key, never shown again after enrolment) and the browser sessions (only
# the hash of the cookie is kept).
user_totp = Table(
    "user_totp",
    metadata,
    Column("user_id", String(36), ForeignKey("users.id"), primary_key=True),
    Column("secret", String(200), nullable=False),
    Column("enrolled_at", DateTime(timezone=True), nullable=False),
    # the last accepted 30-second step: a code is accepted once (no replay)
    Column("last_step", BigInteger, nullable=True),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id"), nullable=False, index=True),
    # "password": the password was right, the code is still due; "full": signed in
    Column("stage", String(10), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("code_failures", Integer, nullable=False),
    # sha256 of the user's password hash at sign-in: a new password ends the session
    Column("credential", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
)


# The provider directory (central_api.storage.directory; domain/coordination.md §2): the
# organisations and units of each region, the current capacity of every unit, the
# append-only history of every capacity change (who, when, old -> new), holds and the
# region's freshness limit. The desks get units and organisations as reference changes.
directory_settings = Table(
    "directory_settings",
    metadata,
    Column("region_id", Integer, ForeignKey("regions.id"), primary_key=True),
    Column("freshness_limit_hours", Float(precision=53), nullable=False),
)

directory_organizations = Table(
    "directory_organizations",
    metadata,
    Column("region_id", Integer, ForeignKey("regions.id"), primary_key=True),
    Column("id", String(200), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("phone_24_7", String(100), nullable=True),
)

directory_units = Table(
    "directory_units",
    metadata,
    Column("region_id", Integer, ForeignKey("regions.id"), primary_key=True),
    Column("id", String(200), primary_key=True),
    Column("organization_id", String(200), nullable=False),
    Column("name", String(300), nullable=False),
    # setting, ages, genders, legal routes, expertise, municipalities as JSON
    Column("characteristics", Text, nullable=False),
    Column("capacity_unit", String(40), nullable=False),
    Column("available", Integer, nullable=False),
    Column("maximum", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("intake_stop", Text, nullable=True),  # JSON {"reason", "from", "until"} or NULL
)

capacity_history = Table(
    "capacity_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("region_id", Integer, ForeignKey("regions.id"), nullable=False),
    Column("unit_id", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("author_user_id", String(36), nullable=True),
    Column("author", String(200), nullable=False),
    # import, web, api, referral_accepted
    Column("source", String(30), nullable=False),
    Column("available_old", Integer, nullable=True),
    Column("available_new", Integer, nullable=False),
    Column("maximum", Integer, nullable=False),
    Column("intake_stop_old", Text, nullable=True),
    Column("intake_stop_new", Text, nullable=True),
)
Index("ix_capacity_history_region_at", capacity_history.c.region_id, capacity_history.c.at)
Index("ix_capacity_history_unit", capacity_history.c.region_id, capacity_history.c.unit_id)

directory_holds = Table(
    "directory_holds",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("region_id", Integer, ForeignKey("regions.id"), nullable=False),
    Column("unit_id", String(200), nullable=False),
    Column("case_id", String(36), nullable=False),
    Column("until", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(36), nullable=False),
    # set when the referral for the case and unit is declined, cancelled or accepted,
    # or the hold is released; a hold whose `until` passed simply stops counting
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Column("end_reason", String(30), nullable=True),
)
Index("ix_directory_holds_unit", directory_holds.c.region_id, directory_holds.c.unit_id)
Index("ix_directory_holds_case", directory_holds.c.case_id)
# Privacy by design (issue 21, central_api.privacy): a region's window, retention and
# desk keep periods (defaults in doorloop_protocol.privacy when the region has no row),
# and the break-the-glass openings that put a case in one user's view for a while.
# "the cases they worked on" (central_api.storage.access) is looked up by pushing device
Index("ix_versions_pushed_by_device_case", versions.c.pushed_by_device, versions.c.case_id)

region_privacy = Table(
    "region_privacy",
    metadata,
    Column("region_id", Integer, ForeignKey("regions.id"), primary_key=True),
    Column("window_days", Integer, nullable=False),
    Column("retention_production_days", Integer, nullable=False),
    Column("retention_training_days", Integer, nullable=False),
    Column("keep_closed_days", Integer, nullable=False),
    Column("keep_closed_days_outreach", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

case_grants = Table(
    "case_grants",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(36), nullable=False, index=True),
    Column("region_id", Integer, ForeignKey("regions.id"), nullable=False),
    Column("user_id", String(36), ForeignKey("users.id"), nullable=False),
    Column("device_id", String(36), nullable=True),
    Column("reason", String(40), nullable=False),
    Column("note", Text, nullable=False),
    Column("granted_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, FULL sync, a busy timeout and BEGIN IMMEDIATE."""
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout = 30000")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # Connections kept per process: as many as requests that can use one at once, so a
    # busy worker reuses them instead of opening (and closing) a backend per request.
    kwargs.setdefault("pool_size", int(os.environ.get(ENV_POOL_SIZE) or DEFAULT_POOL_SIZE))
    kwargs.setdefault("max_overflow", int(os.environ.get(ENV_POOL_OVERFLOW) or 0))
    kwargs.setdefault("pool_timeout", 30)
    return create_engine(url, **kwargs)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", "central_api:migrations")
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent)."""
    command.upgrade(alembic_config(engine), "head")

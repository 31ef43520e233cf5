"""Schema history of the local store. Append new migrations; never edit applied ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.store.database import Database


def _001_initial(db: Database) -> None:
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        """CREATE TABLE profile (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            user_id TEXT NOT NULL, display_name TEXT NOT NULL, role TEXT NOT NULL,
            region TEXT NOT NULL, device_id TEXT NOT NULL, created_at TEXT NOT NULL,
            idle_lock_minutes INTEGER NOT NULL DEFAULT 5, language TEXT NOT NULL DEFAULT 'nl'
        )"""
    )
    db.execute(
        """CREATE TABLE cases (
            n INTEGER PRIMARY KEY,  -- stable row number for the search index
            id TEXT NOT NULL UNIQUE,
            form_id TEXT NOT NULL, form_version TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
            region TEXT NOT NULL, training INTEGER NOT NULL DEFAULT 0,
            head_version_id TEXT NOT NULL,
            legal_flags TEXT NOT NULL DEFAULT '[]', legal_decision_date TEXT,
            banners_shown TEXT NOT NULL DEFAULT '[]',
            sync_state TEXT NOT NULL DEFAULT 'local',
            deleted_at TEXT,
            -- summary columns for the case list, derived from answers on each write
            received_at TEXT, youth_name TEXT, birth_date TEXT, age_estimate REAL,
            urgency TEXT, deadline TEXT, search_text TEXT NOT NULL DEFAULT ''
        )"""
    )
    # one index per sortable list column; each ends in the row number (n), the tie-breaker
    for column in ("received_at", "youth_name", "urgency", "status", "deadline", "updated_at"):
        db.execute(f"CREATE INDEX cases_by_{column} ON cases ({column}) WHERE deleted_at IS NULL")
    # substring search (name, caller, municipality) without scanning every case: a
    # trigram full-text index over the casefolded search text, kept in step by triggers.
    # The case content itself lives in case_versions; `cases` stays narrow for the list.
    db.execute("CREATE VIRTUAL TABLE case_search USING fts5(search_text, tokenize='trigram')")
    db.execute(
        "CREATE TRIGGER cases_search_insert AFTER INSERT ON cases BEGIN "
        "INSERT INTO case_search (rowid, search_text) VALUES (new.n, new.search_text); END"
    )
    db.execute(
        "CREATE TRIGGER cases_search_delete AFTER DELETE ON cases BEGIN "
        "DELETE FROM case_search WHERE rowid = old.n; END"
    )
    db.execute(
        "CREATE TRIGGER cases_search_update AFTER UPDATE OF search_text ON cases "
        "WHEN old.search_text IS NOT new.search_text BEGIN "
        "UPDATE case_search SET search_text = new.search_text WHERE rowid = new.n; END"
    )
    db.execute(
        """CREATE TABLE case_versions (
            version_id TEXT PRIMARY KEY,
            case_id TEXT NOT NULL REFERENCES cases (id),
            number INTEGER NOT NULL,
            base_version_id TEXT,
            status TEXT NOT NULL,
            answers TEXT NOT NULL,
            legal_flags TEXT NOT NULL DEFAULT '[]',
            banners_shown TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL, created_by TEXT NOT NULL, created_by_name TEXT NOT NULL,
            device_id TEXT NOT NULL, reason TEXT,
            sealed INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute("CREATE INDEX case_versions_case ON case_versions (case_id, number)")
    db.execute(
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL, item_id TEXT NOT NULL UNIQUE, case_id TEXT,
            payload TEXT NOT NULL, created_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT, acked_at TEXT
        )"""
    )
    db.execute("CREATE INDEX outbox_state ON outbox (state, id)")
    db.execute(
        """CREATE TABLE audit_log (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id TEXT NOT NULL UNIQUE, action TEXT NOT NULL,
            at_utc TEXT NOT NULL, at_local TEXT NOT NULL,
            user_id TEXT NOT NULL, display_name TEXT NOT NULL, role TEXT NOT NULL,
            on_behalf_of TEXT, case_id TEXT, device_id TEXT NOT NULL,
            outcome TEXT NOT NULL, details TEXT NOT NULL,
            prev_hash TEXT NOT NULL, hash TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX audit_case ON audit_log (case_id, seq)")
    db.execute("CREATE TABLE sync_checkpoint (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        """CREATE TABLE reference_data (
            kind TEXT NOT NULL, id TEXT NOT NULL, payload TEXT NOT NULL,
            server_seq INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (kind, id)
        )"""
    )


def _002_outbox_by_case(db: Database) -> None:
    # Acknowledging a batch marks its cases synced when none of their versions waits any
    # more; without this index each such check scans the whole outbox (quadratic on a
    # backlog: 10,000 queued versions took about 1 s per 1,000 acknowledged). Earlier
    # builds created it from the sync engine at run time, hence IF NOT EXISTS.
    db.execute("CREATE INDEX IF NOT EXISTS outbox_case_kind_state ON outbox (case_id, kind, state)")


def _003_resolves_and_decision_date(db: Database) -> None:
    # Which heads a reconciliation resolved was kept as keys "reconcile.resolves:<version>"
    # in sync_checkpoint (a JSON list each); it gets a table of its own.
    db.execute(
        """CREATE TABLE version_resolves (
            version_id TEXT NOT NULL REFERENCES case_versions (version_id),
            resolved_version_id TEXT NOT NULL,
            PRIMARY KEY (version_id, resolved_version_id)
        )"""
    )
    db.execute(
        "INSERT OR IGNORE INTO version_resolves (version_id, resolved_version_id) "
        "SELECT substr(k.key, 20), j.value FROM sync_checkpoint k, json_each(k.value) j "
        "WHERE k.key LIKE 'reconcile.resolves:%'"
    )
    db.execute("DELETE FROM sync_checkpoint WHERE key LIKE 'reconcile.resolves:%'")
    # The case row derives everything from its head version (desktop.store.heads), the
    # legal decision date too: each version keeps the date its flags were evaluated for.
    db.execute("ALTER TABLE case_versions ADD COLUMN legal_decision_date TEXT")
    db.execute(
        "UPDATE case_versions SET legal_decision_date = (SELECT c.legal_decision_date "
        "FROM cases c WHERE c.id = case_versions.case_id) WHERE legal_flags != '[]' "
        "OR version_id IN (SELECT head_version_id FROM cases)"
    )
    # Pulled and reconciled cases lost their response deadline (issue 14): derive it
    # again from the head, keeping the case's status (needs_reconciliation included).
    from desktop.store.heads import set_head

    rows = db.execute(
        "SELECT id, head_version_id, status FROM cases WHERE urgency IS NOT NULL"
    ).fetchall()
    for case_id, head_id, status in rows:
        set_head(db, case_id, head_id, status=status)


PER_USER_SYNC_KEYS = (
    "server.url",
    "auth.device_id",
    "auth.needs_login",
    "auth.user",
    "auth.token",
    "auth.token_location",
    "pull.since",
    "sync.last_success",
    "sync.last_error",
)
"""Sync bookkeeping kept per user (desktop.store.sync_state): each user syncs with their
own central login, device token and cursor."""


def _004_users(db: Database) -> None:
    # Several users on one device (issue 15): each has a profile row here and a key slot
    # of their own (desktop.store.keyslots); the `profile` row keeps the device's id. The
    # one profile of an older store becomes the first user, its slot id its user id then.
    db.execute(
        """CREATE TABLE users (
            local_id TEXT PRIMARY KEY,  -- the id of the user's key slot; never changes
            user_id TEXT NOT NULL,  -- the central user's id once linked at login
            display_name TEXT NOT NULL, role TEXT NOT NULL, region TEXT NOT NULL,
            created_at TEXT NOT NULL,
            idle_lock_minutes INTEGER NOT NULL DEFAULT 5, language TEXT NOT NULL DEFAULT 'nl',
            added_by TEXT,  -- local_id of who added this user; NULL: the first user
            removed_at TEXT
        )"""
    )
    db.execute(
        "INSERT INTO users (local_id, user_id, display_name, role, region, created_at, "
        "idle_lock_minutes, language) SELECT user_id, user_id, display_name, role, region, "
        "created_at, idle_lock_minutes, language FROM profile WHERE id = 1"
    )
    row = db.execute("SELECT user_id FROM profile WHERE id = 1").fetchone()
    if row is not None:
        for key in PER_USER_SYNC_KEYS:
            db.execute(
                "UPDATE sync_checkpoint SET key = ? WHERE key = ?", [f"user:{row[0]}:{key}", key]
            )


def _005_referrals(db: Database) -> None:
    # (IF NOT EXISTS: a test re-runs the migrations after 2 on a newer store.)
    # Referrals (coordination.referrals): each move an immutable event. `state` is
    # 'local' (made here, not yet stored centrally), 'synced' (pulled, with its server
    # seq) or 'refused' (the central API refused it: kept and shown as a conflict).
    db.execute(
        """CREATE TABLE IF NOT EXISTS referral_events (
            n INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id TEXT NOT NULL UNIQUE,
            referral_id TEXT NOT NULL, case_id TEXT NOT NULL,
            move TEXT NOT NULL, at TEXT NOT NULL,
            body TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'local',
            server_seq INTEGER,
            refused_reason TEXT
        )"""
    )
    db.execute(
        "CREATE INDEX IF NOT EXISTS referral_events_referral ON referral_events (referral_id, n)"
    )
    # The fold of each referral's events, for the lists (rebuilt on each of its events).
    db.execute(
        """CREATE TABLE IF NOT EXISTS referrals (
            id TEXT PRIMARY KEY,
            case_id TEXT NOT NULL,
            status TEXT NOT NULL,
            is_open INTEGER NOT NULL,
            to_unit_id TEXT, to_organization_id TEXT, to_name TEXT,
            urgency TEXT,
            requested_at TEXT NOT NULL,
            last_event_id TEXT NOT NULL,
            conflicts INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS referrals_case ON referrals (case_id, requested_at)")
    db.execute(
        "CREATE INDEX IF NOT EXISTS referrals_org ON referrals (to_organization_id, is_open)"
    )
    # Both timers of each referral: `due` in UTC ('YYYY-MM-DDTHH:MM:SSZ', so text order
    # is time order); `running` while the step is still awaited; the referral's list
    # columns copied in (rewritten with the timers on each event of the referral).
    # Verlopen afspraken reads only the covering index: running timers with due < now,
    # the oldest due (longest overdue) first.
    db.execute(
        """CREATE TABLE IF NOT EXISTS referral_timers (
            referral_id TEXT NOT NULL, timer TEXT NOT NULL,
            case_id TEXT NOT NULL,
            due TEXT NOT NULL,
            running INTEGER NOT NULL,
            status TEXT NOT NULL, urgency TEXT,
            to_unit_id TEXT, to_organization_id TEXT, to_name TEXT,
            PRIMARY KEY (referral_id, timer)
        ) WITHOUT ROWID"""
    )
    db.execute(
        "CREATE INDEX IF NOT EXISTS referral_timers_due ON referral_timers (due, referral_id, "
        "timer, case_id, status, urgency, to_unit_id, to_organization_id, to_name) "
        "WHERE running = 1"
    )
    # A user's acknowledgement of a breach alert (the alert stays in the list, silenced).
    db.execute(
        """CREATE TABLE IF NOT EXISTS referral_alert_acks (
            referral_id TEXT NOT NULL, timer TEXT NOT NULL, user_id TEXT NOT NULL,
            acknowledged_at TEXT NOT NULL,
            PRIMARY KEY (referral_id, timer, user_id)
        )"""
    )


def _006_privacy_view(db: Database) -> None:
    # Who sees what (issue 21): the case list keeps a person's own cases (versions they
    # wrote) and their break-the-glass openings in view; both are looked up by index.
    db.execute(
        "CREATE INDEX IF NOT EXISTS case_versions_author ON case_versions (created_by, case_id)"
    )
    db.execute(
        "CREATE INDEX IF NOT EXISTS audit_action_user "
        "ON audit_log (action, user_id, case_id, at_utc)"
    )


MIGRATIONS = [
    _001_initial,
    _002_outbox_by_case,
    _003_resolves_and_decision_date,
    _004_users,
    _005_referrals,
    _006_privacy_view,
]

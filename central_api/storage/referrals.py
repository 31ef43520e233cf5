"""Referrals on the central service: pushed referral events, their rules, the breach sweep.

Each pushed ``ReferralEventItem`` is checked by the one rule set both ends share
(``coordination.referrals.check_move``) against the referral folded from the events
already stored, and by who pushes it (the token's user, role and organisation):

- ``created`` — stored, with a server sequence number, in the change log (a receiver's
  pull carries only the events addressed to its organisation);
- ``duplicate`` — the same event again (same id, same content): an ack;
- ``conflict`` (not stored) — the move meets a referral that moved meanwhile
  (``concurrent_move``: two parties answered at once, the first one stored wins), a
  move not allowed from its status (``not_allowed``), a second open referral of a case
  (``open_referral_exists``), or the same id with other content;
- ``rejected`` (not stored) — a role or organisation that may not make the move, a bad
  payload (the field is named), an unknown case.

Breaches are recorded here, once: whenever the server sees a timer past its due time
(after a move, or when a desk of the region pulls) it appends a ``breach`` event with a
deterministic id (``coordination.referrals.breach_event_id``) and audits
``referral.breach``. Desks show breaches themselves from the stored due times, so an
offline desk sees them at once; the recorded event is what the indicators count.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from central_api import db
from central_api.storage.core import Principal, StorageCore, utc_now
from central_api.storage.directory import Actor, referral_moved
from coordination.referrals import (
    ACKNOWLEDGE,
    FIRST_CONTACT,
    Referral,
    ReferralEvent,
    apply,
    breach_event,
    check_move,
    event_from_json,
    fold,
    timers,
    unrecorded_breaches,
)
from doorloop_protocol import PushOutcome, PushResult, ReferralEventItem, content_hash

CONFLICT_CODES = frozenset(
    {"concurrent_move", "not_allowed", "open_referral_exists", "exists", "recorded"}
)


def _refused(
    event_id: str, result: PushOutcome, code: str, field: str | None, message: str
) -> PushResult:
    return PushResult(
        id=event_id, result=result, stored=False, reason=code, field=field, message=message
    )


class Referrals(StorageCore):
    """Referral events: push, fold, breach sweep and the queries of the web page."""

    # ------------------------------------------------------------------------- push

    def _push_referral_events(
        self,
        conn: Connection,
        principal: Principal,
        items: Sequence[ReferralEventItem | PushResult],
        prepared: dict[int, tuple[str, str]],
        next_seq: Callable[[], int],
    ) -> list[PushResult]:
        now = utc_now()
        return [
            item
            if isinstance(item, PushResult)
            else self._push_referral_event(conn, principal, item, prepared, next_seq, now)
            for item in items
        ]

    def _push_referral_event(
        self,
        conn: Connection,
        principal: Principal,
        item: ReferralEventItem,
        prepared: dict[int, tuple[str, str]],
        next_seq: Callable[[], int],
        now: datetime,
    ) -> PushResult:
        event_id = str(item.event_id)
        digest, body = prepared.get(id(item)) or (content_hash(item), item.model_dump_json())
        stored = conn.execute(
            select(db.referral_events.c.content_hash).where(db.referral_events.c.id == event_id)
        ).scalar()
        if stored is not None:
            if stored == digest:
                return PushResult(id=event_id, result="duplicate", stored=True)
            return _refused(
                event_id,
                "conflict",
                "same_id_other_content",
                "event_id",
                "Another referral event with this id is stored.",
            )
        identity = _identity_problem(principal, item)
        if identity is not None:
            return _refused(event_id, "rejected", "identity_mismatch", *identity)
        case = conn.execute(
            select(db.cases.c.region_id).where(db.cases.c.id == str(item.case_id))
        ).first()
        if case is None or case.region_id != principal.region_id:
            return _refused(
                event_id,
                "rejected",
                "unknown_case",
                "case_id",
                "No case with this id in your region (push the case first).",
            )
        referral = self._fold_stored(conn, str(item.referral_id))
        open_id = conn.execute(
            select(db.referrals.c.id).where(
                db.referrals.c.case_id == str(item.case_id), db.referrals.c.is_open
            )
        ).scalar()
        event = event_from_json(json.loads(body))
        problem = check_move(referral, event, open_referral_of_case=open_id)
        if problem is not None:
            result: PushOutcome = "conflict" if problem.code in CONFLICT_CODES else "rejected"
            self._audit(
                conn,
                "referral.refused",
                result,
                user_id=principal.user_id,
                device_id=principal.device_id,
                region_id=principal.region_id,
                referral_id=event.referral_id,
                case_id=event.case_id,
                move=event.move,
                reason=problem.code,
                field=problem.field,
            )
            return _refused(event_id, result, problem.code, problem.field, problem.message)
        updated = apply(referral, event, open_referral_of_case=open_id)
        self._store_event(conn, updated, event, digest, body, principal.region_id, next_seq, now)
        self._audit(
            conn,
            f"referral.{event.move}",
            "ok",
            user_id=principal.user_id,
            device_id=principal.device_id,
            region_id=principal.region_id,
            referral_id=event.referral_id,
            case_id=event.case_id,
            event_id=event_id,
        )
        updated = self._record_breaches(conn, updated, principal.region_id, next_seq, now)
        self._save_referral(conn, updated, principal.region_id, now, is_new=referral is None)
        if event.move in ("accept", "decline", "cancel"):  # holds end, an accept takes a place
            referral_moved(
                conn,
                next_seq,
                principal.region_id,
                case_id=updated.case_id,
                unit_id=updated.to_unit_id,
                status=updated.status.value,
                actor=Actor(
                    principal.user_id,
                    principal.display_name,
                    principal.role,
                    principal.region_id,
                    principal.organization_id,
                ),
                now=now,
            )
        return PushResult(id=event_id, result="created", stored=True)

    # ------------------------------------------------------------------------- storing

    def _fold_stored(self, conn: Connection, referral_id: str) -> Referral | None:
        rows = conn.execute(
            select(db.referral_events.c.body)
            .where(db.referral_events.c.referral_id == referral_id)
            .order_by(db.referral_events.c.seq)
        ).scalars()
        return fold(event_from_json(json.loads(body)) for body in rows).referral

    def _store_event(
        self,
        conn: Connection,
        referral: Referral,
        event: ReferralEvent,
        digest: str,
        body: str,
        region_id: int,
        next_seq: Callable[[], int],
        now: datetime,
    ) -> None:
        seq = next_seq()
        conn.execute(
            insert(db.referral_events).values(
                id=event.event_id,
                referral_id=event.referral_id,
                case_id=event.case_id,
                region_id=region_id,
                seq=seq,
                move=event.move,
                organization_id=referral.to_organization_id,
                content_hash=digest,
                body=body,
                at=_utc(event.at),
                received_at=now,
                pushed_by_device=event.device_id,
            )
        )
        conn.execute(
            insert(db.changes).values(
                seq=seq,
                object_key=f"referral_event:{event.event_id}",
                object_id=event.event_id,
                kind="referral_event",
                scope="case",
                region_id=region_id,
                data=body,
                created_at=now,
                organization_id=referral.to_organization_id,
            )
        )

    def _save_referral(
        self, conn: Connection, referral: Referral, region_id: int, now: datetime, *, is_new: bool
    ) -> None:
        states = {t.timer: t for t in timers(referral, now)}
        dues = {name: t.due for name, t in states.items() if t.running}
        acknowledged = next(
            (e.at for e in referral.events if e.move in ("receive", "accept", "decline")), None
        )
        values = {
            "status": referral.status.value,
            "is_open": referral.is_open,
            # a timer's due stays set while it can still breach unrecorded
            "acknowledge_due": None
            if ACKNOWLEDGE in referral.breaches
            else _utc(dues.get(ACKNOWLEDGE)),
            "first_contact_due": None
            if FIRST_CONTACT in referral.breaches
            else _utc(dues.get(FIRST_CONTACT)),
            "updated_at": now,
            "urgency": referral.urgency,
            "acknowledge_by": _utc(referral.acknowledge_by),
            "acknowledged_at": _utc(acknowledged),
            "first_contact_by": _utc(referral.first_contact_by),
            "first_contact_at": _utc(referral.started_at),
            "acknowledge_breached": ACKNOWLEDGE in referral.breaches,
            "first_contact_breached": FIRST_CONTACT in referral.breaches,
            "decline_reason": referral.decline_reason,
        }
        if is_new:
            conn.execute(
                insert(db.referrals).values(
                    id=referral.id,
                    case_id=referral.case_id,
                    region_id=region_id,
                    organization_id=referral.to_organization_id,
                    requested_at=_utc(referral.requested_at),
                    **values,
                )
            )
        else:
            conn.execute(
                update(db.referrals).where(db.referrals.c.id == referral.id).values(**values)
            )

    def _record_breaches(
        self,
        conn: Connection,
        referral: Referral,
        region_id: int,
        next_seq: Callable[[], int],
        now: datetime,
    ) -> Referral:
        """Append a ``breach`` event for each breached timer not yet recorded."""
        region = conn.execute(
            select(db.regions.c.name).where(db.regions.c.id == region_id)
        ).scalar_one()
        for state in unrecorded_breaches(referral, now):
            event = breach_event(state, now)
            item = ReferralEventItem.model_validate({**_event_json(event), "region": region})
            referral = apply(referral, event)
            self._store_event(
                conn,
                referral,
                event,
                content_hash(item),
                item.model_dump_json(),
                region_id,
                next_seq,
                now,
            )
            self._audit(
                conn,
                "referral.breach",
                "ok",
                region_id=region_id,
                referral_id=referral.id,
                case_id=referral.case_id,
                timer=state.timer,
                due=state.due.isoformat() if state.due else None,
                overdue_seconds=int(state.overdue.total_seconds()),
            )
        return referral

    # ------------------------------------------------------------------------- sweep

    def sweep_breaches(self, region_id: int | None = None, now: datetime | None = None) -> int:
        """Record every breach not yet recorded (of one region, or all); returns how
        many were recorded. Cheap when there is none: one indexed read, no write lock."""
        now = now or utc_now()
        due = or_(db.referrals.c.acknowledge_due < now, db.referrals.c.first_contact_due < now)
        query = select(db.referrals.c.id, db.referrals.c.region_id).where(due)
        if region_id is not None:
            query = query.where(db.referrals.c.region_id == region_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(db.referrals.c.id)).all()
            conn.rollback()
        if not rows:
            return 0
        count = 0
        with self._write() as (conn, seq):

            def next_seq() -> int:
                seq[0] += 1
                return seq[0]

            for row in rows:
                referral = self._fold_stored(conn, row.id)
                if referral is None:
                    continue
                before = len(referral.breaches)
                referral = self._record_breaches(conn, referral, row.region_id, next_seq, now)
                count += len(referral.breaches) - before
                self._save_referral(conn, referral, row.region_id, now, is_new=False)
        return count

    # ------------------------------------------------------------------------- queries

    def referral(self, referral_id: str) -> Referral | None:
        """One referral folded from its stored events (None when unknown)."""
        with self.engine.connect() as conn:
            found = self._fold_stored(conn, referral_id)
            conn.rollback()
        return found

    def referrals_of_organization(
        self, region_id: int, organization_id: str, *, open_only: bool = False
    ) -> list[Referral]:
        """The referrals addressed to one organisation (for its receivers and the web
        page), newest request first."""
        query = select(db.referrals.c.id).where(
            db.referrals.c.region_id == region_id,
            db.referrals.c.organization_id == organization_id,
        )
        if open_only:
            query = query.where(db.referrals.c.is_open)
        with self.engine.connect() as conn:
            ids = list(conn.execute(query).scalars())
            found = [self._fold_stored(conn, rid) for rid in ids]
            conn.rollback()
        result = [r for r in found if r is not None]
        result.sort(key=lambda r: (r.requested_at, r.id), reverse=True)
        return result

    def _purge_referrals(self, conn: Connection, case_id: str) -> list[tuple[str, str | None]]:
        """Remove a case's referral events and referrals (retention); returns the event
        ids with their addressee organisation (their changes become tombstones)."""
        ids = [
            (row.id, row.organization_id)
            for row in conn.execute(
                select(db.referral_events.c.id, db.referral_events.c.organization_id).where(
                    db.referral_events.c.case_id == case_id
                )
            )
        ]
        conn.execute(delete(db.referral_events).where(db.referral_events.c.case_id == case_id))
        conn.execute(delete(db.referrals).where(db.referrals.c.case_id == case_id))
        return ids


def _utc(moment: datetime | None) -> datetime | None:
    """In UTC: SQLite keeps a DateTime's wall-clock text without its offset, so every
    stored moment is UTC (as ``utc_now``), and comparisons agree on both databases."""
    return None if moment is None else moment.astimezone(UTC)


def _identity_problem(principal: Principal, item: ReferralEventItem) -> tuple[str, str] | None:
    """(field, message) when the event names another author than the token's."""
    if item.region != principal.region:
        return "region", "The event names another region than yours."
    if item.actor_id != principal.user_id:
        return "actor_id", "The event names another user as its actor."
    if item.actor_role != principal.role:
        return "actor_role", "The event names another role than yours."
    if (item.actor_organization_id or None) != principal.organization_id:
        return "actor_organization_id", "The event names another organisation than yours."
    return None


def _event_json(event: ReferralEvent) -> dict[str, Any]:
    from coordination.referrals import event_to_json

    return event_to_json(event)

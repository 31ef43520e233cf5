"""Push: store a batch of case versions and audit events, one result per item."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, bindparam, delete, select, update

from central_api import db
from central_api.storage.core import Principal, chunks, insert_many, one_of, utc_now
from central_api.storage.referrals import Referrals
from doorloop_protocol import (
    AuditEventItem,
    PushResponse,
    PushResult,
    ReferralEventItem,
    VersionItem,
    content_hash,
)
from doorloop_protocol.limits import JsonLimitError, load_bounded
from doorloop_protocol.workflow import Snapshot, Violation, check_version

MAX_BASE_WALK = 1000  # steps through held bases when looking for a cycle


@dataclass
class _Case:
    id: str
    region_id: int
    status: str
    heads: list[str]
    needs_reconciliation: bool
    is_new: bool = False


@dataclass
class _Known:
    """What the push needs to know about a version already on the server."""

    case_id: str
    region_id: int
    content_hash: str
    state: str
    base_id: str | None = None


@dataclass
class _PushWork:
    """Everything one push transaction decides before it writes."""

    seq: int
    known: dict[str, _Known] = field(default_factory=dict)
    cases: dict[str, _Case] = field(default_factory=dict)
    dirty_cases: dict[str, None] = field(default_factory=dict)
    new_versions: dict[str, dict[str, Any]] = field(default_factory=dict)
    released: list[str] = field(default_factory=list)
    change_rows: list[dict[str, Any]] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    held_here: dict[str, VersionItem] = field(default_factory=dict)
    # id(item) -> (content hash, stored body), worked out before the sequence lock
    prepared: dict[int, tuple[str, str]] = field(default_factory=dict)
    # version id -> its status and answers, for the workflow rules (bases, resolved heads)
    snapshots: dict[str, Snapshot] = field(default_factory=dict)
    # pushing device -> (user id, role), for held versions applied in a later push
    pushers: dict[str, tuple[str, str]] = field(default_factory=dict)
    refused_held: list[str] = field(default_factory=list)

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


class Push(Referrals):
    """The push of case versions, audit events and referral events."""

    def push(
        self,
        principal: Principal,
        versions: Sequence[VersionItem | PushResult],
        audit_events: Sequence[AuditEventItem | PushResult],
        *,
        prepared: dict[int, tuple[str, str]] | None = None,
        referral_events: Sequence[ReferralEventItem | PushResult] = (),
    ) -> PushResponse:
        """Store a batch; every item gets its own result and no item undoes another.

        Items that failed validation arrive as ready `PushResult`s and are passed through.
        `prepared` maps id(item) to its (content hash, stored JSON) when the caller has
        worked them out already. Who pushed is the principal's: a version or audit event
        that names another user (or role) as its author is rejected (`identity_mismatch`),
        and a version is stored with the pushing device as its `device_id`.
        """
        # The per-item CPU work happens before the sequence lock is taken, so that
        # pushes served by other workers can write meanwhile.
        if prepared is None:
            prepared = {
                id(item): (content_hash(item), item.model_dump_json())
                for item in [*versions, *audit_events, *referral_events]
                if not isinstance(item, PushResult)
            }
        with self._write() as (conn, seq):
            work = _PushWork(seq=seq[0], prepared=prepared)
            self._load_known(conn, work, versions)
            version_results = [
                item
                if isinstance(item, PushResult)
                else self._push_one(conn, principal, work, item)
                for item in versions
            ]
            self._release_held(conn, work)
            self._write_versions(conn, work)
            event_results = self._push_audit_events(conn, principal, audit_events, prepared)
            # after the versions: a referral's case may arrive in the same batch
            referral_results = self._push_referral_events(
                conn, principal, referral_events, prepared, work.next_seq
            )
            seq[0] = work.seq
            counts: dict[str, int] = {}
            for result in version_results:
                counts[result.result] = counts.get(result.result, 0) + 1
            run_id = self._audit(
                conn,
                "sync.push",
                "ok",
                user_id=principal.user_id,
                device_id=principal.device_id,
                region_id=principal.region_id,
                versions=counts,
                audit_events=len(event_results),
                referral_events=len(referral_results),
                released=len(work.released),
                held_refused=work.refused_held,
            )
            conn.execute(
                update(db.devices)
                .where(db.devices.c.id == principal.device_id)
                .values(last_seen_at=utc_now())
            )
        return PushResponse(
            versions=version_results,
            audit_events=event_results,
            referral_events=referral_results,
            sync_run_id=run_id,
        )

    def push_referral_event(self, principal: Principal, item: ReferralEventItem) -> PushResult:
        """Store one referral event as if pushed (the web page's answers go through here:
        the same rules, results and audit as a desk's push)."""
        return self.push(principal, [], [], referral_events=[item]).referral_events[0]

    def answer_referral(
        self,
        principal: Principal,
        referral_id: str,
        move: str,
        payload: dict[str, Any] | None = None,
        *,
        after: str | None = None,
        at: datetime | None = None,
    ) -> PushResult:
        """Make ``move`` on a referral as ``principal`` (the web page of a receiving
        party): an event on the referral as last seen (``after``: the ``last_event_id``
        the page showed, so an answer given meanwhile elsewhere is a conflict, not
        overwritten; default the current one), checked and stored like a pushed one."""
        import uuid

        referral = self.referral(referral_id)
        if referral is None:
            return _rejected(referral_id, "unknown_referral", "No such referral.", "referral_id")
        event_id = str(uuid.uuid4())
        data: dict[str, Any] = {
            "event_id": event_id,
            "referral_id": referral_id,
            "case_id": referral.case_id,
            "region": principal.region,
            "move": move,
            "actor_id": principal.user_id,
            "actor_role": principal.role,
            "actor_organization_id": principal.organization_id,
            "actor_name": principal.display_name,
            "device_id": principal.device_id,
            "at": (at or utc_now()).isoformat(),
            "after": after or referral.last_event_id,
            "payload": payload or {},
        }
        try:
            item = ReferralEventItem.model_validate(data)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            return _rejected(event_id, "invalid", str(first["msg"]), where)
        return self.push_referral_event(principal, item)

    def _load_known(
        self, conn: Connection, work: _PushWork, items: Iterable[VersionItem | PushResult]
    ) -> None:
        ids: set[str] = set()
        case_ids: set[str] = set()
        for item in items:
            if isinstance(item, VersionItem):
                ids.add(str(item.version_id))
                case_ids.add(str(item.case_id))
                if item.base_version_id is not None:
                    ids.add(str(item.base_version_id))
        for chunk in chunks(sorted(ids)):
            rows = conn.execute(
                select(
                    db.versions.c.id,
                    db.versions.c.case_id,
                    db.versions.c.region_id,
                    db.versions.c.content_hash,
                    db.versions.c.state,
                    db.versions.c.base_version_id,
                ).where(one_of(conn, db.versions.c.id, chunk))
            )
            for row in rows:
                work.known[row.id] = _Known(
                    row.case_id, row.region_id, row.content_hash, row.state, row.base_version_id
                )
        for chunk in chunks(sorted(case_ids)):
            self._load_cases(conn, work, chunk)
        # status and answers of bases and resolved heads already stored (workflow rules)
        wanted = {
            str(ref)
            for item in items
            if isinstance(item, VersionItem)
            for ref in [item.base_version_id, *item.resolves]
            if ref is not None
        }
        self._load_snapshots(conn, work, sorted(wanted & set(work.known)))

    def _load_snapshots(self, conn: Connection, work: _PushWork, ids: Sequence[str]) -> None:
        for chunk in chunks([i for i in ids if i not in work.snapshots]):
            rows = conn.execute(
                select(db.versions.c.id, db.versions.c.body).where(
                    one_of(conn, db.versions.c.id, chunk)
                )
            )
            for row in rows:
                try:
                    data = load_bounded(row.body.encode("utf-8"), constants=True)
                except JsonLimitError:
                    continue  # stored before the limits: no snapshot, treated as unknown
                if isinstance(data, dict) and isinstance(data.get("answers"), dict):
                    work.snapshots[row.id] = Snapshot(str(data.get("status")), data["answers"])

    def _workflow(
        self,
        conn: Connection,
        work: _PushWork,
        item: VersionItem,
        user_id: str,
        role: str,
    ) -> Violation | None:
        """The workflow rules (doorloop_protocol.workflow) for `item` on its base."""
        base_id = str(item.base_version_id) if item.base_version_id is not None else None
        refs = [base_id] if base_id is not None else []
        refs += [str(r) for r in item.resolves]
        self._load_snapshots(conn, work, [r for r in refs if r not in work.snapshots])
        base = work.snapshots.get(base_id) if base_id is not None else None
        resolved = [work.snapshots[r] for r in map(str, item.resolves) if r in work.snapshots]
        return check_version(
            role,
            user_id,
            base,
            Snapshot(item.status, item.answers),
            reason=item.reason,
            resolved=resolved,
        )

    def _pusher(self, conn: Connection, work: _PushWork, device_id: str) -> tuple[str, str]:
        """(user id, role) of the user of a device (for versions held since their push)."""
        if device_id not in work.pushers:
            row = conn.execute(
                select(db.users.c.id, db.users.c.role)
                .join(db.devices, db.devices.c.user_id == db.users.c.id)
                .where(db.devices.c.id == device_id)
            ).first()
            work.pushers[device_id] = (row.id, row.role) if row else ("", "")
        return work.pushers[device_id]

    def _load_cases(self, conn: Connection, work: _PushWork, case_ids: Sequence[str]) -> None:
        rows = conn.execute(select(db.cases).where(one_of(conn, db.cases.c.id, case_ids)))
        for row in rows:
            work.cases[row.id] = _Case(
                id=row.id,
                region_id=row.region_id,
                status=row.status,
                heads=json.loads(row.heads),
                needs_reconciliation=bool(row.needs_reconciliation),
            )

    def _base_cycle(self, conn: Connection, work: _PushWork, vid: str, base_id: str) -> bool:
        """True when following held bases from `base_id` comes back to `vid`.

        The walk stops after MAX_BASE_WALK steps: a longer cycle is not found and its
        versions stay held (invisible), which harms nobody."""
        seen: set[str] = set()
        current: str | None = base_id
        while current is not None and current not in seen and len(seen) < MAX_BASE_WALK:
            if current == vid:
                return True
            seen.add(current)
            known = work.known.get(current)
            if known is None:
                row = conn.execute(
                    select(
                        db.versions.c.case_id,
                        db.versions.c.region_id,
                        db.versions.c.content_hash,
                        db.versions.c.state,
                        db.versions.c.base_version_id,
                    ).where(db.versions.c.id == current)
                ).first()
                if row is None:
                    return False
                known = _Known(*row)
                work.known[current] = known
            if known.state == "applied":
                return False
            current = known.base_id
        return False

    def _push_one(
        self, conn: Connection, principal: Principal, work: _PushWork, item: VersionItem
    ) -> PushResult:
        """One pushed version, step by step: who may push it, whether it is stored
        already, whose it is, where it belongs, the workflow rules; then it is staged and
        either held (its base has not arrived) or applied."""
        vid = str(item.version_id)
        digest, body = work.prepared[id(item)]
        refusal = (
            _sender_refusal(principal, item)
            or _stored_outcome(work, principal, vid, digest)
            or _author_refusal(principal, item)
            or self._placement_refusal(conn, work, principal, item)
        )
        if refusal is not None:
            return refusal
        _stage(work, principal, item, digest, body)
        base_id = _base_id(item)
        if base_id is not None and not _base_applied(work, base_id):
            work.held_here[vid] = item
            return PushResult(
                id=vid,
                result="held",
                stored=True,
                reason="base_not_received",
                message="Kept until its base version arrives.",
            )
        if self._apply(work, item, body, principal.region_id):
            return PushResult(
                id=vid,
                result="conflict",
                stored=True,
                reason="concurrent_version",
                message="Another version on the same base exists; both are kept and the "
                "case needs reconciliation.",
            )
        return PushResult(id=vid, result="created", stored=True)

    def _placement_refusal(
        self, conn: Connection, work: _PushWork, principal: Principal, item: VersionItem
    ) -> PushResult | None:
        """Refused when the version does not fit where it claims to belong: a case of
        another region, a base of another case, a chain of held bases leading back to
        itself, or (when its base is visible) a step the workflow rules forbid. A held
        version is checked against the workflow when its base arrives."""
        vid = str(item.version_id)
        case = work.cases.get(str(item.case_id))
        if case is not None and case.region_id != principal.region_id:
            return _rejected(vid, "wrong_region", "The case belongs to another region.", "case_id")
        base_id = _base_id(item)
        if base_id is None:
            waits = False
        else:
            base = work.known.get(base_id)
            if base is not None and base.case_id != str(item.case_id):
                return _rejected(
                    vid,
                    "base_other_case",
                    "The base version belongs to another case.",
                    "base_version_id",
                )
            waits = not _base_applied(work, base_id)
            if waits and self._base_cycle(conn, work, vid, base_id):
                return _rejected(
                    vid,
                    "base_cycle",
                    "The base versions of this version lead back to it: it could never apply.",
                    "base_version_id",
                )
        if not waits:
            violation = self._workflow(conn, work, item, principal.user_id, principal.role)
            if violation is not None:
                return _rejected(vid, violation.code, violation.message, violation.field)
        return None

    def _apply(self, work: _PushWork, item: VersionItem, body: str, region_id: int) -> bool:
        """Make a version visible: give it a seq and move its case's heads. True if concurrent."""
        vid = str(item.version_id)
        case_id = str(item.case_id)
        base_id = str(item.base_version_id) if item.base_version_id is not None else None
        case = work.cases.get(case_id)
        if case is None:
            case = _Case(case_id, region_id, item.status, [], False, is_new=True)
            work.cases[case_id] = case
            concurrent = False
        else:
            concurrent = base_id is None or base_id not in case.heads
        resolved = {str(r) for r in item.resolves}
        case.heads = [h for h in case.heads if h != base_id and h not in resolved] + [vid]
        case.needs_reconciliation = len(case.heads) > 1
        case.status = "needs_reconciliation" if case.needs_reconciliation else item.status
        work.snapshots[vid] = Snapshot(item.status, item.answers)
        work.dirty_cases[case_id] = None
        work.known[vid].state = "applied"
        if vid in work.new_versions:
            work.new_versions[vid]["state"] = "applied"
        else:
            work.released.append(vid)
        work.applied.append(vid)
        work.change_rows.append(
            {
                "seq": work.next_seq(),
                "object_key": f"version:{vid}",
                "object_id": vid,
                "kind": "case_version",
                "scope": "case",
                "region_id": region_id,
                "data": body,
                "created_at": utc_now(),
            }
        )
        return concurrent

    def _release_held(self, conn: Connection, work: _PushWork) -> None:
        """Apply held versions whose base became visible, round after round."""
        frontier = list(work.applied)
        while frontier:
            waiting = self._held_on(conn, work, frontier)
            missing = sorted({str(w[0].case_id) for w in waiting} - set(work.cases.keys()))
            for chunk in chunks(missing):
                self._load_cases(conn, work, chunk)
            frontier = []
            for item, body, region_id, device_id in waiting:
                case = work.cases.get(str(item.case_id))
                if case is not None and case.region_id != region_id:
                    continue  # stays held: never mix regions
                user_id, role = self._pusher(conn, work, device_id)
                if self._workflow(conn, work, item, user_id, role) is not None:
                    # the workflow refuses it on its base: it stays held (never visible)
                    work.refused_held.append(str(item.version_id))
                    continue
                self._apply(work, item, body, region_id)
                frontier.append(str(item.version_id))

    def _held_on(
        self, conn: Connection, work: _PushWork, frontier: list[str]
    ) -> list[tuple[VersionItem, str, int, str]]:
        """The held versions (of this push, then stored ones) whose base is in `frontier`,
        as (item, stored body, region id, pushing device)."""
        waiting: list[tuple[VersionItem, str, int, str]] = []
        frontier_set = set(frontier)
        for vid, item in list(work.held_here.items()):
            if str(item.base_version_id) in frontier_set:
                new = work.new_versions[vid]
                waiting.append((item, new["body"], new["region_id"], new["pushed_by_device"]))
                del work.held_here[vid]
        for chunk in chunks(frontier):
            rows = conn.execute(
                select(
                    db.versions.c.id,
                    db.versions.c.body,
                    db.versions.c.region_id,
                    db.versions.c.pushed_by_device,
                )
                .where(
                    one_of(conn, db.versions.c.base_version_id, chunk),
                    db.versions.c.state == "held",
                )
                .order_by(db.versions.c.received_at, db.versions.c.id)
            ).all()
            for row in rows:
                if row.id in work.applied or row.id in work.refused_held:
                    continue
                try:
                    item = VersionItem.model_validate_json(row.body)
                    digest = content_hash(item)
                except (ValidationError, ValueError):
                    continue  # stored before today's limits: it stays held
                work.known.setdefault(
                    row.id, _Known(str(item.case_id), row.region_id, digest, "held")
                )
                waiting.append((item, row.body, row.region_id, row.pushed_by_device))
        return waiting

    def _write_versions(self, conn: Connection, work: _PushWork) -> None:
        if work.new_versions:
            insert_many(conn, db.versions, list(work.new_versions.values()))
        for chunk in chunks(work.released):
            conn.execute(
                update(db.versions)
                .where(one_of(conn, db.versions.c.id, chunk))
                .values(state="applied")
            )
        if not work.dirty_cases:
            return
        now = utc_now()
        new_cases: list[dict[str, Any]] = []
        changed_cases: list[dict[str, Any]] = []
        for case_id in work.dirty_cases:
            case = work.cases[case_id]
            values = {
                "status": case.status,
                "heads": json.dumps(case.heads),
                "needs_reconciliation": case.needs_reconciliation,
                "updated_at": now,
            }
            if case.is_new:
                new_cases.append({"id": case_id, "region_id": case.region_id, **values})
                case.is_new = False
            else:
                changed_cases.append({"b_id": case_id, **values})
        if new_cases:
            insert_many(conn, db.cases, new_cases)
        if changed_cases:
            conn.execute(
                update(db.cases)
                .where(db.cases.c.id == bindparam("b_id"))
                .values(
                    status=bindparam("status"),
                    heads=bindparam("heads"),
                    needs_reconciliation=bindparam("needs_reconciliation"),
                    updated_at=bindparam("updated_at"),
                ),
                changed_cases,
            )
        region_names = {
            row.id: row.name for row in conn.execute(select(db.regions.c.id, db.regions.c.name))
        }
        state_rows: list[dict[str, Any]] = []
        for case_id in work.dirty_cases:
            case = work.cases[case_id]
            # The CaseState wire model, written directly (this runs once per case per push).
            state = {
                "case_id": case.id,
                "region": region_names[case.region_id],
                "status": case.status,
                "head_version_ids": case.heads,
                "needs_reconciliation": case.needs_reconciliation,
            }
            state_rows.append(
                {
                    "seq": work.next_seq(),
                    "object_key": f"case:{case_id}",
                    "object_id": case_id,
                    "kind": "case_state",
                    "scope": "case",
                    "region_id": case.region_id,
                    "data": json.dumps(state),
                    "created_at": now,
                }
            )
        keys = [row["object_key"] for row in state_rows]
        for chunk in chunks(keys):
            conn.execute(delete(db.changes).where(one_of(conn, db.changes.c.object_key, chunk)))
        insert_many(conn, db.changes, work.change_rows + state_rows)

    def _push_audit_events(
        self,
        conn: Connection,
        principal: Principal,
        items: Sequence[AuditEventItem | PushResult],
        prepared: dict[int, tuple[str, str]],
    ) -> list[PushResult]:
        known: dict[str, str] = {}
        ids = sorted({str(i.event_id) for i in items if isinstance(i, AuditEventItem)})
        for chunk in chunks(ids):
            rows = conn.execute(
                select(db.audit_events.c.id, db.audit_events.c.content_hash).where(
                    one_of(conn, db.audit_events.c.id, chunk)
                )
            )
            known.update({row.id: row.content_hash for row in rows})
        results: list[PushResult] = []
        new_rows: list[dict[str, Any]] = []
        now = utc_now()
        for item in items:
            if isinstance(item, PushResult):
                results.append(item)
                continue
            eid = str(item.event_id)
            digest, body = prepared[id(item)]
            if known.get(eid) != digest and (
                item.user_id != principal.user_id or item.role != principal.role
            ):
                field_name = "user_id" if item.user_id != principal.user_id else "role"
                results.append(
                    PushResult(
                        id=eid,
                        result="rejected",
                        stored=False,
                        reason="identity_mismatch",
                        field=field_name,
                        message="The audit event names another user or role than the "
                        "signed-in user's.",
                    )
                )
                continue
            if eid in known:
                if known[eid] == digest:
                    results.append(PushResult(id=eid, result="duplicate", stored=True))
                else:
                    results.append(
                        PushResult(
                            id=eid,
                            result="conflict",
                            stored=False,
                            reason="same_id_other_content",
                            message="An audit event with this id and other content is stored.",
                        )
                    )
                continue
            known[eid] = digest
            new_rows.append(
                {
                    "id": eid,
                    "region_id": principal.region_id,
                    "case_id": str(item.case_id) if item.case_id else None,
                    "pushed_by_device": principal.device_id,
                    "content_hash": digest,
                    "body": body,
                    "received_at": now,
                }
            )
            results.append(PushResult(id=eid, result="created", stored=True))
        if new_rows:
            insert_many(conn, db.audit_events, new_rows)
        return results


def _rejected(vid: str, reason: str, message: str, field_name: str | None = None) -> PushResult:
    return PushResult(
        id=vid, result="rejected", stored=False, reason=reason, field=field_name, message=message
    )


def _base_id(item: VersionItem) -> str | None:
    return str(item.base_version_id) if item.base_version_id is not None else None


def _base_applied(work: _PushWork, base_id: str) -> bool:
    """True when the base is known and visible (not held, not missing)."""
    base = work.known.get(base_id)
    return base is not None and base.state == "applied"


def _sender_refusal(principal: Principal, item: VersionItem) -> PushResult | None:
    """Refused whatever is stored: training cases, the trainer role, another region."""
    vid = str(item.version_id)
    if item.training:
        return _rejected(
            vid, "training_case", "Training cases never reach the central service.", "training"
        )
    if principal.role == "trainer":
        return _rejected(vid, "role_not_allowed", "The trainer role cannot push case versions.")
    if item.region != principal.region:
        return _rejected(
            vid, "wrong_region", "The version's region is not the user's region.", "region"
        )
    return None


def _stored_outcome(
    work: _PushWork, principal: Principal, vid: str, digest: str
) -> PushResult | None:
    """A version with this id is stored already: a duplicate (an exact retry, accepted
    from its author before) or a conflict (other content). None when it is new."""
    existing = work.known.get(vid)
    if existing is None:
        return None
    if existing.content_hash == digest and existing.region_id == principal.region_id:
        return PushResult(id=vid, result="duplicate", stored=True)
    return PushResult(
        id=vid,
        result="conflict",
        stored=False,
        reason="same_id_other_content",
        message="A version with this id and other content is already stored.",
    )


def _author_refusal(principal: Principal, item: VersionItem) -> PushResult | None:
    """Refused when the version names another author than the signed-in user."""
    vid = str(item.version_id)
    if item.created_by != principal.user_id:
        return _rejected(
            vid, "identity_mismatch", "The version names another user as its author.", "created_by"
        )
    if item.created_by_name is not None and item.created_by_name != principal.display_name:
        return _rejected(
            vid,
            "identity_mismatch",
            "The version names another user's name as its author.",
            "created_by_name",
        )
    return None


def _stage(
    work: _PushWork, principal: Principal, item: VersionItem, digest: str, body: str
) -> None:
    """Stage a new version's row, held until `_apply` makes it visible (written by
    `_write_versions`), and what the rest of the push needs to know about it."""
    vid = str(item.version_id)
    case_id = str(item.case_id)
    base_id = _base_id(item)
    work.pushers[principal.device_id] = (principal.user_id, principal.role)
    work.new_versions[vid] = {
        "id": vid,
        "case_id": case_id,
        "base_version_id": base_id,
        "region_id": principal.region_id,
        "content_hash": digest,
        "body": body,
        "state": "held",
        "received_at": utc_now(),
        "pushed_by_device": principal.device_id,
    }
    work.snapshots[vid] = Snapshot(item.status, item.answers)
    work.known[vid] = _Known(case_id, principal.region_id, digest, "held", base_id)

"""A hypothesis state machine against the central storage (SQLite and PostgreSQL): any
sequence of pushed referral events — requests, answers by the right or the wrong party,
on a fresh or a stale base, cancels, retries of the same event, time passing with breach
sweeps — keeps the server's invariants: at most one open referral per case (in the
stored fold and in the `referrals` table), every breach recorded exactly once, and the
`referrals` row agreeing with the fold of the stored events."""

from __future__ import annotations

import secrets
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from central_api import db
from central_api.storage import Principal, Storage
from coordination.referrals import timers
from doorloop_protocol import ReferralEventItem
from tests.helpers.central import PASSWORD
from tests.integration.central_api.conftest import PG_URL, _admin_sql, version

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
CASES = ("c1", "c2")
PAYLOADS: dict[str, dict[str, Any]] = {
    "receive": {},
    "accept": {"first_contact_at": (T0 + timedelta(hours=1)).isoformat()},
    "decline": {"reason": "no_capacity"},
    "start": {},
    "complete": {},
    "cancel": {"reason": "elders geplaatst"},
}


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[Callable[[], str]]:
    """A factory of fresh, migrated databases (one per hypothesis example)."""
    made: list[str] = []
    if request.param == "sqlite":

        def sqlite() -> str:
            path = tmp_path / f"central-{len(made)}.sqlite3"
            shutil.copyfile(sqlite_template, path)
            made.append(str(path))
            return f"sqlite:///{path}"

        yield sqlite
        return
    template = request.getfixturevalue("pg_template")

    def postgresql() -> str:
        name = f"doorloop_test_{secrets.token_hex(6)}"
        _admin_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        made.append(name)
        return PG_URL.format(name=name)

    try:
        yield postgresql
    finally:
        for name in made:
            _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class ServerMachine(RuleBasedStateMachine):
    factory: Callable[[], str]

    @initialize()
    def open(self) -> None:
        self.storage = Storage.open(type(self).factory(), migrate=False)
        self.storage.add_region("noord")
        self.who: dict[str, Principal] = {}
        for name, role, org in [
            ("tess", "triagist", None),
            ("dana", "desk", None),
            ("rob", "receiver", "org-1"),
            ("olga", "receiver", "org-2"),
        ]:
            self.storage.add_user(name, PASSWORD, role=role, region="noord", organization_id=org)
            user = self.storage.authenticate(name, PASSWORD)
            assert user is not None
            _device, token = self.storage.register_device(user, "laptop")
            principal = self.storage.principal(token)
            assert principal is not None
            self.who[name] = principal
        self.cases: dict[str, str] = {}
        for label in CASES:
            item = version()
            item["created_by"] = self.who["tess"].user_id
            from doorloop_protocol import VersionItem

            self.storage.push(self.who["tess"], [VersionItem.model_validate(item)], [])
            self.cases[label] = str(item["case_id"])
        # the server records a breach it sees on a push at its own clock: the machine's
        # clock starts at the real now and only moves forward from there
        self.now = datetime.now(UTC)
        self.sent: list[ReferralEventItem] = []
        self.referral_ids: list[str] = []

    def teardown(self) -> None:
        if not hasattr(self, "storage"):
            return
        try:  # after a sweep, every breach that happened is recorded (and only once)
            self.storage.sweep_breaches(now=self.now)
            for rid in self.referral_ids:
                referral = self.storage.referral(rid)
                if referral is not None:
                    happened = {t.timer for t in timers(referral, self.now) if t.breached}
                    assert set(referral.breaches) == happened
            self.server_invariants()
        finally:
            self.storage.close()

    def _push(self, who: str, data: dict[str, Any]) -> str:
        principal = self.who[who]
        item = ReferralEventItem.model_validate(
            {
                "region": "noord", "actor_id": principal.user_id, "actor_role": principal.role,
                "actor_organization_id": principal.organization_id,
                "actor_name": principal.display_name, "device_id": principal.device_id,
                "at": self.now.isoformat(), **data,
            }
        )  # fmt: skip
        self.sent.append(item)
        result = self.storage.push(principal, [], [], referral_events=[item]).referral_events[0]
        return result.result

    @rule(case=st.sampled_from(CASES), who=st.sampled_from(["tess", "dana"]),
          ack=st.integers(1, 90), contact=st.integers(1, 300))  # fmt: skip
    def refer(self, case: str, who: str, ack: int, contact: int) -> None:
        rid = str(uuid.uuid4())
        self.referral_ids.append(rid)
        self._push(who, {
            "event_id": str(uuid.uuid4()), "referral_id": rid, "case_id": self.cases[case],
            "move": "request", "payload": {
                "to_unit_id": "u-1", "to_organization_id": "org-1", "urgency": "U2",
                "acknowledge_by": (self.now + timedelta(minutes=ack)).isoformat(),
                "first_contact_by": (self.now + timedelta(minutes=contact)).isoformat(),
            },
        })  # fmt: skip

    @rule(pick=st.integers(0, 30), move=st.sampled_from(sorted(PAYLOADS)),
          who=st.sampled_from(["tess", "rob", "olga"]), stale=st.booleans())  # fmt: skip
    def answer(self, pick: int, move: str, who: str, stale: bool) -> None:
        if not self.referral_ids:
            return
        rid = self.referral_ids[pick % len(self.referral_ids)]
        referral = self.storage.referral(rid)
        if referral is None:
            return
        after = referral.events[0].event_id if stale else referral.last_event_id
        self._push(who, {
            "event_id": str(uuid.uuid4()), "referral_id": rid, "case_id": referral.case_id,
            "move": move, "after": after, "payload": PAYLOADS[move],
        })  # fmt: skip

    @rule(pick=st.integers(0, 100))
    def retry(self, pick: int) -> None:
        if not self.sent:
            return
        item = self.sent[pick % len(self.sent)]
        who = next(n for n, p in self.who.items() if p.user_id == item.actor_id)
        result = self.storage.push(self.who[who], [], [], referral_events=[item])
        assert result.referral_events[0].result in {"duplicate", "conflict", "rejected"}

    @rule(minutes=st.integers(1, 120))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)
        self.storage.sweep_breaches(now=self.now)

    @invariant()
    def server_invariants(self) -> None:
        if not hasattr(self, "storage"):
            return
        with self.storage.engine.connect() as conn:
            rows = conn.execute(select(db.referrals)).mappings().all()
            breach_rows = conn.execute(
                select(db.referral_events.c.referral_id, func.count())
                .where(db.referral_events.c.move == "breach")
                .group_by(db.referral_events.c.referral_id)
            ).all()
            conn.rollback()
        open_cases = [r["case_id"] for r in rows if r["is_open"]]
        assert len(open_cases) == len(set(open_cases))
        recorded = dict(breach_rows)
        for row in rows:
            referral = self.storage.referral(row["id"])
            assert referral is not None and referral.status.value == row["status"]
            assert recorded.get(row["id"], 0) == len(referral.breaches) <= 2
            happened = {t.timer for t in timers(referral, self.now) if t.breached}
            assert set(referral.breaches) <= happened


def test_any_sequence_of_pushed_moves_keeps_the_servers_invariants(
    fresh_database: Callable[[], str],
) -> None:
    ServerMachine.factory = staticmethod(fresh_database)  # type: ignore[assignment]
    run_state_machine_as_test(
        ServerMachine,
        settings=settings(max_examples=20, stateful_step_count=25, deadline=None),
    )

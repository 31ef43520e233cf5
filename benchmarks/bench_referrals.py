"""*Verlopen afspraken* (breached referral timers, the longest overdue first) on a desk
with 100,000 cases and 10,000 open referrals. Budget (issue 16): <= 50 ms.

The referrals arrive as a desk gets them: pulled events, each applied by the store's
one write path (event, fold, timers). Requests are spread over the last ten hours with
the intake format's acknowledge targets; four in five were received (their acknowledge
timer stopped); first contact is due 0-47 hours after the request. That leaves some
4,000 breached timers: a region in a bad state. A second figure asks the same list a
month later, when every running timer is breached (the worst case, ~12,000 rows).
One in ten alerts is acknowledged by the user.
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import fill_store, median_ms, percentile, verdict

CASES = 100_000
REFERRALS = 10_000
RUNS = 30
BUDGET_MS = 50.0
PASSPHRASE = "benchmark passphrase"
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


ACK_MINUTES = {"U1": 15, "U2": 30, "U3": 120, "U4": 24 * 60}


def request(case_id: str, n: int, region: str) -> dict[str, object]:
    requested = NOW - timedelta(minutes=(n * 7) % 600)
    urgency = ["U1", "U2", "U3", "U4"][n % 4]
    return {
        "event_id": str(uuid.uuid4()),
        "referral_id": str(uuid.uuid4()),
        "case_id": case_id,
        "region": region,
        "move": "request",
        "actor_id": "bench-triagist",
        "actor_role": "triagist",
        "actor_organization_id": None,
        "actor_name": "Bench",
        "device_id": str(uuid.uuid4()),
        "at": requested.isoformat(),
        "after": None,
        "payload": {
            "to_unit_id": f"u-{n % 50}",
            "to_organization_id": f"org-{n % 20}",
            "urgency": urgency,
            "acknowledge_by": (requested + timedelta(minutes=ACK_MINUTES[urgency])).isoformat(),
            "first_contact_by": (requested + timedelta(hours=n % 48)).isoformat(),
        },
    }


def receive(req: dict[str, object], n: int) -> dict[str, object]:
    payload = req["payload"]
    assert isinstance(payload, dict)
    return {
        **req,
        "event_id": str(uuid.uuid4()),
        "move": "receive",
        "actor_id": f"bench-receiver-{n % 20}",
        "actor_role": "receiver",
        "actor_organization_id": payload["to_organization_id"],
        "after": req["event_id"],
        "at": (NOW - timedelta(minutes=1)).isoformat(),
        "payload": {},
    }


def main() -> None:
    from desktop.session.desk import DeskSession
    from desktop.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "data", PASSPHRASE)
        profile = store.create_profile("Benchmark", "coordinator")
        fill_store(store, CASES)
        case_ids = [
            row[0]
            for row in store.sql.execute(
                "SELECT id FROM cases ORDER BY n LIMIT ?", [REFERRALS]
            ).fetchall()
        ]
        started = time.perf_counter()
        seq = 0
        with store.atomic():
            for n, case_id in enumerate(case_ids):
                req = request(case_id, n, profile.region)
                seq += 1
                store.referrals.apply_pulled(req, seq)
                if n % 5:
                    seq += 1
                    store.referrals.apply_pulled(receive(req, n), seq)
        loaded = time.perf_counter() - started
        session = DeskSession(store, profile, clock=lambda: NOW)
        alerts = session.referrals.overdue()
        for alert in alerts[::10]:
            session.referrals.acknowledge_alert(alert.referral_id, alert.timer)
        samples = []
        for _ in range(RUNS):
            begun = time.perf_counter()
            alerts = session.referrals.overdue()
            samples.append(time.perf_counter() - begun)
        worst = []
        later = NOW + timedelta(days=30)
        for _ in range(RUNS):
            begun = time.perf_counter()
            all_alerts = session.referrals.overdue(later)
            worst.append(time.perf_counter() - begun)
        open_count = store.sql.execute("SELECT count(*) FROM referrals WHERE is_open").fetchone()
        cases = store.cases.count()
        store.close()
    p50, p95 = median_ms(samples), percentile(samples, 95) * 1000
    print(
        f"Verlopen afspraken query: median {p50:.1f} ms, p95 {p95:.1f} ms "
        f"({cases:,} cases, {open_count[0]:,} open referrals, {len(alerts):,} breached timers "
        f"listed, {RUNS} runs), budget <= {BUDGET_MS:.0f} ms: {verdict(p50 <= BUDGET_MS)}"
    )
    print(
        f"  worst case, every running timer breached ({len(all_alerts):,} rows): "
        f"median {median_ms(worst):.1f} ms, p95 {percentile(worst, 95) * 1000:.1f} ms"
    )
    print(f"  loading the referrals through the store's write path: {loaded:.1f} s")


if __name__ == "__main__":
    main()

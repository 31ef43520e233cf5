"""Properties of the directory's capacity on a real database (SQLite and PostgreSQL): after
any sequence of updates, holds, releases and referral outcomes, every unit's
``available`` stays within 0..maximum, every refused update leaves the unit unchanged,
each hold is counted once, and the history has one row per stored change."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central_api.storage import Storage
from central_api.storage.directory import Actor, DirectoryRefused, referral_moved
from coordination.directory import load_directory

DEMO = Path(__file__).resolve().parents[3] / "coordination" / "examples" / "directory-demo.json"
UNITS = ("u-kompas-crisisgroep", "u-kompas-gesloten", "u-zuidland-iht")
CASES = tuple(str(uuid.UUID(int=n)) for n in range(1, 5))

operation = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(UNITS), st.integers(-3, 14)),
    st.tuples(st.just("hold"), st.sampled_from(UNITS), st.sampled_from(CASES)),
    st.tuples(st.just("release"), st.integers(0, 5), st.none()),
    st.tuples(
        st.just("referral"),
        st.sampled_from(UNITS),
        st.tuples(st.sampled_from(CASES), st.sampled_from(("accepted", "declined", "cancelled"))),
    ),
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, max_size=14))
def test_capacity_stays_within_bounds_and_holds_count_once(
    storage: Storage, operations: list[tuple[str, object, object]]
) -> None:
    region = f"r-{secrets.token_hex(4)}"
    storage.add_region(region)
    storage.import_directory(region, load_directory(json.loads(DEMO.read_text("utf-8"))))
    with storage.engine.connect() as conn:
        from central_api.storage.core import StorageCore

        region_id = StorageCore.region_id(storage, conn, region)
        conn.rollback()
    coordinator = Actor("u-coord", "Coördinator", "coordinator", region_id)
    triagist = Actor("u-tri", "Triagist", "triagist", region_id)
    placed: list[str] = []
    stored_changes = len(storage.capacity_history(region))
    for kind, first, second in operations:
        if kind == "set":
            assert isinstance(first, str) and isinstance(second, int)
            before = storage.export_directory(region).unit(first).capacity
            try:
                storage.update_capacity(coordinator, first, available=second)
                stored_changes += 1
            except DirectoryRefused as refused:
                assert refused.field == "available"
                assert not 0 <= second <= before.maximum
                assert storage.export_directory(region).unit(first).capacity == before
        elif kind == "hold":
            assert isinstance(first, str) and isinstance(second, str)
            hold_id = str(uuid.uuid4())
            until = datetime.now(UTC) + timedelta(hours=1)
            try:
                storage.place_hold(triagist, hold_id, first, second, until)
                placed.append(hold_id)
                # the same hold again (a retry) is not a second hold
                assert storage.place_hold(triagist, hold_id, first, second, until)[0] == (
                    "duplicate"
                )
            except DirectoryRefused as refused:
                assert refused.status == 409
        elif kind == "release" and placed:
            assert isinstance(first, int)
            storage.release_hold(triagist, placed[first % len(placed)])
        elif kind == "referral":
            assert isinstance(first, str) and isinstance(second, tuple)
            case_id, status = second
            before = storage.export_directory(region).unit(first).capacity
            with storage._write() as (conn, seq):  # as the referral push calls it

                def next_seq() -> int:
                    seq[0] += 1
                    return seq[0]

                referral_moved(
                    conn, next_seq, region_id, case_id=case_id, unit_id=first,
                    status=status, actor=triagist, now=datetime.now(UTC),
                )  # fmt: skip
            after = storage.export_directory(region).unit(first).capacity
            assert all(hold.case_id != case_id for hold in after.holds)
            if status == "accepted" and before.available > 0:
                assert after.available == before.available - 1
                stored_changes += 1
            else:
                assert after.available == before.available
        for unit in storage.export_directory(region).units:
            capacity = unit.capacity
            assert 0 <= capacity.available <= capacity.maximum
            cases = [hold.case_id for hold in capacity.holds]
            assert len(cases) == len(set(cases))  # one running hold per case and unit
    assert len(storage.capacity_history(region)) == stored_changes

"""The minimal dataset: pseudonyms, generalised fields, k = 5, a valid Frictionless package."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from coordination.indicators import CaseFacts
from coordination.indicators.dataset import (
    COLUMNS,
    QUASI_IDENTIFIERS,
    build_dataset,
    pseudonym,
    write_dataset,
)

SECRET = bytes(range(32))


def facts(i: int, week: int, gender: str, band: str, urgency: str | None) -> CaseFacts:
    received = datetime(2026, 1, 5, 10, tzinfo=UTC) + timedelta(weeks=week, hours=i % 48)
    return CaseFacts(
        case_id=f"case-{i}", received_at=received, local_hour=received.hour,
        iso_week=f"2026-W{week + 2:02d}", part_of_day="6-12", weekend=False, channel="phone",
        caller_role="parent", age_band=band, gender=gender, urgency=urgency,
        decided=urgency is not None, minutes_to_decision=12.0 if urgency else None,
        intervention="advice_caller" if urgency else None, care_type=None, ready=True,
        answered_mask=63, needed_reconciliation=False,
    )  # fmt: skip


rows_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=3),
        st.sampled_from(["female", "male", "other"]),
        st.sampled_from(["<12", "12-15", "16-17"]),
        st.sampled_from(["U1", "U2", None]),
    ),
    max_size=120,
)


@given(rows_strategy)
@settings(max_examples=150, deadline=None)
def test_every_combination_occurs_at_least_five_times(rows: list[tuple[Any, ...]]) -> None:
    data = build_dataset([facts(i, *r) for i, r in enumerate(rows)], "noord", SECRET)
    counts = Counter(tuple(row[q] for q in QUASI_IDENTIFIERS) for row in data.rows)
    assert all(count >= 5 for count in counts.values()), counts
    stars = sum(1 for row in data.rows for q in QUASI_IDENTIFIERS if row[q] == "*")
    # every starred value is reported; dropped rows only when fewer than 5 rows could stay
    assert data.suppressed_total >= stars
    assert len(data.rows) + data.rows_dropped == len(rows)
    if data.rows_dropped:
        assert data.rows_dropped < 5
    # values that did not have to go are kept
    if len(rows) >= 5 and len({r for r in rows}) == 1:
        assert data.suppressed_total == 0


def test_pseudonyms_are_keyed_and_stable() -> None:
    assert pseudonym(SECRET, "case-1") == pseudonym(SECRET, "case-1")
    assert pseudonym(SECRET, "case-1") != pseudonym(bytes(32), "case-1")
    assert len(pseudonym(SECRET, "case-1")) == 64 and "case" not in pseudonym(SECRET, "case-1")


def test_the_package_is_valid_frictionless(tmp_path: Path) -> None:
    from frictionless import Package, validate

    cases = [facts(i, 0, "female", "16-17", "U2") for i in range(12)] + [
        facts(100, 3, "male", "<12", None)  # alone in its combination: starred
    ]
    data = build_dataset(cases, "noord", SECRET)
    write_dataset(data, tmp_path, region="noord", period="2026-01-01/2026-02-01")
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = Package(str(tmp_path / "datapackage.json"))
    assert [f.name for f in package.get_resource("cases").schema.fields] == list(COLUMNS)
    meta = json.loads((tmp_path / "datapackage.json").read_text("utf-8"))["doorloop"]
    assert meta["k"] == 5 and meta["suppressed_total"] == data.suppressed_total > 0
    with (tmp_path / "cases.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 13 and data.rows_dropped == 0  # the lone row joined by 4 others
    text = (tmp_path / "cases.csv").read_text("utf-8")
    assert "case-" not in text  # no case ids, only pseudonyms


def test_a_broken_package_is_caught_by_the_validator(tmp_path: Path) -> None:
    """The validation test can fail: a value outside the schema's enum is reported."""
    from frictionless import validate

    cases = [facts(i, 0, "female", "16-17", "U2") for i in range(6)]
    write_dataset(build_dataset(cases, "noord", SECRET), tmp_path, region="noord", period="p")
    path = tmp_path / "cases.csv"
    path.write_text(path.read_text("utf-8").replace(",U2,", ",U9,", 1), encoding="utf-8")
    assert not validate(str(tmp_path / "datapackage.json")).valid

"""Storage properties: migrations match the tables, arrival order never changes the outcome,
and the content hash covers exactly the documented fields."""

from __future__ import annotations

import json
import uuid
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central_api import db
from central_api.storage import Principal, Storage
from doorloop_protocol import VERSION_CONTENT_FIELDS, VersionItem, content_hash
from tests.integration.central_api.conftest import version


def test_migrations_create_exactly_the_declared_tables(storage: Storage) -> None:
    db.migrate(storage.engine)  # idempotent: a second run changes nothing
    with storage.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        conn.rollback()
    assert diff == []


def principal(storage: Storage) -> Principal:
    if "noord" not in storage.regions():
        storage.add_region("noord")
    with storage.engine.connect() as conn:
        region_id = storage.region_id(conn, "noord")
        conn.rollback()
    return Principal(
        device_id=str(uuid.uuid4()),
        user_id="user-1",
        username="anna",
        display_name="Anna",
        role="desk",
        region_id=region_id,
        region="noord",
        revoked=False,
    )


@st.composite
def version_trees(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A case's version tree (each version on an earlier one), in a random arrival order."""
    case_id = str(uuid.uuid4())
    size = draw(st.integers(min_value=1, max_value=8))
    items: list[dict[str, Any]] = [version(case_id=case_id)]
    for index in range(1, size):
        parent = items[draw(st.integers(min_value=0, max_value=index - 1))]
        items.append(version(case_id=case_id, base=parent["version_id"], answers={"n": index}))
    return draw(st.permutations(items))


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(tree=version_trees(), batch=st.integers(min_value=1, max_value=4), data=st.data())
def test_arrival_order_and_batching_never_change_the_outcome(
    storage: Storage, tree: list[dict[str, Any]], batch: int, data: st.DataObject
) -> None:
    who = principal(storage)
    models = [VersionItem.model_validate(item) for item in tree]
    for start in range(0, len(models), batch):
        response = storage.push(who, models[start : start + batch], [])
        assert all(r.stored for r in response.versions)
        if data.draw(st.booleans(), label="retry batch"):
            retry = storage.push(who, models[start : start + batch], [])
            assert {r.result for r in retry.versions} <= {"duplicate", "held"}

    bases = {str(m.base_version_id) for m in models if m.base_version_id}
    leaves = {str(m.version_id) for m in models} - bases
    case_id = str(models[0].case_id)
    with storage.engine.connect() as conn:
        case = conn.execute(db.cases.select().where(db.cases.c.id == case_id)).one()
        states = set(
            conn.execute(
                db.versions.select()
                .with_only_columns(db.versions.c.state)
                .where(db.versions.c.case_id == case_id)
            ).scalars()
        )
        conn.rollback()
    assert states == {"applied"}  # nothing stays held once every base has arrived
    assert set(json.loads(case.heads)) == leaves
    assert case.needs_reconciliation == (len(leaves) > 1)


def test_the_content_hash_covers_exactly_the_content_fields() -> None:
    item = VersionItem.model_validate(version(answers={"a": 1}))
    digest = content_hash(item)
    transport_only = {"version_id", "device_id", "device_time"}
    assert set(VERSION_CONTENT_FIELDS) | transport_only == set(VersionItem.model_fields)
    assert content_hash(item.model_copy(update={"device_time": item.created_at})) == digest
    assert content_hash(item.model_copy(update={"device_id": uuid.uuid4()})) == digest
    assert content_hash(item.model_copy(update={"answers": {"a": 2}})) != digest
    assert content_hash(item.model_copy(update={"status": "closed"})) != digest
    # Key order in the answers does not matter (canonical JSON sorts keys).
    two = VersionItem.model_validate(version(answers={"a": 1, "b": 2}))
    swapped = two.model_copy(update={"answers": {"b": 2, "a": 1}})
    assert content_hash(two) == content_hash(swapped)

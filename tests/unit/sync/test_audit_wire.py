"""Audit events travel with everything their hash covers, details included."""

from __future__ import annotations

import json
from pathlib import Path

from desktop.store import actor_for, open_store
from desktop.store.audit import event_hash
from desktop.sync.engine import audit_item


def test_the_wire_item_carries_the_details_the_hash_covers(tmp_path: Path) -> None:
    store = open_store(tmp_path, "audit wire passphrase")
    profile = store.create_profile("Anna", "desk")
    case = store.cases.create(actor_for(profile))
    store.cases.save_answers(case.id, {"youth.first_name": "Sem"}, actor_for(profile))
    [row] = [
        item
        for item in store.outbox.items()
        if item.kind == "audit" and item.payload["action"] == "update"
    ]
    item = audit_item(row.payload)
    assert item.details == {"fields": ["youth.first_name"]}
    # the server can recompute the desk's hash from the wire item alone
    wire = item.model_dump(mode="json")
    stored_details = json.dumps(wire["details"], ensure_ascii=False, sort_keys=True)
    rebuilt = {**row.payload, "details": stored_details}
    assert event_hash(rebuilt) == item.hash
    store.close()

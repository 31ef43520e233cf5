"""Building offline work on a desk for the sync tests (synthetic data only)."""

from __future__ import annotations

from desktop.store import Store, actor_for
from desktop.sync import version_item
from doorloop_protocol import content_hash


def offline_work(store: Store, cases: int, *, tag: str = "") -> list[str]:
    """Create ``cases`` cases with three versions each (two sealed, one open).

    Returns the case ids.
    """
    profile = store.profile()
    assert profile is not None
    actor = actor_for(profile)
    ids = []
    for n in range(cases):
        case = store.cases.create(
            actor,
            region=profile.region,
            answers={"youth.first_name": f"Kind{tag}{n}", "call.caller_name": "Beller"},
        )
        store.cases.set_status(case.id, "ready_for_triage", actor, seal=True)
        store.cases.save_answers(case.id, {"youth.municipality": f"Gemeente {n % 7}"}, actor)
        store.cases.set_status(case.id, "ready_for_triage", actor, seal=True, reason="check")
        store.cases.save_answers(case.id, {"situation.reason": f"Reden {tag} {n} é ✓"}, actor)
        ids.append(case.id)
    return ids


def local_version_hashes(store: Store) -> dict[str, str]:
    """version id → content hash of every version this desk queued."""
    return {
        item.item_id: content_hash(version_item(item.payload))
        for item in store.outbox.items()
        if item.kind == "version"
    }


def local_versions(store: Store) -> set[str]:
    rows = store.db.execute("SELECT version_id FROM case_versions").fetchall()
    return {row[0] for row in rows}

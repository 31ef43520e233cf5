"""The desk session: one signed-in person working with cases on this device.

The one Qt-free place where the store, the form engine and the rules meet. The UI
calls these methods; it never writes to the store itself. Every method that touches
a case leaves an audit event (through the store's repositories).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from desktop.store import Actor, Case, CaseSummary, Profile, Store, actor_for


def now_local() -> datetime:
    """The device's local time with its UTC offset (minute precision is what a desk uses)."""
    return datetime.now().astimezone().replace(microsecond=0)


class DeskSession:
    def __init__(self, store: Store, profile: Profile) -> None:
        self.store = store
        self.profile = profile

    @property
    def actor(self) -> Actor:
        return actor_for(self.profile)

    @property
    def training(self) -> bool:
        return self.store.training

    # -- cases -----------------------------------------------------------------------------

    def new_case(self, answers: dict[str, Any] | None = None) -> Case:
        """A new draft intake; the call is received now unless told otherwise."""
        initial = {"call.received_at": now_local().isoformat(), **(answers or {})}
        return self.store.cases.create(
            self.actor,
            answers=initial,
            region=self.profile.region,
            training=self.store.training,
        )

    def open_case(self, case_id: str) -> Case:
        return self.store.cases.open(case_id, self.actor)

    def summaries(self, search: str = "", **kwargs: Any) -> list[CaseSummary]:
        return self.store.cases.summaries(search, **kwargs)

    def unsynced_count(self) -> int:
        return sum(1 for item in self.store.outbox.items() if item.state != "acked")

    def export_case(self, case_id: str, path: Path) -> dict[str, Any]:
        """Write the case as JSON (DESIGN.md contract 4); audited as an export."""
        data = self.store.cases.get(case_id).to_json()
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        self.store.cases.record(
            self.actor, "export", case_id, {"format": "json", "file": path.name}
        )
        return data

"""Reference data: provider directories and form definitions, published as changes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, delete, insert, select

from central_api import db
from central_api.storage.core import ImportSummary, StorageCore, utc_now
from doorloop_protocol import FormDefinitionDoc, Provider, canonical_json


class Reference(StorageCore):
    """Provider directories and form definitions."""

    def _put_reference(
        self,
        conn: Connection,
        seq: list[int],
        existing: dict[str, tuple[str, str]],
        key: str,
        object_id: str,
        kind: str,
        region_id: int | None,
        data: str,
    ) -> str:
        """Insert or replace one reference object; returns created/updated/unchanged."""
        before = existing.get(key)
        if before is not None and before == (kind, data):
            return "unchanged"
        if before is not None:
            conn.execute(delete(db.changes).where(db.changes.c.object_key == key))
        seq[0] += 1
        conn.execute(
            insert(db.changes).values(
                seq=seq[0],
                object_key=key,
                object_id=object_id,
                kind=kind,
                scope="reference",
                region_id=region_id,
                data=data,
                created_at=utc_now(),
            )
        )
        return "updated" if before is not None and before[0] != "tombstone" else "created"

    def _existing(self, conn: Connection, prefix: str) -> dict[str, tuple[str, str]]:
        rows = conn.execute(
            select(db.changes.c.object_key, db.changes.c.kind, db.changes.c.data).where(
                db.changes.c.object_key.like(prefix + "%")
            )
        )
        return {row.object_key: (row.kind, row.data) for row in rows}

    def import_providers(self, region: str, providers: Sequence[Provider]) -> ImportSummary:
        """Replace a region's provider directory; providers not in the list get tombstones."""
        counts = {"created": 0, "updated": 0, "unchanged": 0, "removed": 0}
        with self._write() as (conn, seq):
            region_id = self.region_id(conn, region)
            prefix = f"provider:{region_id}:"
            existing = self._existing(conn, prefix)
            seen: set[str] = set()
            for provider in providers:
                if provider.region != region:
                    provider = provider.model_copy(update={"region": region})
                key = prefix + provider.id
                seen.add(key)
                data = canonical_json(provider.model_dump(mode="json"))
                outcome = self._put_reference(
                    conn, seq, existing, key, provider.id, "provider", region_id, data
                )
                counts[outcome] += 1
            for key, (kind, _data) in existing.items():
                if key in seen or kind == "tombstone":
                    continue
                tomb = canonical_json({"object_kind": "provider"})
                self._put_reference(
                    conn, seq, existing, key, key[len(prefix) :], "tombstone", region_id, tomb
                )
                counts["removed"] += 1
            self._audit(
                conn, "admin.providers_import", "ok", region_id=region_id,
                created=counts["created"], updated=counts["updated"],
                unchanged=counts["unchanged"], removed=counts["removed"],
            )  # fmt: skip
        return ImportSummary(**counts)

    def publish_form(self, doc: FormDefinitionDoc) -> str:
        """Publish (or replace) a form definition, for one region or all (region None)."""
        with self._write() as (conn, seq):
            region_id = self.region_id(conn, doc.region) if doc.region else None
            object_id = f"{doc.id}@{doc.version}"
            key = f"form:{region_id if region_id is not None else '*'}:{object_id}"
            existing = self._existing(conn, key)
            data = canonical_json(doc.model_dump(mode="json"))
            outcome = self._put_reference(
                conn, seq, existing, key, object_id, "form_definition", region_id, data
            )
            self._audit(conn, "admin.form_publish", outcome, form=object_id, region_id=region_id)
        return outcome

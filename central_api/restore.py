"""After restoring a backup: make every desk resync, so none skips what comes next.

A restored database is older than what the desks have seen: its sequence counter is
behind their cursors, so new changes would get numbers a desk has already passed and it
would never pull them. `after_restore` moves the counter `margin` past the restored one
and raises the horizon to it: every desk's next pull (`0 < since < horizon`) gets 410
and resyncs from 0 (the desk does this by itself), and every change from now on has a
number above any cursor handed out before the restore. Versions pushed after the backup
was taken are not in it: see docs/central-api.md, "Backups and restore".
"""

from __future__ import annotations

from sqlalchemy import select, update

from central_api import db
from central_api.storage import Storage

RESTORE_MARGIN = 1_000_000_000  # far above any desk's cursor: pushes since the dump


def after_restore(storage: Storage, margin: int = RESTORE_MARGIN) -> int:
    """Raise the seq counter and the horizon by `margin` (see the module doc); returns
    the new horizon. Run once, with the API stopped, right after `pg_restore`."""
    with storage.engine.begin() as conn:
        seq = conn.execute(
            select(db.counters.c.value).where(db.counters.c.name == "seq").with_for_update()
        ).scalar_one()
        horizon = int(seq) + margin
        for name in ("seq", "horizon"):
            conn.execute(
                update(db.counters).where(db.counters.c.name == name).values(value=horizon)
            )
    storage.record("admin.after_restore", "ok", None, horizon=horizon)
    return horizon

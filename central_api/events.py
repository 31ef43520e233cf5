"""Live changes: the event stream `GET /v1/sync/events` and the change feed behind it.

A signed-in desk keeps one stream (Server-Sent Events) open; it says "changes up to seq
N are available for your region" and the desk pulls at once. The stream carries sequence
numbers only, never data: what a desk may see is still decided by `pull`.

Where the news comes from:

* **PostgreSQL**: every write transaction that hands out sequence numbers announces them
  with `NOTIFY doorloop_changes` (see `advance`, called by `Storage._write`). A
  notification is delivered at commit, never for a rolled-back write, to every listening
  session. Each worker process keeps *one* listening connection (`ChangeFeed`, a thread),
  so every worker of every API host can serve streams, whichever worker took the push.
* **SQLite** (one process): the feed polls the `seq` counter twice a second.

A stream holds no database connection and no lock while it is open: it waits on an
in-process `asyncio.Event`. Abandoned streams are dropped as soon as the client is gone
(Starlette cancels the generator on `http.disconnect`); every stream ends after
`MAX_STREAM_SECONDS` anyway (the desk reconnects, and is authenticated again).
"""

# no `from __future__ import annotations`: FastAPI must see the local dependency

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Connection, Engine, distinct, func, select, text, update

from central_api import db

log = logging.getLogger("central_api.events")

CHANNEL = "doorloop_changes"
HEARTBEAT_SECONDS = 15.0  # a comment line; the desk treats 45 s of silence as a lost stream
MAX_STREAM_SECONDS = 300.0  # then the desk reconnects (and its token is checked again)
SQLITE_POLL_SECONDS = 0.5
RECONNECT_MAX_SECONDS = 10.0
ALL_REGIONS = -1  # a change of reference data (providers, forms): news for every region


def advance(conn: Connection, start: int, end: int) -> None:
    """In a write transaction holding the sequence lock: store the counter at `end` and
    tell every listening worker which regions got changes after `start` (the
    notification is delivered at commit). On PostgreSQL both in one statement, so the
    lock is held no longer than before; SQLite only stores (its feed polls)."""
    if conn.dialect.name != "postgresql":
        conn.execute(update(db.counters).where(db.counters.c.name == "seq").values(value=end))
        return
    conn.execute(
        text(
            "UPDATE counters SET value = :end_seq WHERE name = 'seq' RETURNING ("
            "SELECT pg_notify(:channel, :end || '|' || coalesce(string_agg(DISTINCT"
            " coalesce(region_id, :all)::text, ','), :all_text))"
            " FROM changes WHERE seq > :start)"
        ),
        {"channel": CHANNEL, "end": str(end), "end_seq": end, "start": start,
         "all": ALL_REGIONS,
         "all_text": str(ALL_REGIONS)},
    )  # fmt: skip


def parse_payload(payload: str) -> tuple[int, set[int]] | None:
    """`"<seq>|<region>,<region>"` as (seq, regions); None when unreadable."""
    head, _, tail = payload.partition("|")
    try:
        return int(head), {int(part) for part in tail.split(",") if part}
    except ValueError:
        return None


@dataclass(eq=False)
class Subscription:
    """One open stream: its region, the newest seq announced to it, and its wake-up."""

    region_id: int
    loop: asyncio.AbstractEventLoop
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    seq: int = 0


class ChangeFeed:
    """This process's view of new sequence numbers, fanned out to its open streams.

    Started on the first subscription (a daemon thread: PostgreSQL `LISTEN` on its own
    connection, or a poll of the SQLite counter); reconnects with a growing pause when
    the database goes away, and on every (re)connect announces the current seq to every
    stream, so nothing committed while it was deaf is missed."""

    def __init__(self, engine: Engine, *, poll_seconds: float = SQLITE_POLL_SECONDS) -> None:
        self.engine = engine
        self.poll_seconds = poll_seconds
        self.latest = 0
        self._primed = False  # until the first read of the counter
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()

    @property
    def open_streams(self) -> int:
        with self._lock:
            return len(self._subs)

    def subscribe(self, region_id: int, seq: int) -> Subscription:
        sub = Subscription(region_id=region_id, loop=asyncio.get_running_loop(), seq=seq)
        with self._lock:
            self._subs.add(sub)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="doorloop-change-feed", daemon=True
                )
                self._thread.start()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)

    def stop(self) -> None:
        self._stop.set()

    def publish(self, seq: int, regions: set[int]) -> None:
        """Wake every stream of `regions` (all of them for ALL_REGIONS) up to `seq`."""
        self.latest = max(self.latest, seq)
        everyone = ALL_REGIONS in regions
        with self._lock:
            targets = [s for s in self._subs if everyone or s.region_id in regions]
        for sub in targets:
            if seq <= sub.seq:
                continue
            sub.seq = seq
            try:
                sub.loop.call_soon_threadsafe(sub.wake.set)
            except RuntimeError:  # its event loop has closed: the stream is gone
                self.unsubscribe(sub)

    def _current(self) -> tuple[int, set[int]]:
        """The counter now, and the regions changed since what this feed last knew."""
        with self.engine.connect() as conn:
            seq = int(
                conn.execute(
                    select(db.counters.c.value).where(db.counters.c.name == "seq")
                ).scalar_one()
            )
            regions: set[int] = set()
            if seq > self.latest and not self._primed:
                regions = {ALL_REGIONS}  # just started: wake every stream, no big scan
            elif seq > self.latest:
                rows = conn.execute(
                    select(distinct(func.coalesce(db.changes.c.region_id, ALL_REGIONS))).where(
                        db.changes.c.seq > self.latest
                    )
                ).scalars()
                regions = {int(r) for r in rows} or {ALL_REGIONS}
            conn.rollback()
        self._primed = True
        return seq, regions

    def _run(self) -> None:
        pause = 0.5
        while not self._stop.is_set():
            try:
                if self.engine.dialect.name == "postgresql":
                    self._listen()
                else:
                    self._poll()
                pause = 0.5
            except Exception as exc:  # the database went away: try again, a bit later
                self.connected.clear()
                log.warning("change feed lost its database (%s); retrying", type(exc).__name__)
                self._stop.wait(pause)
                pause = min(RECONNECT_MAX_SECONDS, pause * 2)

    def _catch_up(self) -> None:
        seq, regions = self._current()
        if regions:
            self.publish(seq, regions)
        self.latest = max(self.latest, seq)

    def _poll(self) -> None:
        self.connected.set()
        while not self._stop.is_set():
            self._catch_up()
            self._stop.wait(self.poll_seconds)

    def _listen(self) -> None:
        import psycopg

        dsn = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self._catch_up()  # what committed before LISTEN took effect
            self.connected.set()
            while not self._stop.is_set():
                for note in conn.notifies(timeout=1.0):
                    parsed = parse_payload(note.payload)
                    if parsed is not None:
                        self.publish(*parsed)
                    else:
                        self._catch_up()
                conn.execute("SELECT 1")  # a dead connection shows here, not never


def _event(seq: int) -> str:
    return f"event: changes\nid: {seq}\ndata: {json.dumps({'seq': seq})}\n\n"


def events_router(
    authenticated: Callable[..., Any], max_seconds: float = MAX_STREAM_SECONDS
) -> APIRouter:
    """The `/v1/sync/events` route; `authenticated` is the app's bearer-token dependency
    (so the stream is authenticated and rate limited like every sync call)."""
    router = APIRouter()

    @router.get(
        "/v1/sync/events",
        tags=["sync"],
        response_class=StreamingResponse,
        responses={
            200: {
                "content": {"text/event-stream": {}},
                "description": 'Server-Sent Events: `event: changes`, `data: {"seq": N}` '
                "when changes up to seq N are available for this device's region "
                "(the first one at once); a comment line every 15 s.",
            }
        },
    )
    async def events(request: Request, principal: Annotated[Any, Depends(authenticated)]) -> Any:
        """Live news of changes for this device's region (docs/central-api.md)."""
        from starlette.concurrency import run_in_threadpool

        storage = request.app.state.storage
        feed: ChangeFeed = request.app.state.change_feed
        start = await run_in_threadpool(storage.last_seq)
        sub = feed.subscribe(principal.region_id, start)

        async def stream() -> AsyncIterator[str]:
            loop = asyncio.get_running_loop()
            ends = loop.time() + max_seconds
            try:
                yield f"retry: 2000\n{_event(start)}"
                while (left := ends - loop.time()) > 0:
                    try:
                        await asyncio.wait_for(sub.wake.wait(), min(HEARTBEAT_SECONDS, left))
                    except TimeoutError:
                        yield ": keep-alive\n\n"
                        continue
                    sub.wake.clear()
                    yield _event(sub.seq)
            finally:
                feed.unsubscribe(sub)

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"X-Accel-Buffering": "no"},  # nginx: pass each event on at once
        )

    return router

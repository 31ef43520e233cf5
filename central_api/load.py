"""Latency under load: what keeps a busy worker's answers quick.

Every push takes its turn on one lock (the `counters` "seq" row, see
`central_api.storage`), whichever worker or host serves it. Measured with
`benchmarks/bench_sync_load.py` (200 desks, `--workers 2`), the 2 s p95 came from
pushes *waiting* for that lock while holding a pooled connection and a thread, so pulls
(which need no lock) queued behind them for a connection, and from the lock holder
waiting for Python's GIL after each database round trip while other threads ran.

* A push holds that lock only to re-check, number, write and commit what it decided
  before taking it (`central_api.storage.push`): 5 ms instead of 11.5 ms (median, one
  pusher, in process on PostgreSQL); on a CPU-starved host the holder still waits for
  CPU between round trips (docs/central-api.md, "Tests and figures").
* `PushGate`: at most `slots` pushes per worker are inside the database at once; the
  rest wait here (an asyncio semaphore: no thread, no connection), so pulls, logins and
  health checks always find a connection and a thread.
* `tune_interpreter`: a shorter GIL switch interval, so the thread holding the lock gets
  the interpreter back soon after each round trip instead of after up to 5 ms.
"""

import asyncio
import sys

SWITCH_INTERVAL = 0.0005  # seconds (Python's default is 0.005)


class PushGate:
    """An asyncio semaphore of `slots` (created lazily on the serving event loop)."""

    def __init__(self, slots: int) -> None:
        self.slots = max(1, slots)
        self._semaphore: asyncio.Semaphore | None = None

    async def __aenter__(self) -> None:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.slots)
        await self._semaphore.acquire()

    async def __aexit__(self, *_exc: object) -> None:
        assert self._semaphore is not None
        self._semaphore.release()


def tune_interpreter() -> None:
    """Shorten the GIL switch interval for this process (see the module doc)."""
    if sys.getswitchinterval() > SWITCH_INTERVAL:
        sys.setswitchinterval(SWITCH_INTERVAL)

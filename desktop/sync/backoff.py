"""Exponential backoff with jitter, and the ``Retry-After`` header."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass
class Backoff:
    """Delays between retries: ``base * factor**attempt`` capped at ``cap``, jittered.

    "Equal jitter": the delay is drawn from the upper half of the exponential ceiling,
    so desks that failed together do not retry together, yet each waits a while. A
    server's ``Retry-After`` is honoured (at least that long, plus up to 10% jitter),
    up to ``max_retry_after``.
    """

    base: float = 1.0
    factor: float = 2.0
    cap: float = 300.0
    max_retry_after: float = 3600.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (0 for the first retry)."""
        ceiling = min(self.cap, self.base * self.factor ** max(0, attempt))
        if retry_after is not None and retry_after >= 0:
            wait = min(retry_after, self.max_retry_after)
            return wait + self.rng.uniform(0.0, 0.1 * wait)
        return self.rng.uniform(ceiling / 2.0, ceiling)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date); None if absent
    or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(int(text))
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())

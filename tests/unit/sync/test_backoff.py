"""Backoff delays and Retry-After parsing."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from hypothesis import given
from hypothesis import strategies as st

from desktop.sync import Backoff, parse_retry_after


@given(attempt=st.integers(0, 60), seed=st.integers(0, 2**32))
def test_delay_grows_within_its_jittered_ceiling(attempt: int, seed: int) -> None:
    backoff = Backoff(base=0.5, factor=2.0, cap=30.0, rng=random.Random(seed))
    ceiling = min(30.0, 0.5 * 2.0**attempt)
    assert ceiling / 2 <= backoff.delay(attempt) <= ceiling


@given(wait=st.floats(0, 7200), seed=st.integers(0, 2**32))
def test_retry_after_is_honoured_and_capped(wait: float, seed: int) -> None:
    backoff = Backoff(max_retry_after=3600.0, rng=random.Random(seed))
    expected = min(wait, 3600.0)
    assert expected <= backoff.delay(0, wait) <= expected * 1.1


def test_jitter_spreads_desks_that_failed_together() -> None:
    delays = {Backoff(rng=random.Random(seed)).delay(3) for seed in range(20)}
    assert len(delays) == 20


def test_parse_retry_after() -> None:
    now = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert (
        parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now) == 90
    )
    assert (
        parse_retry_after(format_datetime(now - timedelta(seconds=90), usegmt=True), now=now) == 0
    )
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("") is None

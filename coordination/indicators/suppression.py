"""Small numbers leave no region (domain/indicators.md): primary and secondary suppression.

Primary: a count from 1 to 4 is published as ``"<5"``; a percentage whose denominator is
under 10 as ``"—"``. Secondary, per breakdown with a published total: while any hidden
cell could still be worked back from the total and the published cells, the next smallest
non-zero published cell is hidden too (``"x"``). "Worked back" is decided by interval
reasoning as an attacker would do it: a ``"<5"`` cell lies in [1, 4], an ``"x"`` cell in
[0, total], and the hidden cells add up to the total minus the published ones; a cell is
exposed when its lowest and highest possible values meet. When every non-zero cell is
already hidden and one is still exposed (all hidden cells 1, or all 4), a zero cell is
hidden as ``"x"`` (the only time a zero is not published as 0), and when there is none,
the total itself. tests/unit/coordination/test_indicator_suppression.py holds this with
hypothesis, using an independent brute-force attacker.
"""

from __future__ import annotations

from collections.abc import Mapping

SMALL = "<5"
SECONDARY = "x"
NO_PCT = "—"
Published = int | str


def is_small(count: int) -> bool:
    return 1 <= count <= 4


def bounds(mark: Published, total: int) -> tuple[int, int]:
    """What an attacker knows of a hidden cell's value."""
    return (1, 4) if mark == SMALL else (0, total)


def exposed(published: Mapping[str, Published], total: int) -> list[str]:
    """The hidden cells whose value follows from the total and the published cells."""
    hidden = [k for k, v in published.items() if isinstance(v, str)]
    rest = total - sum(v for v in published.values() if isinstance(v, int))
    found: list[str] = []
    lows = {k: bounds(published[k], total)[0] for k in hidden}
    highs = {k: bounds(published[k], total)[1] for k in hidden}
    sum_low, sum_high = sum(lows.values()), sum(highs.values())
    for key in hidden:
        lo = max(lows[key], rest - (sum_high - highs[key]))
        hi = min(highs[key], rest - (sum_low - lows[key]))
        if lo >= hi:
            found.append(key)
    return found


def suppress_breakdown(
    cells: Mapping[str, int], total: int | None = None
) -> tuple[dict[str, Published], Published]:
    """(published cells, published total) of one breakdown whose total is published."""
    if total is None:
        total = sum(cells.values())
    published: dict[str, Published] = {k: (SMALL if is_small(v) else v) for k, v in cells.items()}
    if is_small(total):
        return published, SMALL  # the total is hidden: nothing to work back from
    order = list(cells)
    while exposed(published, total):
        visible = [k for k in order if isinstance(published[k], int)]
        nonzero = sorted((cells[k], order.index(k), k) for k in visible if cells[k] > 0)
        zeros = [k for k in visible if cells[k] == 0]
        if nonzero:
            published[nonzero[0][2]] = SECONDARY
        elif zeros:
            published[zeros[0]] = SECONDARY
        else:
            return published, SECONDARY
    return published, total


def suppress_ratio(numerator: int, denominator: int) -> dict[str, Published | float | None]:
    """A percentage with both counts: hidden counts and "—" for a thin denominator."""
    pct = round(100.0 * numerator / denominator, 1) if denominator else None
    den: Published = SMALL if is_small(denominator) else denominator
    num: Published = numerator
    if is_small(numerator):
        num = SMALL
    elif is_small(denominator - numerator) or (isinstance(den, str) and numerator > 0):
        num = SECONDARY  # the numerator would follow from the denominator
    shown: Published | float | None = pct
    if pct is not None and (denominator < 10 or isinstance(num, str)):
        shown = NO_PCT
    return {"pct": shown, "numerator": num, "denominator": den}

"""Hypothesis strategies: valid directories and asks around one moment (synthetic only)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st

from coordination.asks import Asks
from coordination.directory import (
    EXPERTISE,
    GENDERS,
    LEGAL_ROUTES,
    SETTINGS,
    Capacity,
    Directory,
    Hold,
    IntakeStop,
    Organization,
    Unit,
)
from tests.unit.coordination.builders import AT

MUNICIPALITIES = ("Noordhaven", "Zeedorp", "Rivierstad", "Zuidmeer", "Duinwijk")
NAMES = ("Crisisbedden", "crisisbedden", "Kliniek", "Ambulant Team", "Thuis", "Åpen Huis")

# moments on a minute grid around AT, so boundaries (== AT) are hit often
moments = st.integers(min_value=-3 * 24 * 60, max_value=24 * 60).map(
    lambda minutes: AT + timedelta(minutes=minutes)
)


def subsets(values: tuple[str, ...], min_size: int = 0) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(values), unique=True, min_size=min_size).map(tuple)


@st.composite
def capacities(draw: st.DrawFn) -> Capacity:
    maximum = draw(st.integers(0, 6))
    available = draw(st.integers(0, maximum))
    stop = None
    if draw(st.booleans()):
        start = draw(moments)
        until = draw(st.none() | st.integers(1, 3 * 24 * 60))
        stop = IntakeStop(
            "Synthetisch", start, None if until is None else start + timedelta(minutes=until)
        )
    holds = tuple(
        Hold(f"case-{n}", until) for n, until in enumerate(draw(st.lists(moments, max_size=3)))
    )
    unit = draw(st.sampled_from(("bed", "place", "plek")))
    return Capacity(unit, available, maximum, draw(moments), stop, holds)


@st.composite
def units(draw: st.DrawFn, ident: str, organizations: tuple[str, ...]) -> Unit:
    low = draw(st.integers(0, 23))
    high = draw(st.integers(low, 25))
    return Unit(
        id=ident,
        organization_id=draw(st.sampled_from(organizations)),
        name=draw(st.sampled_from(NAMES)),
        setting=draw(st.sampled_from(SETTINGS)),
        min_age=low,
        max_age=high,
        genders=draw(subsets(GENDERS, 1)),
        legal_routes=draw(subsets(LEGAL_ROUTES, 1)),
        expertise=draw(subsets(EXPERTISE)),
        municipalities=draw(subsets(MUNICIPALITIES)),
        capacity=draw(capacities()),
    )


@st.composite
def directories(draw: st.DrawFn, max_units: int = 10) -> Directory:
    organizations = (
        Organization("org-1", "Jeugd-GGZ Proefregio", "0880000001"),
        Organization("org-2", "Stichting Testhuis", None),
    )
    count = draw(st.integers(0, max_units))
    ids = draw(
        st.lists(
            st.text("abcxyz-0123456789", min_size=1, max_size=6),
            min_size=count,
            max_size=count,
            unique=True,
        )
    )
    built = tuple(draw(units(f"u-{ident}", ("org-1", "org-2"))) for ident in ids)
    limit = draw(st.sampled_from((12.0, 12.0, 4.0, 0.5)))
    return Directory(organizations, built, limit)


@st.composite
def asks(draw: st.DrawFn) -> Asks:
    return Asks(
        age=draw(st.none() | st.integers(0, 25)),
        gender=draw(st.sampled_from((*GENDERS, "unknown"))),
        legal_route=draw(st.sampled_from(LEGAL_ROUTES)),
        settings=draw(
            st.sampled_from(
                (
                    ("ambulant_crisis",),
                    ("intensive_home",),
                    ("crisis_bed", "clinical"),
                    ("secure_youth_care",),
                )
            )
        ),
        expertise=draw(subsets(EXPERTISE[:5])),
        municipality=draw(st.none() | st.sampled_from(MUNICIPALITIES)),
    )

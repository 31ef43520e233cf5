"""The ``doorloop-directory/1`` loader: the example loads and round-trips; every kind of bad
input is refused with a message naming the key and the unit."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from coordination.directory import DirectoryError, age_on, load_directory
from tests.unit.coordination.builders import (
    AT,
    EXAMPLES,
    directory_json,
    iso,
    unit_json,
)


def example() -> dict[str, Any]:
    return json.loads((EXAMPLES / "directory-demo.json").read_text(encoding="utf-8"))


def test_the_demo_region_loads() -> None:
    directory = load_directory(example())
    assert len(directory.organizations) == 5 and len(directory.units) == 12
    unit = directory.unit("u-noordkust-crisisbedden")
    assert unit.capacity.free(AT) == 1  # one of two places is held until 11:30
    assert unit.capacity.free(AT + timedelta(hours=2)) == 2
    assert directory.organization(unit.organization_id).phone_24_7 == "0881110001"
    assert directory.freshness_limit_hours == 12


def test_to_json_round_trips() -> None:
    data = example()
    directory = load_directory(data)
    assert load_directory(directory.to_json()) == directory
    assert directory.to_json() == data  # the example is written in the canonical form


def test_a_region_freshness_limit_round_trips() -> None:
    directory = load_directory(directory_json(freshness_limit_hours=6))
    assert directory.freshness_limit_hours == 6
    assert load_directory(directory.to_json()) == directory


def test_optional_keys_default_to_empty() -> None:
    unit = unit_json()
    for key in ("expertise", "municipalities"):
        del unit[key]
    for key in ("intake_stop", "holds"):
        del unit["capacity"][key]
    loaded = load_directory(directory_json(unit)).units[0]
    assert loaded.expertise == () and loaded.municipalities == ()
    assert loaded.capacity.intake_stop is None and loaded.capacity.holds == ()


def test_a_region_may_add_expertise_codes() -> None:
    unit = unit_json(expertise=["suicidality", "gambling_addiction"])
    assert load_directory(directory_json(unit)).units[0].expertise[1] == "gambling_addiction"


def bad_unit(**changes: Any) -> dict[str, Any]:
    return directory_json(unit_json("u-7", **changes))


def without(key: str) -> dict[str, Any]:
    unit = unit_json("u-7")
    del unit[key]
    return directory_json(unit)


STOP = {"reason": "Verbouwing", "from": iso(AT)}


@pytest.mark.parametrize(
    ("data", "key", "words"),
    [
        (bad_unit(min_age=18), "units[0].min_age", "more than max_age"),
        (bad_unit(min_age="12"), "units[0].min_age", "whole number"),
        (bad_unit(max_age=True), "units[0].max_age", "whole number"),
        (bad_unit(max_age=-1, min_age=0), "units[0].max_age", "0 or more"),
        (bad_unit(capacity={"available": -1}), "units[0].capacity.available", "0 or more"),
        (bad_unit(capacity={"maximum": 1.5}), "units[0].capacity.maximum", "whole number"),
        (bad_unit(capacity={"available": 5}), "units[0].capacity.available", "more than"),
        (bad_unit(setting="bed"), "units[0].setting", "unknown value 'bed'"),
        (bad_unit(setting=None), "units[0].setting", "unknown value null"),
        (bad_unit(legal_routes=["ibs"]), "units[0].legal_routes[0]", "unknown value 'ibs'"),
        (bad_unit(legal_routes=[]), "units[0].legal_routes", "at least one"),
        (bad_unit(genders=["female", "x"]), "units[0].genders[1]", "unknown value 'x'"),
        (bad_unit(genders=["male", "male"]), "units[0].genders[1]", "twice"),
        (bad_unit(genders="female"), "units[0].genders", "must be a list"),
        (bad_unit(expertise=["Psychose"]), "units[0].expertise[0]", "not a code"),
        (bad_unit(municipalities=[""]), "units[0].municipalities[0]", "non-empty text"),
        (bad_unit(name=" "), "units[0].name", "non-empty text"),
        (bad_unit(colour="red"), "units[0].colour", "unknown key"),
        (bad_unit(capacity={"beds": 3}), "units[0].capacity.beds", "unknown key"),
        (without("setting"), "units[0].setting", "is missing"),
        (without("capacity"), "units[0].capacity", "is missing"),
        (bad_unit(organization_id="org-9"), "units[0].organization_id", "no organisation"),
        (
            bad_unit(capacity={"updated": "2026-12-03T08:00:00"}),
            "units[0].capacity.updated",
            "offset",
        ),
        (bad_unit(capacity={"updated": "gisteren"}), "units[0].capacity.updated", "offset"),
        (
            bad_unit(capacity={"intake_stop": {**STOP, "until": iso(AT)}}),
            "units[0].capacity.intake_stop.until",
            "after",
        ),
        (
            bad_unit(capacity={"intake_stop": {"from": iso(AT)}}),
            "units[0].capacity.intake_stop.reason",
            "is missing",
        ),
        (
            bad_unit(capacity={"intake_stop": {**STOP, "by": "x"}}),
            "units[0].capacity.intake_stop.by",
            "unknown key",
        ),
        (
            bad_unit(capacity={"holds": [{"case_id": "c", "until": "morgen"}]}),
            "units[0].capacity.holds[0].until",
            "offset",
        ),
        (
            bad_unit(capacity={"holds": [{"case_id": "c"}]}),
            "units[0].capacity.holds[0].until",
            "is missing",
        ),
        (
            directory_json(unit_json("u-7"), unit_json("u-7")),
            "units[1].id",
            "another unit",
        ),
    ],
)
def test_bad_units_name_the_key_and_the_unit(data: dict[str, Any], key: str, words: str) -> None:
    with pytest.raises(DirectoryError) as error:
        load_directory(data)
    matching = [p for p in error.value.problems if p.startswith(f'{key} (unit "u-7"): ')]
    assert matching, error.value.problems
    assert words in matching[0]


@pytest.mark.parametrize(
    ("data", "start"),
    [
        ({**directory_json(), "format": "doorloop-directory/2"}, "format: must be"),
        ({**directory_json(), "extra": 1}, "extra: unknown key"),
        ({**directory_json(), "freshness_limit_hours": 0}, "freshness_limit_hours: "),
        ({**directory_json(), "freshness_limit_hours": "12"}, "freshness_limit_hours: "),
        ({**directory_json(), "units": {}}, "units: must be a list"),
        ({"format": "doorloop-directory/1", "units": []}, "organizations: is missing"),
        (
            {**directory_json(), "organizations": [{"id": "org-1", "name": ""}]},
            'organizations[0].name (organisation "org-1"): ',
        ),
        (
            {**directory_json(), "organizations": [{"id": "org-1", "name": "A"}] * 2},
            'organizations[1].id (organisation "org-1"): is used by another',
        ),
        ([], "the directory must be a JSON object"),
    ],
)
def test_bad_documents_name_the_key(data: Any, start: str) -> None:
    with pytest.raises(DirectoryError) as error:
        load_directory(data)
    assert any(p.startswith(start) for p in error.value.problems), error.value.problems


def test_every_problem_is_reported_at_once() -> None:
    data = directory_json(unit_json("u-1", min_age="x"), unit_json("u-2", setting="bed"))
    with pytest.raises(DirectoryError) as error:
        load_directory(data)
    assert [p.split(":")[0] for p in error.value.problems] == [
        'units[0].min_age (unit "u-1")',
        'units[1].setting (unit "u-2")',
    ]


def test_a_unit_without_an_id_is_named_by_its_place() -> None:
    unit = unit_json()
    del unit["id"]
    with pytest.raises(DirectoryError) as error:
        load_directory(directory_json(unit))
    assert error.value.problems == ["units[0].id: is missing"]


@pytest.mark.parametrize(
    ("birth", "day", "years"),
    [
        ("2012-02-29", "2025-02-28", 12),
        ("2012-02-29", "2025-03-01", 13),
        ("2012-02-29", "2024-02-29", 12),
        ("2010-12-03", "2026-12-02", 15),
        ("2010-12-03", "2026-12-03", 16),
    ],
)
def test_age_on(birth: str, day: str, years: int) -> None:
    from datetime import date

    assert age_on(date.fromisoformat(birth), date.fromisoformat(day)) == years

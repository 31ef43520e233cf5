"""HSDS 3 export and import: the mapping, the extension, round trips, and bad input."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings

from coordination.directory import Directory, DirectoryError, load_directory
from coordination.hsds import EXTENSION, from_hsds, to_hsds
from tests.unit.coordination.builders import EXAMPLES
from tests.unit.coordination.strategies import directories


def demo() -> Directory:
    return load_directory(json.loads((EXAMPLES / "directory-demo.json").read_text("utf-8")))


def grouped(directory: Directory) -> Directory:
    """The same directory with its units in organisation order (HSDS nests them)."""
    order = [org.id for org in directory.organizations]
    units = sorted(directory.units, key=lambda unit: order.index(unit.organization_id))
    return Directory(directory.organizations, tuple(units), directory.freshness_limit_hours)


def test_export_maps_onto_hsds_fields() -> None:
    page = to_hsds(demo())
    assert page["total_items"] == 5 and page["contents"][0]["id"] == "org-noordkust"
    org = page["contents"][0]
    assert org["phones"][0]["number"] == "0881110001"
    assert org["phones"][0]["description"] == "24/7"
    service = org["services"][0]
    assert service["id"] == "u-noordkust-crisisbedden"
    assert service["status"] == "active"
    assert (service["minimum_age"], service["maximum_age"]) == (12, 17)
    assert [area["name"] for area in service["service_areas"]] == ["Noordhaven", "Zeedorp"]
    capacity = service["capacities"][0]
    assert capacity["unit"]["name"] == "bed"
    assert (capacity["available"], capacity["maximum"]) == (2, 4)
    assert capacity["updated"] == "2026-12-03T08:00:00+01:00"
    assert service[EXTENSION]["setting"] == "crisis_bed"
    assert service[EXTENSION]["holds"][0]["until"] == "2026-12-03T11:30:00+01:00"
    assert set(service[EXTENSION]) == {
        "setting", "genders", "legal_routes", "expertise", "intake_stop", "holds",
    }  # fmt: skip
    assert page["contents"][3]["phones"] == []  # Duinzicht has no 24/7 number


def test_export_is_stable() -> None:
    assert to_hsds(demo()) == to_hsds(demo())


def test_round_trip_of_the_demo_region() -> None:
    directory = demo()
    assert from_hsds(to_hsds(directory)) == grouped(directory)
    page = to_hsds(directory)
    assert to_hsds(from_hsds(page)) == page


@settings(max_examples=80, deadline=None)
@given(directories())
def test_round_trip_of_any_directory(directory: Directory) -> None:
    page = json.loads(json.dumps(to_hsds(directory)))
    assert from_hsds(page) == grouped(directory)
    assert from_hsds(page).freshness_limit_hours == directory.freshness_limit_hours


def test_import_ignores_other_hsds_properties_and_skips_closed_services() -> None:
    page = to_hsds(demo())
    org = page["contents"][0]
    org["website"] = "https://example.org"
    org["services"][0]["description"] = "Synthetische beschrijving"
    org["services"][0]["schedules"] = []
    org["services"][1]["status"] = "defunct"
    directory = from_hsds(page)
    assert "u-noordkust-ambulant" not in {unit.id for unit in directory.units}
    assert len(directory.units) == 11


def test_import_accepts_a_bare_list_of_organizations() -> None:
    page = to_hsds(demo())
    assert from_hsds(page["contents"]) == grouped(demo())


def broken(change: Any) -> dict[str, Any]:
    page = copy.deepcopy(to_hsds(demo()))
    change(page["contents"][0]["services"][0])
    return page


@pytest.mark.parametrize(
    ("page", "start"),
    [
        (
            broken(lambda s: s.pop(EXTENSION)),
            'contents[0].services[0].doorloop (service "u-noordkust-crisisbedden"): is missing',
        ),
        (
            broken(lambda s: s[EXTENSION].update(colour="red")),
            "contents[0].services[0].doorloop.colour",
        ),
        (broken(lambda s: s.update(capacities=[])), "contents[0].services[0].capacities"),
        (broken(lambda s: s["capacities"][0].update(unit="bed")), "contents[0].services[0]"),
        (
            broken(lambda s: s.update(organization_id="org-x")),
            "contents[0].services[0].organization_id",
        ),
        (
            broken(lambda s: s.update(minimum_age=20)),
            'units[0].min_age (unit "u-noordkust-crisisbedden"): 20 is more than max_age',
        ),
        (
            broken(lambda s: s[EXTENSION].update(setting="bed")),
            'units[0].setting (unit "u-noordkust-crisisbedden"): unknown value',
        ),
        (
            broken(lambda s: s["capacities"][0].update(available=9)),
            'units[0].capacity.available (unit "u-noordkust-crisisbedden")',
        ),
        ({"contents": {}}, "contents: must be a list"),
        ({**to_hsds(demo()), EXTENSION: {"freshness_limit_hours": -1}}, "freshness_limit_hours"),
    ],
)
def test_bad_hsds_names_the_key(page: dict[str, Any], start: str) -> None:
    with pytest.raises(DirectoryError) as error:
        from_hsds(page)
    assert any(p.startswith(start) for p in error.value.problems), error.value.problems

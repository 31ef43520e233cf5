"""Scenario packs (zip and multi-scenario YAML) and the trainer's library."""

from __future__ import annotations

import copy
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.training.packs import (
    PackError,
    ScenarioLibrary,
    export_pack,
    pack_yaml,
    pack_zip,
    plan_import,
    read_pack,
    read_pack_bytes,
    read_pack_entries,
    read_pack_file,
)
from desktop.training.scenario import bundled_scenarios, dump_yaml, scenario_from_data


@pytest.mark.parametrize("suffix", [".zip", ".yaml"])
def test_export_then_import_gives_the_same_scenarios(tmp_path: Path, suffix: str) -> None:
    scenarios = bundled_scenarios()
    path = tmp_path / f"pakket{suffix}"
    export_pack(scenarios, path)
    assert read_pack(path) == scenarios
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_single_scenario_file_is_a_pack_of_one(scenario_data: dict[str, Any]) -> None:
    [scenario] = read_pack_bytes(dump_yaml(scenario_data).encode(), "casus.yaml")
    assert scenario.id == "oefen_casus"


def test_one_bad_scenario_refuses_the_whole_pack_naming_scenario_and_field(
    scenario_data: dict[str, Any],
) -> None:
    good = scenario_from_data(scenario_data)
    bad = copy.deepcopy(scenario_data)
    bad["id"] = "kapotte_casus"
    bad["expected"]["answers"]["risk.suicidality"] = "misschien"
    text = pack_yaml([good]).replace("scenarios:\n", "scenarios:\n" + _as_item(bad), 1)
    with pytest.raises(PackError) as caught:
        read_pack_bytes(text.encode(), "groep.yaml")
    [problem] = caught.value.problems
    assert problem.startswith(
        "groep.yaml #1: Casus 'kapotte_casus', veld expected.answers.risk.suicidality:"
    )
    assert "Onbekende keuze" in problem


def _as_item(data: dict[str, Any]) -> str:
    lines = dump_yaml([data]).splitlines()
    return "\n".join(lines) + "\n"


def test_zip_problems_name_the_member(scenario_data: dict[str, Any]) -> None:
    bad = copy.deepcopy(scenario_data)
    del bad["caller"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("goed.yaml", dump_yaml(scenario_data))
        archive.writestr("map/slecht.yaml", dump_yaml(bad | {"id": "slecht"}))
        archive.writestr("LEESMIJ.txt", "geen casus")
    with pytest.raises(PackError) as caught:
        read_pack_bytes(buffer.getvalue(), "pakket.zip")
    assert caught.value.problems == [
        "pakket.zip/map/slecht.yaml: Casus 'slecht', veld caller: ontbreekt."
    ]


def test_duplicate_ids_in_a_pack(scenario_data: dict[str, Any]) -> None:
    scenario = scenario_from_data(scenario_data)
    double = "Casus 'oefen_casus' komt meer dan eens voor in het pakket."
    with pytest.raises(PackError) as caught:
        pack_zip([scenario, scenario])
    assert caught.value.problems == [double]
    text = pack_yaml([scenario]).replace(
        "scenarios:\n", "scenarios:\n" + _as_item(scenario_data), 1
    )
    with pytest.raises(PackError) as caught:
        read_pack_bytes(text.encode(), "dubbel.yaml")
    assert caught.value.problems == [double]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xff\xfe\x00garbage", "geen tekstbestand"),
        (b"doorloop_scenario_pack: 7\nscenarios: []\n", "onbekende pakketversie 7"),
        (b"doorloop_scenario_pack: 1\nscenarios: []\n", "moet een lijst met casussen zijn"),
        (b"- a\n- b\n", "Een casus moet een YAML-mapping zijn"),
        (b"id: [\n", "Geen geldige YAML"),
    ],
)
def test_unreadable_packs_get_a_clear_dutch_message(content: bytes, expected: str) -> None:
    with pytest.raises(PackError) as caught:
        read_pack_bytes(content, "x.yaml")
    assert any(expected in problem for problem in caught.value.problems)


def test_an_empty_zip_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notities.txt", "niets")
    with pytest.raises(PackError, match="bevat geen casussen"):
        read_pack_bytes(buffer.getvalue(), "leeg.zip")


def test_library_saves_replaces_and_deletes(tmp_path: Path, scenario_data: dict[str, Any]) -> None:
    library = ScenarioLibrary(tmp_path / "training" / "scenarios")
    bundled_ids = [s.id for s in bundled_scenarios()]
    assert [s.id for s in library.scenarios()] == bundled_ids
    library.save(scenario_from_data(scenario_data))
    assert [s.id for s in library.scenarios()] == [*bundled_ids, "oefen_casus"]
    assert library.is_own("oefen_casus") and not library.is_bundled("oefen_casus")
    # an own scenario with a bundled id replaces the bundled one in place
    replaced = scenario_from_data(
        scenario_data | {"id": bundled_ids[0], "title": {"nl": "Eigen versie", "en": "Own version"}}
    )
    library.save(replaced)
    assert library.get(bundled_ids[0]).title["nl"] == "Eigen versie"
    assert library.delete(bundled_ids[0])
    assert library.get(bundled_ids[0]) == bundled_scenarios()[0]
    assert not library.delete("bestaat_niet")


def test_library_lists_broken_own_files_without_failing(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "kapot.yaml").write_text("id: kapot\n", encoding="utf-8")
    library = ScenarioLibrary(folder)
    assert len(library.scenarios()) == len(bundled_scenarios())
    assert "kapot.yaml" in library.problems
    assert any("veld title: ontbreekt" in p for p in library.problems["kapot.yaml"])


def test_library_import_saves_every_scenario(tmp_path: Path, scenario_data: dict[str, Any]) -> None:
    pack = tmp_path / "pakket.zip"
    export_pack([scenario_from_data(scenario_data)], pack)
    library = ScenarioLibrary(tmp_path / "lib")
    assert [step.entry.scenario.id for step in library.import_pack(pack)] == ["oefen_casus"]
    assert (tmp_path / "lib" / "oefen_casus.yaml").exists()
    with pytest.raises(PackError, match="kan het bestand niet lezen"):
        library.import_pack(tmp_path / "weg.zip")


# --------------------------------------------------------------------------- origins and versions


def _bump(scenario: Any, version: int, **changes: Any) -> Any:
    data = scenario.to_data() | {"version": version} | changes
    return scenario_from_data(data)


@pytest.mark.parametrize("suffix", [".zip", ".yaml"])
def test_a_pack_keeps_id_version_and_origin(
    tmp_path: Path, suffix: str, scenario_data: dict[str, Any]
) -> None:
    builtin = bundled_scenarios()[0]
    own = scenario_from_data(scenario_data | {"version": 3})
    regional = scenario_from_data(scenario_data | {"id": "regio_casus"})
    path = tmp_path / f"keuze{suffix}"
    export_pack([builtin, own, regional], path, {"regio_casus": "region"})
    entries = read_pack_file(path)
    assert [(e.scenario.id, e.scenario.version, e.origin) for e in entries] == [
        (builtin.id, builtin.version, "builtin"),
        ("oefen_casus", 3, "own"),
        ("regio_casus", 1, "region"),
    ]


def test_importing_into_a_fresh_library_keeps_built_ins_built_in(tmp_path: Path) -> None:
    path = tmp_path / "alles.zip"
    export_pack(bundled_scenarios(), path)
    library = ScenarioLibrary(tmp_path / "vers")
    steps = library.import_pack(path)
    assert {step.kind for step in steps} == {"same"}
    assert all(library.origin(s.id) == "builtin" for s in bundled_scenarios())
    assert not (tmp_path / "vers").exists()  # nothing was copied as "own"


def test_a_newer_version_updates_with_a_diff_and_an_older_one_is_refused(
    tmp_path: Path, scenario_data: dict[str, Any]
) -> None:
    library = ScenarioLibrary(tmp_path / "lib")
    library.save(scenario_from_data(scenario_data | {"version": 2}), origin="region")
    builtin = bundled_scenarios()[0]
    newer_builtin = _bump(
        builtin, builtin.version + 1, summary={"nl": "Nieuwe samenvatting.", "en": "New."}
    )
    newer = scenario_from_data(
        scenario_data | {"version": 3, "caller": {"nl": "Oom", "en": "Uncle"}}
    )
    older = scenario_from_data(scenario_data | {"version": 1})
    pack = pack_yaml([newer_builtin, newer], {builtin.id: "own"}).encode()
    steps = plan_import(library, read_pack_entries(pack, "nieuw.yaml"))
    assert [(s.kind, s.origin, s.current_version) for s in steps] == [
        ("update", "builtin", builtin.version),  # a built-in stays built-in, whatever the pack says
        ("update", "region", 2),
    ]
    assert "+  nl: Oom" in steps[1].diff and "-  nl: Vader" in steps[1].diff
    assert steps[1].message == "'oefen_casus': versie 2 wordt bijgewerkt naar versie 3."
    library.apply_import(steps)
    assert library.get(builtin.id).version == builtin.version + 1
    assert library.origin(builtin.id) == "builtin"
    assert library.get("oefen_casus").caller["nl"] == "Oom"

    [refused] = plan_import(library, read_pack_entries(pack_yaml([older]).encode(), "oud.yaml"))
    assert refused.kind == "older" and not refused.applies
    assert refused.message == (
        "'oefen_casus' versie 1 is ouder dan de aanwezige versie 3: niet geïmporteerd."
    )
    other = scenario_from_data(scenario_data | {"version": 3})
    [conflict] = plan_import(library, read_pack_entries(pack_yaml([other]).encode(), "x.yaml"))
    assert conflict.kind == "conflict" and "verhoog de versie" in conflict.message
    library.apply_import([refused, conflict])
    assert library.get("oefen_casus").caller["nl"] == "Oom"


def test_a_format_1_pack_still_reads(scenario_data: dict[str, Any]) -> None:
    text = dump_yaml({"doorloop_scenario_pack": 1, "scenarios": [scenario_data]})
    [entry] = read_pack_entries(text.encode(), "oud.yaml")
    assert entry.origin == "own" and entry.scenario.id == "oefen_casus"


def test_a_wrong_origin_in_a_pack_is_named(scenario_data: dict[str, Any]) -> None:
    text = dump_yaml(
        {
            "doorloop_scenario_pack": 2,
            "origins": {"oefen_casus": "eigen"},
            "scenarios": [scenario_data],
        }
    )
    with pytest.raises(PackError, match="builtin, region of own"):
        read_pack_entries(text.encode(), "fout.yaml")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    here=st.integers(1, 5),
    incoming=st.integers(1, 5),
    changed=st.booleans(),
    origin=st.sampled_from(["own", "region"]),
)
def test_an_import_never_lowers_a_version_nor_changes_one_silently(
    tmp_path_factory: pytest.TempPathFactory,
    scenario_data: dict[str, Any],
    here: int,
    incoming: int,
    changed: bool,
    origin: str,
) -> None:
    library = ScenarioLibrary(tmp_path_factory.mktemp("lib"))
    present = scenario_from_data(scenario_data | {"version": here})
    library.save(present, origin=origin)
    caller = {"nl": "Oom", "en": "Uncle"} if changed else scenario_data["caller"]
    pack = scenario_from_data(scenario_data | {"version": incoming, "caller": caller})
    [step] = plan_import(library, read_pack_entries(pack_yaml([pack]).encode(), "p.yaml"))
    if incoming != here:
        expected = "update" if incoming > here else "older"
    else:
        expected = "conflict" if changed else "same"
    assert step.kind == expected and step.origin == origin
    library.apply_import([step])
    kept = library.get("oefen_casus")
    assert kept.version == max(here, incoming) and library.origin(kept.id) == origin
    assert kept == (pack if incoming > here else present)

"""Scenario packs (files trainers exchange) and the trainer's own scenario library.

A pack is either a zip of scenario YAML files or one YAML file holding several
scenarios (``doorloop_scenario_pack: 1`` and a ``scenarios:`` list); a YAML file with
one scenario is a pack of one. Import validates every scenario with the strict loader
and refuses the whole pack when one is wrong, listing every problem in Dutch with the
file and the scenario's field, so a trainer never ends up with half a pack.

The library is the bundled scenarios plus the trainer's own files in
``<data_dir>/training/scenarios/`` (synthetic exercise material, not case data, so
plain YAML is fine there); a trainer's scenario with a bundled id replaces it.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from desktop.i18n import _
from desktop.training.scenario import (
    Scenario,
    ScenarioError,
    bundled_scenarios,
    dump_yaml,
    read_yaml,
    scenario_from_data,
)

PACK_FORMAT = 1
MAX_MEMBERS = 200
MAX_MEMBER_BYTES = 1_000_000
MAX_PACK_BYTES = 20_000_000


class PackError(ValueError):
    """A pack that cannot be imported; ``problems`` are Dutch sentences."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


# --------------------------------------------------------------------------- export


def _unique(scenarios: Iterable[Scenario]) -> list[Scenario]:
    chosen = list(scenarios)
    ids = [scenario.id for scenario in chosen]
    doubles = sorted({i for i in ids if ids.count(i) > 1})
    if doubles:
        raise PackError(
            [
                _("Casus '{name}' komt meer dan eens voor in het pakket.").format(name=name)
                for name in doubles
            ]
        )
    return chosen


def pack_yaml(scenarios: Iterable[Scenario]) -> str:
    """Several scenarios as one YAML pack (ids must be unique)."""
    scenarios = _unique(scenarios)
    data = {
        "doorloop_scenario_pack": PACK_FORMAT,
        "scenarios": [scenario.to_data() for scenario in scenarios],
    }
    return dump_yaml(data)


def pack_zip(scenarios: Iterable[Scenario]) -> bytes:
    """Several scenarios as a zip with one ``<id>.yaml`` per scenario."""
    scenarios = _unique(scenarios)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for scenario in scenarios:
            archive.writestr(f"{scenario.id}.yaml", scenario.to_yaml())
    return buffer.getvalue()


def export_pack(scenarios: Iterable[Scenario], path: Path) -> None:
    """Write a pack: a zip when ``path`` ends in ``.zip``, else one YAML file."""
    chosen = list(scenarios)
    if path.suffix.lower() == ".zip":
        _write_atomic(path, pack_zip(chosen))
    else:
        _write_atomic(path, pack_yaml(chosen).encode("utf-8"))


# --------------------------------------------------------------------------- import


def _scenarios_in(data: Any, source: str) -> list[tuple[Any, str]]:
    """(scenario data, place) pairs of one parsed YAML document."""
    if isinstance(data, dict) and "scenarios" in data:
        version = data.get("doorloop_scenario_pack")
        if version != PACK_FORMAT:
            raise PackError(
                [
                    _("{source}: onbekende pakketversie {version} (verwacht {expected}).").format(
                        source=source, version=version, expected=PACK_FORMAT
                    )
                ]
            )
        items = data["scenarios"]
        if not isinstance(items, list) or not items:
            raise PackError(
                [_("{source}: 'scenarios' moet een lijst met casussen zijn.").format(source=source)]
            )
        return [(item, f"{source} #{index + 1}") for index, item in enumerate(items)]
    return [(data, source)]


def read_pack_bytes(content: bytes, name: str) -> list[Scenario]:
    """Every scenario of a pack (zip or YAML); raises :class:`PackError` listing all
    problems when any scenario is invalid or two share an id."""
    if len(content) > MAX_PACK_BYTES:
        raise PackError(
            [_("{name}: het bestand is te groot voor een casuspakket.").format(name=name)]
        )
    documents: list[tuple[str, str]] = []
    if zipfile.is_zipfile(io.BytesIO(content)):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                members = [
                    info
                    for info in archive.infolist()
                    if not info.is_dir() and info.filename.lower().endswith((".yaml", ".yml"))
                ]
                if len(members) > MAX_MEMBERS:
                    raise PackError(
                        [_("{name}: te veel bestanden in het pakket.").format(name=name)]
                    )
                for info in members:
                    if info.file_size > MAX_MEMBER_BYTES:
                        raise PackError(
                            [
                                _("{name}: {member} is te groot.").format(
                                    name=name, member=info.filename
                                )
                            ]
                        )
                    text = archive.read(info).decode("utf-8")
                    documents.append((text, f"{name}/{info.filename}"))
        except (zipfile.BadZipFile, UnicodeDecodeError):
            raise PackError([_("{name}: geen leesbaar zip-bestand.").format(name=name)]) from None
        if not documents:
            raise PackError(
                [_("{name}: het pakket bevat geen casussen (.yaml).").format(name=name)]
            )
    else:
        try:
            documents.append((content.decode("utf-8"), name))
        except UnicodeDecodeError:
            raise PackError(
                [_("{name}: geen tekstbestand (verwacht YAML of een zip).").format(name=name)]
            ) from None

    problems: list[str] = []
    scenarios: list[Scenario] = []
    for text, source in documents:
        try:
            data = read_yaml(text, source)
            for item, place in _scenarios_in(data, source):
                try:
                    scenarios.append(scenario_from_data(item, place))
                except ScenarioError as error:
                    problems.extend(f"{place}: {problem}" for problem in error.problems)
        except ScenarioError as error:
            problems.extend(f"{source}: {problem}" for problem in error.problems)
        except PackError as error:
            problems.extend(error.problems)
    seen: set[str] = set()
    for scenario in scenarios:
        if scenario.id in seen:
            problems.append(
                _("Casus '{name}' komt meer dan eens voor in het pakket.").format(name=scenario.id)
            )
        seen.add(scenario.id)
    if problems:
        raise PackError(problems)
    return scenarios


def read_pack(path: Path) -> list[Scenario]:
    try:
        content = path.read_bytes()
    except OSError as error:
        raise PackError(
            [
                _("{name}: kan het bestand niet lezen ({reason}).").format(
                    name=path.name, reason=error.strerror
                )
            ]
        ) from None
    return read_pack_bytes(content, path.name)


# --------------------------------------------------------------------------- library


def library_folder(data_dir: Path) -> Path:
    """Where a trainer's own scenarios live (beside the training database)."""
    return Path(data_dir) / "training" / "scenarios"


ORIGINS = ("builtin", "region", "own")
_SUBFOLDER = {"builtin": "builtin", "region": "region", "own": ""}


def origin_label(origin: str) -> str:
    """Dutch word for where a scenario comes from."""
    return {
        "builtin": _("meegeleverd"),
        "region": _("regio"),
        "own": _("eigen"),
    }.get(origin, origin)


class ScenarioLibrary:
    """The bundled scenarios plus the trainer's, by id, each with its origin.

    Files: ``<folder>/*.yaml`` are the trainer's own, ``<folder>/region/*.yaml`` came
    from the region (a pack), ``<folder>/builtin/*.yaml`` are newer versions of built-in
    scenarios that arrived in a pack (they stay built-ins).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.problems: dict[str, list[str]] = {}

    def _folder(self, origin: str) -> Path:
        return self.folder / _SUBFOLDER[origin] if _SUBFOLDER[origin] else self.folder

    def _read_folder(self, origin: str) -> dict[str, Scenario]:
        found: dict[str, Scenario] = {}
        folder = self._folder(origin)
        if not folder.is_dir():
            return found
        for path in sorted(folder.glob("*.yaml")):
            name = str(path.relative_to(self.folder))
            try:
                scenario = scenario_from_data(
                    read_yaml(path.read_text(encoding="utf-8"), name), name
                )
            except (ScenarioError, OSError, UnicodeDecodeError) as error:
                self.problems[name] = list(getattr(error, "problems", [str(error)]))
                continue
            found[scenario.id] = scenario
        return found

    def _all(self) -> list[tuple[Scenario, str]]:
        self.problems = {}
        updates = self._read_folder("builtin")
        region = self._read_folder("region")
        own = self._read_folder("own")
        out: list[tuple[Scenario, str]] = []
        for bundled in bundled_scenarios():
            if bundled.id in own:  # an old-style own file with a built-in's id replaces it
                out.append((own.pop(bundled.id), "own"))
                continue
            update = updates.pop(bundled.id, None)
            newest = update if update is not None and update.version > bundled.version else bundled
            out.append((newest, "builtin"))
        out += [(updates[key], "builtin") for key in sorted(updates)]
        out += [(region[key], "region") for key in sorted(region) if key not in own]
        out += [(own[key], "own") for key in sorted(own)]
        return out

    def scenarios(self) -> list[Scenario]:
        """Built-in scenarios in their order (their newest version), then the region's,
        then the trainer's own, by id. Broken files are listed in :attr:`problems`."""
        return [scenario for scenario, _origin in self._all()]

    def with_origins(self) -> list[tuple[Scenario, str]]:
        return self._all()

    def get(self, scenario_id: str) -> Scenario:
        for scenario in self.scenarios():
            if scenario.id == scenario_id:
                return scenario
        raise KeyError(scenario_id)

    def origin(self, scenario_id: str) -> str:
        """``builtin``, ``region`` or ``own``; ``own`` for an id not (yet) in the library."""
        for scenario, origin in self._all():
            if scenario.id == scenario_id:
                return origin
        return "own"

    def is_own(self, scenario_id: str) -> bool:
        return (self.folder / f"{scenario_id}.yaml").exists()

    def is_bundled(self, scenario_id: str) -> bool:
        return any(s.id == scenario_id for s in bundled_scenarios())

    def save(self, scenario: Scenario, origin: str = "own") -> Path:
        """Write (or replace) a scenario of ``origin``; it must pass the strict loader."""
        if origin not in ORIGINS:
            raise ValueError(f"unknown origin {origin!r}")
        checked = scenario_from_data(scenario.to_data(), scenario.id)
        folder = self._folder(origin)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{checked.id}.yaml"
        _write_atomic(path, checked.to_yaml().encode("utf-8"))
        for other in ORIGINS:  # one file per id
            if other != origin:
                (self._folder(other) / f"{checked.id}.yaml").unlink(missing_ok=True)
        return path

    def delete(self, scenario_id: str) -> bool:
        """Remove a trainer's own (or the region's) scenario file; built-ins stay."""
        for origin in ("own", "region"):
            path = self._folder(origin) / f"{scenario_id}.yaml"
            if path.exists():
                path.unlink()
                return True
        return False

    def import_pack(self, path: Path) -> list[Scenario]:
        """Validate a whole pack, then save each of its scenarios."""
        scenarios = read_pack(path)
        for scenario in scenarios:
            self.save(scenario)
        return scenarios


def _write_atomic(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise

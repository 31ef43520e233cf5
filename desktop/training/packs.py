"""Scenario packs (files trainers exchange) and the trainer's own scenario library.

A pack is either a zip of scenario YAML files (with a ``pack.yaml`` manifest) or one
YAML file holding several scenarios (``doorloop_scenario_pack: 2``, an ``origins:``
mapping and a ``scenarios:`` list); a YAML file with one scenario is a pack of one.
Each scenario keeps its id, its version and its origin (``builtin``, ``region`` or
``own``; format 1 packs had no origins: a built-in's id is built-in, the rest own).
Importing (:func:`plan_import`, :meth:`ScenarioLibrary.apply_import`) adds new
scenarios with the pack's origin, updates one to a newer version (with the diff to
show first) keeping the origin it has here, refuses an older version or the same
version with other content (with a Dutch message), and keeps built-ins built-ins.
Reading validates every scenario with the strict loader and refuses the whole pack
when one is wrong, listing every problem in Dutch with the file and the scenario's
field, so a trainer never ends up with half a pack.

The library (:class:`ScenarioLibrary`) is the bundled scenarios plus the files in
``<data_dir>/training/scenarios/`` (synthetic exercise material, not case data, so
plain YAML is fine there): the trainer's own, the region's, and newer versions of
built-ins that came in a pack.
"""

from __future__ import annotations

import difflib
import io
import os
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from desktop.i18n import _
from desktop.training.scenario import (
    Scenario,
    ScenarioError,
    bundled_scenarios,
    dump_yaml,
    read_yaml,
    scenario_from_data,
)

PACK_FORMAT = 2
READABLE_FORMATS = (1, 2)
MANIFEST = "pack.yaml"
ORIGINS = ("builtin", "region", "own")
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


def _origins(scenarios: list[Scenario], origins: Mapping[str, str] | None) -> dict[str, str]:
    bundled = {scenario.id for scenario in bundled_scenarios()}
    given = dict(origins or {})
    return {s.id: given.get(s.id) or ("builtin" if s.id in bundled else "own") for s in scenarios}


def pack_yaml(scenarios: Iterable[Scenario], origins: Mapping[str, str] | None = None) -> str:
    """Several scenarios as one YAML pack, each with its origin (ids must be unique)."""
    scenarios = _unique(scenarios)
    data = {
        "doorloop_scenario_pack": PACK_FORMAT,
        "origins": _origins(scenarios, origins),
        "scenarios": [scenario.to_data() for scenario in scenarios],
    }
    return dump_yaml(data)


def pack_zip(scenarios: Iterable[Scenario], origins: Mapping[str, str] | None = None) -> bytes:
    """Several scenarios as a zip with one ``<id>.yaml`` per scenario and a manifest."""
    scenarios = _unique(scenarios)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        manifest = {
            "doorloop_scenario_pack": PACK_FORMAT,
            "origins": _origins(scenarios, origins),
        }
        archive.writestr(MANIFEST, dump_yaml(manifest))
        for scenario in scenarios:
            archive.writestr(f"{scenario.id}.yaml", scenario.to_yaml())
    return buffer.getvalue()


def export_pack(
    scenarios: Iterable[Scenario], path: Path, origins: Mapping[str, str] | None = None
) -> None:
    """Write a pack: a zip when ``path`` ends in ``.zip``, else one YAML file."""
    chosen = list(scenarios)
    if path.suffix.lower() == ".zip":
        _write_atomic(path, pack_zip(chosen, origins))
    else:
        _write_atomic(path, pack_yaml(chosen, origins).encode("utf-8"))


# --------------------------------------------------------------------------- import


def _pack_origins(data: Any, source: str) -> dict[str, str]:
    """The ``origins:`` of a pack document or manifest (checked)."""
    origins = data.get("origins") if isinstance(data, dict) else None
    if origins is None:
        return {}
    if not isinstance(origins, dict) or any(v not in ORIGINS for v in origins.values()):
        raise PackError(
            [
                _("{source}: 'origins' moet per casus builtin, region of own zijn.").format(
                    source=source
                )
            ]
        )
    return {str(key): value for key, value in origins.items()}


def _scenarios_in(data: Any, source: str) -> list[tuple[Any, str]]:
    """(scenario data, place) pairs of one parsed YAML document."""
    if isinstance(data, dict) and "scenarios" in data:
        version = data.get("doorloop_scenario_pack")
        if version not in READABLE_FORMATS:
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


@dataclass(frozen=True)
class PackEntry:
    """One scenario of a pack and where it comes from."""

    scenario: Scenario
    origin: str


def read_pack_bytes(content: bytes, name: str) -> list[Scenario]:
    """Every scenario of a pack (zip or YAML); raises :class:`PackError` listing all
    problems when any scenario is invalid or two share an id."""
    return [entry.scenario for entry in read_pack_entries(content, name)]


def read_pack_entries(content: bytes, name: str) -> list[PackEntry]:
    """Every scenario of a pack with its origin; raises :class:`PackError` listing all
    problems when any scenario is invalid or two share an id."""
    if len(content) > MAX_PACK_BYTES:
        raise PackError(
            [_("{name}: het bestand is te groot voor een casuspakket.").format(name=name)]
        )
    documents: list[tuple[str, str]] = []
    origins: dict[str, str] = {}
    manifest_problems: list[str] = []
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
                    if info.filename == MANIFEST:
                        try:
                            origins.update(_pack_origins(read_yaml(text, MANIFEST), MANIFEST))
                        except (ScenarioError, PackError) as error:
                            manifest_problems.extend(f"{name}/{p}" for p in error.problems)
                        continue
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

    problems: list[str] = list(manifest_problems)
    scenarios: list[Scenario] = []
    for text, source in documents:
        try:
            data = read_yaml(text, source)
            origins.update(_pack_origins(data, source))
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
    known = _origins(scenarios, origins)
    return [PackEntry(scenario, known[scenario.id]) for scenario in scenarios]


def read_pack(path: Path) -> list[Scenario]:
    return [entry.scenario for entry in read_pack_file(path)]


def read_pack_file(path: Path) -> list[PackEntry]:
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
    return read_pack_entries(content, path.name)


# --------------------------------------------------------------------------- import plan

StepKind = Literal["new", "update", "same", "older", "conflict"]


@dataclass(frozen=True)
class ImportStep:
    """What importing one pack entry does; ``message`` is Dutch, ``diff`` the YAML lines
    that change for an update."""

    entry: PackEntry
    kind: StepKind
    origin: str  # where it is kept here
    message: str
    current_version: int | None = None
    diff: tuple[str, ...] = ()

    @property
    def applies(self) -> bool:
        return self.kind in ("new", "update")


def plan_import(library: ScenarioLibrary, entries: Iterable[PackEntry]) -> list[ImportStep]:
    """Compare a pack with the library: new, newer (update with diff), the same, older
    (refused) or the same version with other content (refused)."""
    present = {scenario.id: (scenario, origin) for scenario, origin in library.with_origins()}
    bundled = {scenario.id for scenario in bundled_scenarios()}
    steps: list[ImportStep] = []
    for entry in entries:
        scenario = entry.scenario
        here = present.get(scenario.id)
        origin = "builtin" if scenario.id in bundled else entry.origin
        if here is not None:
            origin = here[1]  # an update keeps the origin it has here: built-ins stay built-ins
        words = {"id": scenario.id, "version": scenario.version}
        if here is None:
            steps.append(
                ImportStep(
                    entry, "new", origin, _("'{id}' versie {version}: nieuw.").format(**words)
                )
            )
            continue
        current = here[0]
        words["current"] = current.version
        if scenario.version > current.version:
            diff = tuple(
                line.rstrip("\n")
                for line in difflib.unified_diff(
                    current.to_yaml().splitlines(),
                    scenario.to_yaml().splitlines(),
                    f"{scenario.id} {_('versie')} {current.version}",
                    f"{scenario.id} {_('versie')} {scenario.version}",
                    lineterm="",
                    n=1,
                )
            )
            message = _("'{id}': versie {current} wordt bijgewerkt naar versie {version}.")
            steps.append(
                ImportStep(entry, "update", origin, message.format(**words), current.version, diff)
            )
        elif scenario.version < current.version:
            message = _(
                "'{id}' versie {version} is ouder dan de aanwezige versie {current}: "
                "niet geïmporteerd."
            )
            steps.append(
                ImportStep(entry, "older", origin, message.format(**words), current.version)
            )
        elif scenario == current:
            message = _("'{id}' versie {version} is al aanwezig.")
            steps.append(
                ImportStep(entry, "same", origin, message.format(**words), current.version)
            )
        else:
            message = _(
                "'{id}' versie {version} verschilt van de aanwezige casus met dezelfde "
                "versie: niet geïmporteerd (verhoog de versie in het pakket)."
            )
            steps.append(
                ImportStep(entry, "conflict", origin, message.format(**words), current.version)
            )
    return steps


# --------------------------------------------------------------------------- library


def library_folder(data_dir: Path) -> Path:
    """Where a trainer's own scenarios live (beside the training database)."""
    return Path(data_dir) / "training" / "scenarios"


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

    def origins(self) -> dict[str, str]:
        return {scenario.id: origin for scenario, origin in self._all()}

    def apply_import(self, steps: Iterable[ImportStep]) -> list[Scenario]:
        """Save the new and updated scenarios of an import plan (others are left)."""
        saved = []
        for step in steps:
            if step.applies:
                self.save(step.entry.scenario, origin=step.origin)
                saved.append(step.entry.scenario)
        return saved

    def import_pack(self, path: Path) -> list[ImportStep]:
        """Validate a whole pack, then import what is new or newer; returns the plan."""
        steps = plan_import(self, read_pack_file(path))
        self.apply_import(steps)
        return steps


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

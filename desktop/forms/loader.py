"""Reading form definitions: the shipped ones (``load_form``) and any file (``load_form_file``).

Shipped definitions live in ``desktop/forms/definitions/<id>-v<version>.yaml`` and are
read through :mod:`importlib.resources` (so they work from a frozen build). Every problem
is reported with its place in the file, e.g.
``sections[2].fields[4].visible_if: unknown field 'youth.brithdate'``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from desktop.forms.model import FormDefinition, FormDefinitionError

DEFINITIONS_PACKAGE = "desktop.forms"
DEFINITIONS_DIR = "definitions"
_NAME = re.compile(r"^(?P<id>[a-z][a-z0-9_]*)-v(?P<version>[0-9A-Za-z._-]+)\.yaml$")


def _place(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _problems(error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(
            part
            for part in item["loc"]
            # pydantic adds the validator kind ("function-after[...]") to some places
            if not (isinstance(part, str) and "[" in part)
        )
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif item["type"] == "missing":
            message = "required key is missing"
        problems.append(f"{_place(loc)}: {message}")
    return problems


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A YAML loader that refuses duplicate mapping keys instead of keeping the last."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"duplicate key {key!r}",
                key_node.start_mark,
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def parse_form(text: str, source: str = "<text>") -> FormDefinition:
    """Validate a form definition given as YAML text; raise :class:`FormDefinitionError`."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as error:
        raise FormDefinitionError([f"not valid YAML: {error}"], source) from None
    if not isinstance(data, dict):
        raise FormDefinitionError(["(top level): expected a mapping of keys"], source)
    return form_from_data(data, source)


def form_from_data(data: dict[str, Any], source: str = "<data>") -> FormDefinition:
    """Validate a form definition already read into Python data."""
    try:
        return FormDefinition.model_validate(data)
    except ValidationError as error:
        raise FormDefinitionError(_problems(error), source) from None
    except FormDefinitionError as error:
        raise FormDefinitionError(error.problems, source) from None


def load_form_file(path: str | Path) -> FormDefinition:
    """Read and validate a definition file (tests, a region's own format)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FormDefinitionError([f"cannot read the file: {error}"], str(path)) from None
    form = parse_form(text, str(path))
    expected = _NAME.match(path.name)
    if expected and (expected["id"], expected["version"]) != form.key:
        raise FormDefinitionError(
            [f"id/version: the file name says {expected['id']} v{expected['version']}, "
             f"the file says {form.id} v{form.version}"],
            str(path),
        )  # fmt: skip
    return form


def load_form(form_id: str = "intake", version: str = "1") -> FormDefinition:
    """A shipped definition, cached. A case opens with the form id and version it stores."""
    return _load_shipped(str(form_id), str(version))


@lru_cache(maxsize=32)
def _load_shipped(form_id: str, version: str) -> FormDefinition:
    name = f"{form_id}-v{version}.yaml"
    resource = resources.files(DEFINITIONS_PACKAGE).joinpath(DEFINITIONS_DIR, name)
    if not _NAME.match(name) or not resource.is_file():
        available = ", ".join(f"{i} v{v}" for i, v in available_forms()) or "none"
        raise FormDefinitionError(
            [f"no shipped form {form_id!r} version {version!r} (available: {available})"], name
        )
    form = parse_form(resource.read_text(encoding="utf-8"), name)
    if form.key != (form_id, version):
        raise FormDefinitionError(
            [f"id/version: the file says {form.id} v{form.version}"], name
        )  # fmt: skip
    return form


def available_forms() -> list[tuple[str, str]]:
    """The shipped ``(form id, version)`` pairs."""
    folder = resources.files(DEFINITIONS_PACKAGE).joinpath(DEFINITIONS_DIR)
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((match["id"], match["version"]))
    return sorted(found, key=lambda pair: (pair[0], _version_key(pair[1])))


def latest_version(form_id: str = "intake") -> str:
    """The newest shipped version of a form (new cases start with it)."""
    versions = [version for fid, version in available_forms() if fid == form_id]
    if not versions:
        raise FormDefinitionError([f"no shipped form {form_id!r}"])
    return versions[-1]


def _version_key(version: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(p), "") if p.isdigit() else (0, p) for p in re.split(r"[._-]", version))

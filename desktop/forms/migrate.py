"""Moving a case's answers from one version of a form to another, as the newer one declares.

A newer definition lists ``migrations:`` entries (``from_version``, ``rename``, ``drop``,
``add`` with a default, ``rename_options``). :func:`migrate_answers` applies the entry for
the case's version and reports every change, so nothing disappears silently: values that
have no place in the new version are listed in ``report.dropped``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from desktop.forms.model import FormDefinition
from desktop.forms.values import validate_value


class MigrationError(Exception):
    """The newer form declares no way to migrate from the case's form version."""


@dataclass
class MigrationReport:
    """What :func:`migrate_answers` changed."""

    from_version: str
    to_version: str
    renamed: dict[str, str] = field(default_factory=dict)
    added: dict[str, Any] = field(default_factory=dict)
    options_renamed: dict[str, dict[str, str]] = field(default_factory=dict)
    dropped: dict[str, Any] = field(default_factory=dict)
    invalid: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.renamed or self.added or self.options_renamed or self.dropped)


def _rename_option(value: Any, renames: Mapping[str, str]) -> tuple[Any, dict[str, str]]:
    """The value with renamed options, and which options were renamed."""
    if isinstance(value, str) and value in renames:
        return renames[value], {value: renames[value]}
    if isinstance(value, list):
        done = {item: renames[item] for item in value if isinstance(item, str) and item in renames}
        if done:
            return [done.get(item, item) if isinstance(item, str) else item for item in value], done
    return value, {}


def migrate_answers(
    answers: Mapping[str, Any], from_form: FormDefinition, to_form: FormDefinition
) -> tuple[dict[str, Any], MigrationReport]:
    """Answers of ``from_form`` as answers of ``to_form``, and a report of the changes.

    Values that still do not fit the new version are kept and listed in
    ``report.invalid`` (the engine shows them as field errors).
    """
    if from_form.id != to_form.id:
        raise MigrationError(f"cannot migrate form {from_form.id!r} to form {to_form.id!r}")
    report = MigrationReport(from_form.version, to_form.version)
    if from_form.version == to_form.version:
        return dict(answers), report
    migration = to_form.migration_from(from_form.version)
    if migration is None:
        raise MigrationError(
            f"{to_form.id} v{to_form.version} declares no migration from v{from_form.version}"
        )
    out: dict[str, Any] = {}
    for key, value in answers.items():
        if key in migration.drop:
            report.dropped[key] = value
            continue
        new_key = migration.rename.get(key, key)
        if new_key != key:
            report.renamed[key] = new_key
        renames = migration.rename_options.get(new_key)
        if renames:
            value, done = _rename_option(value, renames)
            if done:
                report.options_renamed[new_key] = done
        if not to_form.has_field(new_key):
            report.dropped[key] = value
            continue
        out[new_key] = value
    for key, default in migration.add.items():
        if key not in out:
            out[key] = default
            report.added[key] = default
    for key, value in out.items():
        _, error = validate_value(to_form.field(key), value)
        if error is not None:
            report.invalid[key] = error
    return out, report

"""Reading a provider directory (sociale kaart) from CSV for `providers import`.

Columns (header row, UTF-8, comma-separated): `id` and `name` are required; optional are
`organisation, services, phone, email, address, postcode, city, hours, crisis_beds, notes`.
`services` holds several values separated by `;`. Empty cells are absent values.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from pydantic import ValidationError

from doorloop_protocol import Provider

REQUIRED = ("id", "name")
OPTIONAL = (
    "organisation",
    "services",
    "phone",
    "email",
    "address",
    "postcode",
    "city",
    "hours",
    "crisis_beds",
    "notes",
)


class ProviderCsvError(ValueError):
    """A CSV problem, naming the line and the column."""

    def __init__(self, line: int, column: str | None, message: str) -> None:
        where = f"line {line}" + (f", column {column!r}" if column else "")
        super().__init__(f"{where}: {message}")
        self.line = line
        self.column = column


def parse_providers(text: str, region: str) -> list[Provider]:
    """All rows of the CSV as providers of `region`; raises ProviderCsvError on any bad row."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ProviderCsvError(1, missing[0], "required column is missing")
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if unknown:
        raise ProviderCsvError(1, unknown[0], "unknown column")
    providers: list[Provider] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            raise ProviderCsvError(line, None, "more cells than columns")
        values: dict[str, Any] = {"region": region}
        for column, cell in row.items():
            cell = (cell or "").strip()
            if not cell:
                continue
            if column == "services":
                values[column] = [s.strip() for s in cell.split(";") if s.strip()]
            elif column == "crisis_beds":
                try:
                    values[column] = int(cell)
                except ValueError as exc:
                    raise ProviderCsvError(line, column, "must be a whole number") from exc
            else:
                values[column] = cell
        try:
            provider = Provider.model_validate(values)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            column = str(first["loc"][0]) if first["loc"] else None
            raise ProviderCsvError(line, column, str(first["msg"])) from exc
        if provider.id in seen:
            raise ProviderCsvError(line, "id", f"duplicate of line {seen[provider.id]}")
        seen[provider.id] = line
        providers.append(provider)
    return providers

"""The central API's error catalogue: every code is listed once, numbers are never
shared, and docs/central-api.md documents each (the desk's authors code against it)."""

from __future__ import annotations

import re
from pathlib import Path

from central_api import errors
from central_api.errors import CATALOGUE, ErrorCode

DOC = Path(__file__).resolve().parents[2] / "docs" / "central-api.md"


def test_every_error_code_is_in_the_catalogue_once() -> None:
    defined = [value for value in vars(errors).values() if isinstance(value, ErrorCode)]
    assert sorted(c.errno for c in defined) == sorted(c.errno for c in CATALOGUE)
    assert len({c.errno for c in CATALOGUE}) == len(CATALOGUE)
    assert len({c.code for c in CATALOGUE}) == len(CATALOGUE)


def test_the_protocol_document_lists_each_code_with_its_number_and_status() -> None:
    rows = re.findall(r"^\| (\d+) \| `(\w+)` \| (\d+) \|", DOC.read_text(encoding="utf-8"), re.M)
    documented = {(int(errno), code, int(status)) for errno, code, status in rows}
    assert documented == {(c.errno, c.code, c.status) for c in CATALOGUE}

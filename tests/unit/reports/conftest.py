"""Shared fixtures for the report tests: the synthetic case, the form, PDF text."""

from __future__ import annotations

import copy
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypdf
import pytest

from desktop.forms import FormDefinition, load_form

FIXTURES = Path(__file__).parent / "fixtures"
PRINTED_AT = datetime(2026, 11, 23, 4, 40, tzinfo=UTC)  # 05:40 in Amsterdam


def load_case(name: str = "case_16plus.json") -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def pdf_pages(pdf: bytes) -> list[str]:
    """The extracted text of each page."""
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def squash(text: str) -> str:
    """Text with all whitespace runs as one space (line wrapping differs per layout)."""
    return " ".join(text.split())


def with_answers(case: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of ``case`` with answers changed; ``None`` removes an answer.

    Keyword names use ``__`` for the dot: ``youth__birth_date="2012-01-01"``.
    """
    changed = copy.deepcopy(case)
    for key, value in changes.items():
        field_id = key.replace("__", ".")
        if value is None:
            changed["answers"].pop(field_id, None)
        else:
            changed["answers"][field_id] = value
    return changed


@pytest.fixture
def case() -> dict[str, Any]:
    return load_case()


@pytest.fixture(scope="session")
def form() -> FormDefinition:
    return load_form("intake", "1")


@pytest.fixture
def printed() -> dict[str, Any]:
    return {"printed_by": "Tessa Bakker", "printed_at": PRINTED_AT}

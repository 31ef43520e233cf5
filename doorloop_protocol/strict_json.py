"""Strict JSON for files people hand to a command line: one reading, one set of messages.

Used by ``python -m legal_rules evaluate`` and ``doorloop match``: UTF-8 (a BOM allowed),
no duplicate keys, no ``NaN``/``Infinity``, and no nesting deep enough to exhaust the
parser. Every refusal is an ``InputError`` whose message says what is wrong and where.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn


class InputError(Exception):
    """The input could not be read as one strict JSON document."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InputError(f"{key}: appears more than once")
        result[key] = value
    return result


def _no_constants(name: str) -> NoReturn:
    raise InputError(f"{name} is not valid JSON")


def parse(raw: bytes | str) -> object:
    """The JSON document in ``raw`` (bytes are decoded as UTF-8)."""
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as error:
        raise InputError("input is not UTF-8 text") from error
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except json.JSONDecodeError as error:
        raise InputError(
            f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from error
    except (ValueError, RecursionError) as error:
        raise InputError(f"not valid JSON: {error}") from error

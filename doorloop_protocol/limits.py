"""Limits on what travels over the wire, and a JSON reader that stays within them.

Both ends use these: the central API refuses an item over a limit on its own (the other
items of the batch are stored), and the desk's pull reads a page change by change, so
one unreadable change is set aside instead of stopping the region.

Nesting is measured without recursion (Python's ``json`` recurses once per level and
fails with ``RecursionError`` at about 1,000 levels; pydantic's parser stops at 200), so
no input, however deep, can make either end crash: :func:`depth_exceeds` peels bracket
pairs with C-speed regular expressions, and :func:`split_top_level` walks the tokens of
one level iteratively.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

#: Largest push body the server reads (bytes); larger bodies answer 413.
MAX_BODY_BYTES = 16 * 1024 * 1024
#: Largest single item (its stored JSON, bytes); larger items are rejected on their own.
MAX_ITEM_BYTES = 1024 * 1024
#: Deepest nesting inside one item (the item object itself is level 1). The desk's
#: answers are a flat object of field ids with lists for multiple choices: 3-4 levels.
MAX_ITEM_DEPTH = 32
#: Deepest nesting of a whole push body or pull page: envelope, list, change, data, item.
MAX_ENVELOPE_DEPTH = MAX_ITEM_DEPTH + 3

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_BRACKETS = bytes.maketrans(b"{}", b"[]")
_EMPTY_PAIRS = re.compile(rb"\[\]")


def depth_exceeds(raw: bytes, limit: int) -> bool:
    """True when the JSON text ``raw`` nests deeper than ``limit`` (or its brackets do not
    pair up, which a parser refuses anyway). Strings are skipped; no recursion."""
    brackets = _STRING.sub(b"", raw).translate(_BRACKETS, _NOT_BRACKET)
    for _ in range(limit):
        if not brackets:
            return False
        brackets = _EMPTY_PAIRS.sub(b"", brackets)
    return bool(brackets)


def too_deep(value: Any, limit: int) -> bool:
    """True when ``value`` (decoded dicts and lists) nests deeper than ``limit``, the value
    itself being level 1. Iterative; only containers are visited."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(current, dict):
            stack.extend((v, depth + 1) for v in current.values() if isinstance(v, dict | list))
        elif isinstance(current, list):
            stack.extend((v, depth + 1) for v in current if isinstance(v, dict | list))
    return False


def first_non_finite(value: Any, path: str = "") -> str | None:
    """The path of the first NaN or ±Infinity in ``value`` (JSON has no such numbers)."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, float):
            if not math.isfinite(current):
                return where or "value"
        elif isinstance(current, dict):
            stack.extend((v, f"{where}.{k}" if where else str(k)) for k, v in current.items())
        elif isinstance(current, list):
            stack.extend((v, f"{where}.{i}" if where else str(i)) for i, v in enumerate(current))
    return None


class JsonLimitError(ValueError):
    """A JSON text over a limit or not readable; ``field`` names where, when known."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Member:
    """One value at the top level of a JSON object (``key``) or array (``key`` None)."""

    key: str | None
    raw: bytes


_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},:]')


def split_top_level(raw: bytes) -> tuple[str, list[Member]]:
    """Split the JSON object or array ``raw`` into its top-level values, without parsing
    (or recursing into) them. Returns ("object" | "array", members).

    Raises JsonLimitError when ``raw`` is not an object or array whose brackets close.
    Keys are decoded; values are returned as raw bytes for the caller to read one by one.
    """
    text = raw.strip()
    if not text or text[:1] not in b"[{" or text[-1:] not in b"]}":
        raise JsonLimitError("not a JSON object or array")
    kind = "object" if text[:1] == b"{" else "array"
    members: list[Member] = []
    depth = 0
    start = 1
    key: str | None = None
    expect_key = kind == "object"
    for match in _TOKEN.finditer(text):
        token = match.group()
        first = token[:1]
        if first == b'"':
            if depth == 1 and expect_key:
                try:
                    key = json.loads(token)
                except ValueError as exc:
                    raise JsonLimitError("a key is not a valid string") from exc
            continue
        if first in b"[{":
            depth += 1
            continue
        if first in b"]}":
            depth -= 1
            if depth < 0:
                raise JsonLimitError("brackets do not pair up")
            if depth == 0:
                if match.end() != len(text):
                    raise JsonLimitError("text after the closing bracket")
                _close(text, start, match.start(), kind, key, members)
                return kind, members
            continue
        if depth != 1:
            continue
        if first == b":":
            if kind != "object" or not expect_key:
                raise JsonLimitError("a ':' out of place")
            expect_key = False
            start = match.end()
        elif first == b",":
            _close(text, start, match.start(), kind, key, members)
            start = match.end()
            key = None
            expect_key = kind == "object"
    raise JsonLimitError("the JSON text ends before its brackets close")


def _close(
    text: bytes, start: int, end: int, kind: str, key: str | None, members: list[Member]
) -> None:
    value = text[start:end].strip()
    if not value:
        if members or key is not None:
            raise JsonLimitError("an empty value")
        return  # "{}" or "[]"
    if kind == "object" and key is None:
        raise JsonLimitError("a value without a key")
    members.append(Member(key, value))


def load_bounded(
    raw: bytes, *, depth: int = MAX_ITEM_DEPTH, field: str | None = None, constants: bool = False
) -> Any:
    """``json.loads`` that refuses (JsonLimitError) text nested deeper than ``depth``
    instead of recursing without bound, and NaN/Infinity unless ``constants`` (then they
    are read as floats, for a model to refuse naming the field)."""
    if depth_exceeds(raw, depth):
        raise JsonLimitError(f"nested deeper than {depth} levels", field)
    try:
        if constants:
            return json.loads(raw)
        return json.loads(raw, parse_constant=_refuse_constant)
    except JsonLimitError as exc:
        raise JsonLimitError(str(exc), field) from exc
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise JsonLimitError(f"not valid JSON: {exc}", field) from exc


def _refuse_constant(name: str) -> Any:
    raise JsonLimitError(f"{name} is not a JSON number")


def deepest_member(raw: bytes, limit: int) -> str | None:
    """The key (or index) of the first top-level value of ``raw`` nested deeper than
    ``limit`` - 1 levels (``raw`` itself being level 1), or None."""
    try:
        kind, members = split_top_level(raw)
    except JsonLimitError:
        return None
    for index, member in enumerate(members):
        if depth_exceeds(member.raw, limit - 1):
            return member.key if kind == "object" else str(index)
    return None

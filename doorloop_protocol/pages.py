"""Reading a pull page change by change, so one unreadable change never stops a desk.

The whole page is validated in one pass first (the usual case). When that fails, the
page's envelope (``changes``, ``next_since``, ``has_more``) is split without decoding
deeper, and each change is read on its own within the limits of
``doorloop_protocol.limits``: changes that fail come back as :class:`UnreadableChange`
for the desk to set aside visibly, and its cursor moves on past them. Only a page whose
envelope cannot be read (a body cut short on the way) raises :class:`PageUnreadable`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from doorloop_protocol.limits import (
    MAX_ENVELOPE_DEPTH,
    MAX_ITEM_DEPTH,
    JsonLimitError,
    depth_exceeds,
    load_bounded,
    split_top_level,
)
from doorloop_protocol.models import Change, PullResponse

_CHANGE = TypeAdapter(Change)
_CHANGE_DEPTH = MAX_ITEM_DEPTH + 1  # the change object around its data


class PageUnreadable(ValueError):
    """The page's envelope cannot be read: nothing of it can be used."""


@dataclass(frozen=True)
class UnreadableChange:
    """A change of a page that could not be read; what is known of it, and why."""

    seq: int | None
    kind: str | None
    id: str | None
    problem: str


@dataclass(frozen=True)
class PullPage:
    """A pull page as the desk uses it: the readable changes, the unreadable ones, and
    the cursor (``next_since`` moves past both)."""

    changes: list[Any]
    next_since: int
    has_more: bool
    unreadable: list[UnreadableChange] = field(default_factory=list)


def read_pull_page(raw: bytes) -> PullPage:
    """Read a `GET /v1/sync/pull` body; raises PageUnreadable for an unusable envelope."""
    if not depth_exceeds(raw, MAX_ENVELOPE_DEPTH):
        try:
            whole = PullResponse.model_validate_json(raw)
        except ValidationError:
            pass
        else:
            return PullPage(list(whole.changes), whole.next_since, whole.has_more)
    try:
        kind, members = split_top_level(raw)
    except JsonLimitError as exc:
        raise PageUnreadable(f"the page is not a JSON object: {exc}") from exc
    if kind != "object":
        raise PageUnreadable("the page is not a JSON object")
    envelope = {member.key: member.raw for member in members}
    next_since = _scalar(envelope.get("next_since"))
    has_more = _scalar(envelope.get("has_more"))
    if type(next_since) is not int or next_since < 0 or not isinstance(has_more, bool):
        raise PageUnreadable("the page has no usable next_since and has_more")
    try:
        inner, elements = split_top_level(envelope.get("changes") or b"")
    except JsonLimitError as exc:
        raise PageUnreadable(f"the page's changes are not a list: {exc}") from exc
    if inner != "array":
        raise PageUnreadable("the page's changes are not a list")
    changes: list[Any] = []
    unreadable: list[UnreadableChange] = []
    for element in elements:
        try:
            changes.append(_CHANGE.validate_python(load_bounded(element.raw, depth=_CHANGE_DEPTH)))
        except (JsonLimitError, ValidationError) as exc:
            unreadable.append(_describe(element.raw, exc))
    return PullPage(changes, next_since, has_more, unreadable)


def _scalar(raw: bytes | None) -> Any:
    if raw is None or depth_exceeds(raw, 1):
        return None
    try:
        return load_bounded(raw, depth=1)
    except JsonLimitError:
        return None


def _describe(raw: bytes, exc: Exception) -> UnreadableChange:
    """What can be told about an unreadable change: its seq, kind and id when readable."""
    known: dict[str, Any] = {}
    try:
        kind, members = split_top_level(raw)
    except JsonLimitError:
        kind, members = "", []
    if kind == "object":
        for member in members:
            if member.key in ("seq", "kind", "id"):
                known[member.key] = _scalar(member.raw)
    seq = known.get("seq")
    if isinstance(exc, ValidationError):
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        problem = f"{where}: {first['msg']}" if where else str(first["msg"])
    else:
        problem = str(exc)
    return UnreadableChange(
        seq=seq if type(seq) is int else None,
        kind=known["kind"] if isinstance(known.get("kind"), str) else None,
        id=known["id"][:200] if isinstance(known.get("id"), str) else None,
        problem=problem[:500],
    )

"""Reading a push body: the envelope, each item as its model or as its rejection naming
the field, and each item hashed and serialised for storage (outside the sequence lock).

Nothing is ever decoded deeper than the limits (`doorloop_protocol.limits`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from central_api import errors
from central_api.errors import ApiError
from doorloop_protocol import (
    MAX_BATCH_AUDIT_EVENTS,
    MAX_BATCH_REFERRAL_EVENTS,
    MAX_BATCH_VERSIONS,
    TEXT_CHECKED,
    AuditEventItem,
    PushRequest,
    PushResult,
    ReferralEventItem,
    VersionItem,
    content_hash,
    json_text_is_storable,
)
from doorloop_protocol.limits import (
    MAX_ITEM_BYTES,
    MAX_ITEM_DEPTH,
    JsonLimitError,
    deepest_member,
    depth_exceeds,
    load_bounded,
    split_top_level,
    too_deep,
)


def field_of(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


PUSH_BODY_DEPTH = MAX_ITEM_DEPTH + 2  # envelope, list, item


def _rejected(item_id: str, field: str | None, message: str) -> PushResult:
    return PushResult(
        id=item_id[:100],
        result="rejected",
        stored=False,
        reason="invalid",
        field=field,
        message=message,
    )


_ITEM_KEYS = {"version": "version_id", "audit_event": "event_id", "referral_event": "event_id"}
_LISTS = ("versions", "audit_events", "referral_events")


def _item_rejection(
    kind: str,
    index: int,
    raw: Any,
    model: type[VersionItem] | type[AuditEventItem] | type[ReferralEventItem],
) -> VersionItem | AuditEventItem | ReferralEventItem | PushResult:
    """One pushed item (decoded JSON, or the raw bytes of an item the body was too deep
    to decode whole) as its model, or its rejection naming the field."""
    key = _ITEM_KEYS[kind]
    position = f"{kind}s.{index}"
    if isinstance(raw, bytes):
        if len(raw) > MAX_ITEM_BYTES:
            return _rejected(f"#{index}", _largest_member(raw) or position, _too_large())
        try:
            raw = load_bounded(raw, depth=MAX_ITEM_DEPTH, constants=True)
        except JsonLimitError as exc:
            is_object = raw.lstrip()[:1] == b"{"
            field = (deepest_member(raw, MAX_ITEM_DEPTH) if is_object else None) or position
            return _rejected(f"#{index}", field, str(exc))
    item_id = str(raw.get(key)) if isinstance(raw, dict) and raw.get(key) else f"#{index}"
    if not isinstance(raw, dict):
        return _rejected(item_id, position, "An item must be a JSON object.")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        return _rejected(item_id, field_of(first["loc"]), str(first["msg"]))


def _too_large() -> str:
    return f"The item is larger than {MAX_ITEM_BYTES} bytes."


def _largest_member(raw: bytes) -> str | None:
    try:
        kind, members = split_top_level(raw)
    except JsonLimitError:
        return None
    if kind != "object" or not members:
        return None
    return max(members, key=lambda m: len(m.raw)).key


def _envelope(body: bytes) -> dict[str, Any]:
    """The push body's top-level members: decoded when shallow, else as raw lists of
    item bytes (never decoded deeper than the envelope). Raises ApiError (422)."""
    if not depth_exceeds(body, PUSH_BODY_DEPTH):
        try:
            decoded = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(errors.MALFORMED_JSON, f"The body is not valid JSON: {exc}") from exc
        if not isinstance(decoded, dict):
            raise ApiError(errors.INVALID_REQUEST, "The body must be a JSON object.", field="body")
        return decoded
    try:
        kind, members = split_top_level(body)
    except JsonLimitError as exc:
        raise ApiError(errors.MALFORMED_JSON, f"The body is not valid JSON: {exc}") from exc
    if kind != "object":
        raise ApiError(errors.INVALID_REQUEST, "The body must be a JSON object.", field="body")
    data: dict[str, Any] = {}
    for member in members:
        name = member.key or ""
        if name not in _LISTS:
            data[name] = None
            continue
        try:
            inner, elements = split_top_level(member.raw)
        except JsonLimitError:
            inner, elements = "", []
        if inner != "array":
            raise ApiError(errors.INVALID_REQUEST, "Must be a list.", field=name)
        data[name] = [element.raw for element in elements]
    return data


def parse_push(body: bytes) -> tuple[list[Any], list[Any], list[Any]]:
    """Split a push body into per-item models or rejections; envelope errors raise 422.

    A valid batch (the usual case) is validated in one pass from the JSON bytes; only a
    batch with a problem is parsed again item by item, to name each bad item. Nothing is
    ever decoded deeper than the limits (``doorloop_protocol.limits``): an item nested
    too deep is rejected on its own, the rest of its batch is read as usual.
    """
    context = {TEXT_CHECKED: True} if json_text_is_storable(body) else None
    try:
        # pydantic's parser stops at 200 levels: deeper bodies fail here and go below
        whole = PushRequest.model_validate_json(body, context=context)
    except ValidationError:
        pass
    else:
        parsed: list[VersionItem | AuditEventItem | ReferralEventItem] = [
            *whole.versions,
            *whole.audit_events,
            *whole.referral_events,
        ]
        if not any(_nested_too_deep(item) for item in parsed):
            return list(whole.versions), list(whole.audit_events), list(whole.referral_events)
    data = _envelope(body)
    unknown = sorted(set(data) - set(_LISTS))
    if unknown:
        raise ApiError(errors.INVALID_REQUEST, "Unknown field.", field=unknown[0])
    raw_versions = data.get("versions", [])
    raw_events = data.get("audit_events", [])
    raw_referrals = data.get("referral_events", [])
    for name, raw, limit in (
        ("versions", raw_versions, MAX_BATCH_VERSIONS),
        ("audit_events", raw_events, MAX_BATCH_AUDIT_EVENTS),
        ("referral_events", raw_referrals, MAX_BATCH_REFERRAL_EVENTS),
    ):
        if not isinstance(raw, list):
            raise ApiError(errors.INVALID_REQUEST, "Must be a list.", field=name)
        if len(raw) > limit:
            raise ApiError(errors.INVALID_REQUEST, f"At most {limit} items per batch.", field=name)
    versions = [
        _item_rejection("version", i, raw, VersionItem) for i, raw in enumerate(raw_versions)
    ]
    events = [
        _item_rejection("audit_event", i, raw, AuditEventItem) for i, raw in enumerate(raw_events)
    ]
    referrals = [
        _item_rejection("referral_event", i, raw, ReferralEventItem)
        for i, raw in enumerate(raw_referrals)
    ]
    return versions, events, referrals


def _nested_too_deep(item: VersionItem | AuditEventItem | ReferralEventItem) -> bool:
    """True when a free-form field of a parsed item nests deeper than the item limit
    (the fast path skips the per-field checks; this walks only the containers)."""
    fields: tuple[Any, ...]
    if isinstance(item, VersionItem):
        fields = (item.answers, item.legal_flags)
    elif isinstance(item, ReferralEventItem):
        fields = (item.payload,)
    else:
        fields = (item.details,)
    return any(too_deep(value, MAX_ITEM_DEPTH - 1) for value in fields)


def _item_rule(item: VersionItem | AuditEventItem | ReferralEventItem) -> tuple[str, str] | None:
    """A problem of a parsed item that its model cannot see: (field, message) or None."""
    if isinstance(item, VersionItem):
        if item.base_version_id == item.version_id:
            return "base_version_id", "A version cannot be based on itself."
        if item.version_id in item.resolves:
            return "resolves", "A version cannot resolve itself."
        if item.base_version_id is not None and item.base_version_id in item.resolves:
            return "resolves", "A version cannot resolve its own base."
    return None


_DEVICE = {"device_id"}


def prepare_push(
    versions: list[Any], events: list[Any], device_id: str, referral_events: list[Any] | None = None
) -> tuple[list[Any], list[Any], list[Any], dict[int, tuple[str, str]]]:
    """Hash and serialise each parsed item (outside the sequence lock); an item over
    the size limit or breaking a rule of its own becomes its rejection.

    A version is stored with the pushing device (`device_id`, from the token) as its
    `device_id`: where it was sent from is the server's fact, not the body's claim (it is
    not part of the content, so retries from another device stay duplicates)."""
    prepared: dict[int, tuple[str, str]] = {}
    device = UUID(device_id)

    def check(kind: str, items: list[Any]) -> list[Any]:
        out: list[Any] = []
        key = _ITEM_KEYS[kind]
        for item in items:
            if isinstance(item, PushResult):
                out.append(item)
                continue
            item_id = str(getattr(item, key))
            problem = _item_rule(item)
            if problem is not None:
                out.append(_rejected(item_id, *problem))
                continue
            if isinstance(item, VersionItem | ReferralEventItem):  # the token's device, last
                stored = item.model_dump_json(exclude=_DEVICE)[:-1] + f',"device_id":"{device}"}}'
            else:
                stored = item.model_dump_json()
            if len(stored) > MAX_ITEM_BYTES:
                sizes = {
                    name: len(json.dumps(value))
                    for name, value in item.model_dump(mode="json").items()
                }
                out.append(_rejected(item_id, max(sizes, key=sizes.__getitem__), _too_large()))
                continue
            prepared[id(item)] = (content_hash(item), stored)
            out.append(item)
        return out

    return (
        check("version", versions),
        check("audit_event", events),
        check("referral_event", referral_events or []),
        prepared,
    )

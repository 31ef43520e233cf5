"""The sync protocol's wire models (desk ⇄ central API) and the canonical content hash.

Both the desk's sync client and the central API import these; they are the single source
of truth for what travels over `/v1/auth/login`, `/v1/sync/push` and `/v1/sync/pull`
(the protocol is written down in `docs/central-api.md`). No Qt, no I/O.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    ValidationInfo,
)

from doorloop_protocol.limits import MAX_ITEM_DEPTH, first_non_finite, too_deep
from doorloop_protocol.vocab import ROLES as ROLES
from doorloop_protocol.vocab import CaseStatus, Role

PushOutcome = Literal["created", "duplicate", "conflict", "rejected", "held"]
ChangeKind = Literal[
    "case_version",
    "case_state",
    "provider",
    "form_definition",
    "tombstone",
    "referral_event",
    "directory_unit",
    "directory_organization",
    "directory_region",
]
ReferralMove = Literal[
    "request", "receive", "accept", "decline", "start", "complete", "cancel", "breach"
]

MAX_BATCH_VERSIONS = 1000
MAX_BATCH_AUDIT_EVENTS = 5000
MAX_BATCH_REFERRAL_EVENTS = 1000


def check_text(value: Any, path: str = "") -> str | None:
    """Return the path of the first string that a database cannot store, else None.

    PostgreSQL refuses NUL characters in text, and lone UTF-16 surrogates cannot be
    encoded as UTF-8; both can arrive through JSON (`\\u0000`, `\\ud800`).
    """
    if not path and isinstance(value, dict | list):
        # Fast path (C encoder): NUL shows up as an escape, a lone surrogate fails to encode.
        try:
            text = json.dumps(value, ensure_ascii=False)
            text.encode("utf-8")
        except (UnicodeEncodeError, TypeError, ValueError):
            pass
        else:
            if "\\u0000" not in text:
                return None
    if isinstance(value, str):
        if "\x00" in value:
            return path or "value"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or "value"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            found = check_text(key, sub) or check_text(item, sub)
            if found:
                return found
        return None
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = check_text(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


#: Validation context flag: the JSON text being validated passed `json_text_is_storable`,
#: so the per-field text check can be skipped (``model_validate_json(raw, context=...)``).
TEXT_CHECKED = "doorloop.text_checked"

# NUL and (paired or lone) surrogates can only appear in JSON text as escapes; a raw NUL
# byte is matched too, for parsers that let one through.
# NaN and Infinity are not JSON, but Python's and pydantic's parsers accept them; they
# make the closer look run too (which refuses them, see `_storable`).
_SUSPECT_TEXT = re.compile(rb"\x00|\\u(?:0000|[dD][89a-fA-F])|NaN|Infinity")


def json_text_is_storable(raw: bytes) -> bool:
    """True when no string in this JSON text can hold a NUL or a lone surrogate, and
    no number is NaN or Infinity.

    One scan of the bytes instead of a check per field: a batch of 1,000 items is
    checked in well under a millisecond. False means "look closer", not "bad": an
    escaped backslash before ``u0000`` or an emoji's surrogate pair also match.
    """
    return _SUSPECT_TEXT.search(raw) is None


def _storable(value: Any, info: ValidationInfo) -> Any:
    if info.context and info.context.get(TEXT_CHECKED):
        return value
    if isinstance(value, dict | list):
        # a field of an item is at least level 2 of that item
        if too_deep(value, MAX_ITEM_DEPTH - 1):
            raise ValueError(f"nested deeper than {MAX_ITEM_DEPTH} levels in its item")
        number = first_non_finite(value)
        if number is not None:
            raise ValueError(f"NaN or Infinity at {number!r} is not a JSON number")
    found = check_text(value)
    if found is not None:
        raise ValueError(f"contains a NUL character or an invalid code point at {found!r}")
    return value


Text = Annotated[str, AfterValidator(_storable)]
ShortText = Annotated[str, StringConstraints(max_length=200), AfterValidator(_storable)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_storable)]
JsonObject = Annotated[dict[str, Any], AfterValidator(_storable)]


class WireModel(BaseModel):
    """Base of what a desk sends and of the content both sides store: unknown keys are
    refused, so typos never pass silently and the server believes nothing it did not
    check."""

    model_config = ConfigDict(extra="forbid")


class ResponseModel(BaseModel):
    """Base of the envelopes the server answers with (login, push results, the pull's
    page and its change wrappers, errors): a desk reads them tolerantly, ignoring keys it
    does not know, so a newer server may add a key without breaking the desks that were
    not updated yet (an outreach laptop offline during an upgrade). The content inside
    them (versions, case states, providers, forms, tombstones) stays a `WireModel`: a
    field of stored content is never dropped unnoticed."""

    model_config = ConfigDict(extra="ignore")


class FormRef(WireModel):
    id: Name
    version: Name


class BannerShown(WireModel):
    id: Name
    shown_at: AwareDatetime


class VersionItem(WireModel):
    """One immutable version of a case (DESIGN.md contract 4, flattened for the wire).

    `version_id` is the idempotency key. `base_version_id` names the version this one
    replaces (None for the first version of a case). `resolves` lists further head
    versions that this version reconciles (used to end `needs_reconciliation`).
    """

    version_id: UUID
    case_id: UUID
    base_version_id: UUID | None = None
    resolves: list[UUID] = Field(default_factory=list, max_length=50)
    number: int | None = Field(default=None, ge=1, le=1_000_000)
    form: FormRef
    status: CaseStatus
    answers: JsonObject
    region: Name
    training: bool = False
    created_at: AwareDatetime
    updated_at: AwareDatetime
    device_time: AwareDatetime
    created_by: Name
    created_by_name: ShortText | None = None
    device_id: UUID
    reason: Annotated[str, StringConstraints(max_length=2000), AfterValidator(_storable)] | None = (
        None
    )
    legal_flags: Annotated[list[dict[str, Any]], AfterValidator(_storable)] = Field(
        default_factory=list
    )
    legal_decision_date: date | None = None
    banners_shown: list[BannerShown] = Field(default_factory=list)


# The fields whose values make up a version's content (see content_hash).
VERSION_CONTENT_FIELDS: tuple[str, ...] = (
    "case_id",
    "base_version_id",
    "resolves",
    "number",
    "form",
    "status",
    "answers",
    "region",
    "training",
    "created_at",
    "updated_at",
    "created_by",
    "created_by_name",
    "reason",
    "legal_flags",
    "legal_decision_date",
    "banners_shown",
)


class AuditEventItem(WireModel):
    """One audit event from a desk's hash-chained log (NEN 7513); stored append-only."""

    event_id: UUID
    action: Name
    at_utc: AwareDatetime
    at_local: AwareDatetime
    user_id: Name
    display_name: ShortText
    role: Role
    on_behalf_of: ShortText | None = None
    case_id: UUID | None = None
    device_id: UUID
    outcome: Name
    details: JsonObject = Field(default_factory=dict)
    """What the event was about (changed field ids, a reason, what was printed); the
    desk's hash covers it, so the server keeps it to be able to check the chain."""
    prev_hash: ShortText | None = None
    hash: Name


AUDIT_CONTENT_FIELDS: tuple[str, ...] = (
    "action",
    "details",
    "at_utc",
    "at_local",
    "user_id",
    "display_name",
    "role",
    "on_behalf_of",
    "case_id",
    "device_id",
    "outcome",
    "prev_hash",
    "hash",
)


class ReferralEventItem(WireModel):
    """One immutable move of a referral (``coordination.referrals``; domain/coordination.md
    §1). ``event_id`` is the idempotency key; ``after`` the last status event the actor
    saw (None for ``request`` and ``breach``). The move's rules (who, from which status,
    the payload's keys) are checked by ``coordination.referrals.check_move`` on both ends.
    """

    event_id: UUID
    referral_id: UUID
    case_id: UUID
    region: Name
    move: ReferralMove
    actor_id: Name
    actor_role: Name
    actor_organization_id: ShortText | None = None
    actor_name: ShortText | None = None
    device_id: UUID
    at: AwareDatetime
    after: UUID | None = None
    payload: JsonObject = Field(default_factory=dict)


REFERRAL_EVENT_CONTENT_FIELDS: tuple[str, ...] = (
    "referral_id",
    "case_id",
    "region",
    "move",
    "actor_id",
    "actor_role",
    "actor_organization_id",
    "actor_name",
    "at",
    "after",
    "payload",
)


# sets, not frozensets: pydantic types `include` as set or mapping (never modified)
_VERSION_INCLUDE: set[str] = set(VERSION_CONTENT_FIELDS)
_AUDIT_INCLUDE: set[str] = set(AUDIT_CONTENT_FIELDS)
_REFERRAL_INCLUDE: set[str] = set(REFERRAL_EVENT_CONTENT_FIELDS)


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def canonical_json(data: Any) -> str:
    """JSON with sorted keys, no spaces, ASCII only: the same bytes on every machine."""
    return _CANONICAL.encode(data)  # one encoder for all calls (json.dumps makes one each)


def content_hash(item: VersionItem | AuditEventItem | ReferralEventItem) -> str:
    """sha256 (hex) of the canonical JSON of the item's content fields.

    For a version: VERSION_CONTENT_FIELDS (everything except `version_id`, the key itself,
    and `device_id`/`device_time`, which say where and when it was sent from). For an audit
    event: AUDIT_CONTENT_FIELDS (everything except `event_id`). For a referral event:
    REFERRAL_EVENT_CONTENT_FIELDS (not `event_id`, not `device_id`). Datetimes are compared as
    written (offset included), so the client must not re-serialise a sealed version.
    """
    if isinstance(item, VersionItem):
        fields = _VERSION_INCLUDE
    elif isinstance(item, ReferralEventItem):
        fields = _REFERRAL_INCLUDE
    else:
        fields = _AUDIT_INCLUDE
    dumped = item.model_dump(mode="json", include=fields)
    return hashlib.sha256(canonical_json(dumped).encode("ascii")).hexdigest()


class PushRequest(WireModel):
    """Body of `POST /v1/sync/push`. Each item is validated on its own (see PushResult)."""

    versions: list[VersionItem] = Field(default_factory=list, max_length=MAX_BATCH_VERSIONS)
    audit_events: list[AuditEventItem] = Field(
        default_factory=list, max_length=MAX_BATCH_AUDIT_EVENTS
    )
    referral_events: list[ReferralEventItem] = Field(
        default_factory=list, max_length=MAX_BATCH_REFERRAL_EVENTS
    )


class PushResult(ResponseModel):
    """The outcome of one pushed item.

    `stored` is the client's ack rule: True means the server holds this exact item now
    (created, duplicate, held, or conflict with reason `concurrent_version`), so the client
    removes it from its outbox. False means it was not stored (rejected, or conflict with
    reason `same_id_other_content`): the client quarantines it and shows a notice.
    """

    id: str
    result: PushOutcome
    stored: bool
    reason: str | None = None
    field: str | None = None
    message: str | None = None


class PushResponse(ResponseModel):
    versions: list[PushResult]
    audit_events: list[PushResult]
    sync_run_id: int
    referral_events: list[PushResult] = Field(default_factory=list)


class CaseState(WireModel):
    """The server's view of a case: its current head versions and status."""

    case_id: UUID
    region: str
    status: CaseStatus
    head_version_ids: list[UUID]
    needs_reconciliation: bool


class Provider(WireModel):
    """One entry of a region's provider directory (sociale kaart)."""

    id: Name
    region: Name
    name: Name
    organisation: ShortText | None = None
    services: list[ShortText] = Field(default_factory=list)
    phone: ShortText | None = None
    email: ShortText | None = None
    address: ShortText | None = None
    postcode: ShortText | None = None
    city: ShortText | None = None
    hours: ShortText | None = None
    crisis_beds: int | None = Field(default=None, ge=0)
    notes: Annotated[str, StringConstraints(max_length=2000), AfterValidator(_storable)] | None = (
        None
    )


class FormDefinitionDoc(WireModel):
    """A form definition published by the central service (as a JSON object)."""

    id: Name
    version: Name
    region: str | None = None
    definition: JsonObject


class TombstoneData(WireModel):
    object_kind: Literal[
        "case_version",
        "case_state",
        "provider",
        "form_definition",
        "referral_event",
        "directory_unit",
        "directory_organization",
        "directory_region",
    ]


class _ChangeBase(ResponseModel):
    seq: int
    id: str


class CaseVersionChange(_ChangeBase):
    kind: Literal["case_version"]
    data: VersionItem


class CaseStateChange(_ChangeBase):
    kind: Literal["case_state"]
    data: CaseState


class ProviderChange(_ChangeBase):
    kind: Literal["provider"]
    data: Provider


class FormDefinitionChange(_ChangeBase):
    kind: Literal["form_definition"]
    data: FormDefinitionDoc


class ReferralEventChange(_ChangeBase):
    kind: Literal["referral_event"]
    data: ReferralEventItem


class DirectoryUnitChange(_ChangeBase):
    """A unit of the region's directory with its capacity and running holds, as in
    ``doorloop-directory/1`` (checked by ``coordination.directory`` on the desk)."""

    kind: Literal["directory_unit"]
    data: JsonObject


class DirectoryOrganizationChange(_ChangeBase):
    kind: Literal["directory_organization"]
    data: JsonObject


class DirectoryRegionChange(_ChangeBase):
    """The region's directory settings: ``{"freshness_limit_hours": 12.0}``."""

    kind: Literal["directory_region"]
    data: JsonObject


class TombstoneChange(_ChangeBase):
    kind: Literal["tombstone"]
    data: TombstoneData


Change = Annotated[
    CaseVersionChange
    | CaseStateChange
    | ProviderChange
    | FormDefinitionChange
    | TombstoneChange
    | ReferralEventChange
    | DirectoryUnitChange
    | DirectoryOrganizationChange
    | DirectoryRegionChange,
    Field(discriminator="kind"),
]


class CapacityUpdate(WireModel):
    """Body of ``PUT /v1/directory/units/{unit_id}/capacity``: the new ``available``
    (0..maximum) and/or ``intake_stop`` (``{"reason", "from"?, "until"?}``; ``null`` lifts
    it; left out: unchanged). Checked by the server, which names the refused field."""

    available: StrictInt | None = None
    intake_stop: JsonObject | None = None


class HoldRequest(WireModel):
    """Body of ``POST /v1/directory/holds``: reserve a place of a unit for a case until
    ``until`` (at most 24 hours ahead). ``hold_id`` is the idempotency key."""

    hold_id: UUID
    unit_id: Name
    case_id: UUID
    until: AwareDatetime


class UnitAnswer(ResponseModel):
    """A directory answer: ``result`` (``updated``, ``created``, ``duplicate``,
    ``released``) and the unit as it stands now (``doorloop-directory/1``)."""

    result: str
    unit: JsonObject


class PullResponse(ResponseModel):
    """Body of `GET /v1/sync/pull`: changes after `since`, ordered by `seq` (exclusive)."""

    changes: list[Change]
    next_since: int
    has_more: bool


class LoginRequest(WireModel):
    username: Name
    password: Annotated[
        str, StringConstraints(min_length=1, max_length=1000), AfterValidator(_storable)
    ]
    device_name: Name
    # Chosen once by the desk installation and sent with every login: a retried login
    # gets the same device back (docs/central-api.md). Optional for older desks.
    installation_id: UUID | None = None


class UserInfo(ResponseModel):
    id: str
    username: str
    display_name: str
    role: Role
    region: str
    organization_id: str | None = None  # role receiver: the organisation it answers for


class LoginResponse(ResponseModel):
    token: str
    device_id: UUID
    user: UserInfo


class MeResponse(ResponseModel):
    device_id: UUID
    user: UserInfo


class HealthResponse(ResponseModel):
    status: Literal["ok"]
    database: str
    version: str


class ErrorDetail(ResponseModel):
    code: str
    errno: int
    message: str
    field: str | None = None


class ErrorResponse(ResponseModel):
    """Every error the API answers: `{"error": {"code", "errno", "message", "field"}}`."""

    error: ErrorDetail

"""Wire models shared by the desk's sync client and the central API. Qt-free, I/O-free.

The models (pydantic) load on first use: the desk's start imports the pydantic-free
``doorloop_protocol.workflow`` (the case workflow rules) and must not pay for pydantic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from doorloop_protocol.models import (
        AUDIT_CONTENT_FIELDS,
        MAX_BATCH_AUDIT_EVENTS,
        MAX_BATCH_REFERRAL_EVENTS,
        MAX_BATCH_VERSIONS,
        REFERRAL_EVENT_CONTENT_FIELDS,
        ROLES,
        TEXT_CHECKED,
        VERSION_CONTENT_FIELDS,
        AuditEventItem,
        BannerShown,
        CapacityUpdate,
        CaseState,
        CaseStateChange,
        CaseStatus,
        CaseVersionChange,
        Change,
        ChangeKind,
        DirectoryOrganizationChange,
        DirectoryRegionChange,
        DirectoryUnitChange,
        ErrorDetail,
        ErrorResponse,
        FormDefinitionChange,
        FormDefinitionDoc,
        FormRef,
        HealthResponse,
        HoldRequest,
        LoginRequest,
        LoginResponse,
        MeResponse,
        Provider,
        ProviderChange,
        PullResponse,
        PushOutcome,
        PushRequest,
        PushResponse,
        PushResult,
        ReferralEventChange,
        ReferralEventItem,
        ReferralMove,
        Role,
        TombstoneChange,
        TombstoneData,
        UnitAnswer,
        UserInfo,
        VersionItem,
        canonical_json,
        check_text,
        content_hash,
        json_text_is_storable,
    )

__all__ = [
    "AUDIT_CONTENT_FIELDS",
    "MAX_BATCH_AUDIT_EVENTS",
    "MAX_BATCH_REFERRAL_EVENTS",
    "MAX_BATCH_VERSIONS",
    "REFERRAL_EVENT_CONTENT_FIELDS",
    "ROLES",
    "TEXT_CHECKED",
    "VERSION_CONTENT_FIELDS",
    "AuditEventItem",
    "BannerShown",
    "CapacityUpdate",
    "CaseState",
    "CaseStateChange",
    "CaseStatus",
    "CaseVersionChange",
    "Change",
    "ChangeKind",
    "DirectoryOrganizationChange",
    "DirectoryRegionChange",
    "DirectoryUnitChange",
    "ErrorDetail",
    "ErrorResponse",
    "FormDefinitionChange",
    "FormDefinitionDoc",
    "FormRef",
    "HealthResponse",
    "HoldRequest",
    "LoginRequest",
    "LoginResponse",
    "MeResponse",
    "Provider",
    "ProviderChange",
    "PullResponse",
    "PushOutcome",
    "PushRequest",
    "PushResponse",
    "PushResult",
    "ReferralEventChange",
    "ReferralEventItem",
    "ReferralMove",
    "Role",
    "TombstoneChange",
    "TombstoneData",
    "UnitAnswer",
    "UserInfo",
    "VersionItem",
    "canonical_json",
    "check_text",
    "content_hash",
    "json_text_is_storable",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from doorloop_protocol import models

        return getattr(models, name)
    raise AttributeError(f"module 'doorloop_protocol' has no attribute {name!r}")

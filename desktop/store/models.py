"""Pydantic models of case content, versions, audit events and outbox items.

Imported only where they are used (never on the way to the first window): the profile,
actor and case-list row are plain records in :mod:`desktop.store.records`, re-exported
here for older imports.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from desktop.store.records import (
    ROLES,
    Actor,
    CaseStatus,
    CaseSummary,
    CaseSyncState,
    Profile,
    Role,
)

__all__ = [
    "ROLES",
    "Actor",
    "AuditEvent",
    "Case",
    "CaseStatus",
    "CaseSummary",
    "CaseSyncState",
    "CaseVersion",
    "OutboxItem",
    "Profile",
    "Role",
    "VersionInfo",
]


class VersionInfo(BaseModel):
    model_config = ConfigDict(defer_build=True)
    id: str
    number: int
    base_version_id: str | None = None
    created_at: datetime
    created_by: str
    created_by_name: str
    device_id: str
    reason: str | None = None
    sealed: bool = False
    status: CaseStatus = "draft"


class Case(BaseModel):
    """A case as the desk works with it: the head version plus case-level facts."""

    model_config = ConfigDict(defer_build=True)

    id: str
    form_id: str = "intake"
    form_version: str = "1"
    status: CaseStatus = "draft"
    answers: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime
    region: str = "demo"
    training: bool = False
    version: VersionInfo
    legal_flags: list[dict[str, Any]] = Field(default_factory=list)
    legal_decision_date: str | None = None
    banners_shown: list[dict[str, Any]] = Field(default_factory=list)
    sync_state: CaseSyncState = "local"

    def to_json(self) -> dict[str, Any]:
        """The case as JSON (DESIGN.md contract 4)."""
        return {
            "id": self.id,
            "form": {"id": self.form_id, "version": self.form_version},
            "status": self.status,
            "answers": dict(self.answers),
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "region": self.region,
            "training": self.training,
            "version": {
                "id": self.version.id,
                "number": self.version.number,
                "base_version_id": self.version.base_version_id,
                "created_by": self.version.created_by,
                "created_by_name": self.version.created_by_name,
                "device_id": self.version.device_id,
                "reason": self.version.reason,
            },
            "legal_flags": list(self.legal_flags),
            "legal_decision_date": self.legal_decision_date,
            "banners_shown": list(self.banners_shown),
        }


class CaseVersion(BaseModel):
    """One stored version of a case (history view, sync payload)."""

    model_config = ConfigDict(defer_build=True)

    case_id: str
    version: VersionInfo
    answers: dict[str, Any]
    legal_flags: list[dict[str, Any]] = Field(default_factory=list)
    legal_decision_date: str | None = None
    banners_shown: list[dict[str, Any]] = Field(default_factory=list)


class AuditEvent(BaseModel):
    """One row of the hash-chained audit log."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    seq: int
    event_id: str
    action: str
    at_utc: str
    at_local: str
    user_id: str
    display_name: str
    role: str
    on_behalf_of: str | None
    case_id: str | None
    device_id: str
    outcome: str
    details: dict[str, Any]
    prev_hash: str
    hash: str


class OutboxItem(BaseModel):
    """Something waiting to be pushed to the central API."""

    model_config = ConfigDict(defer_build=True)

    id: int
    kind: Literal["version", "audit", "referral_event"]
    item_id: str
    case_id: str | None
    payload: dict[str, Any]
    state: Literal["pending", "sending", "acked", "quarantined", "local"]
    attempts: int
    last_error: str | None

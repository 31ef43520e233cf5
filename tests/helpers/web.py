"""Synthetic referrals for the web page tests: a triagist's cases referred to two
organisations, receivers of each with an enrolled second factor (TOTP)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pyotp

from central_api.storage import Storage
from central_api.web.store import WebStore
from doorloop_protocol import ReferralEventItem, VersionItem
from tests.helpers.central import PASSWORD

#: what a receiver sees only after accepting
HANDOVER = "Overdracht: Sem (15) woont bij moeder; veiligheidsplan besproken met school."
FEEDBACK = "Aangemeld bij de crisisdienst; u hoort binnen 30 minuten wie het oppakt."


@dataclass
class World:
    """Who and what was made: usernames -> TOTP, referral ids per organisation."""

    totp: dict[str, pyotp.TOTP] = field(default_factory=dict)
    referrals: dict[str, list[str]] = field(default_factory=dict)


def _version(case_id: str, author: str) -> VersionItem:
    stamp = datetime.now(UTC).isoformat()
    return VersionItem.model_validate(
        {
            "version_id": str(uuid.uuid4()),
            "case_id": case_id,
            "base_version_id": None,
            "form": {"id": "intake", "version": "1"},
            "status": "draft",
            "answers": {"youth.first_name": "Sem"},
            "region": "noord",
            "training": False,
            "created_at": stamp,
            "updated_at": stamp,
            "device_time": stamp,
            "created_by": author,
            "created_by_name": None,
            "device_id": str(uuid.uuid4()),
        }
    )


def _request(
    referral_id: str,
    case_id: str,
    author: Any,
    device_id: str,
    organization: str,
    urgency: str,
    acknowledge_in: timedelta,
) -> ReferralEventItem:
    now = datetime.now(UTC)
    return ReferralEventItem.model_validate(
        {
            "event_id": str(uuid.uuid4()),
            "referral_id": referral_id,
            "case_id": case_id,
            "region": "noord",
            "move": "request",
            "actor_id": author.id,
            "actor_role": "triagist",
            "actor_name": author.display_name,
            "device_id": device_id,
            "at": now.isoformat(),
            "payload": {
                "to_unit_id": f"unit-{organization}",
                "to_organization_id": organization,
                "urgency": urgency,
                "acknowledge_by": (now + acknowledge_in).isoformat(),
                "first_contact_by": (now + timedelta(hours=24)).isoformat(),
                "summary": {
                    "urgency": urgency,
                    "age_band": "12-17",
                    "legal_route": "vrijwillig",
                    "setting": "thuis",
                    "feedback": FEEDBACK,
                    "handover": HANDOVER,
                },
            },
        }
    )


def enrol(storage: Storage, username: str) -> pyotp.TOTP:
    uri = WebStore(storage.engine, storage.secret_box).enrol_totp(username)
    return pyotp.TOTP(parse_qs(urlparse(uri).query)["secret"][0])


def seed(
    storage: Storage,
    per_organization: dict[str, int],
    acknowledge_in: timedelta = timedelta(hours=2),
) -> World:
    """Region noord, triagist `tess`, receiver `rec-ORG` per organisation (TOTP
    enrolled), and `per_organization[ORG]` requested referrals to each, to be
    acknowledged within `acknowledge_in` (negative: overdue at once)."""
    world = World()
    if "noord" not in storage.regions():
        storage.add_region("noord")
    storage.add_user("tess", PASSWORD, role="triagist", region="noord")
    tess = storage.authenticate("tess", PASSWORD)
    assert tess is not None
    device_id, token = storage.register_device(tess, "laptop")
    principal = storage.principal(token)
    assert principal is not None
    for organization, count in per_organization.items():
        username = f"rec-{organization}"
        storage.add_user(
            username, PASSWORD, role="receiver", region="noord", organization_id=organization
        )
        world.totp[username] = enrol(storage, username)
        world.referrals[organization] = []
        for index in range(count):
            case_id, referral_id = str(uuid.uuid4()), str(uuid.uuid4())
            urgency = "U2" if index % 2 == 0 else "U3"
            request = _request(
                referral_id, case_id, tess, device_id, organization, urgency, acknowledge_in
            )
            result = storage.push(
                principal, [_version(case_id, tess.id)], [], referral_events=[request]
            )
            assert result.versions[0].result == "created", result
            assert result.referral_events[0].result == "created", result
            world.referrals[organization].append(referral_id)
    return world

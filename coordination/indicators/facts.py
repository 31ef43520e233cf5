"""The facts of one case that the indicators and the minimal dataset read.

`case_facts(versions)` turns the versions of a case (dicts shaped like the sync payload or
a contract-4 case JSON: `status`, `answers`, optional `number`, `resolves`,
`needs_reconciliation`) into one flat :class:`CaseFacts`. The central API stores one row
of these per case (`indicator_facts`); the desk computes them from its own cases. Clock
events (domain/indicators.md): `received` = `call.received_at`; `decided` =
`triage.decided_at` of the first version whose status is `triaged`; the urgency is that
of the latest decided version (status triaged, handed_over or closed).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from coordination.indicators.catalogue import load_catalogue

ZONE = ZoneInfo("Europe/Amsterdam")
DECIDED = frozenset({"triaged", "handed_over", "closed"})
READY_OR_LATER = frozenset({"ready_for_triage", *DECIDED})
URGENCIES = ("U1", "U2", "U3", "U4", "U5")


@dataclass(frozen=True)
class CaseFacts:
    case_id: str
    received_at: datetime | None  # aware, UTC
    local_hour: int | None
    iso_week: str | None  # "2026-W48"
    part_of_day: str | None  # "0-6" | "6-12" | "12-18" | "18-24"
    weekend: bool | None
    channel: str  # a catalogue category ("unknown" when not answered)
    caller_role: str
    age_band: str
    gender: str | None
    urgency: str | None  # latest decision; None when never decided
    decided: bool
    minutes_to_decision: float | None
    intervention: str | None
    care_type: str | None
    ready: bool
    answered_mask: int  # bit i: completeness_fields[i] answered in the latest version
    needed_reconciliation: bool

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


def parse_moment(value: Any) -> datetime | None:
    """An ISO 8601 datetime with offset, else None (a naive time is read as local)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZONE)
    return moment


def age_band(answers: Mapping[str, Any], received: datetime | None) -> str:
    """`<12`, `12-15`, `16-17`, `18-22`, `23+` or `unknown`: age at `received`."""
    age: int | None = None
    born = answers.get("youth.birth_date")
    if isinstance(born, str) and received is not None:
        try:
            birth = date.fromisoformat(born)
        except ValueError:
            birth = None
        if birth is not None:
            day = received.astimezone(ZONE).date()
            age = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    if age is None:
        estimate = answers.get("youth.age_estimate")
        if (
            isinstance(estimate, int | float)
            and not isinstance(estimate, bool)
            and math.isfinite(estimate)
        ):
            age = int(estimate)
    if age is None or age < 0:
        return "unknown"
    if age < 12:
        return "<12"
    if age <= 15:
        return "12-15"
    if age <= 17:
        return "16-17"
    if age <= 22:
        return "18-22"
    return "23+"


def _category(value: Any, allowed: Iterable[str]) -> str:
    return value if isinstance(value, str) and value in allowed else "unknown"


def _choice(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _order(version: Mapping[str, Any], index: int) -> tuple[int, int]:
    number = version.get("number")
    return (number if isinstance(number, int) and not isinstance(number, bool) else 0, index)


def case_facts(
    case_id: str,
    versions: Iterable[Mapping[str, Any]],
    *,
    needs_reconciliation: bool = False,
) -> CaseFacts:
    """The facts of one case from its versions (in the order they were made/received).

    `needs_reconciliation`: the case is marked so now (the server's case row)."""
    catalogue = load_catalogue()
    ordered = [v for _, v in sorted(((_order(v, i), v) for i, v in enumerate(versions)),
                                    key=lambda pair: pair[0])]  # fmt: skip
    if not ordered:
        raise ValueError("a case needs at least one version")
    latest = ordered[-1]
    answers: Mapping[str, Any] = latest.get("answers") or {}
    received = parse_moment(answers.get("call.received_at"))
    local = received.astimezone(ZONE) if received is not None else None
    decided_versions = [v for v in ordered if v.get("status") in DECIDED]
    first_triaged = next((v for v in ordered if v.get("status") == "triaged"), None)
    decided_at = (
        parse_moment((first_triaged.get("answers") or {}).get("triage.decided_at"))
        if first_triaged is not None
        else None
    )
    minutes: float | None = None
    if decided_at is not None and received is not None:
        delta = (decided_at - received).total_seconds() / 60.0
        minutes = delta if delta >= 0 else None  # a decision before the call: clock missing
    urgency: str | None = None
    if decided_versions:
        value = (decided_versions[-1].get("answers") or {}).get("triage.urgency")
        urgency = value if value in URGENCIES else None
    mask = 0
    for bit, field_id in enumerate(catalogue.completeness_fields):
        value = answers.get(field_id)
        if value is not None and value != "" and value != []:
            mask |= 1 << bit
    reconciled = (
        needs_reconciliation
        or any(v.get("resolves") for v in ordered)
        or any(
            v.get("status") == "needs_reconciliation" or v.get("needs_reconciliation") is True
            for v in ordered
        )
    )
    iso = local.isocalendar() if local is not None else None
    return CaseFacts(
        case_id=case_id,
        received_at=received.astimezone(UTC) if received is not None else None,
        local_hour=local.hour if local is not None else None,
        iso_week=f"{iso.year}-W{iso.week:02d}" if iso is not None else None,
        part_of_day=(["0-6", "6-12", "12-18", "18-24"][local.hour // 6] if local else None),
        weekend=(local.weekday() >= 5) if local is not None else None,
        channel=_category(answers.get("call.channel"), catalogue.categories["channel"]),
        caller_role=_category(answers.get("call.caller_role"), catalogue.categories["caller_role"]),
        age_band=age_band(answers, received),
        gender=_choice(answers.get("youth.gender")),
        urgency=urgency,
        decided=bool(decided_versions),
        minutes_to_decision=minutes,
        intervention=_choice(answers.get("triage.intervention")),
        care_type=_choice(answers.get("legal.care_type")),
        ready=any(v.get("status") in READY_OR_LATER for v in ordered),
        answered_mask=mask,
        needed_reconciliation=reconciled,
    )

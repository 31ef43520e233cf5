"""The access review (NEN 7513): who opened a case, and a region's review report.

Sources: the desks' audit events (`audit_events`, synced, hash-chained on the desk) and
the server's own audit (`server_audit`: break-the-glass through the API, purges). Neither
is ever edited; this module only reads them.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select

from central_api import db
from central_api.storage import NotFound, Storage

OPENING_ACTIONS = frozenset({"read", "break_glass"})
"""Desk audit actions that count as opening a case."""

SERVER_CASE_ACTIONS = ("case.break_glass", "admin.case_purge", "rights.export", "rights.destroy")

UNUSUAL_FACTOR = 2.0
UNUSUAL_MINIMUM = 10
"""A user's openings are unusual above UNUSUAL_FACTOR × the region's median and at least
UNUSUAL_MINIMUM in the period."""


@dataclass(frozen=True)
class Access:
    """One access to a case: who, when, what, from which device, under which reason."""

    at: datetime
    user: str
    role: str
    action: str
    device: str
    reason: str
    outcome: str
    source: str  # "desk" or "server"
    case_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "user": self.user,
            "role": self.role,
            "action": self.action,
            "device": self.device,
            "reason": self.reason,
            "outcome": self.outcome,
            "source": self.source,
            "case_id": self.case_id,
        }


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _reason(details: dict[str, Any]) -> str:
    reason = str(details.get("reason") or "")
    note = str(details.get("note") or "").strip()
    return f"{reason}: {note}" if reason and note else reason or note


def _usernames(storage: Storage) -> dict[str, str]:
    with storage.engine.connect() as conn:
        names = {
            row.id: row.username for row in conn.execute(select(db.users.c.id, db.users.c.username))
        }
        conn.rollback()
    return names


def _desk_access(body: str, names: dict[str, str]) -> Access:
    """A desk audit event; the user by the account name the server knows (the server
    refuses events that name another user than the one who pushed them)."""
    event = json.loads(body)
    details = event.get("details") or {}
    user_id = str(event.get("user_id", ""))
    return Access(
        at=_aware(datetime.fromisoformat(event["at_utc"])),
        user=names.get(user_id) or f"{event.get('display_name', '')} ({user_id})",
        role=str(event.get("role", "")),
        action=str(event.get("action", "")),
        device=str(event.get("device_id", "")),
        reason=_reason(details if isinstance(details, dict) else {}),
        outcome=str(event.get("outcome", "")),
        source="desk",
        case_id=event.get("case_id"),
    )


def _server_rows(storage: Storage, region_id: int | None) -> list[Access]:
    query = (
        select(db.server_audit, db.users.c.username, db.users.c.role)
        .select_from(
            db.server_audit.outerjoin(db.users, db.users.c.id == db.server_audit.c.user_id)
        )
        .where(db.server_audit.c.action.in_(SERVER_CASE_ACTIONS))
        .order_by(db.server_audit.c.id)
    )
    if region_id is not None:
        query = query.where(db.server_audit.c.region_id == region_id)
    with storage.engine.connect() as conn:
        rows = conn.execute(query).all()
        conn.rollback()
    found = []
    for row in rows:
        detail = json.loads(row.detail)
        found.append(
            Access(
                at=_aware(row.at),
                user=row.username or "(beheer)",
                role=row.role or "admin",
                action=row.action,
                device=row.device_id or "",
                reason=_reason(detail),
                outcome=row.outcome,
                source="server",
                case_id=detail.get("case_id"),
            )
        )
    return found


def case_access(storage: Storage, case_id: str) -> list[Access]:
    """Everything recorded about one case, oldest first (Wie heeft dit dossier ingezien)."""
    names = _usernames(storage)
    with storage.engine.connect() as conn:
        bodies = conn.execute(
            select(db.audit_events.c.body).where(db.audit_events.c.case_id == case_id)
        ).scalars()
        desk = [_desk_access(body, names) for body in bodies]
        conn.rollback()
    server = [a for a in _server_rows(storage, None) if a.case_id == case_id]
    return sorted(desk + server, key=lambda a: a.at)


@dataclass
class Review:
    """A region's access review for a period."""

    region: str
    start: date
    end: date
    break_glass: list[Access] = field(default_factory=list)
    openings: dict[str, int] = field(default_factory=dict)  # user -> openings
    unusual: list[str] = field(default_factory=list)
    median: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "break_glass": [a.as_json() for a in self.break_glass],
            "openings": self.openings,
            "median_openings": self.median,
            "unusual": self.unusual,
        }


def review(storage: Storage, region: str, start: date, end: date) -> Review:
    """Break-the-glass openings and per-user openings of `region` in [start, end)."""
    if end <= start:
        raise ValueError("--to must be after --from")
    names = _usernames(storage)
    low = datetime.combine(start, time(), UTC)
    high = datetime.combine(end, time(), UTC)
    with storage.engine.connect() as conn:
        try:
            region_id = storage.region_id(conn, region)
        except NotFound as exc:
            raise ValueError(f"--region: no region {region!r}") from exc
        bodies = conn.execute(
            select(db.audit_events.c.body).where(db.audit_events.c.region_id == region_id)
        ).scalars()
        desk = [_desk_access(body, names) for body in bodies]
        conn.rollback()
    server = _server_rows(storage, region_id)
    inside = [a for a in desk + server if low <= a.at < high]
    result = Review(region, start, end)
    result.break_glass = sorted(
        (a for a in inside if a.action in ("break_glass", "case.break_glass")),
        key=lambda a: a.at,
    )
    for access in inside:
        if access.source == "desk" and access.action in OPENING_ACTIONS and access.case_id:
            result.openings[access.user] = result.openings.get(access.user, 0) + 1
    if result.openings:
        result.median = float(statistics.median(result.openings.values()))
        result.unusual = sorted(
            user
            for user, count in result.openings.items()
            if count >= UNUSUAL_MINIMUM and count > UNUSUAL_FACTOR * result.median
        )
    return result


def review_pdf(report: Review) -> bytes:
    """The review as a PDF for the privacy officer (reportlab, built-in fonts)."""
    from io import BytesIO

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        title=f"Toegangscontrole {report.region}",
        author="Doorloop",
    )
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)

    def table(rows: list[list[Any]]) -> Table:
        wrapped = [[Paragraph(str(cell), small) for cell in row] for row in rows]
        made = Table(wrapped, repeatRows=1)
        made.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return made

    story: list[Any] = [
        Paragraph(f"Toegangscontrole (NEN 7513) — regio {report.region}", styles["Title"]),
        Paragraph(
            f"Periode {report.start.isoformat()} tot {report.end.isoformat()}; "
            f"gemaakt {datetime.now(UTC).strftime('%Y-%m-%d %H:%M')} UTC",
            styles["Normal"],
        ),
        Spacer(1, 12),
        Paragraph(f"Noodtoegang (break-the-glass): {len(report.break_glass)}", styles["Heading2"]),
    ]
    if report.break_glass:
        rows = [["Wanneer (UTC)", "Wie", "Rol", "Dossier", "Apparaat", "Reden", "Bron"]]
        rows += [
            [
                a.at.strftime("%Y-%m-%d %H:%M"),
                a.user,
                a.role,
                a.case_id or "(zoekopdracht)",
                a.device[:8],
                a.reason,
                a.source,
            ]
            for a in report.break_glass
        ]
        story.append(table(rows))
    else:
        story.append(Paragraph("Geen noodtoegang in deze periode.", styles["Normal"]))
    story += [
        Spacer(1, 12),
        Paragraph("Openingen per gebruiker", styles["Heading2"]),
        Paragraph(
            f"Mediaan {report.median:g}; opvallend: meer dan {UNUSUAL_FACTOR:g} × de mediaan "
            f"en minstens {UNUSUAL_MINIMUM}.",
            styles["Normal"],
        ),
    ]
    rows = [["Gebruiker", "Openingen", "Opvallend"]]
    rows += [
        [user, str(count), "JA" if user in report.unusual else ""]
        for user, count in sorted(report.openings.items(), key=lambda item: -item[1])
    ]
    story.append(table(rows))
    doc.build(story)
    return buffer.getvalue()

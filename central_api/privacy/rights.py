"""The young person's rights (issue 21): find every case of one person in a region
(BSN, or name and birth date), export them for inzage (AVG art. 15, WGBO 7:456) as JSON
and PDF, and carry out or refuse a destruction request (WGBO 7:455). Every step is
recorded in the server audit (`rights.find`, `rights.export`, `rights.destroy`), refused
ones with their legal reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from central_api import db
from central_api.storage import NotFound, Storage

PROTECTION_MEASURES = frozenset({"supervision_order", "guardianship_institution"})


class RightsError(ValueError):
    """A request that cannot be carried out, with the reason (exit 2 from the CLI)."""


@dataclass(frozen=True)
class Person:
    """Who: a BSN, or a first and last name with a birth date."""

    bsn: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    birth_date: str | None = None

    def check(self) -> None:
        if self.bsn:
            if not (self.bsn.isdigit() and len(self.bsn) == 9):
                raise RightsError("--bsn: 9 digits")
            return
        if not (self.first_name and self.last_name and self.birth_date):
            raise RightsError("give --bsn, or --first-name, --last-name and --birth-date")

    def matches(self, answers: dict[str, Any]) -> bool:
        if self.bsn:
            return str(answers.get("youth.bsn") or "").replace(" ", "") == self.bsn

        def same(field: str, value: str | None) -> bool:
            return str(answers.get(field) or "").strip().casefold() == (value or "").casefold()

        return (
            same("youth.first_name", self.first_name)
            and same("youth.last_name", self.last_name)
            and str(answers.get("youth.birth_date") or "") == self.birth_date
        )

    def label(self) -> dict[str, str]:
        """What the audit keeps of the request (never the BSN in full)."""
        if self.bsn:
            return {"bsn": f"*****{self.bsn[-4:]}"}
        return {"name": f"{self.first_name} {self.last_name}", "birth_date": str(self.birth_date)}


def _record(storage: Storage, action: str, outcome: str, _who: None, **detail: Any) -> None:
    """One server audit row with the region (done by the admin, no device)."""
    with storage.engine.begin() as conn:
        storage._audit(conn, action, outcome, **detail)


def _region_cases(storage: Storage, region_id: int | None) -> list[dict[str, Any]]:
    """Every case (of a region, or all) with its versions' bodies, oldest first."""
    query = select(db.cases.c.id, db.cases.c.region_id, db.cases.c.status, db.cases.c.heads)
    if region_id is not None:
        query = query.where(db.cases.c.region_id == region_id)
    with storage.engine.connect() as conn:
        cases = conn.execute(query).all()
        found = []
        for case in cases:
            bodies = conn.execute(
                select(db.versions.c.body)
                .where(db.versions.c.case_id == case.id, db.versions.c.state == "applied")
                .order_by(db.versions.c.received_at, db.versions.c.id)
            ).scalars()
            versions = [json.loads(body) for body in bodies]
            heads = set(json.loads(case.heads))
            head = next((v for v in versions if v["version_id"] in heads), versions[-1])
            found.append(
                {
                    "case_id": case.id,
                    "region_id": case.region_id,
                    "status": case.status,
                    "answers": head.get("answers", {}),
                    "versions": versions,
                }
            )
        conn.rollback()
    return found


def _region(storage: Storage, region: str) -> int:
    with storage.engine.connect() as conn:
        try:
            found = storage.region_id(conn, region)
        except NotFound as exc:
            raise RightsError(f"--region: no region {region!r}") from exc
        conn.rollback()
    return found


def find(storage: Storage, region: str, person: Person) -> list[dict[str, Any]]:
    """The cases of this person in the region (any version naming them counts)."""
    person.check()
    region_id = _region(storage, region)
    found = [
        case
        for case in _region_cases(storage, region_id)
        if any(person.matches(v.get("answers", {})) for v in case["versions"])
    ]
    _record(
        storage,
        "rights.find",
        "ok",
        None,
        region_id=region_id,
        cases=[c["case_id"] for c in found],
        **person.label(),
    )
    return found


def export(storage: Storage, region: str, person: Person) -> dict[str, Any]:
    """The inzage export: every version of every case of the person in the region, and
    nothing of anyone else's case. Refused when the person's cases are in another
    region only (that region answers the request)."""
    person.check()
    cases = find(storage, region, person)
    region_id = _region(storage, region)
    if not cases:
        elsewhere = [
            c
            for c in _region_cases(storage, None)
            if any(person.matches(v.get("answers", {})) for v in c["versions"])
        ]
        if elsewhere:
            _record(
                storage,
                "rights.export",
                "refused",
                None,
                region_id=region_id,
                **person.label(),
                reason="another_region",
            )
            raise RightsError(
                "--region: this person's cases belong to another region; that region "
                "answers the request"
            )
    document = {
        "region": region,
        "person": person.label(),
        "legal_basis": "AVG art. 15; WGBO art. 7:456",
        "cases": [
            {"case_id": c["case_id"], "status": c["status"], "versions": c["versions"]}
            for c in cases
        ],
    }
    _record(
        storage,
        "rights.export",
        "ok",
        None,
        region_id=region_id,
        cases=[c["case_id"] for c in cases],
        **person.label(),
    )
    for case in cases:  # one access row per case: it shows in `audit case`
        _record(storage, "rights.export", "ok", None, region_id=region_id, case_id=case["case_id"])
    return document


def export_pdf(document: dict[str, Any]) -> bytes:
    """The inzage export as a readable PDF: each case, each version, every answer."""
    from io import BytesIO
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title="Inzage", author="Doorloop")
    story: list[Any] = [
        Paragraph("Inzage in uw dossier (AVG art. 15, WGBO art. 7:456)", styles["Title"]),
        Paragraph(
            f"Regio {escape(document['region'])}; {len(document['cases'])} dossier(s)",
            styles["Normal"],
        ),
    ]
    for case in document["cases"]:
        story += [
            Spacer(1, 10),
            Paragraph(f"Dossier {case['case_id']} ({case['status']})", styles["Heading2"]),
        ]
        for number, version in enumerate(case["versions"], start=1):
            story.append(
                Paragraph(
                    f"Versie {number}: {escape(str(version.get('created_at', '')))}, "
                    f"status {escape(str(version.get('status', '')))}"
                    + (
                        f", reden: {escape(str(version['reason']))}"
                        if version.get("reason")
                        else ""
                    ),
                    styles["Heading4"],
                )
            )
            for field, value in sorted((version.get("answers") or {}).items()):
                story.append(
                    Paragraph(
                        f"<b>{escape(field)}</b>: {escape(json.dumps(value, ensure_ascii=False))}",
                        styles["BodyText"],
                    )
                )
    doc.build(story)
    return buffer.getvalue()


def destroy(
    storage: Storage, region: str, person: Person, *, legal_hold: str | None = None
) -> dict[str, Any]:
    """A destruction request (WGBO 7:455): purge every case of the person with tombstones
    for the desks, or refuse with the legal reason where the law requires keeping:
    a case still open (care is ongoing), a child protection measure (the file is kept
    for the court and the certified institution), or a hold the officer names (e.g. a
    pending court procedure). Recorded either way."""
    cases = find(storage, region, person)
    region_id = _region(storage, region)
    reasons = []
    if legal_hold:
        reasons.append(f"legal hold: {legal_hold.strip()}")
    for case in cases:
        if case["status"] != "closed":
            reasons.append(f"case {case['case_id']} is still open: care is ongoing")
        if case["answers"].get("authority.child_protection") in PROTECTION_MEASURES:
            reasons.append(
                f"case {case['case_id']}: a child protection measure applies; the file is "
                "kept for the court and the certified institution (WGBO 7:455 lid 2)"
            )
    if reasons or not cases:
        outcome = "refused" if reasons else "nothing_found"
        _record(
            storage,
            "rights.destroy",
            outcome,
            None,
            region_id=region_id,
            reasons=reasons,
            cases=[c["case_id"] for c in cases],
            **person.label(),
        )
        return {"outcome": outcome, "reasons": reasons, "cases": [c["case_id"] for c in cases]}
    for case in cases:
        storage.purge_case(case["case_id"], reason="destruction_request")
    _record(
        storage,
        "rights.destroy",
        "ok",
        None,
        region_id=region_id,
        cases=[c["case_id"] for c in cases],
        **person.label(),
    )
    return {"outcome": "destroyed", "reasons": [], "cases": [c["case_id"] for c in cases]}

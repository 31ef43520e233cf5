"""The access review (issue 21, NEN 7513) on both databases: who opened a case, as
`doorloop-central audit case`, and a region's review as PDF with the break-the-glass
openings and the users with unusual numbers of openings."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pypdfium2
import pytest

from central_api.__main__ import main
from tests.integration.central_api.conftest import Api, audit_event, version


def desk_event(action: str, case_id: str, **details: str) -> dict[str, object]:
    now = datetime.now(UTC)
    return audit_event(
        action=action,
        case_id=case_id,
        details=details,
        at_utc=now.isoformat(),
        at_local=now.astimezone().isoformat(),
    )


def pdf_text(path: Path) -> str:
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def test_who_opened_this_case_and_the_review_report(
    api: Api, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    anna = api.login("anna")
    bram = api.login("bram")
    item = version()
    case_id = item["case_id"]
    api.push(anna, [item], [desk_event("read", case_id)])
    api.push(
        bram,
        None,
        [
            desk_event("break_glass", case_id, reason="quality", note="Incidentonderzoek"),
            desk_event("read", case_id),
        ],
    )
    opened = api.client.post(
        f"/v1/cases/{case_id}/break-glass",
        json={"reason": "continuity", "note": "belt opnieuw"},
        headers=bram,
    )
    assert opened.status_code == 200
    # a busy reader: many openings of many cases
    many = [desk_event("read", str(uuid.uuid4())) for _ in range(30)]
    chef = api.login("chef", role="coordinator")
    api.push(chef, None, many)
    for name in ("dirk", "eva"):
        headers = api.login(name)
        api.push(headers, None, [desk_event("read", str(uuid.uuid4())) for _ in range(3)])

    url = ["--database-url", database_url]
    assert main(["audit", "case", case_id, "--json", *url]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["action"], r["source"]) for r in rows] == [
        ("read", "desk"),
        ("break_glass", "desk"),
        ("read", "desk"),
        ("case.break_glass", "server"),
    ]
    assert rows[1]["reason"] == "quality: Incidentonderzoek" and rows[1]["user"] == "bram"
    assert rows[3]["user"] == "bram" and rows[3]["reason"] == "continuity: belt opnieuw"
    assert all(r["device"] for r in rows)
    assert main(["audit", "case", case_id, *url]) == 0
    assert "Wie heeft dossier" in capsys.readouterr().out

    today = datetime.now(UTC).date()
    out = tmp_path / "review.pdf"
    period = ["--from", today.isoformat(), "--to", (today + timedelta(days=1)).isoformat()]
    code = main(
        ["audit", "review", "--region", "noord", *period, "--out", str(out), "--json", *url]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out.split("\nreview of")[0])
    assert len(report["break_glass"]) == 2
    assert report["openings"]["chef"] == 30 and report["openings"]["bram"] == 2
    assert report["unusual"] == ["chef"]
    text = pdf_text(out)
    assert "Toegangscontrole" in text and "Noodtoegang" in text and "Incidentonderzoek" in text

    # bad input names the option
    assert main(["audit", "review", "--region", "nergens", *period, "--out", str(out), *url]) == 2
    assert "--region" in capsys.readouterr().err
    assert (
        main(
            [
                "audit",
                "review",
                "--region",
                "noord",
                "--from",
                "gisteren",
                "--to",
                "2026-01-01",
                "--out",
                str(out),
                *url,
            ]
        )
        == 2
    )
    assert "--from" in capsys.readouterr().err

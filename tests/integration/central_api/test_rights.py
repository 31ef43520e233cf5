"""The young person's rights (issue 21) on both databases: find a person's cases, the
inzage export (complete, nothing of other people, audited), exports of another region's
person refused, destruction carried out with tombstones or refused with the legal reason,
recorded either way."""

from __future__ import annotations

import json
from pathlib import Path

import pypdfium2
import pytest
from sqlalchemy import update

from central_api import db
from central_api.__main__ import main
from tests.integration.central_api.conftest import Api, version

NOOR = {
    "youth.first_name": "Noor",
    "youth.last_name": "Visser",
    "youth.birth_date": "2011-04-02",
    "youth.bsn": "111222333",
}


def close(api: Api, case_id: str) -> None:
    with api.storage.engine.begin() as conn:
        conn.execute(update(db.cases).where(db.cases.c.id == case_id).values(status="closed"))


def test_find_export_and_destroy_a_persons_cases(
    api: Api, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    anna = api.login("anna")
    zara = api.login("zara", region="zuid")
    first = version(answers=NOOR)
    second = version(answers={**NOOR, "youth.bsn": None})  # same name and birth date
    amended = version(case_id=first["case_id"], base=first["version_id"], answers={**NOOR, "n": 2})
    other = version(answers={"youth.first_name": "Sem", "youth.bsn": "999888777"})
    api.push(anna, [first, second, amended, other])
    api.push(zara, [version(region="zuid", answers={**NOOR, "youth.bsn": "444555666"})])
    url = ["--database-url", database_url]

    assert main(["person", "find", "--region", "noord", "--bsn", "111222333", *url]) == 0
    assert "1 cases found" in capsys.readouterr().out
    by_name = [
        "--first-name",
        "noor",
        "--last-name",
        "VISSER",
        "--birth-date",
        "2011-04-02",
    ]
    assert main(["person", "find", "--region", "noord", *by_name, *url]) == 0
    assert "2 cases found" in capsys.readouterr().out

    out_json, out_pdf = tmp_path / "inzage.json", tmp_path / "inzage.pdf"
    code = main(
        [
            "person",
            "export",
            "--region",
            "noord",
            *by_name,
            "--json-out",
            str(out_json),
            "--pdf-out",
            str(out_pdf),
            *url,
        ]
    )
    assert code == 0
    document = json.loads(out_json.read_text(encoding="utf-8"))
    exported = {c["case_id"]: [v["version_id"] for v in c["versions"]] for c in document["cases"]}
    assert exported == {
        first["case_id"]: [first["version_id"], amended["version_id"]],
        second["case_id"]: [second["version_id"]],
    }  # complete, and nothing of Sem's case nor of the other region
    assert "Sem" not in out_json.read_text(encoding="utf-8")
    pdf = pypdfium2.PdfDocument(str(out_pdf))
    text = "\n".join(page.get_textpage().get_text_range() for page in pdf)
    pdf.close()
    assert "Inzage" in text and "Visser" in text and "Sem" not in text
    capsys.readouterr()
    assert main(["audit", "case", first["case_id"], "--json", *url]) == 0
    assert "rights.export" in {r["action"] for r in json.loads(capsys.readouterr().out)}

    # another region's person: refused
    code = main(
        [
            "person",
            "export",
            "--region",
            "noord",
            "--bsn",
            "444555666",
            "--json-out",
            str(out_json),
            "--pdf-out",
            str(out_pdf),
            *url,
        ]
    )
    assert code == 2 and "another region" in capsys.readouterr().err

    # destruction: refused while a case is open, and with a named legal hold
    assert main(["person", "destroy", "--region", "noord", *by_name, *url]) == 0
    refused = json.loads(capsys.readouterr().out)
    assert refused["outcome"] == "refused" and any("open" in r for r in refused["reasons"])
    close(api, first["case_id"])
    close(api, second["case_id"])
    hold = ["--legal-hold", "lopende procedure bij de kinderrechter"]
    assert main(["person", "destroy", "--region", "noord", *by_name, *hold, *url]) == 0
    assert "kinderrechter" in json.loads(capsys.readouterr().out)["reasons"][0]
    since = max(c["seq"] for c in api.pull_all(anna))
    assert main(["person", "destroy", "--region", "noord", *by_name, *url]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["outcome"] == "destroyed"
    tombstones = {c["id"] for c in api.pull_all(anna, since=since) if c["kind"] == "tombstone"}
    assert {first["case_id"], second["case_id"]} <= tombstones
    rows = api.storage.server_audit("rights.destroy")
    assert [r["outcome"] for r in rows] == ["refused", "refused", "ok"]
    assert all("111222333" not in json.dumps(r["detail"]) for r in rows)

"""`doorloop export --case ID -o FILE` as a real process: case JSON per contract 4, audited."""

from __future__ import annotations

import json
from pathlib import Path

from desktop.store import actor_for, open_store
from tests.e2e.conftest import doorloop

PASSPHRASE = "export test passphrase"


def test_export_writes_the_case_json_and_audits_it(tmp_path: Path) -> None:
    store = open_store(tmp_path, PASSPHRASE)
    actor = actor_for(store.create_profile("Anna de Vries", "desk"))
    case = store.cases.create(actor, answers={"youth.first_name": "Zoë", "call.channel": "phone"})
    store.close()
    out = tmp_path / "casus.json"
    env = {"DOORLOOP_PASSPHRASE": PASSPHRASE}
    result = doorloop(
        "export", "--case", case.id, "-o", str(out), "--data-dir", str(tmp_path), env=env
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["id"] == case.id
    assert data["form"] == {"id": "intake", "version": "1"}
    assert data["status"] == "draft"
    assert data["answers"]["youth.first_name"] == "Zoë"
    store = open_store(tmp_path, PASSPHRASE)
    assert store.audit.events(case_id=case.id)[-1].action == "export"
    store.close()


def test_export_errors_are_clear_and_exit_2(tmp_path: Path) -> None:
    missing = doorloop(
        "export",
        "--case",
        "x",
        "-o",
        str(tmp_path / "o.json"),
        "--data-dir",
        str(tmp_path / "none"),
    )
    assert missing.returncode == 2
    assert "Geen Doorloop-gegevens" in missing.stderr
    open_store(tmp_path, PASSPHRASE).close()
    wrong = doorloop(
        "export", "--case", "x", "-o", str(tmp_path / "o.json"), "--data-dir", str(tmp_path),
        env={"DOORLOOP_PASSPHRASE": "not the passphrase"},
    )  # fmt: skip
    assert (wrong.returncode, wrong.stderr.strip()) == (2, "Onjuiste wachtwoordzin.")
    no_profile = doorloop(
        "export", "--case", "x", "-o", str(tmp_path / "o.json"), "--data-dir", str(tmp_path),
        env={"DOORLOOP_PASSPHRASE": PASSPHRASE},
    )  # fmt: skip
    assert no_profile.returncode == 2
    assert "Traceback" not in no_profile.stderr
    usage = doorloop("export", "-o", "x.json")
    assert usage.returncode == 2 and "--case" in usage.stderr


def test_unknown_case_is_named(tmp_path: Path) -> None:
    store = open_store(tmp_path, PASSPHRASE)
    store.create_profile("Anna de Vries", "desk")
    store.close()
    result = doorloop(
        "export", "--case", "no-such-case", "-o", str(tmp_path / "o.json"),
        "--data-dir", str(tmp_path), env={"DOORLOOP_PASSPHRASE": PASSPHRASE},
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == "Casus no-such-case bestaat niet."
    assert not (tmp_path / "o.json").exists()

"""`doorloop-central` admin commands against both databases: in-process, and as a process
where the password comes from real stdin."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest

from central_api.__main__ import main
from central_api.storage import Storage
from tests.helpers.central import central
from tests.integration.central_api.conftest import PASSWORD, make_api

CSV = """id,name,organisation,services,phone,crisis_beds
p1,Crisisdienst Noord,GGZ Noord,crisis_service;iht,0501234567,2
p2,Wijkteam Centrum,,district_team,,
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_regions_users_and_devices(
    database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = ("--database-url", database_url)
    assert run(capsys, "migrate", *url)[0] == 0
    assert run(capsys, "region", "add", "noord", *url)[:2] == (0, "region noord added\n")
    code, _out, err = run(capsys, "region", "add", "noord", *url)
    assert code == 1 and "exists" in err

    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code, out, _ = run(
        capsys, "user", "add", "anna", "--role", "triagist", "--region", "noord",
        "--display-name", "Anna de Vries", "--password-stdin", *url,
    )  # fmt: skip
    assert code == 0 and "anna added (triagist, noord)" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, _, err = run(
        capsys, "user", "add", "bram", "--role", "desk", "--region", "noord",
        "--password-stdin", *url,
    )  # fmt: skip
    assert code == 2 and "password: " in err and "12 tekens" in err and "12 characters" in err
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code, _, err = run(
        capsys, "user", "add", "cas", "--role", "desk", "--region", "zuid",
        "--password-stdin", *url,
    )  # fmt: skip
    assert code == 1 and "no region 'zuid'" in err
    with pytest.raises(SystemExit) as bad_role:
        main(["user", "add", "dirk", "--role", "admin", "--region", "noord", *url])
    assert bad_role.value.code == 2

    storage = Storage.open(database_url)
    try:
        user = storage.authenticate("anna", PASSWORD)
        assert user is not None and user.display_name == "Anna de Vries"
        device_id, _token = storage.register_device(user, "laptop")
    finally:
        storage.close()
    code, out, _ = run(capsys, "device", "list", "--json", *url)
    listed = json.loads(out)
    assert [(d["id"], d["username"], d["revoked"]) for d in listed] == [(device_id, "anna", False)]
    assert run(capsys, "device", "revoke", device_id, *url)[0] == 0
    code, out, _ = run(capsys, "device", "list", *url)
    assert device_id in out and "revoked" in out
    assert run(capsys, "device", "revoke", "no-such-device", *url)[0] == 1


def test_providers_import_forms_publish_and_compact(
    database_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = ("--database-url", database_url)
    run(capsys, "region", "add", "noord", *url)
    good = tmp_path / "providers.csv"
    good.write_text(CSV, encoding="utf-8")
    code, out, _ = run(capsys, "providers", "import", str(good), "--region", "noord", *url)
    assert code == 0 and "2 new" in out
    code, out, _ = run(capsys, "providers", "import", str(good), "--region", "noord", *url)
    assert "2 unchanged" in out

    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,crisis_beds\np1,Crisisdienst,twee\n", encoding="utf-8")
    code, _, err = run(capsys, "providers", "import", str(bad), "--region", "noord", *url)
    assert code == 2 and "line 2, column 'crisis_beds'" in err
    bad.write_text("id,naam\np1,Crisisdienst\n", encoding="utf-8")
    code, _, err = run(capsys, "providers", "import", str(bad), "--region", "noord", *url)
    assert code == 2 and "column 'name'" in err

    form = tmp_path / "intake-v1.yaml"
    form.write_text("id: intake\nversion: '1'\ntitle: {nl: Aanmelding, en: Intake}\n")
    code, out, _ = run(capsys, "forms", "publish", str(form), *url)
    assert (code, out) == (0, "form intake@1: created\n")
    form.write_text("title: zonder id\n")
    assert run(capsys, "forms", "publish", str(form), *url)[0] == 2

    only_p1 = tmp_path / "p1.csv"
    only_p1.write_text(CSV.splitlines()[0] + "\n" + CSV.splitlines()[1] + "\n")
    code, out, _ = run(capsys, "providers", "import", str(only_p1), "--region", "noord", *url)
    assert "1 removed" in out
    code, out, _ = run(capsys, "compact", "--older-than-days", "0", *url)
    assert code == 0 and out.startswith("1 tombstones dropped")


def admin(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """An admin command as its own process (reads the password from real stdin)."""
    return central(*args, "--database-url", database_url, stdin=stdin)


@pytest.mark.slow
def test_user_passwd_and_deactivate_revoke_the_users_tokens(database_url: str) -> None:
    storage = Storage.open(database_url)
    api = make_api(storage)
    try:
        with api.client:
            laptop = api.login("anna")
            tablet = api.login("anna")
            bram = api.login("bram")
            new_password = "een nieuwe lange zin"

            short = admin(
                database_url, "user", "passwd", "anna", "--password-stdin", stdin="kort\n"
            )
            assert short.returncode == 2 and "password: " in short.stderr
            assert api.client.get("/v1/me", headers=laptop).status_code == 200

            changed = admin(
                database_url, "user", "passwd", "anna", "--password-stdin",
                stdin=new_password + "\n",
            )  # fmt: skip
            assert changed.returncode == 0, changed.stderr
            assert "2 devices revoked" in changed.stdout
            for old in (laptop, tablet):
                answer = api.client.get("/v1/me", headers=old)
                assert answer.json()["error"]["code"] == "device_revoked"
            assert api.client.get("/v1/me", headers=bram).status_code == 200
            body = {"username": "anna", "password": new_password, "device_name": "laptop"}
            fresh = api.client.post("/v1/auth/login", json=body)
            assert fresh.status_code == 200
            headers = {"Authorization": f"Bearer {fresh.json()['token']}"}

            gone = admin(database_url, "user", "deactivate", "anna")
            assert gone.returncode == 0 and "1 devices revoked" in gone.stdout
            assert api.client.get("/v1/me", headers=headers).status_code == 401
            assert api.client.post("/v1/auth/login", json=body).status_code == 401
            assert api.client.get("/v1/me", headers=bram).status_code == 200

            assert admin(database_url, "user", "activate", "anna").returncode == 0
            assert api.client.post("/v1/auth/login", json=body).status_code == 200
            assert admin(database_url, "user", "deactivate", "nobody").returncode == 1
    finally:
        storage.close()

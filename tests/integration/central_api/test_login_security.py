"""Login hardening over HTTP (in-process server, both databases): throttling per (user,
client) and per client with growing delays, no lockout from another client, the password
policy, and a retried login getting the same device."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from central_api.storage import Storage
from tests.helpers.central import PASSWORD, RIGHT, WRONG
from tests.integration.central_api.conftest import Api, make_api


def post(api: Api, body: dict[str, Any]) -> Any:
    return api.client.post("/v1/auth/login", json=body)


def test_delays_grow_after_the_free_failures_and_answer_429_with_retry_after(
    storage: Storage,
) -> None:
    api = make_api(storage, login_free_failures=2, login_delay_base=1.0)
    with api.client:
        api.user("anna")
        assert [post(api, WRONG).status_code for _ in range(2)] == [401, 401]
        waits = []
        for _ in range(2):
            blocked = post(api, WRONG)
            assert blocked.status_code == 429
            assert blocked.json()["error"]["code"] == "rate_limited"
            waits.append(int(blocked.headers["Retry-After"]))
            # the right password is refused as well while blocked: no free guess
            assert post(api, RIGHT).status_code == 429
            time.sleep(waits[-1] + 0.05)
            assert post(api, WRONG).status_code == 401
        assert waits == [1, 2]
        assert int(post(api, WRONG).headers["Retry-After"]) == 4
        time.sleep(4.05)
        assert post(api, RIGHT).status_code == 200
        # a correct password clears this client's counter for the name
        assert [post(api, WRONG).status_code for _ in range(2)] == [401, 401]
        outcomes = [r["outcome"] for r in storage.server_audit("auth.login")]
        assert outcomes.count("throttled") == 5


def test_failures_from_one_client_never_lock_the_user_out_elsewhere(storage: Storage) -> None:
    attacker = make_api(storage, client=("192.0.2.66", 40000), login_free_failures=3)
    colleague = make_api(storage, client=("198.51.100.7", 40001), login_free_failures=3)
    with attacker.client, colleague.client:
        attacker.user("anna")
        codes = [post(attacker, WRONG).status_code for _ in range(12)]
        assert codes == [401] * 3 + [429] * 9
        assert post(attacker, RIGHT).status_code == 429
        answer = post(colleague, RIGHT)
        assert answer.status_code == 200, answer.text
        assert post(colleague, WRONG).status_code == 401


def test_a_known_desk_behind_the_same_address_as_an_attacker_still_logs_in(
    storage: Storage,
) -> None:
    """An office NAT: the attacker and Anna's desk share one address. Anna's desk logged
    in before, so its installation is counted on its own, not per address."""
    office = make_api(
        storage, client=("192.0.2.10", 40000), login_free_failures=3, login_client_free_failures=5
    )
    with office.client:
        office.user("anna")
        desk = str(uuid.uuid4())
        assert post(office, {**RIGHT, "installation_id": desk}).status_code == 200
        guesses = [
            post(office, {**WRONG, "installation_id": str(uuid.uuid4())}).status_code
            for _ in range(8)
        ]
        assert guesses == [401] * 3 + [429] * 5
        assert post(office, {**RIGHT, "installation_id": str(uuid.uuid4())}).status_code == 429
        assert post(office, {**RIGHT, "installation_id": desk}).status_code == 200
        # the known installation has its own counter, throttled the same way
        codes = [post(office, {**WRONG, "installation_id": desk}).status_code for _ in range(4)]
        assert codes == [401] * 3 + [429]


def test_one_client_spraying_many_names_is_throttled(storage: Storage) -> None:
    sprayer = make_api(
        storage, client=("192.0.2.66", 40000), login_free_failures=5, login_client_free_failures=4
    )
    other = make_api(storage, client=("198.51.100.7", 40001), login_client_free_failures=4)
    with sprayer.client, other.client:
        sprayer.user("anna")
        codes = [post(sprayer, {**WRONG, "username": f"name{i}"}).status_code for i in range(6)]
        assert codes == [401] * 4 + [429] * 2
        assert post(other, RIGHT).status_code == 200


def test_successful_logins_from_a_shared_address_do_not_add_up(storage: Storage) -> None:
    office = make_api(storage, login_client_free_failures=3)
    with office.client:
        for name in ("anna", "bram", "cas", "dirk", "eva"):
            office.login(name)
        assert post(office, WRONG).status_code == 401
        assert office.login("anna")


def test_concurrent_guesses_from_one_client_are_counted_before_the_hash(
    storage: Storage,
) -> None:
    api = make_api(storage, login_free_failures=3, login_hash_slots=2)
    with api.client:
        api.user("anna")
        with ThreadPoolExecutor(6) as pool:
            codes = sorted(pool.map(lambda _: post(api, WRONG).status_code, range(12)))
        assert codes == [401] * 3 + [429] * 9


def test_a_full_hash_queue_answers_503_with_retry_after_and_counts_nothing(
    storage: Storage,
) -> None:
    api = make_api(storage, login_hash_slots=1, login_hash_queue=0, login_free_failures=1)
    with api.client:
        api.user("anna")
        gate = api.client.app.state.hash_gate  # type: ignore[attr-defined]
        assert gate.try_enter()  # another login is being checked right now
        try:
            busy = post(api, WRONG)
        finally:
            gate.leave()
        assert busy.status_code == 503
        assert busy.json()["error"]["code"] == "service_unavailable"
        assert int(busy.headers["Retry-After"]) >= 1
        # a login admitted to the queue that waits too long for a slot: 503 as well
        gate.wait = 0.2
        gate.capacity = 2
        gate._slots.acquire()
        try:
            waited = post(api, WRONG)
        finally:
            gate._slots.release()
        assert waited.status_code == 503 and waited.headers["Retry-After"]
        # the refused attempts were never counted: the one free failure is still there
        assert post(api, WRONG).status_code == 401
        assert post(api, WRONG).status_code == 429


def test_password_policy_refuses_short_and_common_passwords_naming_the_field(
    storage: Storage,
) -> None:
    storage.add_region("noord")
    for password in (
        "kort-genoeg",  # 11 characters
        "password",
        "Password1234",
        "wachtwoord2026!",
        "welkomwelkom",
        "123456789012",
        "qwertyuiopasdf",
        "aaaaaaaaaaaaaaaa",
        "anna.jansen-1990",
    ):
        with pytest.raises(ValueError, match=r"^password: ") as refused:
            storage.add_user("anna.jansen", password, role="desk", region="noord")
        dutch, english = str(refused.value).removeprefix("password: ").split(" / ")
        assert "wachtwoord" in dutch and "password" in english
    assert storage.list_devices() == []
    storage.add_user("anna.jansen", "lente in Assen, kop koffie", role="desk", region="noord")


def test_a_retried_login_with_the_same_installation_gets_the_same_device(api: Api) -> None:
    api.user("anna")
    installation = str(uuid.uuid4())
    first = post(api, {**RIGHT, "installation_id": installation})
    # the first answer was lost in transit; the desk logs in again
    again = post(api, {**RIGHT, "installation_id": installation})
    assert first.status_code == again.status_code == 200
    assert again.json()["device_id"] == first.json()["device_id"]
    assert again.json()["token"] != first.json()["token"]
    assert [d.id for d in api.storage.list_devices()] == [first.json()["device_id"]]
    lost = {"Authorization": f"Bearer {first.json()['token']}"}
    kept = {"Authorization": f"Bearer {again.json()['token']}"}
    assert api.client.get("/v1/me", headers=lost).status_code == 401
    assert api.client.get("/v1/me", headers=kept).json()["device_id"] == first.json()["device_id"]

    other = post(api, {**RIGHT, "installation_id": str(uuid.uuid4())})
    assert other.json()["device_id"] != first.json()["device_id"]
    # a revoked device stays revoked: the same installation gets a new device
    api.storage.revoke_device(first.json()["device_id"])
    after = post(api, {**RIGHT, "installation_id": installation})
    assert after.json()["device_id"] not in {first.json()["device_id"], other.json()["device_id"]}
    assert api.client.get("/v1/me", headers=kept).status_code == 401
    # an older desk without an installation id still logs in (a new device each time)
    old = [post(api, RIGHT).json()["device_id"] for _ in range(2)]
    assert len(set(old)) == 2 and len(api.storage.list_devices()) == 5


def test_passwd_and_deactivate_revoke_tokens_in_storage(api: Api) -> None:
    headers = api.login("anna")
    new_password = "een nieuwe lange zin"
    assert api.storage.set_password("anna", new_password) == 1
    assert api.client.get("/v1/me", headers=headers).json()["error"]["code"] == "device_revoked"
    assert post(api, RIGHT).status_code == 401
    assert post(api, {**RIGHT, "password": new_password}).status_code == 200
    assert api.storage.set_active("anna", False) == 1
    assert post(api, {**RIGHT, "password": new_password}).status_code == 401
    actions = [r["action"] for r in api.storage.server_audit() if r["action"].startswith("admin.")]
    assert actions[-2:] == ["admin.user_passwd", "admin.user_deactivate"]


def test_migration_0002_keeps_the_devices_of_a_0001_database(storage: Storage) -> None:
    from datetime import UTC, datetime

    from alembic import command
    from sqlalchemy import insert, text

    from central_api import db
    from central_api.security import hash_password, new_token, token_hash

    config = db.alembic_config(storage.engine)
    command.downgrade(config, "0001")
    api = make_api(storage)
    token = new_token()
    user_id = str(uuid.uuid4())
    with storage.engine.begin() as conn:  # a region, user and device as 0001 had them
        conn.execute(insert(db.regions).values(name="noord", created_at=datetime.now(UTC)))
        region_id = conn.exec_driver_sql("SELECT id FROM regions").scalar_one()
        conn.execute(
            text(
                "INSERT INTO users (id, username, display_name, password_hash, role, "
                "region_id, active, created_at) VALUES (:id, 'anna', 'Anna', :hash, 'desk', "
                ":region, :active, :now)"
            ),
            {
                "id": user_id,
                "hash": hash_password(PASSWORD),
                "region": region_id,
                "active": True,
                "now": datetime.now(UTC),
            },
        )
        conn.execute(
            insert(db.devices).values(
                id=str(uuid.uuid4()),
                user_id=user_id,
                name="laptop",
                token_hash=token_hash(token),
                created_at=datetime.now(UTC),
            )
        )
    command.upgrade(config, "head")
    with api.client:
        headers = {"Authorization": f"Bearer {token}"}
        assert api.client.get("/v1/me", headers=headers).status_code == 200
        assert post(api, WRONG).status_code == 401
        again = post(api, {**RIGHT, "installation_id": str(uuid.uuid4())})
        assert again.status_code == 200

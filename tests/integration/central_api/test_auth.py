"""Login, device tokens, revocation, rate limits and the error catalogue."""

from __future__ import annotations

from central_api.storage import Storage
from tests.integration.central_api.conftest import PASSWORD, Api, make_api, version


def test_login_registers_a_device_and_returns_the_user(api: Api) -> None:
    api.user("anna", role="triagist", region="noord")
    response = api.client.post(
        "/v1/auth/login",
        json={"username": "anna", "password": PASSWORD, "device_name": "laptop-7"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["role"] == "triagist" and body["user"]["region"] == "noord"
    devices = api.storage.list_devices()
    assert [(d.id, d.name, d.username) for d in devices] == [
        (body["device_id"], "laptop-7", "anna")
    ]
    me = api.client.get("/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.json() == {"device_id": body["device_id"], "user": body["user"]}
    # The token itself is never stored, only its hash.
    with api.storage.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT token_hash FROM devices").scalar_one()
    assert stored != body["token"] and len(stored) == 64


def test_wrong_password_and_unknown_user_get_the_same_401(api: Api) -> None:
    api.user("anna")
    for username, password in (("anna", "wrong password"), ("nobody", PASSWORD)):
        response = api.client.post(
            "/v1/auth/login",
            json={"username": username, "password": password, "device_name": "x"},
        )
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_credentials"
    failures = api.storage.server_audit("auth.login")
    assert [f["outcome"] for f in failures] == ["invalid_credentials"] * 2


def test_missing_or_bad_tokens_get_401(api: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic eDp5"}):
        response = api.client.get("/v1/sync/pull", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"


def test_a_revoked_device_gets_401_and_stops_syncing(api: Api) -> None:
    headers = api.login("anna")
    other = api.login("anna")  # a second device of the same user keeps working
    assert api.push(headers, [version()])["versions"][0]["result"] == "created"
    device_id = api.client.get("/v1/me", headers=headers).json()["device_id"]
    api.storage.revoke_device(device_id)

    pushed = api.client.post("/v1/sync/push", json={"versions": [version()]}, headers=headers)
    pulled = api.client.get("/v1/sync/pull", headers=headers)
    for response in (pushed, pulled):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "device_revoked"
        assert response.json()["error"]["errno"] == 105
    assert len([c for c in api.pull_all(other) if c["kind"] == "case_version"]) == 1
    denied = api.storage.server_audit("auth.denied")
    assert {d["device_id"] for d in denied} == {device_id} and len(denied) == 2


def test_logout_revokes_the_own_token(api: Api) -> None:
    headers = api.login("anna")
    assert api.client.post("/v1/auth/logout", headers=headers).status_code == 204
    assert api.client.get("/v1/me", headers=headers).status_code == 401


def test_a_device_over_its_rate_gets_429_with_retry_after(storage: Storage) -> None:
    limited = make_api(storage, rate_per_minute=6, rate_burst=3)
    with limited.client:
        headers = limited.login("anna")
        other = limited.login("bram")
        codes = [limited.client.get("/v1/me", headers=headers).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        response = limited.client.get("/v1/sync/pull", headers=headers)
        assert response.status_code == 429
        assert response.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(response.headers["Retry-After"]) <= 10
        # The bucket is per device: another device is not slowed down.
        assert limited.client.get("/v1/me", headers=other).status_code == 200


def test_repeated_logins_are_throttled_even_with_the_rate_limit_off(storage: Storage) -> None:
    # --rate-per-minute 0 switches the per-device limit off, never the login throttle
    limited = make_api(storage, rate_per_minute=0, login_free_failures=2)
    with limited.client:
        limited.user("anna")
        body = {"username": "anna", "password": "wrong", "device_name": "x"}
        codes = [limited.client.post("/v1/auth/login", json=body).status_code for _ in range(3)]
        assert codes == [401, 401, 429]


def test_validation_errors_name_the_field(api: Api) -> None:
    response = api.client.post("/v1/auth/login", json={"username": "anna", "password": "x"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "device_name"
    response = api.client.post(
        "/v1/auth/login", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "malformed_json"


def test_health_and_unknown_paths(api: Api) -> None:
    health = api.client.get("/v1/health")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert health.json()["database"] in {"sqlite", "postgresql"}
    missing = api.client.get("/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong = api.client.delete("/v1/health")
    assert wrong.status_code == 405 and wrong.json()["error"]["errno"] == 121

"""PUT/GET/DELETE /v1/users/{id}: the least data, the band that grows up, erasure."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from salama.store import Store
from tests.api.conftest import Tenant, assert_error


def _put(client: TestClient, tenant: Tenant, user: str, **body: object):  # type: ignore[no-untyped-def]
    return client.put(f"/v1/users/{user}", json=body, headers=tenant.app)


def test_create_then_update(client: TestClient, tenant: Tenant) -> None:
    r = _put(
        client, tenant, "u1", age_band="teen_13_15", country="ma", timezone="Africa/Casablanca"
    )
    assert r.status_code == 201, r.text
    assert r.json()["country"] == "MA" and r.json()["age_band"] == "teen_13_15"
    r = _put(client, tenant, "u1", age_band="teen_16_17", timezone="Africa/Casablanca")
    assert r.status_code == 200 and r.json()["age_band"] == "teen_16_17"
    assert client.get("/v1/users/u1", headers=tenant.app).json()["age_band"] == "teen_16_17"


def test_band_follows_the_birth_date(client: TestClient, tenant: Tenant) -> None:
    today = date.today()
    fifteen = (
        today.replace(year=today.year - 15)
        if today.month != 2 or today.day != 29
        else date(today.year - 15, 3, 1)
    )
    r = _put(client, tenant, "t", birth_date=fifteen.isoformat(), timezone="Europe/Paris")
    assert r.status_code == 201, r.text
    assert r.json()["age_band"] == "teen_13_15"
    adult = date(today.year - 30, 1, 1).isoformat()
    assert _put(client, tenant, "t", birth_date=adult).json()["age_band"] == "adult"


def test_bad_users_are_refused(client: TestClient, tenant: Tenant) -> None:
    young = date(date.today().year - 10, 1, 1).isoformat()
    assert_error(_put(client, tenant, "k", birth_date=young), 422, "under_13")
    assert_error(
        _put(client, tenant, "k", age_band="adult", timezone="Mars/Olympus"),
        422,
        "invalid_time_zone",
    )
    assert_error(_put(client, tenant, "k"), 422, "invalid_input")  # neither band nor date
    assert_error(
        _put(client, tenant, "k", age_band="adult", birth_date="2000-01-01"), 422, "invalid_input"
    )
    assert_error(_put(client, tenant, "k", age_band="adult", name="Sara"), 422, "invalid_input")
    future = date(date.today().year + 1, 1, 1).isoformat()
    assert_error(_put(client, tenant, "k", birth_date=future), 422, "invalid_birth_date")
    assert_error(client.get("/v1/users/k", headers=tenant.app), 404, "not_found")


def test_delete_erases_the_user_and_what_they_wrote(
    client: TestClient, tenant: Tenant, store: Store
) -> None:
    _put(client, tenant, "u9", age_band="teen_13_15")
    check = client.post(
        "/v1/check",
        json={
            "text": "nta wa7ed mkl5 o 7mar, sir t9awd",
            "surface": "comment",
            "author": {"id": "u9"},
        },
        headers=tenant.app,
    ).json()
    assert check["decision_id"] is not None
    r = client.delete("/v1/users/u9", headers=tenant.app)
    assert r.status_code == 204
    assert store.decisions.get(tenant.id, check["decision_id"]) is None
    assert_error(client.get("/v1/users/u9", headers=tenant.app), 404, "not_found")
    assert_error(client.delete("/v1/users/u9", headers=tenant.app), 404, "not_found")
    assert any(e.action == "user.delete" for e in store.audit.list(tenant.id))


def test_users_are_tenant_scoped(client: TestClient, tenant: Tenant, other: Tenant) -> None:
    _put(client, tenant, "same", age_band="teen_13_15")
    assert_error(client.get("/v1/users/same", headers=other.app), 404, "not_found")
    assert_error(client.delete("/v1/users/same", headers=other.app), 404, "not_found")
    r = client.put("/v1/users/same", json={"age_band": "adult"}, headers=other.app)
    assert r.status_code == 201  # the other tenant's own user of that id
    assert client.get("/v1/users/same", headers=tenant.app).json()["age_band"] == "teen_13_15"

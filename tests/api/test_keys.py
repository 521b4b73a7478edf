"""/v1/keys: list (never a secret or a hash), create (the secret once), revoke (at once);
admin keys only, every change audited."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from salama.store import Store
from tests.api.conftest import Tenant, assert_error


def key_id(store: Store, t: Tenant, role: str) -> str:
    return next(k.id for k in store.tenants.list_keys(t.id) if k.role == role)


def test_list_shows_the_tenants_keys_without_secrets(
    client: TestClient, tenant: Tenant, store: Store
) -> None:
    response = client.get("/v1/keys", headers=tenant.admin)
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["count"] == 2
    assert sorted(k["role"] for k in out["data"]) == ["admin", "app"]
    assert set(out["data"][0]) == {"id", "prefix", "role", "created_at", "revoked_at", "revoked"}
    text = response.text
    assert tenant.app_key not in text and tenant.admin_key not in text
    assert tenant.app_key.split("_", 2)[2] not in text  # nor the secret part alone
    assert "hash" not in text


def test_a_new_key_shows_its_secret_once_and_works(
    client: TestClient, tenant: Tenant, store: Store
) -> None:
    response = client.post("/v1/keys", json={"role": "app"}, headers=tenant.admin)
    assert response.status_code == 201, response.text
    out = response.json()
    secret = out["secret"]
    assert secret.startswith(f"slm_{out['key']['prefix']}_")
    assert (out["key"]["role"], out["key"]["revoked"]) == ("app", False)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/v1/resources/countries", headers=headers).status_code == 200
    assert_error(client.get("/v1/keys", headers=headers), 403, "admin_required")  # an app key
    listed = client.get("/v1/keys", headers=tenant.admin)
    assert listed.json()["count"] == 3 and secret not in listed.text
    entry = store.audit.list(tenant.id)[-1]
    assert (entry.action, entry.target) == ("key.create", f"key:{out['key']['id']}")
    assert entry.details == {"role": "app", "prefix": out["key"]["prefix"]}


def test_a_new_admin_key_can_act_as_admin(client: TestClient, tenant: Tenant) -> None:
    secret = client.post("/v1/keys", json={"role": "admin"}, headers=tenant.admin).json()["secret"]
    response = client.get("/v1/keys", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200 and response.json()["count"] == 3


def test_a_revoked_key_stops_working_at_once(
    client: TestClient, tenant: Tenant, store: Store
) -> None:
    assert client.get("/v1/resources/countries", headers=tenant.app).status_code == 200  # cached
    app_id = key_id(store, tenant, "app")
    response = client.delete(f"/v1/keys/{app_id}", headers=tenant.admin)
    assert response.status_code == 200, response.text
    assert response.json()["revoked"] is True and response.json()["revoked_at"] is not None
    assert_error(client.get("/v1/resources/countries", headers=tenant.app), 401, "unauthorized")
    # idempotent: the first revoked_at stays
    again = client.delete(f"/v1/keys/{app_id}", headers=tenant.admin)
    assert again.status_code == 200 and again.json()["revoked_at"] == response.json()["revoked_at"]
    listed = {k["id"]: k for k in client.get("/v1/keys", headers=tenant.admin).json()["data"]}
    assert listed[app_id]["revoked"] is True
    actions = [(e.action, e.target) for e in store.audit.list(tenant.id)]
    assert actions[0] == ("key.revoke", f"key:{app_id}")


def test_a_key_cannot_revoke_itself(client: TestClient, tenant: Tenant, store: Store) -> None:
    admin_id = key_id(store, tenant, "admin")
    response = client.delete(f"/v1/keys/{admin_id}", headers=tenant.admin)
    assert_error(response, 409, "cannot_revoke_self")
    assert client.get("/v1/keys", headers=tenant.admin).status_code == 200
    assert store.audit.list(tenant.id) == []
    # rotation: a new admin key revokes the old one
    secret = client.post("/v1/keys", json={"role": "admin"}, headers=tenant.admin).json()["secret"]
    rotated = client.delete(f"/v1/keys/{admin_id}", headers={"Authorization": f"Bearer {secret}"})
    assert rotated.status_code == 200, rotated.text
    assert_error(client.get("/v1/keys", headers=tenant.admin), 401, "unauthorized")


def test_an_unknown_key_is_404(client: TestClient, tenant: Tenant, store: Store) -> None:
    err = assert_error(client.delete("/v1/keys/" + "0" * 32, headers=tenant.admin), 404)
    assert err["code"] == "not_found"
    assert store.audit.list(tenant.id) == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/v1/keys", None),
        ("post", "/v1/keys", {"role": "admin"}),
        ("delete", "/v1/keys/x", None),
    ],
)
def test_keys_need_an_admin_key(
    client: TestClient, tenant: Tenant, store: Store, method: str, path: str, body: object
) -> None:
    assert_error(client.request(method, path, json=body, headers=tenant.app), 403, "admin_required")
    assert_error(client.request(method, path, json=body), 401, "unauthorized")
    assert len(store.tenants.list_keys(tenant.id)) == 2


@pytest.mark.parametrize(
    "body", [{}, {"role": "owner"}, {"role": "ADMIN"}, {"role": 1}, {"role": "app", "name": "x"}]
)
def test_bad_create_bodies_are_422(
    client: TestClient, tenant: Tenant, store: Store, body: object
) -> None:
    assert_error(client.post("/v1/keys", json=body, headers=tenant.admin), 422, "invalid_input")
    assert len(store.tenants.list_keys(tenant.id)) == 2


def test_a_too_long_key_id_is_422(client: TestClient, tenant: Tenant) -> None:
    assert_error(client.delete("/v1/keys/" + "a" * 65, headers=tenant.admin), 422, "invalid_input")

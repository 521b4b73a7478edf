"""/v1/audit: the tenant's audit log, oldest first, paged by id; admin keys only."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from salama.store import Store
from tests.api.conftest import Tenant, assert_error


def fill(store: Store, t: Tenant, n: int) -> list[int]:
    return [
        store.audit.append(t.id, actor="test", action=f"thing.{i}", target=f"t:{i}").id
        for i in range(n)
    ]


def test_the_log_reads_oldest_first_and_pages_by_id(
    client: TestClient, tenant: Tenant, store: Store
) -> None:
    ids = fill(store, tenant, 5)
    response = client.get("/v1/audit", headers=tenant.admin)
    assert response.status_code == 200, response.text
    out = response.json()
    assert [e["id"] for e in out["data"]] == ids
    assert [e["action"] for e in out["data"]] == [f"thing.{i}" for i in range(5)]
    assert out["count"] == 5 and out["next_after_id"] == ids[-1]
    assert set(out["data"][0]) == {"id", "actor", "action", "target", "details", "created_at"}

    page = client.get("/v1/audit", params={"limit": 2}, headers=tenant.admin).json()
    assert [e["id"] for e in page["data"]] == ids[:2]
    page = client.get(
        "/v1/audit", params={"limit": 2, "after_id": page["next_after_id"]}, headers=tenant.admin
    ).json()
    assert [e["id"] for e in page["data"]] == ids[2:4]
    last = client.get("/v1/audit", params={"after_id": ids[-1]}, headers=tenant.admin).json()
    assert last == {"data": [], "count": 0, "next_after_id": ids[-1]}


def test_writes_through_the_api_are_in_the_log(client: TestClient, tenant: Tenant) -> None:
    created = client.post("/v1/keys", json={"role": "app"}, headers=tenant.admin)
    assert created.status_code == 201, created.text
    entries = client.get("/v1/audit", headers=tenant.admin).json()["data"]
    assert [(e["action"], e["target"]) for e in entries] == [
        ("key.create", f"key:{created.json()['key']['id']}")
    ]
    assert entries[0]["actor"].startswith("admin-key:")


def test_a_large_limit_is_capped_at_1000(
    client: TestClient, tenant: Tenant, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, Any]] = []
    real = store.audit.list

    def spy(tenant_id: str, **kwargs: Any) -> Any:
        seen.append(kwargs)
        return real(tenant_id, **kwargs)

    monkeypatch.setattr(store.audit, "list", spy)
    fill(store, tenant, 3)
    response = client.get("/v1/audit", params={"limit": 5000}, headers=tenant.admin)
    assert response.status_code == 200, response.text
    assert response.json()["count"] == 3
    assert seen == [{"after_id": 0, "limit": 1000}]


def test_the_log_needs_an_admin_key(client: TestClient, tenant: Tenant, store: Store) -> None:
    fill(store, tenant, 1)
    assert_error(client.get("/v1/audit", headers=tenant.app), 403, "admin_required")
    assert_error(client.get("/v1/audit"), 401, "unauthorized")


@pytest.mark.parametrize(
    "query", ["after_id=-1", "after_id=9223372036854775808", "after_id=x", "limit=0", "limit=1.5"]
)
def test_bad_paging_is_422(client: TestClient, tenant: Tenant, query: str) -> None:
    assert_error(client.get(f"/v1/audit?{query}", headers=tenant.admin), 422, "invalid_input")


def test_the_largest_after_id_is_accepted(client: TestClient, tenant: Tenant) -> None:
    response = client.get(f"/v1/audit?after_id={2**63 - 1}", headers=tenant.admin)
    assert response.status_code == 200, response.text
    assert response.json()["count"] == 0

"""/v1/decisions and /v1/review: kept decisions with their reasons and text, and the open review
queue, for any key of the tenant."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from salama.store import Store
from tests.api.conftest import Tenant, assert_error

INSULT = "wa zebi 3la jaw"  # adult to adult: limit; teen to teen: hold (queued for review)


def check(client: TestClient, t: Tenant, band: str) -> dict[str, Any]:
    body = {
        "text": INSULT,
        "surface": "comment",
        "author": {"id": "author-7", "age_band": band},
        "context": {"audience": band},
    }
    response = client.post("/v1/check", json=body, headers=t.app)
    assert response.status_code == 200, response.text
    out: dict[str, Any] = response.json()
    return out


def test_a_kept_decision_reads_back_with_its_reasons_and_text(
    client: TestClient, tenant: Tenant
) -> None:
    checked = check(client, tenant, "adult")
    assert checked["decision"]["action"] == "limit"
    response = client.get(f"/v1/decisions/{checked['decision_id']}", headers=tenant.app)
    assert response.status_code == 200, response.text
    out = response.json()
    assert (out["id"], out["action"], out["surface"]) == (
        checked["decision_id"],
        "limit",
        "comment",
    )
    assert out["text"] == INSULT and out["author_ref"] == "author-7"
    assert out["reasons"][0]["rule"] == checked["decision"]["reasons"][0]["rule"]
    assert out["categories"]["insult"] > 0.5
    assert out["expires_at"] > out["created_at"]


def test_decisions_list_newest_first_and_filter_by_action(
    client: TestClient, tenant: Tenant
) -> None:
    first = check(client, tenant, "adult")["decision_id"]
    held = check(client, tenant, "teen_16_17")
    assert held["decision"]["action"] == "hold"
    response = client.get("/v1/decisions", headers=tenant.admin)
    assert response.status_code == 200, response.text
    out = response.json()
    assert [d["id"] for d in out["data"]] == [held["decision_id"], first]
    assert out["count"] == 2
    only = client.get("/v1/decisions", params={"action": "hold"}, headers=tenant.app).json()
    assert [d["id"] for d in only["data"]] == [held["decision_id"]]
    one = client.get("/v1/decisions", params={"limit": 1}, headers=tenant.app).json()
    assert one["count"] == 1
    none = client.get("/v1/decisions", params={"action": "block"}, headers=tenant.app).json()
    assert none == {"data": [], "count": 0}


def test_the_review_queue_holds_open_items_with_their_decision(
    client: TestClient, tenant: Tenant, store: Store
) -> None:
    check(client, tenant, "adult")  # a limit: kept, not queued
    held = check(client, tenant, "teen_16_17")
    response = client.get("/v1/review", headers=tenant.app)
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["count"] == 1
    item = out["data"][0]
    assert (item["id"], item["decision_id"]) == (held["review_item_id"], held["decision_id"])
    assert item["status"] == "open"
    assert item["decision"]["action"] == "hold" and item["decision"]["text"] == INSULT
    store.review.mark_decided(tenant.id, item["id"])
    assert client.get("/v1/review", headers=tenant.app).json() == {"data": [], "count": 0}


def test_an_unknown_decision_is_404(client: TestClient, tenant: Tenant) -> None:
    err = assert_error(client.get("/v1/decisions/" + "f" * 32, headers=tenant.app), 404)
    assert err["code"] == "not_found"


@pytest.mark.parametrize("path", ["/v1/decisions", "/v1/decisions/abc", "/v1/review"])
def test_decisions_need_a_key(client: TestClient, path: str) -> None:
    assert_error(client.get(path), 401, "unauthorized")


@pytest.mark.parametrize(
    "path",
    [
        "/v1/decisions?action=delete",
        "/v1/decisions?limit=0",
        "/v1/decisions?limit=many",
        "/v1/decisions/" + "a" * 65,
        "/v1/review?limit=-3",
    ],
)
def test_bad_input_is_422(client: TestClient, tenant: Tenant, path: str) -> None:
    assert_error(client.get(path, headers=tenant.app), 422, "invalid_input")

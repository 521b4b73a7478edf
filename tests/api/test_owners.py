"""Owner settings over HTTP: defaults, versions, conflicts, limits, audit."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from salama.store import Store
from tests.api.conftest import Tenant, assert_error


def test_defaults_then_write_then_read(client: TestClient, tenant: Tenant) -> None:
    r = client.get("/v1/owners/o1/settings", headers=tenant.app)
    assert r.status_code == 200
    assert r.json()["version"] == 0 and r.json()["settings"]["who_may_comment"] == "everyone"
    body = {"settings": {"filter_all_comments": True, "keyword_filters": ["idiot*"]}, "version": 0}
    put = client.put("/v1/owners/o1/settings", json=body, headers=tenant.app)
    assert put.status_code == 200, put.text
    assert put.json()["version"] == 1
    got = client.get("/v1/owners/o1/settings", headers=tenant.app).json()
    assert got["settings"]["filter_all_comments"] is True
    assert got["settings"]["keyword_filters"] == ["idiot*"]


def test_stale_version_is_409_and_nothing_is_lost(client: TestClient, tenant: Tenant) -> None:
    first = {"settings": {"keyword_filters": ["alpha"]}, "version": 0}
    assert client.put("/v1/owners/o/settings", json=first, headers=tenant.app).status_code == 200
    stale = {"settings": {"keyword_filters": ["beta"]}, "version": 0}
    assert_error(
        client.put("/v1/owners/o/settings", json=stale, headers=tenant.app), 409, "conflict"
    )
    got = client.get("/v1/owners/o/settings", headers=tenant.app).json()
    assert got["settings"]["keyword_filters"] == ["alpha"] and got["version"] == 1


def test_concurrent_writers_one_wins(client: TestClient, tenant: Tenant) -> None:
    statuses: list[int] = []

    def write(term: str) -> None:
        body = {"settings": {"keyword_filters": [term]}, "version": 0}
        r = client.put("/v1/owners/race/settings", json=body, headers=tenant.app)
        statuses.append(r.status_code)

    threads = [threading.Thread(target=write, args=(f"term{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [409] * 7
    got = client.get("/v1/owners/race/settings", headers=tenant.app).json()
    assert got["version"] == 1 and len(got["settings"]["keyword_filters"]) == 1


def test_ten_thousand_terms_accepted_one_more_refused(client: TestClient, tenant: Tenant) -> None:
    terms = [f"mot{i:05d}" for i in range(10_000)]
    ok = client.put(
        "/v1/owners/big/settings",
        json={"settings": {"keyword_filters": terms}, "version": 0},
        headers=tenant.app,
    )
    assert ok.status_code == 200, ok.text[:300]
    check = client.post(
        "/v1/check",
        json={"text": "salut mot09999 !", "surface": "comment", "owner": {"id": "big"}},
        headers=tenant.app,
    )
    assert check.json()["decision"]["action"] == "hold"
    too_many = client.put(
        "/v1/owners/big/settings",
        json={"settings": {"keyword_filters": [*terms, "extra"]}, "version": 1},
        headers=tenant.app,
    )
    assert_error(too_many, 422, "invalid_input")
    assert client.get("/v1/owners/big/settings", headers=tenant.app).json()["version"] == 1


def test_bad_settings_are_refused(client: TestClient, tenant: Tenant) -> None:
    for settings, code in [
        ({"who_may_comment": "friends"}, "invalid_input"),
        ({"keyword_filters": ["a"]}, "keyword_too_short"),
        ({"keyword_filters": ["x" * 101]}, "keyword_too_long"),
        ({"colour": "blue"}, "invalid_input"),
    ]:
        r = client.put(
            "/v1/owners/o/settings", json={"settings": settings, "version": 0}, headers=tenant.app
        )
        assert_error(r, 422, code)
    assert client.get("/v1/owners/o/settings", headers=tenant.app).json()["version"] == 0


def test_writes_are_audited_without_the_terms(
    client: TestClient, tenant: Tenant, store: Store
) -> None:
    body = {"settings": {"keyword_filters": ["secretword"]}, "version": 0}
    client.put("/v1/owners/o9/settings", json=body, headers=tenant.app)
    [entry] = [e for e in store.audit.list(tenant.id) if e.action == "owner_settings.update"]
    assert entry.target == "owner:o9" and entry.actor.startswith("app-key:")
    assert entry.details["changed"] == ["keyword_filters"]
    assert "secretword" not in str(entry.details)


def test_a_write_takes_effect_at_once_in_checks(client: TestClient, tenant: Tenant) -> None:
    check = {"text": "bonjour tout le monde", "surface": "comment", "owner": {"id": "o5"}}
    assert (
        client.post("/v1/check", json=check, headers=tenant.app).json()["decision"]["action"]
        == "allow"
    )
    body = {"settings": {"filter_all_comments": True}, "version": 0}
    client.put("/v1/owners/o5/settings", json=body, headers=tenant.app)
    decision = client.post("/v1/check", json=check, headers=tenant.app).json()["decision"]
    assert decision["action"] == "hold"
    assert decision["reasons"][0]["rule"] == "owner:filter_all_comments"

"""Tenant isolation, route by route: tenant B's keys never read or change tenant A's data.

``ISOLATION`` maps every route under /v1 to the test that shows it isolated; a route added
without a case there fails ``test_every_route_has_an_isolation_case``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from salama.store import Store
from tests.api.conftest import Tenant, assert_error
from tests.api.test_policies import LENIENT, PROFANE, STRICT

OWNER = "owner-1"  # the same owner id in both tenants: two different owners
USER = "u1"  # likewise for a user; A's kept decision below was written by A's u1

ISOLATION: dict[str, str] = {
    "POST /v1/usage/heartbeats": "test_usage_routes_are_per_tenant",
    "POST /v1/usage/sessions": "test_usage_routes_are_per_tenant",
    "GET /v1/usage/{user_id}/status": "test_usage_routes_are_per_tenant",
    "GET /v1/usage/{user_id}/limits": "test_usage_routes_are_per_tenant",
    "PUT /v1/usage/{user_id}/limits": "test_usage_routes_are_per_tenant",
    "PUT /v1/usage/{user_id}/passcode": "test_usage_routes_are_per_tenant",
    "POST /v1/usage/{user_id}/unlock": "test_usage_routes_are_per_tenant",
    "POST /v1/usage/{user_id}/unlock-requests": "test_usage_routes_are_per_tenant",
    "GET /v1/usage/{user_id}/unlock-requests": "test_usage_routes_are_per_tenant",
    "POST /v1/usage/unlock-requests/{request_id}/approve": "test_usage_routes_are_per_tenant",
    "GET /v1/usage/{user_id}/summary": "test_usage_routes_are_per_tenant",
    "GET /v1/usage/{user_id}/summary.png": "test_usage_routes_are_per_tenant",
    "POST /v1/check": "test_check_applies_only_the_callers_policy_and_owner_settings",
    "POST /v1/check/batch": "test_batch_applies_only_the_callers_policy_and_owner_settings",
    "GET /v1/owners/{owner_id}/settings": "test_owner_settings_read_as_defaults_elsewhere",
    "PUT /v1/owners/{owner_id}/settings": "test_owner_settings_written_elsewhere_stay_apart",
    "GET /v1/policies": "test_policy_reads_see_only_the_callers_versions",
    "GET /v1/policies/{name}/active": "test_policy_reads_see_only_the_callers_versions",
    "GET /v1/policies/{name}/versions/{version}": "test_policy_reads_see_only_the_callers_versions",
    "GET /v1/policies/{name}/shadow-results": "test_policy_reads_see_only_the_callers_versions",
    "POST /v1/policies/validate": "test_validate_stores_nothing_anywhere",
    "POST /v1/policies/{name}/versions": "test_policy_writes_never_touch_another_tenant",
    "POST /v1/policies/{name}/versions/{version}/activate": (
        "test_policy_writes_never_touch_another_tenant"
    ),
    "POST /v1/policies/{name}/versions/{version}/shadow": (
        "test_policy_writes_never_touch_another_tenant"
    ),
    "DELETE /v1/policies/{name}/shadow": "test_policy_writes_never_touch_another_tenant",
    "GET /v1/decisions": "test_decisions_and_review_items_stay_with_their_tenant",
    "GET /v1/decisions/{decision_id}": "test_decisions_and_review_items_stay_with_their_tenant",
    "GET /v1/review": "test_decisions_and_review_items_stay_with_their_tenant",
    "GET /v1/resources": "test_resources_hold_no_tenant_data",
    "GET /v1/resources/countries": "test_resources_hold_no_tenant_data",
    "GET /v1/keys": "test_keys_are_listed_and_made_per_tenant",
    "POST /v1/keys": "test_keys_are_listed_and_made_per_tenant",
    "DELETE /v1/keys/{key_id}": "test_a_tenant_cannot_revoke_another_tenants_key",
    "GET /v1/audit": "test_the_audit_log_is_per_tenant",
    "GET /v1/users/{user_id}": "test_users_are_per_tenant",
    "PUT /v1/users/{user_id}": "test_users_are_per_tenant",
    "DELETE /v1/users/{user_id}": "test_users_are_per_tenant",
    "POST /v1/family/invites": "test_family_routes_are_per_tenant",
    "GET /v1/family/invites/{code}/qr.png": "test_family_routes_are_per_tenant",
    "POST /v1/family/invites/{code}/accept": "test_family_routes_are_per_tenant",
    "GET /v1/family/{teen_id}/controls": "test_family_routes_are_per_tenant",
    "PUT /v1/family/{teen_id}/controls": "test_family_routes_are_per_tenant",
    "DELETE /v1/family/{teen_id}/parents/{parent_id}": "test_family_routes_are_per_tenant",
    "GET /v1/family/{user_id}/links": "test_family_routes_are_per_tenant",
    "PUT /v1/webhooks": "test_family_routes_are_per_tenant",
    "GET /v1/webhooks": "test_family_routes_are_per_tenant",
    "DELETE /v1/webhooks": "test_family_routes_are_per_tenant",
}


@dataclass
class World:
    """Tenant A with data of every kind; tenant B with none of its own."""

    a: Tenant
    b: Tenant
    decision_id: str
    review_item_id: str
    a_key_ids: list[str]


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    out: dict[str, Any] = response.json()
    return out


def _check_body(text: str = PROFANE, **extra: Any) -> dict[str, Any]:
    return {
        "text": text,
        "surface": "comment",
        "author": {"id": "u1", "age_band": "adult"},
        "context": {"audience": "adult"},
        **extra,
    }


@pytest.fixture
def world(client: TestClient, tenant: Tenant, other: Tenant, store: Store) -> World:
    a = tenant
    # A's owner holds every comment; A's policy blocks swearing; A's v2 runs in shadow.
    put = client.put(
        f"/v1/owners/{OWNER}/settings",
        json={"settings": {"filter_all_comments": True}, "version": 0},
        headers=a.app,
    )
    _ok(put)
    user = {"age_band": "teen_13_15", "country": "MA", "timezone": "Africa/Casablanca"}
    _ok(client.put(f"/v1/users/{USER}", json=user, headers=a.app), 201)
    _ok(client.post("/v1/policies/default/versions", json={"body": STRICT}, headers=a.admin), 201)
    _ok(client.post("/v1/policies/default/versions", json={"body": LENIENT}, headers=a.admin), 201)
    _ok(client.post("/v1/policies/default/versions/1/activate", headers=a.admin))
    _ok(client.post("/v1/policies/default/versions/2/shadow", headers=a.admin))
    blocked = _ok(client.post("/v1/check", json=_check_body(), headers=a.app))
    assert blocked["decision"]["action"] == "block"  # kept, and the shadow differed
    held = store.decisions.record_decision(
        a.id, surface="comment", action="hold", categories={}, reasons=[], text="held text"
    )
    item = store.review.enqueue(a.id, held.id)
    assert len(store.shadows.list(a.id)) == 1
    return World(
        a, other, blocked["decision_id"], item.id, [k.id for k in store.tenants.list_keys(a.id)]
    )


def _a_is_untouched(client: TestClient, w: World, store: Store) -> None:
    """A's data is as the fixture left it."""
    assert [(p.version, p.status) for p in store.policies.list(w.a.id)] == [
        (1, "active"),
        (2, "shadow"),
    ]
    stored = store.settings.get(w.a.id, OWNER)
    assert stored is not None and stored.version == 1
    assert stored.settings["filter_all_comments"] is True
    assert all(not k.revoked for k in store.tenants.list_keys(w.a.id))
    user = store.users.get(w.a.id, USER)
    assert user is not None and user.age_band == "teen_13_15" and user.country == "MA"
    assert store.decisions.get(w.a.id, w.decision_id) is not None
    assert _ok(client.get("/v1/policies/default/active", headers=w.a.app))["version"] == 1


# --- the inventory ---------------------------------------------------------------------------


def _api_routes(routes: Any) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        # FastAPI >= 0.16x keeps an included router whole (an _IncludedRouter) in app.routes
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _api_routes(inner.routes)


def test_every_route_has_an_isolation_case(client: TestClient) -> None:
    app = client.app
    routes = {
        f"{method} {route.path}"
        for route in _api_routes(app.routes)  # type: ignore[attr-defined]
        if route.path.startswith("/v1")
        for method in route.methods
    }
    documented = {
        f"{method.upper()} {path}"
        for path, operations in app.openapi()["paths"].items()  # type: ignore[attr-defined]
        if path.startswith("/v1")
        for method in operations
    }
    assert "POST /v1/check" in routes and documented <= routes, documented - routes
    missing = sorted(routes - set(ISOLATION))
    assert not missing, f"routes without a tenant-isolation test in ISOLATION: {missing}"
    stale = sorted(set(ISOLATION) - routes)
    assert not stale, f"ISOLATION names routes that no longer exist: {stale}"
    for name in set(ISOLATION.values()):
        assert callable(globals().get(name)), f"no test function {name}"


# --- check -----------------------------------------------------------------------------------


def test_check_applies_only_the_callers_policy_and_owner_settings(
    client: TestClient, world: World, store: Store
) -> None:
    a_decisions = len(store.decisions.list(world.a.id))
    out = _ok(client.post("/v1/check", json=_check_body(), headers=world.b.app))
    assert out["decision"]["action"] == "allow"  # A's policy would block
    assert out["decision"]["policy"].startswith("salama-default@")
    owned = _check_body("merci, très belle photo", owner={"id": OWNER})
    out = _ok(client.post("/v1/check", json=owned, headers=world.b.app))
    assert out["decision"]["action"] == "allow"  # A's owner holds every comment
    assert (
        _ok(client.post("/v1/check", json=owned, headers=world.a.app))["decision"]["action"]
        == "hold"
    )
    assert len(store.decisions.list(world.a.id)) == a_decisions + 1  # A's own hold only
    assert store.shadows.list(world.b.id) == [] and len(store.shadows.list(world.a.id)) == 1


def test_batch_applies_only_the_callers_policy_and_owner_settings(
    client: TestClient, world: World, store: Store
) -> None:
    items = [_check_body(), _check_body("merci, très belle photo", owner={"id": OWNER})]
    out = _ok(client.post("/v1/check/batch", json={"items": items}, headers=world.b.app))
    assert [r["decision"]["action"] for r in out["results"]] == ["allow", "allow"]
    mine = _ok(client.post("/v1/check/batch", json={"items": items}, headers=world.a.app))
    assert [r["decision"]["action"] for r in mine["results"]] == ["block", "hold"]
    assert store.decisions.list(world.b.id) == []


# --- owner settings --------------------------------------------------------------------------


def test_owner_settings_read_as_defaults_elsewhere(client: TestClient, world: World) -> None:
    out = _ok(client.get(f"/v1/owners/{OWNER}/settings", headers=world.b.admin))
    assert out["version"] == 0 and out["updated_at"] is None
    assert out["settings"]["filter_all_comments"] is False
    assert _ok(client.get(f"/v1/owners/{OWNER}/settings", headers=world.a.app))["version"] == 1


def test_owner_settings_written_elsewhere_stay_apart(
    client: TestClient, world: World, store: Store
) -> None:
    # B's write with A's version is a conflict in B's space (B has none), not an overwrite of A's
    stale = client.put(
        f"/v1/owners/{OWNER}/settings",
        json={"settings": {"keyword_filters": ["photo"]}, "version": 1},
        headers=world.b.app,
    )
    assert_error(stale, 409)
    fresh = client.put(
        f"/v1/owners/{OWNER}/settings",
        json={"settings": {"keyword_filters": ["photo"]}, "version": 0},
        headers=world.b.app,
    )
    assert _ok(fresh)["version"] == 1
    a_view = _ok(client.get(f"/v1/owners/{OWNER}/settings", headers=world.a.app))
    assert a_view["settings"]["keyword_filters"] == []
    assert a_view["settings"]["filter_all_comments"] is True
    _a_is_untouched(client, world, store)


# --- policies --------------------------------------------------------------------------------


def test_policy_reads_see_only_the_callers_versions(client: TestClient, world: World) -> None:
    b = world.b.app
    assert _ok(client.get("/v1/policies", headers=b)) == {"data": [], "count": 0}
    assert _ok(client.get("/v1/policies?name=default", headers=b))["count"] == 0
    active = _ok(client.get("/v1/policies/default/active", headers=b))
    assert (active["source"], active["version"], active["shadow_version"]) == (
        "shipped",
        None,
        None,
    )
    for version in (1, 2):
        assert_error(
            client.get(f"/v1/policies/default/versions/{version}", headers=b), 404, "not_found"
        )
    shadows = _ok(client.get("/v1/policies/default/shadow-results", headers=b))
    assert shadows == {"data": [], "count": 0}
    # A sees its own
    assert _ok(client.get("/v1/policies", headers=world.a.app))["count"] == 2
    assert _ok(client.get("/v1/policies/default/shadow-results", headers=world.a.app))["count"] == 1


def test_validate_stores_nothing_anywhere(client: TestClient, world: World, store: Store) -> None:
    out = _ok(client.post("/v1/policies/validate", json={"body": STRICT}, headers=world.b.app))
    assert out["valid"] is True
    assert store.policies.list(world.b.id) == []
    _a_is_untouched(client, world, store)


def test_policy_writes_never_touch_another_tenant(
    client: TestClient, world: World, store: Store
) -> None:
    b = world.b.admin
    # versions A has are unknown to B
    assert_error(client.post("/v1/policies/default/versions/2/activate", headers=b), 404)
    assert_error(client.post("/v1/policies/default/versions/1/shadow", headers=b), 404)
    cleared = _ok(client.delete("/v1/policies/default/shadow", headers=b))
    assert cleared["cleared_version"] is None  # A's shadow is not B's
    _a_is_untouched(client, world, store)
    # B's own versions number from 1 and act for B only
    added = _ok(
        client.post("/v1/policies/default/versions", json={"body": LENIENT}, headers=b), 201
    )
    assert added["version"] == 1
    _ok(client.post("/v1/policies/default/versions/1/activate", headers=b))
    _ok(client.post("/v1/policies/default/versions", json={"body": STRICT}, headers=b), 201)
    _ok(client.post("/v1/policies/default/versions/2/shadow", headers=b))
    _ok(client.delete("/v1/policies/default/shadow", headers=b))
    _a_is_untouched(client, world, store)
    out = _ok(client.post("/v1/check", json=_check_body(), headers=world.a.app))
    assert out["decision"]["action"] == "block"  # A's strict v1 still applies to A
    assert store.shadows.list(world.a.id)[0].candidate_version == 2  # A's shadow still runs


# --- decisions and review --------------------------------------------------------------------


def test_decisions_and_review_items_stay_with_their_tenant(
    client: TestClient, world: World
) -> None:
    b = world.b.app
    assert _ok(client.get("/v1/decisions", headers=b)) == {"data": [], "count": 0}
    assert _ok(client.get("/v1/decisions?action=hold", headers=b))["count"] == 0
    assert_error(client.get(f"/v1/decisions/{world.decision_id}", headers=b), 404, "not_found")
    assert _ok(client.get("/v1/review", headers=b)) == {"data": [], "count": 0}
    # A reads them
    assert (
        _ok(client.get(f"/v1/decisions/{world.decision_id}", headers=world.a.app))["action"]
        == "block"
    )
    assert _ok(client.get("/v1/decisions", headers=world.a.app))["count"] == 2
    review = _ok(client.get("/v1/review", headers=world.a.app))
    assert [i["id"] for i in review["data"]] == [world.review_item_id]


# --- resources -------------------------------------------------------------------------------


def test_resources_hold_no_tenant_data(client: TestClient, world: World) -> None:
    for path in ("/v1/resources?country=MA&language=ary", "/v1/resources/countries"):
        seen_by_a = _ok(client.get(path, headers=world.a.app))
        seen_by_b = _ok(client.get(path, headers=world.b.app))
        assert seen_by_a == seen_by_b and seen_by_a["count"] > 0


# --- keys and audit --------------------------------------------------------------------------


def test_keys_are_listed_and_made_per_tenant(
    client: TestClient, world: World, store: Store
) -> None:
    listed = _ok(client.get("/v1/keys", headers=world.b.admin))
    assert listed["count"] == 2
    assert not {k["id"] for k in listed["data"]} & set(world.a_key_ids)
    made = _ok(client.post("/v1/keys", json={"role": "admin"}, headers=world.b.admin), 201)
    assert made["key"]["id"] not in {k.id for k in store.tenants.list_keys(world.a.id)}
    assert len(store.tenants.list_keys(world.a.id)) == 2
    # the new key acts for B: it sees B's (empty) policies, not A's
    new = {"Authorization": f"Bearer {made['secret']}"}
    assert _ok(client.get("/v1/policies", headers=new))["count"] == 0


def test_a_tenant_cannot_revoke_another_tenants_key(
    client: TestClient, world: World, store: Store
) -> None:
    for key_id in world.a_key_ids:
        assert_error(client.delete(f"/v1/keys/{key_id}", headers=world.b.admin), 404, "not_found")
    assert _ok(client.get("/v1/keys", headers=world.a.admin))["count"] == 2
    assert client.get("/v1/policies", headers=world.a.app).status_code == 200
    assert all(e.action != "key.revoke" for e in store.audit.list(world.b.id))
    _a_is_untouched(client, world, store)


def test_the_audit_log_is_per_tenant(client: TestClient, world: World, store: Store) -> None:
    a_entries = store.audit.list(world.a.id)
    assert len(a_entries) >= 4  # settings, two adds, activate, shadow
    assert _ok(client.get("/v1/audit", headers=world.b.admin))["count"] == 0
    # paging from A's ids shows B nothing of A's either
    out = _ok(client.get("/v1/audit?after_id=0&limit=1000", headers=world.b.admin))
    assert out["data"] == []
    _ok(client.post("/v1/keys", json={"role": "app"}, headers=world.b.admin), 201)
    b_entries = _ok(client.get("/v1/audit", headers=world.b.admin))["data"]
    assert [e["action"] for e in b_entries] == ["key.create"]
    assert len(store.audit.list(world.a.id)) == len(a_entries)


# --- users ---------------------------------------------------------------------------------


def test_users_are_per_tenant(client: TestClient, world: World, store: Store) -> None:
    b = world.b.app
    assert_error(client.get(f"/v1/users/{USER}", headers=b), 404, "not_found")
    assert_error(client.delete(f"/v1/users/{USER}", headers=b), 404, "not_found")
    _a_is_untouched(client, world, store)
    # B's own u1 is another user: made, changed and erased without touching A's u1
    made = client.put(f"/v1/users/{USER}", json={"age_band": "adult"}, headers=b)
    assert _ok(made, 201)["age_band"] == "adult"
    assert _ok(client.get(f"/v1/users/{USER}", headers=b))["age_band"] == "adult"
    assert client.delete(f"/v1/users/{USER}", headers=b).status_code == 204
    _a_is_untouched(client, world, store)  # A's u1 and the decision A's u1 wrote remain
    assert _ok(client.get(f"/v1/users/{USER}", headers=world.a.app))["age_band"] == "teen_13_15"


# --- revoked keys ----------------------------------------------------------------------------


def test_a_revoked_key_gets_401_here_at_once_and_elsewhere_after_the_cache(
    make_client: Callable[..., TestClient], tenant: Tenant, store: Store
) -> None:
    here = make_client()
    elsewhere = make_client(auth_cache_seconds=0)  # another process, trusting keys 0 s
    for c in (here, elsewhere):
        assert c.get("/v1/decisions", headers=tenant.app).status_code == 200
    app_id = next(k.id for k in store.tenants.list_keys(tenant.id) if k.role == "app")
    _ok(here.delete(f"/v1/keys/{app_id}", headers=tenant.admin))
    for c in (here, elsewhere):
        err = assert_error(c.get("/v1/decisions", headers=tenant.app), 401, "unauthorized")
        assert "revoked" in err["message"]
    assert here.get("/v1/decisions", headers=tenant.admin).status_code == 200


# --- the same on PostgreSQL ------------------------------------------------------------------


@pytest.mark.postgres
def test_isolation_holds_on_postgresql(pg_client: tuple[TestClient, Store]) -> None:
    from tests.api.conftest import make_tenant

    client, store = pg_client
    a, b = make_tenant(store, "pg-a"), make_tenant(store, "pg-b")
    _ok(client.post("/v1/policies/default/versions", json={"body": STRICT}, headers=a.admin), 201)
    _ok(client.post("/v1/policies/default/versions/1/activate", headers=a.admin))
    blocked = _ok(client.post("/v1/check", json=_check_body(), headers=a.app))
    assert blocked["decision"]["action"] == "block"
    assert (
        _ok(client.post("/v1/check", json=_check_body(), headers=b.app))["decision"]["action"]
        == "allow"
    )
    assert _ok(client.get("/v1/policies", headers=b.app))["count"] == 0
    assert_error(client.get(f"/v1/decisions/{blocked['decision_id']}", headers=b.app), 404)
    a_key = store.tenants.list_keys(a.id)[0].id
    assert_error(client.delete(f"/v1/keys/{a_key}", headers=b.admin), 404)
    assert _ok(client.get("/v1/audit", headers=b.admin))["count"] == 0
    assert _ok(client.get("/v1/audit", headers=a.admin))["count"] == 2


# --- family and webhooks ---------------------------------------------------------------------


def test_family_routes_are_per_tenant(client: TestClient, tenant: Tenant, other: Tenant) -> None:
    from tests.api.test_family import check_family_isolation, register

    for parent in ("mum", "dad", "aunt"):
        register(client, tenant, parent, age_band="adult")
    register(client, tenant, "teen", birth_date="2012-01-01", timezone="Africa/Casablanca")
    register(client, tenant, "teen2", birth_date="2010-06-01")
    check_family_isolation(client, tenant, other)


# --- screen time -----------------------------------------------------------------------------


def test_usage_routes_are_per_tenant(client: TestClient, tenant: Tenant, other: Tenant) -> None:
    from tests.api.test_usage import USAGE_ROUTES, check_usage_isolation

    assert {r for r in ISOLATION if r.startswith("/v1/usage") or " /v1/usage" in r} == set(
        USAGE_ROUTES
    )
    check_usage_isolation(client, tenant, other)

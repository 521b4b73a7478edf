"""/v1/policies: versions validated before they are stored, activation and shadow runs that the
check route applies at once, every write audited."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from salama.api.routes.policies import MAX_POLICY_CHARS
from salama.store import Store
from tests.api.conftest import Tenant, assert_error

STRICT = """\
name: strict
version: "1"
description: Blocks swearing in comments, for everyone.
rules:
  - id: profanity-block-comments
    when:
      category: profanity
      flagged: true
      surfaces: [comment]
    action: block
    reason: profanity_teen
"""

LENIENT = """\
name: lenient
version: "2"
rules:
  - id: threat-hold
    when:
      category: threat
      flagged: true
    action: hold
    reason: threat
"""

# Three errors on three lines: an unknown category, an unknown action, a missing reason.
BROKEN = """\
name: broken
version: "1"
rules:
  - id: one
    when:
      category: swearing
      flagged: true
    action: obliterate
  - id: two
    when:
      category: insult
      flagged: true
    action: block
"""

# Swearing between adults: the shipped policy allows it; STRICT blocks it on comments.
PROFANE = "putain de merde il pleut"


def check(client: TestClient, t: Tenant, text: str = PROFANE, **extra: Any) -> dict[str, Any]:
    body = {
        "text": text,
        "surface": "comment",
        "author": {"id": "u1", "age_band": "adult"},
        "context": {"audience": "adult"},
        **extra,
    }
    response = client.post("/v1/check", json=body, headers=t.app)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def add(client: TestClient, t: Tenant, body: str = STRICT, name: str = "default") -> int:
    response = client.post(f"/v1/policies/{name}/versions", json={"body": body}, headers=t.admin)
    assert response.status_code == 201, response.text
    version: int = response.json()["version"]
    return version


def activate(client: TestClient, t: Tenant, version: int, name: str = "default") -> None:
    response = client.post(f"/v1/policies/{name}/versions/{version}/activate", headers=t.admin)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "active"


def audit_actions(store: Store, t: Tenant) -> list[tuple[str, str | None]]:
    return [(e.action, e.target) for e in store.audit.list(t.id)]


# --- validate --------------------------------------------------------------------------------


def test_validate_a_good_policy_counts_its_rules_and_stores_nothing(
    client: TestClient, tenant: Tenant, store: Store
) -> None:
    response = client.post("/v1/policies/validate", json={"body": STRICT}, headers=tenant.app)
    assert response.status_code == 200, response.text
    assert response.json() == {"valid": True, "errors": [], "rules": 1}
    assert store.policies.list(tenant.id) == []
    assert store.audit.list(tenant.id) == []


def test_validate_lists_every_error_with_its_line(client: TestClient, tenant: Tenant) -> None:
    response = client.post(
        "/v1/policies/validate", json={"body": BROKEN, "name": "mine"}, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["valid"] is False and out["rules"] == 0
    errors = out["errors"]
    assert any(e.startswith("mine:6: ") and "swearing" in e for e in errors), errors
    assert any(e.startswith("mine:8: ") and "obliterate" in e for e in errors), errors
    assert any(e.startswith("mine:9: ") and "reason" in e for e in errors), errors
    assert len(errors) >= 3


def test_validate_survives_deeply_nested_yaml(client: TestClient, tenant: Tenant) -> None:
    response = client.post("/v1/policies/validate", json={"body": "[" * 20_000}, headers=tenant.app)
    assert response.status_code == 200, response.text
    assert response.json()["valid"] is False
    assert response.json()["errors"] == ["policy:1: YAML nested too deeply"]


# --- add, read -------------------------------------------------------------------------------


def test_add_stores_a_draft_and_audits_it(client: TestClient, tenant: Tenant, store: Store) -> None:
    response = client.post(
        "/v1/policies/default/versions", json={"body": STRICT}, headers=tenant.admin
    )
    assert response.status_code == 201, response.text
    out = response.json()
    assert (out["name"], out["version"], out["status"]) == ("default", 1, "draft")
    assert add(client, tenant, LENIENT) == 2
    listed = client.get("/v1/policies", headers=tenant.app).json()
    assert listed["count"] == 2
    assert [(p["version"], p["status"]) for p in listed["data"]] == [(1, "draft"), (2, "draft")]
    assert "body" not in listed["data"][0]
    entries = store.audit.list(tenant.id)
    assert [(e.action, e.target) for e in entries] == [
        ("policy.add", "policy:default@v1"),
        ("policy.add", "policy:default@v2"),
    ]
    prefix = store.tenants.list_keys(tenant.id)[1].prefix  # the admin key
    assert entries[0].actor == f"admin-key:{prefix}"
    assert entries[0].details["rules"] == 1


def test_list_filters_by_name(client: TestClient, tenant: Tenant) -> None:
    add(client, tenant, STRICT, "default")
    add(client, tenant, LENIENT, "dms")
    response = client.get("/v1/policies", params={"name": "dms"}, headers=tenant.app)
    assert response.status_code == 200
    assert [(p["name"], p["version"]) for p in response.json()["data"]] == [("dms", 1)]
    assert client.get("/v1/policies", headers=tenant.app).json()["count"] == 2


def test_a_version_reads_with_its_body(client: TestClient, tenant: Tenant) -> None:
    add(client, tenant)
    response = client.get("/v1/policies/default/versions/1", headers=tenant.app)
    assert response.status_code == 200, response.text
    assert response.json()["body"] == STRICT
    assert response.json()["status"] == "draft"
    err = assert_error(
        client.get("/v1/policies/default/versions/2", headers=tenant.app), 404, "not_found"
    )
    assert err["details"] == {"name": "default", "version": 2}


def test_an_invalid_policy_is_refused_with_every_error_and_nothing_stored(
    client: TestClient, tenant: Tenant, store: Store
) -> None:
    activate(client, tenant, add(client, tenant))
    before = audit_actions(store, tenant)
    response = client.post(
        "/v1/policies/default/versions", json={"body": BROKEN}, headers=tenant.admin
    )
    err = assert_error(response, 422, "invalid_policy")
    errors = err["details"]["errors"]
    assert len(errors) >= 3
    assert all(e.startswith("default:") for e in errors)
    assert {e.split(":")[1] for e in errors} >= {"6", "8", "9"}
    # nothing stored, nothing audited, the old version still active and still applied
    assert [p.version for p in store.policies.list(tenant.id)] == [1]
    assert audit_actions(store, tenant) == before
    active = client.get("/v1/policies/default/active", headers=tenant.app).json()
    assert (active["source"], active["version"]) == ("tenant", 1)
    assert check(client, tenant)["decision"]["action"] == "block"


def test_a_policy_too_deep_for_yaml_is_invalid_not_a_crash(
    client: TestClient, tenant: Tenant, store: Store
) -> None:
    response = client.post(
        "/v1/policies/default/versions", json={"body": "{a: " * 5000}, headers=tenant.admin
    )
    err = assert_error(response, 422, "invalid_policy")
    assert err["details"]["errors"] == ["default:1: YAML nested too deeply"]
    assert store.policies.list(tenant.id) == []


def test_the_active_policy_is_the_shipped_default_until_one_is_activated(
    client: TestClient, tenant: Tenant
) -> None:
    response = client.get("/v1/policies/default/active", headers=tenant.app)
    assert response.status_code == 200, response.text
    shipped = response.json()
    assert shipped["source"] == "shipped" and shipped["version"] is None
    assert shipped["label"].startswith("salama-default@")
    assert "name: salama-default" in shipped["body"]
    add(client, tenant)
    assert client.get("/v1/policies/default/active", headers=tenant.app).json()["source"] == (
        "shipped"
    )  # a draft does not count
    activate(client, tenant, 1)
    active = client.get("/v1/policies/default/active", headers=tenant.app).json()
    assert active["source"] == "tenant"
    assert (active["version"], active["label"], active["body"]) == (1, "strict@1", STRICT)


# --- what the check route applies -------------------------------------------------------------


def test_check_applies_the_activated_policy_and_the_shipped_one_otherwise(
    client: TestClient, tenant: Tenant, store: Store
) -> None:
    shipped = check(client, tenant)["decision"]
    assert shipped["action"] == "allow"
    assert shipped["policy"].startswith("salama-default@")
    version = add(client, tenant)
    assert check(client, tenant)["decision"]["action"] == "allow"  # a draft does not act
    activate(client, tenant, version)
    decided = check(client, tenant)
    assert decided["decision"]["action"] == "block"
    assert decided["decision"]["policy"] == "strict@1"
    assert decided["decision"]["reasons"][0]["rule"] == "profanity-block-comments"
    assert decided["decision_id"] is not None  # a block is kept
    # another policy name, and a DM, still get the shipped policy
    assert check(client, tenant, policy="other")["decision"]["action"] == "allow"
    assert check(client, tenant, surface="dm")["decision"]["action"] == "allow"
    # activating another version switches at once (this process forgot its cached copy)
    activate(client, tenant, add(client, tenant, LENIENT))
    assert check(client, tenant)["decision"]["action"] == "allow"
    first = store.policies.get_version(tenant.id, "default", 1)
    assert first is not None and first.status == "retired"


def test_a_shadow_version_is_recorded_where_it_differs_and_never_acts(
    client: TestClient, tenant: Tenant, store: Store
) -> None:
    version = add(client, tenant)
    response = client.post(f"/v1/policies/default/versions/{version}/shadow", headers=tenant.admin)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "shadow"
    assert (
        client.get("/v1/policies/default/active", headers=tenant.app).json()["shadow_version"]
        == version
    )

    assert check(client, tenant)["decision"]["action"] == "allow"  # the live (shipped) one acts
    check(client, tenant, text="merci pour la recette, c'était délicieux")  # same action: nothing
    response = client.get("/v1/policies/default/shadow-results", headers=tenant.app)
    assert response.status_code == 200, response.text
    results = response.json()
    assert results["count"] == 1
    only = results["data"][0]
    assert (only["live_action"], only["candidate_action"]) == ("allow", "block")
    assert (only["live_version"], only["candidate_version"]) == (None, version)
    assert only["text"] == PROFANE  # kept: the candidate would have blocked
    assert only["scores"]["profanity"] > 0.5

    cleared = client.delete("/v1/policies/default/shadow", headers=tenant.admin)
    assert cleared.status_code == 200, cleared.text
    assert cleared.json() == {"name": "default", "cleared_version": version}
    check(client, tenant)
    assert (
        client.get("/v1/policies/default/shadow-results", headers=tenant.app).json()["count"] == 1
    )  # no shadow runs any more
    again = client.delete("/v1/policies/default/shadow", headers=tenant.admin)
    assert again.json()["cleared_version"] is None
    assert audit_actions(store, tenant) == [
        ("policy.add", "policy:default@v1"),
        ("policy.shadow", "policy:default@v1"),
        ("policy.shadow_clear", "policy:default@v1"),
    ]


def test_the_active_version_cannot_run_in_shadow(client: TestClient, tenant: Tenant) -> None:
    activate(client, tenant, add(client, tenant))
    response = client.post("/v1/policies/default/versions/1/shadow", headers=tenant.admin)
    assert_error(response, 409, "conflict")


def test_activate_and_shadow_of_an_unknown_version_are_404(
    client: TestClient, tenant: Tenant, store: Store
) -> None:
    for action in ("activate", "shadow"):
        response = client.post(f"/v1/policies/default/versions/3/{action}", headers=tenant.admin)
        assert_error(response, 404, "not_found")
    assert store.audit.list(tenant.id) == []


def test_activation_is_audited_with_the_previous_version(
    client: TestClient, tenant: Tenant, store: Store
) -> None:
    activate(client, tenant, add(client, tenant))
    activate(client, tenant, add(client, tenant, LENIENT))
    entries = [e for e in store.audit.list(tenant.id) if e.action == "policy.activate"]
    assert [(e.target, e.details["previous_version"]) for e in entries] == [
        ("policy:default@v1", None),
        ("policy:default@v2", 1),
    ]


# --- auth and bad input ----------------------------------------------------------------------

WRITES = [
    ("post", "/v1/policies/default/versions", {"body": STRICT}),
    ("post", "/v1/policies/default/versions/1/activate", None),
    ("post", "/v1/policies/default/versions/1/shadow", None),
    ("delete", "/v1/policies/default/shadow", None),
]
READS = [
    ("get", "/v1/policies", None),
    ("get", "/v1/policies/default/active", None),
    ("get", "/v1/policies/default/versions/1", None),
    ("get", "/v1/policies/default/shadow-results", None),
    ("post", "/v1/policies/validate", {"body": STRICT}),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_writes_need_an_admin_key(
    client: TestClient,
    tenant: Tenant,
    store: Store,
    method: str,
    path: str,
    body: dict[str, str] | None,
) -> None:
    store.policies.add_version(tenant.id, "default", STRICT)
    response = client.request(method, path, json=body, headers=tenant.app)
    assert_error(response, 403, "admin_required")
    assert [p.status for p in store.policies.list(tenant.id)] == ["draft"]
    assert store.audit.list(tenant.id) == []


@pytest.mark.parametrize(("method", "path", "body"), WRITES + READS)
def test_every_policy_route_needs_a_key(
    client: TestClient, method: str, path: str, body: dict[str, str] | None
) -> None:
    response = client.request(method, path, json=body)
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/v1/policies/bad%20name/active", None),
        ("get", "/v1/policies/-leading-dash/active", None),
        ("get", "/v1/policies/" + "p" * 101 + "/active", None),
        ("get", "/v1/policies/default/versions/0", None),
        ("get", "/v1/policies/default/versions/abc", None),
        ("get", "/v1/policies/default/versions/1000001", None),
        ("get", "/v1/policies/default/shadow-results?limit=0", None),
        ("get", "/v1/policies?name=a%2Fb", None),
        ("post", "/v1/policies/validate", {}),
        ("post", "/v1/policies/validate", {"body": 3}),
        ("post", "/v1/policies/validate", {"body": STRICT, "extra": 1}),
        ("post", "/v1/policies/validate", {"body": STRICT, "name": "no spaces"}),
        ("post", "/v1/policies/default/versions", {"body": ["a"]}),
        ("post", "/v1/policies/default/versions", {"text": STRICT}),
    ],
)
def test_bad_input_is_422_in_the_one_shape(
    client: TestClient,
    tenant: Tenant,
    store: Store,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    response = client.request(method, path, json=body, headers=tenant.admin)
    assert_error(response, 422, "invalid_input")
    assert store.policies.list(tenant.id) == []


def test_a_policy_body_has_a_size_limit(client: TestClient, tenant: Tenant, store: Store) -> None:
    body = STRICT + "#" * (MAX_POLICY_CHARS - len(STRICT) + 1)
    response = client.post(
        "/v1/policies/default/versions", json={"body": body}, headers=tenant.admin
    )
    err = assert_error(response, 422, "invalid_input")
    assert str(MAX_POLICY_CHARS) in err["message"]
    assert store.policies.list(tenant.id) == []
    fits = STRICT + "#" * (MAX_POLICY_CHARS - len(STRICT))
    assert add(client, tenant, fits) == 1


def test_malformed_json_is_400(client: TestClient, tenant: Tenant) -> None:
    response = client.post(
        "/v1/policies/default/versions",
        content=b'{"body": ',
        headers={**tenant.admin, "Content-Type": "application/json"},
    )
    assert_error(response, 400, "malformed_json")


def test_thousands_of_errors_are_listed_up_to_a_thousand_then_counted(
    client: TestClient, tenant: Tenant
) -> None:
    body = "x: &a [1]\nrules: [" + ",".join(["*a"] * 3000) + "]"
    out = client.post("/v1/policies/validate", json={"body": body}, headers=tenant.app).json()
    errors = out["errors"]
    assert out["valid"] is False and len(errors) == 1001
    assert errors[-1].startswith("policy:") and errors[-1].endswith("more error(s)")
    omitted = int(errors[-1].split("and ")[1].split(" ")[0])
    assert omitted >= 2000

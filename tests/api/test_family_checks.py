"""A parent's controls feed /v1/check: strictness, restricted search, who may comment and who may
message, each shown firing and not firing, with a ``family-...`` reason the teen can read; the
lookup's cache (invalidated by changes through this process) and its cost when nothing applies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from salama.policy.family import FamilyRules
from salama.service.family import FamilyPolicySource
from salama.store import Store
from tests.api.conftest import Tenant, assert_error
from tests.api.test_family import _born, accept, invite, register

SEVERE_INSULT = "nta zamel"  # insult 0.92: hold toward 16-17, block toward 13-15
SEXUAL_SEARCH = "porn"
HATE_SEARCH = "kill all jews"
CRISIS_SEARCH = "انتحار"


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(webhook_delivery=False)


@pytest.fixture
def paired(client: TestClient, tenant: Tenant) -> TestClient:
    """mum is paired with teen (16); stranger and friend are adults; nobody set a control."""
    register(client, tenant, "mum", age_band="adult")
    register(client, tenant, "stranger", age_band="adult")
    register(client, tenant, "teen", birth_date=_born(16), language="fr")
    r = accept(client, tenant, invite(client, tenant, "mum"), "teen")
    assert r.status_code == 200, r.text
    return client


def set_controls(client: TestClient, t: Tenant, **controls: Any) -> None:
    r = client.put(
        "/v1/family/teen/controls",
        headers=t.app,
        json={"acting_user_id": "mum", "controls": controls},
    )
    assert r.status_code == 200, r.text


def check(client: TestClient, t: Tenant, text: str, surface: str, **body: Any) -> dict[str, Any]:
    r = client.post("/v1/check", headers=t.app, json={"text": text, "surface": surface, **body})
    assert r.status_code == 200, r.text
    decision: dict[str, Any] = r.json()["decision"]
    return decision


def rules(decision: dict[str, Any]) -> list[str]:
    return [r["rule"] for r in decision["reasons"]]


def family_rules(decision: dict[str, Any]) -> list[str]:
    return [r for r in rules(decision) if r.startswith("family-")]


def dm_to_teen(client: TestClient, t: Tenant, text: str = SEVERE_INSULT) -> dict[str, Any]:
    return check(
        client,
        t,
        text,
        "dm",
        author={"id": "stranger", "age_band": "adult"},
        owner={"id": "teen"},
        context={"audience": "teen_16_17"},
    )


def search_by_teen(client: TestClient, t: Tenant, text: str, audience: str) -> dict[str, Any]:
    return check(
        client,
        t,
        text,
        "search",
        author={"id": "teen", "age_band": "teen_16_17", "language": "fr"},
        context={"audience": audience},
    )


# --- strictness --------------------------------------------------------------------------------


def test_strict_protects_the_teen_as_reader_of_their_messages(
    paired: TestClient, tenant: Tenant
) -> None:
    standard = dm_to_teen(paired, tenant)
    assert standard["action"] == "hold"
    assert "insult-severe-hold-teen-16-17" in rules(standard) and not family_rules(standard)

    set_controls(paired, tenant, strictness="strict")
    strict = dm_to_teen(paired, tenant)
    assert strict["action"] == "block"
    assert strict["reasons"][0]["rule"] == "family-strictness:insult-severe-block-teen-13-15"
    reason = strict["reasons"][0]
    assert reason["key"] == "family_strictness" and reason["evidence"]
    assert {"ar", "fr", "en"} <= set(reason["message"])
    assert "strict" in reason["message"]["en"] and "13-15" in reason["message"]["fr"]
    assert "insult-severe-hold-teen-16-17" in rules(strict)  # never milder: both listed

    # the same message to someone else is untouched
    other = check(
        paired,
        tenant,
        SEVERE_INSULT,
        "dm",
        author={"id": "stranger", "age_band": "adult"},
        owner={"id": "stranger"},
        context={"audience": "teen_16_17"},
    )
    assert other["action"] == "hold" and not family_rules(other)


def test_strict_judges_the_teens_own_searches_as_13_15(paired: TestClient, tenant: Tenant) -> None:
    # the host said the results go to an adult reader: the shipped policy lets it through
    assert search_by_teen(paired, tenant, SEXUAL_SEARCH, "adult")["action"] == "allow"
    set_controls(paired, tenant, strictness="strict")
    decision = search_by_teen(paired, tenant, SEXUAL_SEARCH, "adult")
    assert decision["action"] == "block"
    assert family_rules(decision) == ["family-strictness:sexual-block-teen-readers"]
    set_controls(paired, tenant, strictness="standard")
    assert search_by_teen(paired, tenant, SEXUAL_SEARCH, "adult")["action"] == "allow"


# --- restricted search -------------------------------------------------------------------------


def test_restricted_search_blocks_hateful_searches_and_still_offers_help(
    paired: TestClient, tenant: Tenant
) -> None:
    assert search_by_teen(paired, tenant, HATE_SEARCH, "teen_16_17")["action"] == "allow"
    set_controls(paired, tenant, restricted_search=True)
    decision = search_by_teen(paired, tenant, HATE_SEARCH, "teen_16_17")
    assert decision["action"] == "block"
    assert family_rules(decision) == ["family-restricted-search-hate"]
    assert decision["reasons"][0]["key"] == "family_restricted_search"
    assert decision["reasons"][0]["message"]["fr"].startswith("Un parent a activé")

    crisis = search_by_teen(paired, tenant, CRISIS_SEARCH, "teen_16_17")
    assert crisis["action"] == "support"  # help first, even with search restricted

    # only the teen's searches, and only searches
    someone = check(
        paired,
        tenant,
        HATE_SEARCH,
        "search",
        author={"id": "stranger", "age_band": "adult"},
        context={"audience": "adult"},
    )
    assert someone["action"] == "allow" and not family_rules(someone)
    post = check(
        paired,
        tenant,
        "porn",
        "post",
        author={"id": "teen", "age_band": "teen_16_17"},
        context={"audience": "adult"},
    )
    assert not family_rules(post)


# --- who may comment, who may message ----------------------------------------------------------


def comment_on_teen(
    client: TestClient, t: Tenant, author: str = "stranger", follower: bool | None = None
) -> Any:
    body: dict[str, Any] = {
        "text": "Merci pour la vidéo, trop cool",
        "surface": "comment",
        "author": {"id": author, "age_band": "adult"},
        "owner": {"id": "teen"},
        "context": {"audience": "teen_16_17"},
    }
    if follower is not None:
        body["context"]["author_is_follower"] = follower
    return client.post("/v1/check", headers=t.app, json=body)


def test_who_may_comment_followers(paired: TestClient, tenant: Tenant) -> None:
    assert comment_on_teen(paired, tenant, follower=False).json()["decision"]["action"] == "allow"
    set_controls(paired, tenant, who_may_comment="followers")
    stranger = comment_on_teen(paired, tenant, follower=False).json()["decision"]
    assert stranger["action"] == "block"
    assert rules(stranger) == ["family-who-may-comment"]
    assert stranger["reasons"][0]["key"] == "family_comments_followers"
    follower = comment_on_teen(paired, tenant, follower=True).json()["decision"]
    assert follower["action"] == "allow"
    assert_error(comment_on_teen(paired, tenant), 422, "follower_required")
    # the teen commenting under their own post is not kept out of it
    own = comment_on_teen(paired, tenant, author="teen").json()["decision"]
    assert own["action"] == "allow"


def test_who_may_message_combines_with_the_teens_own_setting(
    paired: TestClient, tenant: Tenant
) -> None:
    set_controls(paired, tenant, who_may_message="followers")
    r = paired.put(
        "/v1/owners/teen/settings",
        headers=tenant.app,
        json={"settings": {"who_may_message": "no_one"}, "version": 0},
    )
    assert r.status_code == 200, r.text
    own_stricter = dm_to_teen(paired, tenant, "salut")
    assert own_stricter["action"] == "block"
    assert rules(own_stricter) == ["owner:who_may_message"]  # the teen's own, stricter

    set_controls(paired, tenant, who_may_message="no_one")
    r = paired.put(
        "/v1/owners/teen/settings",
        headers=tenant.app,
        json={"settings": {"who_may_message": "everyone"}, "version": 1},
    )
    assert r.status_code == 200, r.text
    parents = dm_to_teen(paired, tenant, "salut")
    assert parents["action"] == "block"
    assert rules(parents) == ["family-who-may-message"]
    assert parents["reasons"][0]["message"]["en"] == (
        "This account's family settings turn messages off."
    )
    # comments are another setting
    comment = comment_on_teen(paired, tenant, follower=False).json()["decision"]
    assert comment["action"] == "allow"


# --- the teen's view, unpairing, isolation -----------------------------------------------------


def test_the_teen_reads_every_control_that_acts_on_checks(
    paired: TestClient, tenant: Tenant
) -> None:
    set_controls(paired, tenant, strictness="strict", restricted_search=True)
    r = paired.get(
        "/v1/family/teen/controls", headers=tenant.app, params={"acting_user_id": "teen"}
    )
    assert r.status_code == 200, r.text
    shown = {c["name"]: c for c in r.json()["controls"]}
    assert shown["strictness"]["value"] == "strict" and shown["strictness"]["set_by"] == "mum"
    assert shown["restricted_search"]["value"] is True
    assert shown["who_may_comment"]["value"] == "everyone"
    assert shown["who_may_comment"]["set_by"] is None
    # ... and each decision that a control changed says so, in the teen's language
    decision = search_by_teen(paired, tenant, HATE_SEARCH, "teen_16_17")
    assert decision["lang"] in ("en", "fr")
    assert all(r["message"]["fr"] for r in decision["reasons"])


def test_unpairing_ends_the_controls_at_once(paired: TestClient, tenant: Tenant) -> None:
    set_controls(paired, tenant, restricted_search=True)
    assert search_by_teen(paired, tenant, HATE_SEARCH, "teen_16_17")["action"] == "block"
    r = paired.delete(
        "/v1/family/teen/parents/mum", headers=tenant.app, params={"acting_user_id": "teen"}
    )
    assert r.status_code == 204, r.text
    assert search_by_teen(paired, tenant, HATE_SEARCH, "teen_16_17")["action"] == "allow"


def test_controls_stay_in_their_tenant(paired: TestClient, tenant: Tenant, other: Tenant) -> None:
    set_controls(paired, tenant, restricted_search=True, who_may_message="no_one")
    register(paired, other, "teen", birth_date=_born(16))
    assert search_by_teen(paired, other, HATE_SEARCH, "teen_16_17")["action"] == "allow"
    assert dm_to_teen(paired, other, "salut")["action"] == "allow"


# --- cost and staleness ------------------------------------------------------------------------


class CountingFamilyStore:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return attr(*args, **kwargs)

        return counted


class CountingStore:
    def __init__(self, store: Store) -> None:
        self.family = CountingFamilyStore(store.family)
        self.users = store.users


def test_no_ids_or_no_pairings_cost_no_reads_after_the_first(store: Store, tenant: Tenant) -> None:
    counting = CountingStore(store)
    source = FamilyPolicySource(counting, cache_seconds=60)  # type: ignore[arg-type]
    assert source.rules_for(tenant.id, None, None) is None
    assert counting.family.calls == []
    for i in range(50):
        assert source.rules_for(tenant.id, f"user-{i}", "owner") is None
    assert counting.family.calls == ["has_pairings"]  # the tenant's flag, once


def test_a_change_through_this_process_is_seen_at_once(
    paired: TestClient, tenant: Tenant, store: Store
) -> None:
    source = paired.app.state.salama.service.family  # type: ignore[attr-defined]
    assert source.cache_seconds > 0
    assert source.rules_for(tenant.id, "teen", None) is None  # cached: nothing set
    set_controls(paired, tenant, strictness="strict")
    assert source.rules_for(tenant.id, "teen", None) == FamilyRules(author_strict=True)
    # another process (a second source on the same database) sees it from its first read
    other_process = FamilyPolicySource(store, cache_seconds=60)
    assert other_process.rules_for(tenant.id, "teen", None) == FamilyRules(author_strict=True)
    set_controls(paired, tenant, strictness="standard")
    assert source.rules_for(tenant.id, "teen", None) is None
    # ... but keeps what it read until its cache entry expires (at most cache_seconds)
    assert other_process.rules_for(tenant.id, "teen", None) == FamilyRules(author_strict=True)
    other_process.forget(tenant.id, "teen")
    assert other_process.rules_for(tenant.id, "teen", None) is None

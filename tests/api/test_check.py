"""POST /v1/check and /v1/check/batch through the real app and a real SQLite store."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from salama.store import Store
from tests.api.conftest import Tenant, assert_error

INSULT_ARY = "nta wa7ed mkl5 o 7mar, sir t9awd"
NEUTRAL = "Merci pour la vidéo, trop cool"
CRISIS = "I don't want to live anymore, I want to end it all"


def _check(client: TestClient, tenant: Tenant, **body: object) -> dict[str, object]:
    response = client.post("/v1/check", json=body, headers=tenant.app)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_neutral_comment_is_allowed_and_not_kept(
    client: TestClient, tenant: Tenant, store: Store
) -> None:
    out = _check(client, tenant, text=NEUTRAL, surface="comment")
    assert out["decision"]["action"] == "allow"  # type: ignore[index]
    assert out["decision_id"] is None and out["resources"] is None
    assert out["verdict"]["language"] == "fr"  # type: ignore[index]
    assert isinstance(out["latency_ms"], float)
    assert store.decisions.list(tenant.id) == []


def test_darija_insult_to_a_young_teen_is_blocked_kept_and_explained(
    client: TestClient, tenant: Tenant, store: Store
) -> None:
    out = _check(
        client,
        tenant,
        text=INSULT_ARY,
        surface="comment",
        author={"id": "u1", "age_band": "teen_13_15", "country": "ma", "language": "ary"},
        context={"audience": "teen_13_15"},
    )
    decision = out["decision"]
    assert decision["action"] == "block"  # type: ignore[index]
    reason = decision["reasons"][0]  # type: ignore[index]
    assert reason["category"] == "insult" and reason["evidence"]
    assert {"ar", "fr", "en"} <= set(reason["message"])
    span = reason["evidence"][0]
    assert INSULT_ARY[span["start"] : span["end"]] == span["text"]
    kept = store.decisions.get(tenant.id, str(out["decision_id"]))
    assert kept is not None and kept.text == INSULT_ARY and kept.author_ref == "u1"


def test_nudge_then_confirmed(client: TestClient, tenant: Tenant) -> None:
    body = {
        "text": "t'es un idiot",
        "surface": "comment",
        "author": {"age_band": "adult", "language": "fr"},
        "context": {"audience": "adult"},
    }
    first = _check(client, tenant, **body)
    assert first["decision"]["action"] == "nudge", first["decision"]  # type: ignore[index]
    assert first["decision"]["prompt"]["fr"]  # type: ignore[index]
    again = _check(client, tenant, **body, confirmed=True)
    assert again["decision"]["action"] != "nudge"  # type: ignore[index]


def test_crisis_language_gets_support_with_local_resources(
    client: TestClient, tenant: Tenant, store: Store
) -> None:
    out = _check(
        client,
        tenant,
        text=CRISIS,
        surface="post",
        author={"age_band": "teen_16_17", "country": "MA", "language": "en"},
    )
    assert out["decision"]["action"] == "support"  # type: ignore[index]
    help_ = out["resources"]
    assert help_["situation"] == "first_person"  # type: ignore[index]
    assert help_["message"]["body"]  # type: ignore[index]
    countries = [r["country"] for r in help_["resources"]]  # type: ignore[index]
    assert countries[0] == "MA" and "international" in countries
    # support is kept (someone may need to follow up) but is never a penalty
    kept = store.decisions.get(tenant.id, str(out["decision_id"]))
    assert kept is not None and kept.action == "support"


def test_search_for_self_harm_terms_gets_support(client: TestClient, tenant: Tenant) -> None:
    out = _check(client, tenant, text="suicide", surface="search", author={"country": "FR"})
    assert out["decision"]["action"] == "support"  # type: ignore[index]
    assert out["resources"]["resources"][0]["country"] == "FR"  # type: ignore[index]


def test_owner_keyword_filter_holds_and_queues_for_review(
    client: TestClient, tenant: Tenant, store: Store
) -> None:
    put = client.put(
        "/v1/owners/creator-1/settings",
        json={"settings": {"keyword_filters": ["معاق"]}, "version": 0},
        headers=tenant.app,
    )
    assert put.status_code == 200, put.text
    out = _check(
        client,
        tenant,
        text="nta m3a9 a sahbi",
        surface="comment",
        owner={"id": "creator-1"},
        author={"age_band": "adult"},
        context={"audience": "adult"},
    )
    assert out["decision"]["action"] == "hold"  # type: ignore[index]
    rules = [r["rule"] for r in out["decision"]["reasons"]]  # type: ignore[index]
    assert "owner:keyword" in rules
    assert out["review_item_id"] is not None
    assert [i.id for i in store.review.list_open(tenant.id)] == [out["review_item_id"]]


def test_followers_only_needs_the_context_flag(client: TestClient, tenant: Tenant) -> None:
    client.put(
        "/v1/owners/o2/settings",
        json={"settings": {"who_may_comment": "followers"}, "version": 0},
        headers=tenant.app,
    )
    body = {"text": NEUTRAL, "surface": "comment", "owner": {"id": "o2"}}
    missing = client.post("/v1/check", json=body, headers=tenant.app)
    assert_error(missing, 422, "follower_required")
    stranger = _check(client, tenant, **body, context={"author_is_follower": False})
    assert stranger["decision"]["action"] == "block"  # type: ignore[index]
    follower = _check(client, tenant, **body, context={"author_is_follower": True})
    assert follower["decision"]["action"] == "allow"  # type: ignore[index]


def test_batch_keeps_order_and_matches_single_checks(client: TestClient, tenant: Tenant) -> None:
    texts = [NEUTRAL, INSULT_ARY, CRISIS, "Great game last night!"]
    items = [{"text": t, "surface": "comment"} for t in texts]
    response = client.post("/v1/check/batch", json={"items": items}, headers=tenant.app)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert response.json()["count"] == len(texts) == len(results)
    for text, result in zip(texts, results, strict=True):
        single = _check(client, tenant, text=text, surface="comment")
        assert result["decision"]["action"] == single["decision"]["action"]  # type: ignore[index]
        assert result["verdict"]["scores"] == single["verdict"]["scores"]  # type: ignore[index]


def test_limits_text_and_batch(make_client: Callable[..., TestClient], tenant: Tenant) -> None:
    client = make_client(max_text_chars=20, max_batch=2)
    long = client.post(
        "/v1/check", json={"text": "x" * 21, "surface": "comment"}, headers=tenant.app
    )
    assert assert_error(long, 422, "text_too_long")["details"]["limit"] == 20
    items = [{"text": "hi", "surface": "comment"}] * 3
    batch = client.post("/v1/check/batch", json={"items": items}, headers=tenant.app)
    assert_error(batch, 422, "batch_too_large")
    one_bad = [{"text": "hi", "surface": "comment"}, {"text": "y" * 30, "surface": "comment"}]
    error = assert_error(
        client.post("/v1/check/batch", json={"items": one_bad}, headers=tenant.app),
        422,
        "text_too_long",
    )
    assert error["details"]["field"] == "items.1.text"


def test_lone_surrogates_are_a_clear_4xx(client: TestClient, tenant: Tenant) -> None:
    raw = '{"text": "\\ud800 7mar", "surface": "comment"}'
    response = client.post(
        "/v1/check",
        content=raw.encode(),
        headers={**tenant.app, "content-type": "application/json"},
    )
    assert_error(response, 422, "invalid_input")


def test_bidi_overrides_and_emoji_are_checked(client: TestClient, tenant: Tenant) -> None:
    out = _check(client, tenant, text="nta \u202e7mar\u202c 🤡🤡", surface="comment")
    assert "bidi_override" in out["verdict"]["signals"]  # type: ignore[index]
    assert out["decision"]["action"] != "allow"  # type: ignore[index]

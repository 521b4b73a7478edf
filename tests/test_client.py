"""salama.Client against the real app (Starlette's TestClient, a real SQLite store), and its
retries against httpx.MockTransport (failures the real app cannot be made to give on cue)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

import salama
import salama.client
from salama.client import (
    ApiError,
    Author,
    CheckItem,
    Client,
    ConnectionFailed,
    OwnerSettings,
    RateLimited,
)

# The API tests' fixtures (a real app over a fresh SQLite file per test), used here by name.
from tests.api.conftest import (  # noqa: F401
    Tenant,
    client,
    detector,
    make_client,
    settings,
    store,
    tenant,
)

INSULT_ARY = "nta wa7ed mkl5 o 7mar, sir t9awd"
NEUTRAL = "Merci pour la vidéo, trop cool"


@pytest.fixture
def salama_client(client: TestClient, tenant: Tenant) -> Iterator[Client]:  # noqa: F811
    with Client("http://testserver", tenant.app_key, http=client) as c:
        yield c


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waited: list[float] = []
    monkeypatch.setattr(salama.client, "_sleep", waited.append)
    return waited


def _error(status: int, code: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"error": {"code": code, "message": f"{code} message", "details": {"n": 1}}}
    return httpx.Response(status, json=body, headers=headers)


def _mock(*responses: httpx.Response | Exception) -> tuple[Client, list[httpx.Request]]:
    """A client whose transport answers with ``responses`` in turn (an exception is raised)."""
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    http = httpx.Client(transport=httpx.MockTransport(handle))
    return Client("http://salama.test/", "k-secret", http=http), seen


HEALTHY = httpx.Response(200, json={"status": "ok"})


# --- against the real app ---------------------------------------------------------------------


def test_check_returns_typed_results(salama_client: Client) -> None:
    insult = salama_client.check(
        INSULT_ARY,
        "comment",
        author={"id": "u1", "age_band": "teen_13_15", "country": "ma", "language": "ary"},
        audience="teen_13_15",
    )
    assert insult.decision.action != "allow"
    assert insult.decision.reasons[0].category == "insult"
    assert insult.verdict.scores["insult"] > 0.5
    assert insult.decision_id is not None

    neutral = salama_client.check(NEUTRAL, "comment", author=Author(age_band="adult"))
    assert neutral.decision.action == "allow"
    assert neutral.decision_id is None and neutral.resources is None
    assert neutral.verdict.language == "fr"


def test_check_passes_owner_context_and_confirmed(salama_client: Client) -> None:
    salama_client.put_owner_settings("o2", {"who_may_comment": "followers"}, version=0)
    with pytest.raises(ApiError) as missing:
        salama_client.check(NEUTRAL, "comment", owner_id="o2")
    assert (missing.value.status, missing.value.code) == (422, "follower_required")
    stranger = salama_client.check(NEUTRAL, "comment", owner_id="o2", author_is_follower=False)
    assert stranger.decision.action == "block"

    adult = {"age_band": "adult", "language": "fr"}
    first = salama_client.check("t'es un idiot", "comment", author=adult, audience="adult")
    assert first.decision.action == "nudge"
    again = salama_client.check(
        "t'es un idiot", "comment", author=adult, audience="adult", confirmed=True
    )
    assert again.decision.action != "nudge"


def test_crisis_text_gets_resources(salama_client: Client) -> None:
    out = salama_client.check(
        "I don't want to live anymore, I want to end it all",
        "post",
        author={"age_band": "teen_16_17", "country": "MA", "language": "en"},
    )
    assert out.decision.action == "support"
    assert out.resources is not None and out.resources["resources"][0]["country"] == "MA"


def test_batch_keeps_order(salama_client: Client) -> None:
    texts = [NEUTRAL, INSULT_ARY, "Great game last night!"]
    items: list[CheckItem | dict[str, object]] = [
        {"text": NEUTRAL, "surface": "comment"},
        CheckItem(text=INSULT_ARY, surface="comment"),
        {"text": texts[2], "surface": "comment"},
    ]
    results = salama_client.check_batch(items)
    assert len(results) == len(texts)
    for text, result in zip(texts, results, strict=True):
        single = salama_client.check(text, "comment")
        assert result.decision.action == single.decision.action
        assert result.verdict.scores == single.verdict.scores
    assert results[0].decision.action == "allow" and results[1].decision.action != "allow"


def test_owner_settings_round_trip_and_conflict(salama_client: Client) -> None:
    owner = "créatrice 1"  # a space and an accent travel in the path
    start = salama_client.get_owner_settings(owner)
    assert (start.owner_id, start.version, start.updated_at) == (owner, 0, None)
    assert start.settings == OwnerSettings()

    wanted = OwnerSettings(filter_all_comments=True, keyword_filters=["idiot*"])
    put = salama_client.put_owner_settings(owner, wanted, version=start.version)
    assert put.version == 1 and put.settings == wanted and put.updated_at is not None
    got = salama_client.get_owner_settings(owner)
    assert got.settings == wanted and got.version == 1

    with pytest.raises(ApiError) as stale:
        salama_client.put_owner_settings(owner, {"keyword_filters": ["beta"]}, version=0)
    assert (stale.value.status, stale.value.code) == (409, "conflict")
    assert salama_client.get_owner_settings(owner).settings == wanted


def test_bad_key_is_401_unauthorized(client: TestClient) -> None:  # noqa: F811
    bad = Client("http://testserver", "not-a-key", http=client)
    with pytest.raises(ApiError) as caught:
        bad.check(NEUTRAL, "comment")
    assert (caught.value.status, caught.value.code) == (401, "unauthorized")
    assert caught.value.message and isinstance(caught.value, salama.SalamaError)


def test_422_carries_the_servers_code_and_details(
    make_client: Callable[..., TestClient],  # noqa: F811
    tenant: Tenant,  # noqa: F811
) -> None:
    http = make_client(max_text_chars=10)
    with Client("http://testserver", tenant.app_key, http=http) as c:
        with pytest.raises(ApiError) as long:
            c.check("x" * 11, "comment")
        assert (long.value.status, long.value.code) == (422, "text_too_long")
        assert long.value.details["limit"] == 10
        with pytest.raises(ApiError) as bad:
            c.check("hi", "nowhere")
        assert (bad.value.status, bad.value.code) == (422, "invalid_input")


def test_over_the_rate_limit_raises_rate_limited(
    make_client: Callable[..., TestClient],  # noqa: F811
    tenant: Tenant,  # noqa: F811
    sleeps: list[float],
) -> None:
    http = make_client(rate_limit_per_minute=1)
    # pinned mid-window: two calls straddling a minute boundary would land in two windows
    http.app.state.salama.limiter.clock = lambda: 1_800_000_000.0 + 5  # type: ignore[attr-defined]
    c = Client("http://testserver", tenant.app_key, http=http)
    c.check(NEUTRAL, "comment")
    with pytest.raises(RateLimited) as caught:
        c.check(NEUTRAL, "comment")
    assert (caught.value.status, caught.value.code) == (429, "rate_limited")
    # the window is a minute: longer than the client waits, so it raises at once
    assert caught.value.retry_after is not None and caught.value.retry_after > c.max_wait
    assert sleeps == []


def test_resources(salama_client: Client) -> None:
    morocco = salama_client.resources(country="MA", language="ar")
    assert morocco.country == "MA" and morocco.note is None
    assert morocco.count == len(morocco.data) and morocco.data[0].country == "MA"
    assert morocco.data[0].contact[0].uri
    adult = salama_client.resources("MA", audience="all")
    assert adult.data and {r.audience for r in adult.data} == {"all"}
    anywhere = salama_client.resources()
    assert anywhere.note == "no_country"
    assert {r.country for r in anywhere.data} == {"international"}
    with pytest.raises(ApiError) as bad:
        salama_client.resources(country="Morocco")
    assert (bad.value.status, bad.value.code) == (422, "invalid_input")


def test_health(salama_client: Client) -> None:
    health = salama_client.health()
    assert health["status"] == "ok" and health["database"] == "sqlite"


# --- retries, with a mock transport -----------------------------------------------------------


def test_retries_a_503_then_succeeds(sleeps: list[float]) -> None:
    c, seen = _mock(_error(503, "storage_unavailable"), HEALTHY)
    assert c.health() == {"status": "ok"}
    assert len(seen) == 2 and sleeps == [c.backoff]
    assert str(seen[0].url) == "http://salama.test/healthz"
    assert seen[0].headers["authorization"] == "Bearer k-secret"


def test_retries_a_failed_connection_then_succeeds(sleeps: list[float]) -> None:
    c, seen = _mock(httpx.ConnectError("refused"), httpx.RemoteProtocolError("dropped"), HEALTHY)
    assert c.health() == {"status": "ok"}
    assert len(seen) == 3 and sleeps == [c.backoff, c.backoff * 2]


def test_a_post_is_retried_with_the_same_body(sleeps: list[float]) -> None:
    c, seen = _mock(_error(503, "storage_unavailable"), _error(422, "text_too_long"))
    with pytest.raises(ApiError) as caught:
        c.check("hi", "comment", owner_id="o1")
    assert caught.value.code == "text_too_long"
    bodies = [json.loads(r.content) for r in seen]
    assert bodies[0] == bodies[1] and bodies[0]["owner"] == {"id": "o1"}


def test_429_honours_retry_after(sleeps: list[float]) -> None:
    c, _ = _mock(_error(429, "rate_limited", {"Retry-After": "2"}), HEALTHY)
    assert c.health() == {"status": "ok"}
    assert sleeps == [2.0]


def test_429_past_the_cap_is_not_waited_for(sleeps: list[float]) -> None:
    c, seen = _mock(_error(429, "rate_limited", {"Retry-After": "40"}))
    with pytest.raises(RateLimited) as caught:
        c.health()
    assert caught.value.retry_after == 40.0 and caught.value.status == 429
    assert len(seen) == 1 and sleeps == []


def test_gives_up_after_the_retries(sleeps: list[float]) -> None:
    c, seen = _mock(*[_error(503, "storage_unavailable") for _ in range(3)])
    with pytest.raises(ApiError) as caught:
        c.health()
    assert (caught.value.status, caught.value.code) == (503, "storage_unavailable")
    assert caught.value.details == {"n": 1} and len(seen) == 3

    down, _ = _mock(*[httpx.ConnectError("refused") for _ in range(3)])
    with pytest.raises(ConnectionFailed) as failed:
        down.health()
    assert failed.value.status is None and failed.value.code == "connection_failed"
    assert isinstance(failed.value.__cause__, httpx.ConnectError)


@pytest.mark.parametrize("status", [400, 401, 404, 409, 422, 500])
def test_other_errors_are_not_retried(status: int, sleeps: list[float]) -> None:
    c, seen = _mock(_error(status, "some_code"), HEALTHY)
    with pytest.raises(ApiError) as caught:
        c.health()
    assert (caught.value.status, caught.value.code) == (status, "some_code")
    assert len(seen) == 1 and sleeps == []


def test_a_timeout_is_not_retried(sleeps: list[float]) -> None:
    c, seen = _mock(httpx.ReadTimeout("slow"), HEALTHY)
    with pytest.raises(ConnectionFailed) as caught:
        c.health()
    assert caught.value.code == "timeout" and len(seen) == 1


def test_an_error_not_in_the_servers_shape(sleeps: list[float]) -> None:
    c, _ = _mock(httpx.Response(502, text="<html>Bad Gateway</html>"))
    with pytest.raises(ApiError) as caught:
        c.health()
    assert (caught.value.status, caught.value.code) == (502, "http_error")
    assert "Bad Gateway" in caught.value.message


def test_retries_zero_means_one_attempt(sleeps: list[float]) -> None:
    c, seen = _mock(_error(503, "storage_unavailable"), HEALTHY)
    c.retries = 0
    with pytest.raises(ApiError):
        c.health()
    assert len(seen) == 1


# --- packaging --------------------------------------------------------------------------------


def test_client_is_exported_lazily() -> None:
    assert salama.Client is Client
    code = "import sys, salama; assert 'httpx' not in sys.modules and 'fastapi' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_client_built_here_is_closed_and_one_passed_in_is_not() -> None:
    own = Client("http://salama.test", "k")
    own.close()
    assert own._http.is_closed
    http = httpx.Client()
    with Client("http://salama.test", "k", http=http):
        pass
    assert not http.is_closed
    http.close()

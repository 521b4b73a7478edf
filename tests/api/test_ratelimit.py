"""Rate limits: the in-process fixed window (clock injected), the one in Redis (the real server
at SALAMA_TEST_REDIS_URL, default 127.0.0.1:6379; skipped with the reason when unreachable), and
the 429 that both give through the app."""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from salama.api.limits import (
    SYNC_SECONDS,
    WINDOW_SECONDS,
    LocalRateLimiter,
    RedisRateLimiter,
    make_limiter,
)
from tests.api.conftest import Tenant, assert_error

REDIS_URL = os.environ.get("SALAMA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CHECK = {"text": "Bravo, video zwina bzaf!", "surface": "comment"}


class Clock:
    """A settable clock: ``clock.now`` seconds since the epoch."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def pin(client: TestClient, now: float) -> Clock:
    """Pin the clock of the app's limiter, so that no test straddles a minute by chance."""
    clock = Clock(now)
    client.app.state.salama.limiter.clock = clock  # type: ignore[attr-defined]
    return clock


def post_check(client: TestClient, tenant: Tenant) -> Any:
    return client.post("/v1/check", json=CHECK, headers=tenant.app)


# --- in process ----------------------------------------------------------------------------------


def test_local_window_counts_per_key_and_rolls_over() -> None:
    clock = Clock(120.0)  # the start of window 2
    limiter = LocalRateLimiter(2, clock=clock)
    assert limiter.hit("a") == (True, 60)
    assert limiter.hit("a") == (True, 60)
    assert limiter.hit("a") == (False, 60)
    assert limiter.hit("b") == (True, 60)  # another key has its own count
    clock.now = 179.5  # the last half second of the same window
    assert limiter.hit("a") == (False, 1)
    clock.now = 180.0  # a new window: the count starts again
    assert limiter.hit("a") == (True, 60)
    assert limiter.hit("a") == (True, 60)
    assert limiter.hit("a") == (False, 60)


def test_local_window_retry_after_counts_down() -> None:
    clock = Clock(60 * 1000 + 42.7)
    limiter = LocalRateLimiter(1, clock=clock)
    assert limiter.hit("k") == (True, 18)
    assert limiter.hit("k") == (False, 18)


def test_make_limiter_chooses_by_settings() -> None:
    assert make_limiter(0, None) is None
    assert make_limiter(0, REDIS_URL) is None  # 0 means no limit, wherever
    local = make_limiter(5, None)
    assert isinstance(local, LocalRateLimiter) and local.limit == 5
    remote = make_limiter(5, REDIS_URL)  # builds without connecting
    assert isinstance(remote, RedisRateLimiter) and remote.limit == 5
    remote.close()


def test_app_answers_429_with_retry_after(
    make_client: Callable[..., TestClient], tenant: Tenant, other: Tenant
) -> None:
    client = make_client(rate_limit_per_minute=3)
    pin(client, 600.0 + 15)  # 45 s left in the window
    for _ in range(3):
        assert post_check(client, tenant).status_code == 200
    r = post_check(client, tenant)
    error = assert_error(r, 429, "rate_limited")
    assert r.headers["Retry-After"] == "45"
    assert error["details"] == {"limit_per_minute": 3, "retry_after_s": 45}
    # The limit is per key: another tenant's key still gets through.
    assert post_check(client, other).status_code == 200


def test_app_limit_lifts_in_the_next_window(
    make_client: Callable[..., TestClient], tenant: Tenant
) -> None:
    client = make_client(rate_limit_per_minute=1)
    clock = pin(client, 600.0)
    assert post_check(client, tenant).status_code == 200
    assert_error(post_check(client, tenant), 429, "rate_limited")
    clock.now = 660.0
    assert post_check(client, tenant).status_code == 200


def test_unauthenticated_requests_are_refused_before_counting(
    make_client: Callable[..., TestClient], tenant: Tenant
) -> None:
    client = make_client(rate_limit_per_minute=1)
    pin(client, 600.0)
    bad = {"Authorization": "Bearer slm_nope_nope"}
    for _ in range(3):
        assert_error(client.post("/v1/check", json=CHECK, headers=bad), 401, "unauthorized")
    assert post_check(client, tenant).status_code == 200


def test_no_limit_when_set_to_zero(make_client: Callable[..., TestClient], tenant: Tenant) -> None:
    client = make_client(rate_limit_per_minute=0)
    assert client.app.state.salama.limiter is None  # type: ignore[attr-defined]
    for _ in range(5):
        assert post_check(client, tenant).status_code == 200


def test_redis_down_fails_open_and_backs_off(caplog: pytest.LogCaptureFixture) -> None:
    # Nothing listens on port 1: every connection is refused at once (no server is mocked).
    limiter = RedisRateLimiter("redis://127.0.0.1:1/0", 1, retry_after_error=30)
    try:
        with caplog.at_level(logging.WARNING, logger="salama.api"):
            assert limiter.hit("k")[0] is True
            started = time.monotonic()
            assert all(limiter.hit("k")[0] for _ in range(50))  # not asked again: no timeouts
            assert time.monotonic() - started < 0.5
        warnings = [r for r in caplog.records if "Redis unavailable" in r.getMessage()]
        assert len(warnings) == 1
    finally:
        limiter.close()


# --- Redis (the real server) ---------------------------------------------------------------------


@pytest.fixture
def redis_url() -> str:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis unreachable at {REDIS_URL!r} (SALAMA_TEST_REDIS_URL): {exc}")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    import redis

    value = f"salama-test:rl:{uuid.uuid4().hex}:"
    yield value
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{value}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def make_redis_limiter(redis_url: str, prefix: str) -> Iterator[Callable[..., RedisRateLimiter]]:
    made: list[RedisRateLimiter] = []

    def make(limit: int, clock: Callable[[], float]) -> RedisRateLimiter:
        limiter = RedisRateLimiter(redis_url, limit, clock, prefix=prefix)
        made.append(limiter)
        return limiter

    yield make
    for limiter in made:
        limiter.close()


@pytest.mark.redis
def test_redis_window_counts_and_rolls_over(
    make_redis_limiter: Callable[..., RedisRateLimiter],
) -> None:
    clock = Clock(1_200.0)
    limiter = make_redis_limiter(2, clock)
    assert limiter.hit("a") == (True, 60)
    assert limiter.hit("a") == (True, 60)
    assert limiter.hit("a") == (False, 60)
    assert limiter.hit("b") == (True, 60)
    clock.now = 1_259.0
    assert limiter.hit("a") == (False, 1)
    clock.now = 1_260.0
    assert limiter.hit("a") == (True, 60)


@pytest.mark.redis
def test_two_processes_share_one_count(
    make_redis_limiter: Callable[..., RedisRateLimiter], redis_url: str, prefix: str
) -> None:
    import redis

    clock = Clock(6_000.0)
    first, second = make_redis_limiter(3, clock), make_redis_limiter(3, clock)
    assert first.hit("key")[0] and second.hit("key")[0] and first.hit("key")[0]
    assert second.hit("key") == (False, 60)
    assert first.hit("key") == (False, 60)
    # One key per window, which expires by itself (within two windows).
    client = redis.Redis.from_url(redis_url)
    try:
        name = f"{prefix}key:{6_000 // WINDOW_SECONDS}"
        assert int(client.get(name) or 0) == 5
        assert 0 < client.ttl(name) <= 2 * WINDOW_SECONDS
    finally:
        client.close()


@pytest.mark.redis
def test_app_with_redis_answers_429_across_processes(
    make_client: Callable[..., TestClient], tenant: Tenant, prefix: str
) -> None:
    # Two apps on one Redis stand for two API processes.
    first = make_client(rate_limit_per_minute=3, redis_url=REDIS_URL)
    second = make_client(rate_limit_per_minute=3, redis_url=REDIS_URL)
    for client in (first, second):
        client.app.state.salama.limiter.prefix = prefix  # type: ignore[attr-defined]
        pin(client, 6_020.0)
    assert post_check(first, tenant).status_code == 200
    assert post_check(second, tenant).status_code == 200
    assert post_check(first, tenant).status_code == 200
    r = post_check(second, tenant)
    error = assert_error(r, 429, "rate_limited")
    assert r.headers["Retry-After"] == "40"
    assert error["details"] == {"limit_per_minute": 3, "retry_after_s": 40}
    assert_error(post_check(first, tenant), 429, "rate_limited")
    assert first.get("/healthz").json()["rate_limits"] == "redis"


# --- Redis, counted in batches -------------------------------------------------------------------


def test_batch_is_one_percent_of_the_limit() -> None:
    from salama.api.limits import batch_size

    assert [batch_size(n) for n in (1, 60, 199, 200, 1_000, 4_999, 60_000)] == [
        1, 1, 1, 2, 10, 49, 50,
    ]  # fmt: skip
    assert batch_size(10**8, max_batch=20) == 20


def _shared_count(redis_url: str, prefix: str, key: str, now: float) -> int:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        return int(client.get(f"{prefix}{key}:{int(now // WINDOW_SECONDS)}") or 0)
    finally:
        client.close()


@pytest.mark.redis
def test_redis_counts_in_batches(redis_url: str, prefix: str) -> None:
    clock = Clock(9_000.0)
    limiter = RedisRateLimiter(redis_url, 1_000, clock, prefix=prefix)  # a batch of 10
    try:
        assert limiter.batch == 10
        for _ in range(9):
            assert limiter.hit("k") == (True, 60)
        assert _shared_count(redis_url, prefix, "k", clock.now) == 0  # not sent yet
        assert limiter.hit("k") == (True, 60)
        assert _shared_count(redis_url, prefix, "k", clock.now) == 10  # the batch, at once
        limiter.hit("k")
        clock.now += SYNC_SECONDS  # a hit after a quiet second sends what waits
        limiter.hit("k")
        assert _shared_count(redis_url, prefix, "k", clock.now) == 12
    finally:
        limiter.close()


@pytest.mark.redis
def test_batched_processes_keep_to_the_limit(redis_url: str, prefix: str) -> None:
    """Two processes at a limit of 1,000 (batches of 10): together they admit at most one batch
    over the limit, refuse every hit after that, and Redis has counted every hit."""
    clock = Clock(12_000.0)
    first = RedisRateLimiter(redis_url, 1_000, clock, prefix=prefix)
    second = RedisRateLimiter(redis_url, 1_000, clock, prefix=prefix)
    try:
        admitted = 0
        for i in range(1_200):
            allowed, _ = (first if i % 3 else second).hit("k")
            admitted += allowed
        assert 1_000 <= admitted <= 1_000 + first.batch
        assert not first.hit("k")[0] and not second.hit("k")[0]
        assert _shared_count(redis_url, prefix, "k", clock.now) == 1_202
        clock.now += WINDOW_SECONDS  # a new window starts from nothing
        assert first.hit("k") == (True, 60)
    finally:
        first.close()
        second.close()

"""Screen time: the status cache and the writes that must reach it (in one process and across
processes sharing Redis), wrong passcodes under concurrency, and expiring approval requests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from salama.service.usage import _AsyncRedis, _Pipelined
from salama.store import Store
from tests.api.conftest import Tenant, assert_error, make_tenant
from tests.api.test_usage import (
    NOW,
    _count_calls,
    at,
    beats,
    get_status,
    put_user,
    redis_url,  # noqa: F401  (fixture)
    send,
    service,
)


def _limits(client: TestClient, tenant: Tenant, user: str, minutes: int) -> None:
    r = client.put(f"/v1/usage/{user}/limits", headers=tenant.app, json={"daily_minutes": minutes})
    assert r.status_code == 200, r.text


# --- one process -------------------------------------------------------------------------


def test_the_hot_path_reads_nothing_from_the_database(
    api: TestClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_user(api, tenant, "teen")
    send(api, tenant, beats("teen", NOW - timedelta(minutes=30), 11))
    svc = service(api)
    provided: list[Any] = []
    svc.controls_provider = lambda *args: provided.append(args)
    first = get_status(api, tenant, "teen")
    reads = _count_calls(monkeypatch, svc.store.usage, "status_inputs")
    scans = _count_calls(monkeypatch, svc.store.usage, "events")
    users = _count_calls(monkeypatch, svc.store.users, "get")
    for _ in range(5):
        assert get_status(api, tenant, "teen") == first
    assert reads == scans == users == [] and len(provided) == 1
    # the clock still counts: an hour later the same snapshot gives a later answer
    at(api, NOW + timedelta(hours=1))
    later = get_status(api, tenant, "teen")
    assert later["minutes_used"] == first["minutes_used"] and reads == []
    assert later["continuous_minutes"] == 0.0


@pytest.fixture
def api(client: TestClient) -> TestClient:
    return at(client, NOW)


def test_writes_through_this_process_are_seen_at_once(api: TestClient, tenant: Tenant) -> None:
    put_user(api, tenant, "teen", band="teen_16_17")
    send(api, tenant, beats("teen", NOW - timedelta(minutes=30), 11))
    assert get_status(api, tenant, "teen")["locked"] is False  # cached now
    _limits(api, tenant, "teen", 5)
    assert get_status(api, tenant, "teen")["locked"] is True
    r = api.put("/v1/usage/teen/passcode", headers=tenant.app, json={"passcode": "4827"})
    assert r.status_code == 204, r.text
    body = {"method": "own_passcode", "passcode": "4827", "minutes": 15}
    assert api.post("/v1/usage/teen/unlock", headers=tenant.app, json=body).status_code == 200
    assert get_status(api, tenant, "teen")["unlocks_today"] == 1
    assert get_status(api, tenant, "teen")["locked"] is False
    put_user(api, tenant, "teen", band="adult")  # the band's defaults change: no limit for adults
    assert get_status(api, tenant, "teen")["limit_minutes"] == 5  # the override stays
    assert api.delete("/v1/users/teen", headers=tenant.app).status_code == 204
    assert_error(api.get("/v1/usage/teen/status", headers=tenant.app), 404, "not_found")


def test_a_new_local_day_takes_a_new_snapshot(client: TestClient, tenant: Tenant) -> None:
    evening = datetime(2026, 3, 2, 23, 50, tzinfo=UTC)
    api = at(client, evening)
    put_user(api, tenant, "teen")
    send(api, tenant, beats("teen", evening - timedelta(minutes=20), 11))
    assert get_status(api, tenant, "teen")["minutes_used"] == 10.5
    at(api, evening + timedelta(minutes=20))  # 00:10 on 3 March: nothing written since
    status = get_status(api, tenant, "teen")
    assert status["day"] == "2026-03-03" and status["minutes_used"] == 0.0


def test_family_controls_reach_the_status_at_once(make_client: Callable[..., TestClient],
                                                   tenant: Tenant) -> None:  # fmt: skip
    client = make_client(webhook_delivery=False)
    _family_flow(client, client, tenant)


def _born(age: int) -> str:
    today = datetime.now(UTC).date()
    return date(today.year - age - 1, 1, 1).isoformat()


def _family_flow(a: TestClient, b: TestClient, tenant: Tenant) -> None:
    """Writes through ``a``, statuses through ``b`` (real clock: invites and ages use it)."""
    for user, body in (("mum", {"age_band": "adult"}), ("teen", {"birth_date": _born(14)})):
        assert a.put(f"/v1/users/{user}", headers=tenant.app, json=body).status_code == 201
    send(a, tenant, beats("teen", datetime.now(UTC) - timedelta(minutes=30), 21))
    assert get_status(b, tenant, "teen")["limit_minutes"] == 60  # cached in b
    r = a.post("/v1/family/invites", headers=tenant.app, json={"acting_user_id": "mum"})
    assert r.status_code == 201, r.text
    r = a.post(
        f"/v1/family/invites/{r.json()['code']}/accept",
        headers=tenant.app,
        json={"acting_user_id": "teen"},
    )
    assert r.status_code == 200, r.text
    r = a.put(
        "/v1/family/teen/controls",
        headers=tenant.app,
        json={"acting_user_id": "mum", "controls": {"daily_limit_minutes": 15}},
    )
    assert r.status_code == 200, r.text
    status = get_status(b, tenant, "teen")
    assert status["limit_minutes"] == 15 and status["locked"] is True
    r = a.delete("/v1/family/teen/parents/mum?acting_user_id=teen", headers=tenant.app)
    assert r.status_code in (200, 204), r.text
    assert get_status(b, tenant, "teen")["limit_minutes"] == 60


# --- processes sharing Redis -------------------------------------------------------------


@pytest.mark.redis
def test_two_apps_agree_after_writes_through_the_other(
    make_client: Callable[..., TestClient],
    tenant: Tenant,
    redis_url: str,  # noqa: F811
) -> None:
    a = at(make_client(redis_url=redis_url), NOW)
    b = at(make_client(redis_url=redis_url), NOW)
    put_user(a, tenant, "teen", band="teen_16_17")
    send(a, tenant, beats("teen", NOW - timedelta(minutes=30), 11))
    assert get_status(b, tenant, "teen")["locked"] is False  # b's snapshot
    _limits(a, tenant, "teen", 5)  # limits through a ...
    assert get_status(b, tenant, "teen")["locked"] is True  # ... seen by b
    r = a.put("/v1/usage/teen/passcode", headers=tenant.app, json={"passcode": "4827"})
    assert r.status_code == 204, r.text
    body = {"method": "own_passcode", "passcode": "4827", "minutes": 15}
    assert a.post("/v1/usage/teen/unlock", headers=tenant.app, json=body).status_code == 200
    assert get_status(b, tenant, "teen")["unlocks_today"] == 1
    put_user(a, tenant, "teen", band="teen_16_17", tz="Pacific/Kiritimati")  # a new zone
    assert get_status(b, tenant, "teen")["day"] == "2026-03-03"
    assert a.delete("/v1/users/teen", headers=tenant.app).status_code == 204
    assert_error(b.get("/v1/usage/teen/status", headers=tenant.app), 404, "not_found")


@pytest.mark.redis
def test_family_controls_through_one_app_reach_the_other(
    make_client: Callable[..., TestClient],
    tenant: Tenant,
    redis_url: str,  # noqa: F811
) -> None:
    a = make_client(redis_url=redis_url, webhook_delivery=False)
    b = make_client(redis_url=redis_url, webhook_delivery=False)
    _family_flow(a, b, tenant)


@pytest.mark.redis
def test_a_client_per_event_loop(
    make_client: Callable[..., TestClient],
    tenant: Tenant,
    redis_url: str,  # noqa: F811
) -> None:
    """TestClient used without ``with`` runs each request on a new event loop: the hot path's
    Redis connection must not outlive its loop."""
    a = at(make_client(redis_url=redis_url), NOW)
    put_user(a, tenant, "teen")
    loose = TestClient(a.app, raise_server_exceptions=False)
    for _ in range(3):
        assert loose.get("/v1/usage/teen/status", headers=tenant.app).status_code == 200


@pytest.mark.redis
def test_pipelined_client_selects_the_database(redis_url: str) -> None:  # noqa: F811
    import redis

    url = redis_url.rsplit("/", 1)[0] + "/3"
    sync = redis.Redis.from_url(url)
    sync.hset("salama:test:pipelined", "gen", "42")

    async def read() -> list[bytes | None]:
        client = _AsyncRedis(url, timeout=1.0)
        try:
            return list(
                await asyncio.gather(
                    *(client.hget("salama:test:pipelined", f) for f in ("gen", "none", "gen"))
                )
            )
        finally:
            await client.aclose()

    try:
        assert asyncio.run(read()) == [b"42", None, b"42"]
    finally:
        sync.delete("salama:test:pipelined")
        sync.close()


def test_pipelined_replies_in_pieces_and_errors() -> None:
    async def run() -> list[Any]:
        proto = _Pipelined()
        written: list[bytes] = []

        class Transport:
            def write(self, data: bytes) -> None:
                written.append(data)

        proto.connection_made(Transport())  # type: ignore[arg-type]
        futs = [proto.send(b"x") for _ in range(5)]
        stream = b"$5\r\nhello\r\n$-1\r\n:42\r\n-ERR wrong\r\n+OK\r\n"
        for i in range(0, len(stream), 3):  # as TCP may cut it
            proto.data_received(stream[i : i + 3])
        out: list[Any] = []
        for fut in futs:
            try:
                out.append(await fut)
            except RuntimeError as exc:
                out.append(str(exc))
        late = proto.send(b"x")
        proto.connection_lost(None)
        with pytest.raises(ConnectionError):
            await late
        return out

    assert asyncio.run(run()) == [b"hello", None, 42, "ERR wrong", b"OK"]


# --- wrong passcodes at once -------------------------------------------------------------


def _concurrent_wrong_passcodes(api: TestClient, tenant: Tenant) -> None:
    at(api, NOW)
    put_user(api, tenant, "older", band="teen_16_17")
    r = api.put("/v1/usage/older/passcode", headers=tenant.app, json={"passcode": "4827"})
    assert r.status_code == 204, r.text
    barrier = threading.Barrier(8)
    body = {"method": "own_passcode", "passcode": "9999", "minutes": 15}

    def attempt(_: int) -> tuple[int, str]:
        barrier.wait()
        r = api.post("/v1/usage/older/unlock", headers=tenant.app, json=body)
        return r.status_code, r.json()["error"]["code"]

    with ThreadPoolExecutor(8) as pool:
        results = sorted(pool.map(attempt, range(8)))
    assert results == [(422, "wrong_passcode")] * 5 + [(429, "too_many_attempts")] * 3
    right = body | {"passcode": "4827"}
    assert_error(api.post("/v1/usage/older/unlock", headers=tenant.app, json=right), 429)


def test_concurrent_wrong_passcodes_count_each_one(api: TestClient, tenant: Tenant) -> None:
    _concurrent_wrong_passcodes(api, tenant)


@pytest.mark.postgres
def test_concurrent_wrong_passcodes_on_postgresql(pg_client: tuple[TestClient, Store]) -> None:
    client, store = pg_client
    _concurrent_wrong_passcodes(client, make_tenant(store, "pg-attempts"))


def test_a_right_passcode_does_not_count(api: TestClient, tenant: Tenant) -> None:
    put_user(api, tenant, "older", band="teen_16_17")
    api.put("/v1/usage/older/passcode", headers=tenant.app, json={"passcode": "4827"})
    body = {"method": "own_passcode", "passcode": "4827", "minutes": 15}
    for _ in range(6):
        assert api.post("/v1/usage/older/unlock", headers=tenant.app, json=body).status_code == 200
    assert service(api).store.usage.failures(tenant.id, "older") == []


# --- approval requests expire ------------------------------------------------------------


def test_requests_expire_at_the_end_of_the_local_day(client: TestClient, tenant: Tenant) -> None:
    evening = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)  # 23:30 in Lagos (UTC+1)
    api = at(client, evening)
    svc = service(api)
    svc.parent_check = lambda t, parent, teen: parent == "dad"
    put_user(api, tenant, "teen", tz="Africa/Lagos")
    r = api.post("/v1/usage/teen/unlock-requests", headers=tenant.app, json={"minutes": 30})
    assert r.status_code == 201, r.text
    late = r.json()
    assert late["expires_at"] == "2026-03-02T23:00:00+00:00"  # local midnight
    at(api, evening + timedelta(minutes=20))
    assert [p["id"] for p in svc.pending_requests(tenant.id, "teen")] == [late["id"]]
    at(api, evening + timedelta(minutes=40))  # 00:10 on 3 March there
    assert svc.pending_requests(tenant.id, "teen") == []
    r = api.post(
        f"/v1/usage/unlock-requests/{late['id']}/approve",
        headers=tenant.app,
        json={"acting_user_id": "dad"},
    )
    error = assert_error(r, 409, "request_expired")
    assert error["details"]["expired_at"] == "2026-03-02T23:00:00+00:00"
    # made after midnight: valid until the next one
    r = api.post("/v1/usage/teen/unlock-requests", headers=tenant.app, json={"minutes": 15})
    fresh = r.json()
    assert fresh["expires_at"] == "2026-03-03T23:00:00+00:00"
    assert [p["id"] for p in svc.pending_requests(tenant.id, "teen")] == [fresh["id"]]
    url = f"/v1/usage/unlock-requests/{fresh['id']}/approve"
    r = api.post(url, headers=tenant.app, json={"acting_user_id": "mum"})
    assert_error(r, 403, "not_paired")
    r = api.post(url, headers=tenant.app, json={"acting_user_id": "dad", "minutes": 15})
    assert r.status_code == 200, r.text
    assert svc.pending_requests(tenant.id, "teen") == []


def test_the_status_matches_its_documented_schema(api: TestClient, tenant: Tenant) -> None:
    from salama.api.routes.usage import StatusOut

    put_user(api, tenant, "teen")
    send(api, tenant, beats("teen", NOW - timedelta(minutes=70), 71))
    r = api.get("/v1/usage/teen/status", headers=tenant.app)
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    parsed = StatusOut.model_validate(body)
    assert set(StatusOut.model_fields) == set(body)
    assert parsed.resets_at == datetime(2026, 3, 3, tzinfo=UTC)
    assert body["locked"] is True and body["unlock"] == ["parent_passcode", "parent_approval"]


# --- Redis down: the status still answers, from the database ----------------------------


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when this returns: nobody listens


def test_the_status_answers_from_the_database_when_redis_is_down(
    make_client: Callable[..., TestClient], tenant: Tenant
) -> None:
    """SALAMA_REDIS_URL names a Redis that is not there (a real refused connection, no mock):
    heartbeats are stored and acknowledged, statuses count them and see every write, and the
    outage is remembered (Redis is not asked again on each request)."""
    api = at(make_client(redis_url=f"redis://127.0.0.1:{_closed_port()}/0"), NOW)
    cache = service(api).cache
    put_user(api, tenant, "teen", band="teen_16_17")
    assert send(api, tenant, beats("teen", NOW - timedelta(minutes=30), 11))["accepted"] == 11
    assert getattr(cache, "down", False) is True
    status = get_status(api, tenant, "teen")
    assert status["minutes_used"] == 10.5 and status["locked"] is False
    _limits(api, tenant, "teen", 5)
    assert get_status(api, tenant, "teen")["locked"] is True
    assert (
        send(api, tenant, beats("teen", NOW - timedelta(minutes=9), 4, prefix="x"))["accepted"] == 4
    )
    assert get_status(api, tenant, "teen")["minutes_used"] == 14.0  # 10.5 + 3.5: seen at once
    cache._down_until = 0.0  # type: ignore[union-attr]  # the retry period is over: ask again
    assert get_status(api, tenant, "teen")["locked"] is True
    assert cache.down is True  # type: ignore[union-attr]  # asked, failed, remembered

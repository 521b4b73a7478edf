"""Screen time through the HTTP API: heartbeats, sessions, status, limits, passcodes, unlocks,
approval requests, weekly summaries; tenant isolation; PostgreSQL; Redis (real server)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from salama.service.usage import UsageService
from salama.store import Store
from tests.api.conftest import Tenant, assert_error

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday; Casablanca is on UTC+0 (Ramadan)
REDIS_URL = os.environ.get("SALAMA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def service(client: TestClient) -> UsageService:
    svc = client.app.state.salama.extras["usage"]  # type: ignore[attr-defined]
    assert isinstance(svc, UsageService)
    return svc


def at(client: TestClient, now: datetime) -> TestClient:
    svc = service(client)
    svc.clock = lambda: now
    svc.passcode_log_n = 10  # fast hashes in tests; verify reads the cost from the hash
    return client


def put_user(
    client: TestClient, tenant: Tenant, user: str, band: str = "teen_13_15", tz: str = "UTC"
) -> None:
    r = client.put(f"/v1/users/{user}", headers=tenant.app, json={"age_band": band, "timezone": tz})
    assert r.status_code in (200, 201), r.text


def beats(
    user: str, start: datetime, minutes: int, device: str = "phone", prefix: str = "k"
) -> list[dict[str, Any]]:
    return [
        {
            "user_id": user,
            "device_id": device,
            "ts": (start + timedelta(minutes=i)).isoformat(),
            "foreground": True,
            "key": f"{prefix}{i}",
        }
        for i in range(minutes)
    ]


def send(client: TestClient, tenant: Tenant, items: list[dict[str, Any]]) -> dict[str, Any]:
    r = client.post("/v1/usage/heartbeats", headers=tenant.app, json={"heartbeats": items})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def get_status(client: TestClient, tenant: Tenant, user: str) -> dict[str, Any]:
    r = client.get(f"/v1/usage/{user}/status", headers=tenant.app)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.fixture
def api(client: TestClient) -> TestClient:
    return at(client, NOW)


# --- heartbeats and status ---------------------------------------------------------------


def test_heartbeats_count_and_status_answers(api: TestClient, tenant: Tenant) -> None:
    put_user(api, tenant, "teen")
    out = send(api, tenant, beats("teen", NOW - timedelta(minutes=30), 11))
    assert out == {"accepted": 11, "duplicates": 0, "rejected": [], "adjusted": []}
    status = get_status(api, tenant, "teen")
    # 10 minutes between the first and last heartbeat, plus the 30 s credit of the last one
    assert status["minutes_used"] == 10.5
    assert status["minutes_left"] == 49.5
    assert status["locked"] is False and status["unlock"] == []
    assert status["reminder"] is None and status["wind_down"] is False
    assert status["day"] == "2026-03-02"


def test_duplicates_and_out_of_order_change_nothing(api: TestClient, tenant: Tenant) -> None:
    put_user(api, tenant, "teen")
    items = beats("teen", NOW - timedelta(minutes=30), 11)
    assert send(api, tenant, list(reversed(items)))["accepted"] == 11
    before = get_status(api, tenant, "teen")
    out = send(api, tenant, items[3:7] + items[:2])
    assert out["accepted"] == 0 and out["duplicates"] == 6
    # the same key twice in one batch is one event
    out = send(api, tenant, [items[0], items[0]])
    assert out["duplicates"] == 2
    assert get_status(api, tenant, "teen") == before


def test_unknown_user_is_rejected_per_item_and_creates_nothing(
    api: TestClient, tenant: Tenant
) -> None:
    put_user(api, tenant, "teen")
    items = beats("teen", NOW - timedelta(minutes=5), 2) + beats("ghost", NOW, 1)
    out = send(api, tenant, items)
    assert out["accepted"] == 2
    assert out["rejected"] == [{"index": 2, "code": "unknown_user"}]
    assert_error(api.get("/v1/users/ghost", headers=tenant.app), 404)
    assert_error(api.get("/v1/usage/ghost/status", headers=tenant.app), 404, "not_found")


def test_future_times_are_clamped_and_old_ones_dropped(api: TestClient, tenant: Tenant) -> None:
    put_user(api, tenant, "teen")
    items = [
        {"user_id": "teen", "device_id": "d", "ts": (NOW + timedelta(hours=3)).isoformat(),
         "foreground": True, "key": "future"},
        {"user_id": "teen", "device_id": "d", "ts": (NOW - timedelta(days=8)).isoformat(),
         "foreground": True, "key": "old"},
        {"user_id": "teen", "device_id": "d", "ts": (NOW + timedelta(minutes=2)).isoformat(),
         "foreground": True, "key": "skewed"},
    ]  # fmt: skip
    out = send(api, tenant, items)
    assert out["accepted"] == 2
    adjusted = {(a["index"], a["action"], a["reason"]) for a in out["adjusted"]}
    assert adjusted == {(0, "clamped", "future"), (1, "dropped", "too_old")}
    assert out["adjusted"][0]["to"] == NOW.isoformat()


@pytest.mark.parametrize(
    "ts",
    ["not a time", "2026-03-02T10:00:00", "2026-13-02T10:00:00Z", 1234567890, None],
)
def test_malformed_or_naive_times_are_refused(api: TestClient, tenant: Tenant, ts: Any) -> None:
    put_user(api, tenant, "teen")
    item = {"user_id": "teen", "device_id": "d", "ts": ts, "foreground": True, "key": "k"}
    r = api.post("/v1/usage/heartbeats", headers=tenant.app, json={"heartbeats": [item]})
    assert_error(r, 422, "invalid_input")


def test_batches_are_at_most_500(api: TestClient, tenant: Tenant) -> None:
    put_user(api, tenant, "teen")
    too_many = beats("teen", NOW - timedelta(days=1), 501)
    r = api.post("/v1/usage/heartbeats", headers=tenant.app, json={"heartbeats": too_many})
    assert_error(r, 422, "invalid_input")
    r = api.post("/v1/usage/heartbeats", headers=tenant.app, json={"heartbeats": []})
    assert_error(r, 422, "invalid_input")
    assert send(api, tenant, too_many[:500])["accepted"] == 500


def test_auth_and_body_rules(api: TestClient, tenant: Tenant) -> None:
    assert_error(api.post("/v1/usage/heartbeats", json={"heartbeats": []}), 401, "unauthorized")
    assert_error(api.get("/v1/usage/teen/status"), 401, "unauthorized")
    item = beats("teen", NOW, 1)[0] | {"extra": 1}
    r = api.post("/v1/usage/heartbeats", headers=tenant.app, json={"heartbeats": [item]})
    assert_error(r, 422, "invalid_input")
    # admin keys may call too
    put_user(api, tenant, "teen")
    assert api.get("/v1/usage/teen/status", headers=tenant.admin).status_code == 200


def test_sessions_start_and_stop(api: TestClient, tenant: Tenant) -> None:
    put_user(api, tenant, "adult", band="adult")
    for action, minutes_ago, key in (("start", 40, "s1"), ("stop", 20, "s2")):
        r = api.post(
            "/v1/usage/sessions",
            headers=tenant.app,
            json={"user_id": "adult", "device_id": "tv", "key": key, "action": action,
                  "ts": (NOW - timedelta(minutes=minutes_ago)).isoformat()},
        )  # fmt: skip
        assert r.status_code == 200 and r.json()["accepted"] == 1, r.text
    status = get_status(api, tenant, "adult")
    # the stop came later than the tolerance after the start: the start counts its credit only
    assert status["minutes_used"] == 0.5
    assert status["minutes_left"] is None and status["locked"] is False
    r = api.post(
        "/v1/usage/sessions",
        headers=tenant.app,
        json={"user_id": "adult", "device_id": "tv", "key": "s3", "action": "pause",
              "ts": NOW.isoformat()},
    )  # fmt: skip
    assert_error(r, 422, "invalid_input")


def test_casablanca_day_boundary_through_the_api(client: TestClient, tenant: Tenant) -> None:
    # 14 Feb 2026 is UTC+1 in Casablanca; 23:00 UTC is local midnight of the 15th
    start = datetime(2026, 2, 14, 22, 50, tzinfo=UTC)
    api = at(client, datetime(2026, 2, 14, 23, 20, tzinfo=UTC))
    put_user(api, tenant, "casa", tz="Africa/Casablanca")
    put_user(api, tenant, "utc", tz="UTC")
    send(api, tenant, beats("casa", start, 21) + beats("utc", start, 21))
    casa, utc = get_status(api, tenant, "casa"), get_status(api, tenant, "utc")
    assert casa["day"] == "2026-02-15" and casa["minutes_used"] == 10.5
    assert utc["day"] == "2026-02-14" and utc["minutes_used"] == 20.5
    assert casa["resets_at"] == "2026-02-16T00:00:00+00:00"  # the 25-hour day (UTC+1 to UTC+0)
    at(api, datetime(2026, 2, 20, tzinfo=UTC))
    r = api.get("/v1/usage/casa/summary?week=2026-02-09&lang=fr", headers=tenant.app)
    assert r.status_code == 200, r.text
    days = {d["day"]: d["minutes"] for d in r.json()["days"]}
    assert days["2026-02-14"] == 10.0 and days["2026-02-15"] == 10.5
    assert days["2026-02-13"] == 0.0


def test_time_zone_change_mid_day(api: TestClient, tenant: Tenant) -> None:
    put_user(api, tenant, "trav", band="teen_16_17", tz="UTC")
    send(api, tenant, beats("trav", NOW - timedelta(minutes=180), 31))  # 09:00-09:30 UTC
    first = get_status(api, tenant, "trav")
    assert first["day"] == "2026-03-02" and first["minutes_used"] == 30.5
    # Kiritimati is UTC+14: at 12:00 UTC it is already 02:00 on 3 March there, and the use at
    # 09:00 UTC (23:00 there) was on 2 March
    put_user(api, tenant, "trav", band="teen_16_17", tz="Pacific/Kiritimati")
    moved = get_status(api, tenant, "trav")
    assert moved["day"] == "2026-03-03" and moved["minutes_used"] == 0.0
    assert moved["resets_at"] == "2026-03-03T10:00:00+00:00"
    # and back: the cached day of the first zone is still right
    put_user(api, tenant, "trav", band="teen_16_17", tz="UTC")
    assert get_status(api, tenant, "trav") == first


# --- limits ------------------------------------------------------------------------------


def test_limits_put_get_and_lock(api: TestClient, tenant: Tenant) -> None:
    put_user(api, tenant, "teen")
    r = api.get("/v1/usage/teen/limits", headers=tenant.app)
    assert r.status_code == 200 and r.json()["overrides"] == {}
    assert r.json()["limits"]["daily"]["mon"] == 60
    assert (
        r.json()["limits"]["sleep"] == {"start": "22:00", "end": "07:00"}
        or r.json()["limits"]["sleep"]
    )
    r = api.put(
        "/v1/usage/teen/limits",
        headers=tenant.app,
        json={"daily_minutes": 10, "weekdays": {"sat": 120, "sun": None}, "sleep": None},
    )
    assert r.status_code == 200, r.text
    limits = r.json()["limits"]
    assert limits["daily"] == {
        "mon": 10, "tue": 10, "wed": 10, "thu": 10, "fri": 10, "sat": 120, "sun": None
    }  # fmt: skip
    assert limits["sleep"] is None and limits["break_after"] == 30
    send(api, tenant, beats("teen", NOW - timedelta(minutes=30), 11))
    status = get_status(api, tenant, "teen")
    assert status["locked"] is True and status["minutes_left"] == 0.0
    assert status["unlock"] == ["parent_passcode", "parent_approval"]
    assert any(e["action"] == "usage.limits.put" for e in _audit(api, tenant))


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"weekdays": {"caturday": 10}}, "unknown_weekday"),
        ({"sleep": "25:00-07:00"}, None),
        ({"daily_minutes": 2000}, "invalid_input"),
        ({"break_after": 0}, "invalid_input"),
        ({"daily_minutes": "60"}, "invalid_input"),
    ],
)
def test_bad_limits_are_refused(
    api: TestClient, tenant: Tenant, body: dict[str, Any], code: str | None
) -> None:
    put_user(api, tenant, "teen")
    assert_error(api.put("/v1/usage/teen/limits", headers=tenant.app, json=body), 422, code)
    assert api.get("/v1/usage/teen/limits", headers=tenant.app).json()["overrides"] == {}


def test_controls_provider_overrides_limits(api: TestClient, tenant: Tenant) -> None:
    from salama.wellbeing import limits_for

    put_user(api, tenant, "teen")
    service(api).controls_provider = lambda _t, user, _l: limits_for("teen_13_15", daily_minutes=5)
    send(api, tenant, beats("teen", NOW - timedelta(minutes=30), 11))
    assert get_status(api, tenant, "teen")["locked"] is True
    assert (
        api.get("/v1/usage/teen/limits", headers=tenant.app).json()["limits"]["daily"]["mon"] == 5
    )


# --- passcodes and unlocks ---------------------------------------------------------------


def lock(api: TestClient, tenant: Tenant, user: str) -> None:
    r = api.put(f"/v1/usage/{user}/limits", headers=tenant.app, json={"daily_minutes": 5})
    assert r.status_code == 200, r.text
    send(api, tenant, beats(user, NOW - timedelta(minutes=30), 11, prefix=f"{user}-"))
    assert get_status(api, tenant, user)["locked"] is True


def test_own_passcode_unlock_and_attempt_limit(api: TestClient, tenant: Tenant) -> None:
    put_user(api, tenant, "older", band="teen_16_17")
    lock(api, tenant, "older")
    url = "/v1/usage/older/unlock"
    # Eight digits: the audit log is searched for the code below, and a shorter one can turn up
    # by chance inside a random id or a timestamp.
    body = {"method": "own_passcode", "passcode": "48273915", "minutes": 15}
    assert_error(api.post(url, headers=tenant.app, json=body), 422, "passcode_not_set")
    r = api.put("/v1/usage/older/passcode", headers=tenant.app, json={"passcode": "1234"})
    assert_error(r, 422, "passcode_too_simple")
    r = api.put("/v1/usage/older/passcode", headers=tenant.app, json={"passcode": "٤٨٢٧٣٩١٥"})
    assert r.status_code == 204, r.text
    for left in (4, 3, 2, 1, 0):
        wrong = api.post(url, headers=tenant.app, json=body | {"passcode": "9999"})
        assert assert_error(wrong, 422, "wrong_passcode")["details"]["attempts_left"] == left
    r = api.post(url, headers=tenant.app, json=body)  # even the right code: wait
    assert_error(r, 429, "too_many_attempts")
    assert int(r.headers["Retry-After"]) > 0
    at(api, NOW + timedelta(minutes=16))
    r = api.post(url, headers=tenant.app, json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["unlock"]["method"] == "own_passcode" and out["unlock"]["minutes"] == 15
    assert out["status"]["locked"] is False and out["status"]["unlocks_today"] == 1
    actions = [e["action"] for e in _audit(api, tenant)]
    assert "usage.unlock" in actions and "usage.unlock.wrong_passcode" in actions
    assert "usage.passcode.set" in actions
    assert not any("48273915" in str(e) for e in _audit(api, tenant))


def _audit(api: TestClient, tenant: Tenant) -> list[dict[str, Any]]:
    r = api.get("/v1/audit?limit=1000", headers=tenant.admin)
    assert r.status_code == 200, r.text
    entries: list[dict[str, Any]] = r.json()["data"]
    return entries


def test_young_teens_cannot_have_or_use_an_own_passcode(api: TestClient, tenant: Tenant) -> None:
    put_user(api, tenant, "teen")
    r = api.put("/v1/usage/teen/passcode", headers=tenant.app, json={"passcode": "4827"})
    assert_error(r, 403, "own_passcode_not_allowed")
    r = api.post(
        "/v1/usage/teen/unlock",
        headers=tenant.app,
        json={"method": "own_passcode", "passcode": "4827", "rest_of_day": True},
    )
    assert_error(r, 422, "unlock_not_allowed")
    r = api.post(
        "/v1/usage/teen/unlock",
        headers=tenant.app,
        json={"method": "own_passcode", "passcode": "4827", "minutes": 20},
    )
    assert_error(r, 422, "invalid_input")


def test_parent_passcode_needs_a_pairing(api: TestClient, tenant: Tenant) -> None:
    put_user(api, tenant, "teen")
    put_user(api, tenant, "mum", band="adult")
    lock(api, tenant, "teen")
    r = api.put("/v1/usage/mum/passcode", headers=tenant.app, json={"passcode": "5930"})
    assert r.status_code == 204
    body = {"method": "parent_passcode", "passcode": "5930", "rest_of_day": True,
            "acting_user_id": "mum"}  # fmt: skip
    assert_error(
        api.post("/v1/usage/teen/unlock", headers=tenant.app, json=body), 403, "not_paired"
    )
    service(api).parent_check = lambda t, parent, teen: (parent, teen) == ("mum", "teen")
    r = api.post("/v1/usage/teen/unlock", headers=tenant.app, json=body)
    assert r.status_code == 200, r.text
    assert r.json()["unlock"]["by"] == "mum"
    status = get_status(api, tenant, "teen")
    assert status["locked"] is False and status["minutes_left"] is None


def test_approval_requests(api: TestClient, tenant: Tenant) -> None:
    put_user(api, tenant, "teen")
    put_user(api, tenant, "older", band="teen_16_17")
    lock(api, tenant, "teen")
    r = api.post("/v1/usage/teen/unlock-requests", headers=tenant.app, json={"minutes": 30})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    url = f"/v1/usage/unlock-requests/{rid}/approve"
    listing = "/v1/usage/teen/unlock-requests"
    assert_error(
        api.post(url, headers=tenant.app, json={"acting_user_id": "dad"}), 403, "not_paired"
    )
    r = api.get(listing, headers=tenant.app, params={"acting_user_id": "dad"})
    assert_error(r, 403, "not_paired")
    (pending,) = api.get(listing, headers=tenant.app).json()["requests"]  # the teen's own view
    assert pending["id"] == rid and pending["minutes"] == 30 and pending["status"] == "pending"
    service(api).parent_check = lambda t, parent, teen: parent == "dad"
    r = api.get(listing, headers=tenant.app, params={"acting_user_id": "dad"})
    assert [p["id"] for p in r.json()["requests"]] == [rid]
    at(api, NOW + timedelta(minutes=2))
    r = api.post(url, headers=tenant.app, json={"acting_user_id": "dad", "minutes": 15})
    assert r.status_code == 200, r.text
    assert r.json()["unlock"]["method"] == "parent_approval" and r.json()["unlock"]["minutes"] == 15
    assert r.json()["status"]["locked"] is False
    assert api.get(listing, headers=tenant.app).json()["requests"] == []  # decided
    again = api.post(url, headers=tenant.app, json={"acting_user_id": "dad"})
    assert_error(again, 409, "already_decided")
    r = api.post("/v1/usage/older/unlock-requests", headers=tenant.app, json={"minutes": 30})
    assert_error(r, 422, "unlock_not_allowed")
    r = api.post("/v1/usage/teen/unlock-requests", headers=tenant.app, json={"minutes": 45})
    assert_error(r, 422, "invalid_input")
    assert_error(
        api.post("/v1/usage/unlock-requests/0123abcd/approve", headers=tenant.app,
                 json={"acting_user_id": "dad"}),
        404,
    )  # fmt: skip


# --- weekly summary ----------------------------------------------------------------------


def test_weekly_summary_json_and_png(api: TestClient, tenant: Tenant) -> None:
    put_user(api, tenant, "teen", tz="Africa/Casablanca")
    send(api, tenant, beats("teen", NOW - timedelta(days=1, minutes=30), 21))
    r = api.get("/v1/usage/teen/summary?week=2026-02-23&lang=ar", headers=tenant.app)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["totals"]["minutes"] == 20.5 and body["language"] == "ar"
    png = api.get("/v1/usage/teen/summary.png?week=2026-02-23&lang=ar", headers=tenant.app)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    bad = api.get("/v1/usage/teen/summary?week=2026-02-30", headers=tenant.app)
    assert_error(bad, 422, "invalid_input")
    bad = api.get("/v1/usage/teen/summary?week=2026-02-23&lang=de", headers=tenant.app)
    assert_error(bad, 422, "invalid_input")


# --- tenants -----------------------------------------------------------------------------


USAGE_ROUTES = (
    "POST /v1/usage/heartbeats",
    "POST /v1/usage/sessions",
    "GET /v1/usage/{user_id}/status",
    "GET /v1/usage/{user_id}/limits",
    "PUT /v1/usage/{user_id}/limits",
    "PUT /v1/usage/{user_id}/passcode",
    "POST /v1/usage/{user_id}/unlock",
    "POST /v1/usage/{user_id}/unlock-requests",
    "GET /v1/usage/{user_id}/unlock-requests",
    "POST /v1/usage/unlock-requests/{request_id}/approve",
    "GET /v1/usage/{user_id}/summary",
    "GET /v1/usage/{user_id}/summary.png",
)


def test_every_route_is_tenant_scoped(api: TestClient, tenant: Tenant, other: Tenant) -> None:
    check_usage_isolation(api, tenant, other)


def check_usage_isolation(api: TestClient, tenant: Tenant, other: Tenant) -> None:
    """Every route of USAGE_ROUTES, called with ``other``'s key on ``tenant``'s users, sees 404
    or nothing and changes nothing. Used by tests/api/test_isolation.py too."""
    at(api, NOW)
    put_user(api, tenant, "teen")
    put_user(api, tenant, "older", band="teen_16_17")
    send(api, tenant, beats("teen", NOW - timedelta(minutes=30), 11))
    rid = api.post(
        "/v1/usage/teen/unlock-requests", headers=tenant.app, json={"minutes": 15}
    ).json()["id"]
    service(api).parent_check = lambda *_: True
    before = get_status(api, tenant, "teen")

    # another tenant's key sees nothing ...
    for path in ("status", "limits", "summary?week=2026-02-23", "summary.png?week=2026-02-23"):
        assert_error(api.get(f"/v1/usage/teen/{path}", headers=other.app), 404)
    # ... and changes nothing
    out = send(api, other, beats("teen", NOW - timedelta(minutes=5), 3, prefix="x"))
    assert out["accepted"] == 0 and out["rejected"][0]["code"] == "unknown_user"
    r = api.post("/v1/usage/sessions", headers=other.app,
                 json={"user_id": "teen", "device_id": "d", "ts": NOW.isoformat(),
                       "action": "start", "key": "s"})  # fmt: skip
    assert r.json()["rejected"] == [{"index": 0, "code": "unknown_user"}]
    assert_error(
        api.put("/v1/usage/teen/limits", headers=other.app, json={"daily_minutes": 1}), 404
    )
    assert_error(
        api.put("/v1/usage/older/passcode", headers=other.app, json={"passcode": "4827"}), 404
    )
    r = api.post("/v1/usage/older/unlock", headers=other.app,
                 json={"method": "own_passcode", "passcode": "4827", "minutes": 15})  # fmt: skip
    assert_error(r, 404)
    assert_error(api.post("/v1/usage/teen/unlock-requests", headers=other.app, json={}), 404)
    assert_error(api.get("/v1/usage/teen/unlock-requests", headers=other.app), 404)
    r = api.post(f"/v1/usage/unlock-requests/{rid}/approve", headers=other.app,
                 json={"acting_user_id": "dad", "minutes": 60})  # fmt: skip
    assert_error(r, 404)
    assert get_status(api, tenant, "teen") == before
    assert api.get("/v1/usage/teen/limits", headers=tenant.app).json()["overrides"] == {}


def test_deleting_a_user_erases_their_usage(api: TestClient, tenant: Tenant) -> None:
    put_user(api, tenant, "teen")
    send(api, tenant, beats("teen", NOW - timedelta(minutes=30), 11))
    api.put("/v1/usage/teen/limits", headers=tenant.app, json={"daily_minutes": 5})
    assert api.delete("/v1/users/teen", headers=tenant.app).status_code == 204
    put_user(api, tenant, "teen")
    status = get_status(api, tenant, "teen")
    assert status["minutes_used"] == 0.0 and status["limit_minutes"] == 60


# --- PostgreSQL --------------------------------------------------------------------------


@pytest.mark.postgres
def test_usage_on_postgresql(pg_client: tuple[TestClient, Store]) -> None:
    from tests.api.conftest import make_tenant

    client, store = pg_client
    api = at(client, NOW)
    tenant = make_tenant(store, "pg")
    put_user(api, tenant, "teen", tz="Africa/Casablanca")
    items = beats("teen", NOW - timedelta(minutes=30), 11)
    assert send(api, tenant, items)["accepted"] == 11
    assert send(api, tenant, items)["duplicates"] == 11
    assert get_status(api, tenant, "teen")["minutes_used"] == 10.5


# --- Redis (the real server) -------------------------------------------------------------


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


@pytest.mark.redis
def test_two_instances_sharing_redis_agree(
    make_client: Callable[..., TestClient], tenant: Tenant, redis_url: str
) -> None:
    import redis

    a = at(make_client(redis_url=redis_url), NOW)
    b = at(make_client(redis_url=redis_url), NOW)
    put_user(a, tenant, "teen")
    assert get_status(b, tenant, "teen")["minutes_used"] == 0.0  # b caches the empty day
    key = f"salama:usage:{tenant.id}:teen"
    before = redis.Redis.from_url(redis_url).hget(key, "gen")
    send(a, tenant, beats("teen", NOW - timedelta(minutes=30), 11))
    # a's ingestion moved the shared generation on: b's snapshot of the empty day is stale
    assert redis.Redis.from_url(redis_url).hget(key, "gen") not in (None, before)
    assert get_status(b, tenant, "teen")["minutes_used"] == 10.5
    assert get_status(a, tenant, "teen") == get_status(b, tenant, "teen")
    # more through b, read through a
    send(b, tenant, beats("teen", NOW - timedelta(minutes=19), 10, prefix="more"))
    assert get_status(a, tenant, "teen")["minutes_used"] == 20.5  # one stretch, 11:30-11:50
    assert get_status(a, tenant, "teen") == get_status(b, tenant, "teen")


def _count_calls(monkeypatch: pytest.MonkeyPatch, obj: Any, name: str) -> list[Any]:
    calls: list[Any] = []
    real = getattr(obj, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(obj, name, counting)
    return calls


@pytest.mark.redis
def test_redis_the_day_is_scanned_once_per_generation(
    make_client: Callable[..., TestClient],
    tenant: Tenant,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a = at(make_client(redis_url=redis_url), NOW)
    b = at(make_client(redis_url=redis_url), NOW)
    put_user(a, tenant, "teen")
    send(a, tenant, beats("teen", NOW - timedelta(minutes=30), 11))
    store = service(a).store  # both apps share it
    scans = _count_calls(monkeypatch, store.usage, "events")
    reads = _count_calls(monkeypatch, store.usage, "status_inputs")
    assert get_status(a, tenant, "teen")["minutes_used"] == 10.5
    assert len(scans) == 1 and len(reads) == 1
    # b takes its own snapshot (one read) but the day's union comes from Redis: no scan
    assert get_status(b, tenant, "teen")["minutes_used"] == 10.5
    assert len(scans) == 1 and len(reads) == 2
    # the hot path: no SQL at all
    for client in (a, b, a, b):
        assert get_status(client, tenant, "teen")["minutes_used"] == 10.5
    assert len(scans) == 1 and len(reads) == 2
    # new heartbeats: one scan again, whichever process reads first
    send(b, tenant, beats("teen", NOW - timedelta(minutes=19), 10, prefix="more"))
    assert get_status(a, tenant, "teen")["minutes_used"] == 20.5
    assert get_status(b, tenant, "teen")["minutes_used"] == 20.5
    assert len(scans) == 2 and len(reads) == 4

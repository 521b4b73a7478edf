"""A user's time zone changed mid-day through PUT /v1/users/{id}: the minutes already used today
still count (the limit is not reset by flying east)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Tenant
from tests.api.test_family import _born, register


def test_a_zone_change_east_mid_day_keeps_todays_minutes(
    client: TestClient, tenant: Tenant
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    # zones chosen so that it is about noon, then 14:00, where the teen is: the same local date
    # whatever the hour this test runs at (Etc/GMT-N is UTC+N)
    west = 12 - now.hour
    zones = [f"Etc/GMT{-west:+d}" if west else "UTC", f"Etc/GMT{-(west + 2):+d}"]
    register(client, tenant, "teen", birth_date=_born(14), timezone=zones[0])
    beats = [
        {
            "user_id": "teen",
            "device_id": "phone",
            "ts": (now - timedelta(minutes=20 - m)).isoformat(),
            "foreground": True,
            "key": f"k{m}",
        }
        for m in range(21)
    ]
    r = client.post("/v1/usage/heartbeats", headers=tenant.app, json={"heartbeats": beats})
    assert r.status_code == 200, r.text
    before = client.get("/v1/usage/teen/status", headers=tenant.app).json()
    assert before["minutes_used"] >= 20

    register(client, tenant, "teen", birth_date=_born(14), timezone=zones[1])  # flew east
    after = client.get("/v1/usage/teen/status", headers=tenant.app).json()
    assert after["day"] == before["day"]
    # the open stretch's last seconds may tick on between the two calls
    assert after["minutes_used"] == pytest.approx(before["minutes_used"], abs=0.5)
    assert after["minutes_left"] == pytest.approx(before["minutes_left"], abs=0.5)


def test_a_zone_change_west_keeps_the_minutes_used_before_the_new_midnight(
    client: TestClient, tenant: Tenant
) -> None:
    """Tokyo at 21:00 to New York at 07:00, the same date (2 March): the half hour used at
    01:00 in Tokyo (16:00 UTC on 1 March, before New York's midnight) still counts today, so
    the teen who used the whole hour stays locked; the weekly summary counts every minute
    once."""
    from tests.api.test_usage import NOW, at, beats, get_status, put_user, send

    api = at(client, NOW)  # 2026-03-02 12:00 UTC
    put_user(api, tenant, "teen", tz="Asia/Tokyo")
    send(api, tenant, beats("teen", NOW - timedelta(hours=20), 31, prefix="night"))
    send(api, tenant, beats("teen", NOW - timedelta(minutes=30), 31, prefix="day"))
    before = get_status(api, tenant, "teen")
    used = before["minutes_used"]  # two half hours (a heartbeat's tail: +30 s)
    assert before["day"] == "2026-03-02" and 60.0 <= used <= 61.0
    assert before["locked"] is True

    put_user(api, tenant, "teen", tz="America/New_York")  # flew west: 07:00 on 2 March
    after = get_status(api, tenant, "teen")
    assert after["day"] == "2026-03-02"
    assert after["minutes_used"] == used and after["locked"] is True
    week = api.get("/v1/usage/teen/summary?week=2026-03-02", headers=tenant.app).json()
    by_day = {d["day"]: d["minutes"] for d in week["days"]}
    # every minute on 2 March, once (the summary also counts the last heartbeat's tail)
    assert by_day["2026-03-02"] == week["totals"]["minutes"] == pytest.approx(used, abs=0.5)

    # going back the same day re-cuts nothing twice: still one hour, still locked
    put_user(api, tenant, "teen", tz="Asia/Tokyo")
    assert get_status(api, tenant, "teen")["minutes_used"] == used


def test_zone_changes_go_with_the_user(client: TestClient, tenant: Tenant) -> None:
    from tests.api.test_usage import NOW, at, put_user, service

    api = at(client, NOW)
    put_user(api, tenant, "teen", tz="Asia/Tokyo")
    put_user(api, tenant, "teen", tz="America/New_York")
    store = service(api).store
    assert [c.to_zone for c in store.usage.zone_changes(tenant.id, "teen")] == ["America/New_York"]
    assert api.delete("/v1/users/teen", headers=tenant.app).status_code == 204
    assert store.usage.zone_changes(tenant.id, "teen") == []

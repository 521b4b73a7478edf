"""Family pairing through the HTTP API: the whole flow, every refusal, tenant isolation, and
webhooks delivered to a real local HTTP server (signature checked, retried after a 500)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from salama.service.family import FamilyService
from salama.service.webhooks import WebhookDeliverer, backoff
from salama.store import Store
from tests.api.conftest import Tenant, assert_error

# Eight digits: a shorter passcode can turn up by chance inside a random id or a timestamp.
PASSCODE = "48217395"

TODAY = datetime.now(UTC).date()


def _born(age: int) -> str:
    return date(TODAY.year - age - 1, 1, 1).isoformat() if age else ""


def register(client: TestClient, t: Tenant, user_id: str, **body: Any) -> None:
    r = client.put(f"/v1/users/{user_id}", headers=t.app, json=body)
    assert r.status_code in (200, 201), r.text


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """Webhooks are delivered by the test itself (no background thread racing it), to a local
    server: private addresses allowed."""
    return make_client(webhook_delivery=False, webhook_allow_private=True)


@pytest.fixture
def family(client: TestClient, tenant: Tenant) -> TestClient:
    register(client, tenant, "mum", age_band="adult")
    register(client, tenant, "dad", age_band="adult")
    register(client, tenant, "aunt", age_band="adult")
    register(client, tenant, "teen", birth_date=_born(14), timezone="Africa/Casablanca")
    register(client, tenant, "teen2", birth_date=_born(16))
    return client


def invite(client: TestClient, t: Tenant, parent: str = "mum") -> str:
    r = client.post("/v1/family/invites", headers=t.app, json={"acting_user_id": parent})
    assert r.status_code == 201, r.text
    return str(r.json()["code"])


def accept(client: TestClient, t: Tenant, code: str, teen: str = "teen") -> Any:
    return client.post(
        f"/v1/family/invites/{code}/accept", headers=t.app, json={"acting_user_id": teen}
    )


class Hook:
    """A real HTTP server recording what it receives; answers 500 to the first ``fail`` posts."""

    def __init__(self, fail: int = 0) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.fail = fail
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = 500 if len(hook.received) <= hook.fail else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/salama"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook()
    yield h
    h.close()


def set_webhook(client: TestClient, t: Tenant, url: str) -> str:
    r = client.put("/v1/webhooks", headers=t.admin, json={"url": url})
    assert r.status_code == 200, r.text
    return str(r.json()["secret"])


# --- the flow ------------------------------------------------------------------------------


def test_full_flow(family: TestClient, tenant: Tenant, store: Store, hook: Hook) -> None:
    client = family
    secret = set_webhook(client, tenant, hook.url)
    r = client.post("/v1/family/invites", headers=tenant.app, json={"acting_user_id": "mum"})
    assert r.status_code == 201, r.text
    body = r.json()
    code = body["code"]
    assert len(code) == 9 and code[4] == "-"
    assert base64.b64decode(body["qr_png_base64"]).startswith(b"\x89PNG")
    assert datetime.fromisoformat(body["expires_at"]) > datetime.now(UTC)
    qr = client.get(f"/v1/family/invites/{code}/qr.png", headers=tenant.app)
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/png"

    r = accept(client, tenant, code.lower().replace("-", " "))
    assert r.status_code == 200, r.text
    assert r.json()["parent_id"] == "mum" and r.json()["teen_id"] == "teen"

    r = client.put(
        "/v1/family/teen/controls",
        headers=tenant.app,
        json={
            "acting_user_id": "mum",
            "controls": {"daily_limit_minutes": 90, "unlock_passcode": PASSCODE},
            "version": 0,
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 1

    r = client.get("/v1/family/teen/controls?acting_user_id=teen", headers=tenant.app)
    assert r.status_code == 200, r.text
    shown = {c["name"]: c for c in r.json()["controls"]}
    assert shown["daily_limit_minutes"]["value"] == 90
    assert (
        shown["daily_limit_minutes"]["set_by"] == "mum" and shown["daily_limit_minutes"]["set_at"]
    )
    assert shown["unlock_passcode"]["value"] == "set"
    assert shown["strictness"] == {
        "name": "strictness",
        "value": "standard",
        "set_by": None,
        "set_at": None,
    }
    assert PASSCODE not in r.text and "scrypt" not in r.text
    assert (
        client.get("/v1/family/teen/controls?acting_user_id=mum", headers=tenant.app).json()
        == r.json()
    )

    links = client.get("/v1/family/mum/links?acting_user_id=mum", headers=tenant.app).json()
    assert "teens" in links, links
    assert [x["teen_id"] for x in links["teens"]] == ["teen"] and links["parents"] == []
    links = client.get("/v1/family/teen/links?acting_user_id=teen", headers=tenant.app).json()
    assert [x["parent_id"] for x in links["parents"]] == ["mum"]

    r = client.delete("/v1/family/teen/parents/mum?acting_user_id=teen", headers=tenant.app)
    assert r.status_code == 204, r.text
    assert FamilyService(store).controls_for(tenant.id, "teen") is None
    assert (
        client.get("/v1/family/teen/links?acting_user_id=teen", headers=tenant.app).json()[
            "parents"
        ]
        == []
    )

    report = WebhookDeliverer(store, allow_private=True).deliver_due()
    assert report.delivered == 3 and report.failed == 0
    kinds = [e["kind"] for e in hook.events()]
    assert kinds == ["paired", "controls_changed", "unpaired"]
    unpaired = hook.events()[2]
    assert unpaired["notify"] == ["mum"] and unpaired["details"] == {"by": "teen"}
    for headers, raw in hook.received:
        expected = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["x-salama-signature"], expected)
        assert len(headers["x-salama-event-id"]) == 32
    assert PASSCODE not in json.dumps(hook.events())

    actions = [e.action for e in store.audit.list(tenant.id)]
    for action in ("family.invite", "family.accept", "family.controls", "family.unpair"):
        assert action in actions
    actors = {e.actor for e in store.audit.list(tenant.id) if e.action == "family.unpair"}
    assert all(a.endswith("/user:teen") for a in actors)


def test_webhook_retried_after_a_500(family: TestClient, tenant: Tenant, store: Store) -> None:
    hook = Hook(fail=1)
    try:
        secret = set_webhook(family, tenant, hook.url)
        assert accept(family, tenant, invite(family, tenant)).status_code == 200
        deliverer = WebhookDeliverer(store, allow_private=True)
        first = deliverer.deliver_due()
        assert first.failed == 1 and first.delivered == 0
        assert deliverer.deliver_due().delivered == 0  # backing off
        later = datetime.now(UTC) + backoff(1) + timedelta(seconds=1)
        assert deliverer.deliver_due(later).delivered == 1
        assert len(hook.received) == 2
        (h1, b1), (h2, b2) = hook.received
        assert b1 == b2 and h1["x-salama-event-id"] == h2["x-salama-event-id"]
        sig = "sha256=" + hmac.new(secret.encode(), b2, hashlib.sha256).hexdigest()
        assert h2["x-salama-signature"] == sig
        assert deliverer.deliver_due(later + timedelta(hours=2)).delivered == 0  # once only
    finally:
        hook.close()


def test_background_thread_delivers(
    make_client: Callable[..., TestClient], tenant: Tenant, hook: Hook
) -> None:
    import time

    client = make_client(webhook_delivery=True, webhook_allow_private=True)
    register(client, tenant, "mum", age_band="adult")
    register(client, tenant, "teen", birth_date=_born(14))
    set_webhook(client, tenant, hook.url)
    assert accept(client, tenant, invite(client, tenant)).status_code == 200
    deadline = time.monotonic() + 10
    while not hook.received and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [e["kind"] for e in hook.events()] == ["paired"]


def test_webhook_admin_only_and_secret_shown_once(client: TestClient, tenant: Tenant) -> None:
    assert_error(
        client.put("/v1/webhooks", headers=tenant.app, json={"url": "https://x.example/h"}),
        403,
        "admin_required",
    )
    assert_error(client.put("/v1/webhooks", headers=tenant.admin, json={"url": "ftp://x"}), 422)
    assert_error(client.get("/v1/webhooks", headers=tenant.admin), 404)
    secret = set_webhook(client, tenant, "https://x.example/h")
    r = client.get("/v1/webhooks", headers=tenant.admin)
    assert r.json()["url"] == "https://x.example/h" and secret not in r.text
    assert client.delete("/v1/webhooks", headers=tenant.admin).status_code == 204


# --- refusals ------------------------------------------------------------------------------


def test_invite_refusals(family: TestClient, tenant: Tenant) -> None:
    client = family
    assert_error(
        client.post("/v1/family/invites", headers=tenant.app, json={"acting_user_id": "ghost"}),
        404,
        "user_not_found",
    )
    assert_error(
        client.post("/v1/family/invites", headers=tenant.app, json={"acting_user_id": "teen"}),
        422,
        "parent_not_adult",
    )
    register(client, tenant, "who", age_band="unknown")
    assert_error(
        client.post("/v1/family/invites", headers=tenant.app, json={"acting_user_id": "who"}),
        422,
        "parent_not_adult",
    )
    for _ in range(5):
        invite(client, tenant, "aunt")
    assert_error(
        client.post("/v1/family/invites", headers=tenant.app, json={"acting_user_id": "aunt"}),
        409,
        "too_many_invites",
    )


def test_accept_refusals(family: TestClient, tenant: Tenant, store: Store) -> None:
    client = family
    register(client, tenant, "grown", birth_date=_born(30))
    register(client, tenant, "nobirth", age_band="teen_13_15")
    code = invite(client, tenant)
    assert_error(accept(client, tenant, code, "grown"), 422, "teen_is_adult")
    assert_error(accept(client, tenant, code, "nobirth"), 422, "teen_age_unknown")
    assert_error(accept(client, tenant, code, "mum"), 422, "invite_own")
    assert_error(accept(client, tenant, "2345-6789", "teen"), 404, "invite_unknown")
    assert_error(accept(client, tenant, "not a code", "teen"), 422, "invite_malformed")
    assert_error(accept(client, tenant, code, "ghost"), 404, "user_not_found")
    assert accept(client, tenant, code, "teen").status_code == 200
    assert_error(accept(client, tenant, code, "teen2"), 409, "invite_used")
    assert_error(accept(client, tenant, invite(client, tenant), "teen"), 409, "already_paired")
    assert accept(client, tenant, invite(client, tenant, "dad"), "teen").status_code == 200
    assert_error(
        accept(client, tenant, invite(client, tenant, "aunt"), "teen"), 409, "too_many_parents"
    )
    # expired: made 16 minutes ago
    old = FamilyService(store).create_invite(
        tenant.id, "aunt", actor="t", now=datetime.now(UTC) - timedelta(minutes=16)
    )
    assert_error(accept(client, tenant, old.code, "teen2"), 422, "invite_expired")


def test_failed_accepts_are_rate_limited(family: TestClient, tenant: Tenant) -> None:
    for _ in range(10):
        assert_error(accept(family, tenant, "2345-6789", "teen2"), 404, "invite_unknown")
    code = invite(family, tenant)
    r = accept(family, tenant, code, "teen2")
    err = assert_error(r, 429, "too_many_attempts")
    assert int(r.headers["Retry-After"]) >= 1 and err["details"]["retry_after_s"] >= 1
    assert accept(family, tenant, code, "teen").status_code == 200  # per acting user


def test_controls_refusals(family: TestClient, tenant: Tenant) -> None:
    client = family
    assert accept(client, tenant, invite(client, tenant), "teen").status_code == 200

    def put(who: str, controls: dict[str, Any], **extra: Any) -> Any:
        return client.put(
            "/v1/family/teen/controls",
            headers=tenant.app,
            json={"acting_user_id": who, "controls": controls, **extra},
        )

    assert_error(put("dad", {"daily_limit_minutes": 60}), 403, "not_paired")
    assert_error(put("teen", {"daily_limit_minutes": 60}), 403, "not_paired")
    assert_error(put("mum", {"daily_limit_minutes": 5}), 422)
    assert_error(put("mum", {"bedtime": 5}), 422, "unknown_control")
    assert_error(put("mum", {}), 422, "no_changes")
    assert put("mum", {"strictness": "strict"}).status_code == 200
    assert_error(put("mum", {"strictness": "standard"}, version=0), 409, "stale_version")
    assert_error(
        client.get("/v1/family/teen/controls?acting_user_id=dad", headers=tenant.app),
        403,
        "not_paired",
    )
    assert_error(
        client.get("/v1/family/teen2/controls?acting_user_id=mum", headers=tenant.app),
        403,
        "not_paired",
    )
    # a parent acting on a teen not paired with them: refused
    assert_error(
        client.put(
            "/v1/family/teen2/controls",
            headers=tenant.app,
            json={"acting_user_id": "mum", "controls": {"daily_limit_minutes": 60}},
        ),
        403,
        "not_paired",
    )
    assert_error(
        client.delete("/v1/family/teen/parents/mum?acting_user_id=dad", headers=tenant.app),
        403,
        "not_paired",
    )
    assert_error(
        client.delete("/v1/family/teen2/parents/mum?acting_user_id=mum", headers=tenant.app),
        404,
        "not_paired",
    )
    assert_error(
        client.get("/v1/family/teen/links?acting_user_id=dad", headers=tenant.app),
        403,
        "not_paired",
    )


def test_age_out_is_checked_on_each_request(
    family: TestClient, tenant: Tenant, store: Store
) -> None:
    client = family
    assert accept(client, tenant, invite(client, tenant), "teen2").status_code == 200
    # the host corrects the birth date: the teen is 18 today
    register(client, tenant, "teen2", birth_date=date(TODAY.year - 18, 1, 1).isoformat())
    r = client.get("/v1/family/teen2/links?acting_user_id=teen2", headers=tenant.app)
    assert r.json()["parents"] == []
    assert "family.age_out" in [e.action for e in store.audit.list(tenant.id)]


# --- isolation -----------------------------------------------------------------------------


def test_tenant_isolation(family: TestClient, tenant: Tenant, other: Tenant) -> None:
    check_family_isolation(family, tenant, other)


def check_family_isolation(client: TestClient, tenant: Tenant, other: Tenant) -> None:
    """Every family and webhook route, called with tenant B's keys, sees nothing of tenant A's
    (``family`` registered in A: mum, dad, aunt, teen, teen2)."""
    a_secret = set_webhook(client, tenant, "https://a.example/hook")
    code = invite(client, tenant)
    register(client, other, "teen", birth_date=_born(14))
    register(client, other, "mum", age_band="adult")
    # another tenant's code is unknown, as a text and as a QR
    assert_error(accept(client, other, code, "teen"), 404, "invite_unknown")
    assert_error(client.get(f"/v1/family/invites/{code}/qr.png", headers=other.app), 404)
    assert accept(client, tenant, code, "teen").status_code == 200
    assert (
        client.put(
            "/v1/family/teen/controls",
            headers=tenant.app,
            json={"acting_user_id": "mum", "controls": {"daily_limit_minutes": 60}},
        ).status_code
        == 200
    )
    # the same ids in the other tenant see nothing of the first tenant's family
    assert_error(
        client.put(
            "/v1/family/teen/controls",
            headers=other.app,
            json={"acting_user_id": "mum", "controls": {"daily_limit_minutes": 60}},
        ),
        403,
        "not_paired",
    )
    assert_error(
        client.get("/v1/family/teen/controls?acting_user_id=mum", headers=other.app),
        403,
        "not_paired",
    )
    r = client.get("/v1/family/teen/controls?acting_user_id=teen", headers=other.app)
    assert all(c["set_by"] is None for c in r.json()["controls"])
    assert (
        client.get("/v1/family/mum/links?acting_user_id=mum", headers=other.app).json()["teens"]
        == []
    )
    assert_error(
        client.delete("/v1/family/teen/parents/mum?acting_user_id=mum", headers=other.app),
        404,
        "not_paired",
    )
    # users the other tenant never registered are unknown there
    for path in (
        "/v1/family/teen2/controls?acting_user_id=teen2",
        "/v1/family/teen2/links?acting_user_id=teen2",
    ):
        assert_error(client.get(path, headers=other.app), 404, "user_not_found")
    assert_error(
        client.post("/v1/family/invites", headers=other.app, json={"acting_user_id": "dad"}),
        404,
        "user_not_found",
    )
    assert_error(client.get("/v1/webhooks", headers=other.admin), 404)
    assert_error(client.delete("/v1/webhooks", headers=other.admin), 404)
    b_secret = set_webhook(client, other, "https://b.example/hook")
    assert b_secret != a_secret
    assert (
        client.get("/v1/webhooks", headers=tenant.admin).json()["url"] == "https://a.example/hook"
    )
    # and the first tenant's pairing is intact
    links = client.get("/v1/family/mum/links?acting_user_id=mum", headers=tenant.app).json()
    assert [x["teen_id"] for x in links["teens"]] == ["teen"]


def test_flow_on_postgresql(pg_client: tuple[TestClient, Store]) -> None:
    from tests.api.conftest import make_tenant

    client, store = pg_client
    t = make_tenant(store, "pg-family")
    register(client, t, "mum", age_band="adult")
    register(client, t, "teen", birth_date=_born(15))
    assert accept(client, t, invite(client, t), "teen").status_code == 200
    r = client.put(
        "/v1/family/teen/controls",
        headers=t.app,
        json={"acting_user_id": "mum", "controls": {"who_may_message": "followers"}},
    )
    assert r.status_code == 200, r.text
    assert (
        client.delete("/v1/family/teen/parents/mum?acting_user_id=mum", headers=t.app).status_code
        == 204
    )

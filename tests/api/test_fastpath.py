"""The fast path of ``POST /v1/check`` (salama.api.fastpath) answers exactly as the FastAPI route
does, takes only the requests it should, and counts and writes nothing twice."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from salama.api.fastpath import CheckFastPath
from salama.store import Store
from tests.api.conftest import Tenant, assert_error

OWNER_SETTINGS = {"keyword_filters": ["m3a9"], "who_may_comment": "followers"}

# (headers beyond the key, body) pairs: valid checks of every action, and bad requests of each
# kind the route refuses. Bodies are bytes, sent as they are.
CASES: list[tuple[str, dict[str, str], bytes]] = [
    ("allow", {}, json.dumps({"text": "salam, kidayr?", "surface": "comment"}).encode()),
    (
        "block",
        {},
        json.dumps(
            {
                "text": "nta wa7ed mkl5 o 7mar, sir t9awd",
                "surface": "comment",
                "author": {"id": "u1", "age_band": "teen_13_15", "country": "ma"},
            }
        ).encode(),
    ),
    (
        "support",
        {},
        json.dumps(
            {
                "text": "bghit nmout, ma b9itch baghi n3ich",
                "surface": "post",
                "author": {"id": "u2", "age_band": "teen_16_17", "country": "MA"},
            }
        ).encode(),
    ),
    (
        "owner filter",
        {},
        json.dumps(
            {
                "text": "wa l m3a9 sir f7alek",
                "surface": "comment",
                "owner": {"id": "creator"},
                "context": {"author_is_follower": True},
            }
        ).encode(),
    ),
    (
        "nudge confirmed",
        {},
        json.dumps({"text": "t'es trop con", "surface": "comment", "confirmed": True}).encode(),
    ),
    (
        "charset",
        {"content-type": "application/json; charset=utf-8"},
        b'{"text":"hi","surface":"dm"}',
    ),
    ("unicode escapes", {}, b'{"text":"\\u0645\\u0631\\u062d\\u0628\\u0627","surface":"bio"}'),
    ("malformed", {}, b'{"text": "hi", "surface":'),
    ("wrong type", {}, b'{"text": 5, "surface": "comment"}'),
    ("unknown field", {}, b'{"text": "hi", "surface": "comment", "colour": "red"}'),
    ("unknown surface", {}, b'{"text": "hi", "surface": "billboard"}'),
    ("too long", {}, json.dumps({"text": "a" * 6000, "surface": "comment"}).encode()),
    ("lone surrogate", {}, b'{"text": "a\\ud800b", "surface": "comment"}'),
    ("not json", {"content-type": "text/plain"}, b'{"text": "hi", "surface": "comment"}'),
    ("no content type", {"content-type": ""}, b'{"text": "hi", "surface": "comment"}'),
    ("utf-16", {}, '{"text": "hi", "surface": "comment"}'.encode("utf-16")),
    ("empty", {}, b""),
    ("bad key", {"authorization": "Bearer slm_nope_nope"}, b'{"text":"hi","surface":"comment"}'),
    ("no key", {"authorization": ""}, b'{"text":"hi","surface":"comment"}'),
    ("key twice", {"twice": "Bearer slm_nope_nope"}, b'{"text":"hi","surface":"comment"}'),
    ("bad key, bad body", {"authorization": "Bearer slm_nope"}, b'{"text": 5}'),
]

VOLATILE = {"latency_ms", "decision_id", "review_item_id"}


def _send(client: TestClient, tenant: Tenant, headers: dict[str, str], body: bytes) -> Any:
    sent = {"content-type": "application/json", "authorization": f"Bearer {tenant.app_key}"}
    sent.update(headers)
    pairs = [(k, v) for k, v in sent.items() if v]
    if "twice" in headers:  # the same header twice: the first counts, as in Starlette
        pairs = [(k, v) for k, v in pairs if k != "twice"] + [("authorization", headers["twice"])]
    return client.post("/v1/check", content=body, headers=pairs)


def _comparable(response: Any) -> tuple[int, Any, str | None]:
    try:
        body = response.json()
    except ValueError:
        body = response.text
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in VOLATILE}
    return response.status_code, body, response.headers.get("content-type")


@pytest.mark.parametrize(("name", "headers", "body"), CASES, ids=[c[0] for c in CASES])
def test_fast_path_answers_as_the_route_does(
    make_client: Callable[..., TestClient],
    tenant: Tenant,
    store: Store,
    name: str,
    headers: dict[str, str],
    body: bytes,
) -> None:
    store.settings.put(tenant.id, "creator", OWNER_SETTINGS, expected_version=0)
    fast = make_client(check_fast_path=True, max_text_chars=5000)
    slow = make_client(check_fast_path=False, max_text_chars=5000)
    a, b = _send(fast, tenant, headers, body), _send(slow, tenant, headers, body)
    assert _comparable(a) == _comparable(b)
    if name in {"block", "support", "owner filter"}:
        assert a.status_code == 200
        # both kept their own decision: nothing written twice, nothing skipped
        assert a.json()["decision_id"] and b.json()["decision_id"]
        assert a.json()["decision_id"] != b.json()["decision_id"]
    elif name in {"allow", "charset", "unicode escapes", "nudge confirmed", "utf-16", "key twice"}:
        assert a.status_code == 200 and a.json()["decision_id"] is None
    else:
        assert a.status_code >= 400


def test_each_kept_decision_is_written_once(
    client: TestClient, tenant: Tenant, store: Store
) -> None:
    body = {"text": "nta wa7ed mkl5 o 7mar, sir t9awd", "surface": "comment"}
    ids = [
        client.post("/v1/check", json=body, headers=tenant.app).json()["decision_id"] for _ in "abc"
    ]
    kept = store.decisions.list(tenant.id)
    assert sorted(d.id for d in kept) == sorted(ids)


def test_rate_limit_counts_each_request_once(
    make_client: Callable[..., TestClient], tenant: Tenant
) -> None:
    client = make_client(rate_limit_per_minute=2)
    limiter = client.app.state.salama.limiter  # type: ignore[attr-defined]
    limiter.clock = lambda: 600.0 + 15
    # Invalid bodies go on to the route, which counts them once (as before the fast path).
    assert_error(client.post("/v1/check", content=b'{"text": 5}', headers=_json(tenant)), 422)
    assert (
        client.post(
            "/v1/check", json={"text": "hi", "surface": "dm"}, headers=tenant.app
        ).status_code
        == 200
    )
    r = client.post("/v1/check", json={"text": "hi", "surface": "dm"}, headers=tenant.app)
    error = assert_error(r, 429, "rate_limited")
    assert r.headers["Retry-After"] == "45"
    assert error["details"]["limit_per_minute"] == 2


def test_metrics_name_the_route(client: TestClient, tenant: Tenant) -> None:
    for _ in range(3):
        client.post("/v1/check", json={"text": "hi", "surface": "dm"}, headers=tenant.app)
    metrics = client.get("/metrics").text
    line = next(
        x
        for x in metrics.splitlines()
        if x.startswith("salama_http_requests_total{")
        and 'route="/v1/check"' in x
        and 'status="200"' in x
    )
    assert float(line.rsplit(" ", 1)[1]) == 3.0


def test_oversize_chunked_body_is_still_413(
    make_client: Callable[..., TestClient], tenant: Tenant
) -> None:
    client = make_client(max_body_bytes=2048)

    def chunks() -> Any:
        yield b'{"text": "'
        for _ in range(10):
            yield b"a" * 500
        yield b'", "surface": "comment"}'

    r = client.post("/v1/check", content=chunks(), headers=_json(tenant))
    assert_error(r, 413, "body_too_large")


def _json(tenant: Tenant) -> dict[str, str]:
    return {"content-type": "application/json", **tenant.app}


class _Inner:
    """An app behind the fast path that records what reached it."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.bodies.append(body)
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b"inner"})


@pytest.mark.parametrize(
    ("method", "path", "content_type", "body", "reaches_app"),
    [
        ("POST", "/v1/check", b"application/json", b'{"text":"hi","surface":"dm"}', False),
        (
            "POST",
            "/v1/check",
            b"Application/JSON; charset=utf-8",
            b'{"text":"hi","surface":"dm"}',
            False,
        ),
        ("POST", "/v1/check", b"application/json", b'{"text":"hi"}', True),
        ("POST", "/v1/check", b"text/plain", b'{"text":"hi","surface":"dm"}', True),
        ("POST", "/v1/check/batch", b"application/json", b'{"items":[]}', True),
        ("GET", "/v1/check", b"application/json", b"", True),
    ],
)
def test_which_requests_it_takes(
    client: TestClient,
    tenant: Tenant,
    method: str,
    path: str,
    content_type: bytes,
    body: bytes,
    reaches_app: bool,
) -> None:
    import asyncio

    inner = _Inner()
    state = client.app.state.salama  # type: ignore[attr-defined]
    fast = CheckFastPath(inner, state)
    parts = [body[: len(body) // 2], body[len(body) // 2 :]]  # in two chunks
    sent: list[Message] = []

    async def receive() -> Message:
        chunk = parts.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(parts)}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [
            (b"content-type", content_type),
            (b"authorization", f"Bearer {tenant.app_key}".encode()),
        ],
    }
    asyncio.run(fast(scope, receive, send))
    status = sent[0]["status"]
    if reaches_app:
        assert status == 299
        assert inner.bodies == [body]  # the whole body, replayed when it was read
    else:
        assert status == 200 and inner.bodies == []
        assert json.loads(sent[1]["body"])["decision"]["action"] == "allow"

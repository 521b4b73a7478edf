"""Bad input gets a clear 4xx in the one error shape, and nothing stored is touched."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from salama.store import Store
from tests.api.conftest import Tenant, assert_error

JSON = {"content-type": "application/json"}


def test_malformed_json(client: TestClient, tenant: Tenant) -> None:
    r = client.post("/v1/check", content=b'{"text": ', headers={**tenant.app, **JSON})
    assert_error(r, 400, "malformed_json")


def test_not_json(client: TestClient, tenant: Tenant) -> None:
    r = client.post("/v1/check", content=b"text=hi", headers=tenant.app)
    assert_error(r, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": 1, "surface": "comment"}, "text"),
        ({"text": "hi", "surface": "tweet"}, "surface"),
        ({"text": "hi", "surface": "comment", "extra": 1}, "extra"),
        ({"text": "hi", "surface": "comment", "confirmed": "yes"}, "confirmed"),
        ({"text": "hi", "surface": "comment", "author": {"age_band": "kid"}}, "age_band"),
        ({"text": "hi", "surface": "comment", "author": {"country": "Morocco"}}, "country"),
        ({"surface": "comment"}, "text"),
        ([1, 2], "body"),
    ],
)
def test_wrong_types_and_unknown_fields(
    client: TestClient, tenant: Tenant, body: object, field: str
) -> None:
    error = assert_error(client.post("/v1/check", json=body, headers=tenant.app), 422)
    assert error["code"] == "invalid_input"
    locs = [".".join(e["loc"]) for e in error["details"]["errors"]]
    assert any(field in loc for loc in locs), locs


def test_oversize_body(make_client: Callable[..., TestClient], tenant: Tenant) -> None:
    client = make_client(max_body_bytes=2048)
    r = client.post(
        "/v1/check", json={"text": "a" * 5000, "surface": "comment"}, headers=tenant.app
    )
    assert_error(r, 413, "body_too_large")


def test_oversize_chunked_body(make_client: Callable[..., TestClient], tenant: Tenant) -> None:
    client = make_client(max_body_bytes=2048)

    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"text": "'
        for _ in range(10):
            yield b"a" * 500
        yield b'", "surface": "comment"}'

    r = client.post("/v1/check", content=chunks(), headers={**tenant.app, **JSON})
    assert_error(r, 413, "body_too_large")


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Basic abc", "Bearer slm_nope_nope", "Bearer " + "x" * 300],
)
def test_bad_keys(client: TestClient, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    r = client.post("/v1/check", json={"text": "hi", "surface": "comment"}, headers=headers)
    assert_error(r, 401, "unauthorized")
    assert r.headers["www-authenticate"] == "Bearer"


def test_revoked_key_is_refused(client: TestClient, store: Store) -> None:
    tenant = store.tenants.create_tenant("t")
    record, secret = store.tenants.create_api_key(tenant.id)
    headers = {"Authorization": f"Bearer {secret}"}
    body = {"text": "hi", "surface": "comment"}
    assert client.post("/v1/check", json=body, headers=headers).status_code == 200
    store.tenants.revoke_key(tenant.id, record.id)
    client.app.state.salama.forget_key(record.id)  # type: ignore[attr-defined]
    assert_error(client.post("/v1/check", json=body, headers=headers), 401, "unauthorized")


def test_unknown_route_and_method(client: TestClient, tenant: Tenant) -> None:
    assert_error(client.get("/v1/nothing", headers=tenant.app), 404, "not_found")
    assert_error(client.get("/v1/check", headers=tenant.app), 405, "method_not_allowed")


def test_internal_errors_keep_the_shape_and_hide_the_trace(
    client: TestClient, tenant: Tenant
) -> None:
    service = client.app.state.salama.service  # type: ignore[attr-defined]

    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("secret internals")

    service.check = boom
    r = client.post("/v1/check", json={"text": "hi", "surface": "comment"}, headers=tenant.app)
    error = assert_error(r, 500, "internal_error")
    assert "secret" not in r.text and "Traceback" not in r.text
    assert error["details"] == {}


def test_database_down_is_503(client: TestClient, tenant: Tenant, store: Store) -> None:
    # Drop the decisions table behind the store's back: writes now fail inside the driver.
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE review_items")
        conn.exec_driver_sql("DROP TABLE decisions")
    r = client.post(
        "/v1/check",
        json={"text": "nta wa7ed mkl5 o 7mar, sir t9awd", "surface": "comment"},
        headers=tenant.app,
    )
    assert_error(r, 503, "storage_unavailable")

"""/healthz and /metrics."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from salama.api import create_app
from salama.config import Settings
from salama.detect.detector import Detector
from salama.store import Store, make_engine
from tests.api.conftest import Tenant, assert_error


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["database"] == "sqlite"


def test_healthz_503_when_the_database_is_gone(detector: Detector) -> None:
    # Nothing listens on port 1: every connection is refused.
    down = Store(
        make_engine("postgresql://salama@127.0.0.1:1/none", connect_args={"connect_timeout": 1})
    )
    app = create_app(Settings(rate_limit_per_minute=0), store=down, detector=detector)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert_error(client.get("/healthz"), 503, "storage_unavailable")
    down.close()


def test_metrics_count_requests_and_decisions(client: TestClient, tenant: Tenant) -> None:
    client.post("/v1/check", json={"text": "hello there", "surface": "comment"}, headers=tenant.app)
    client.post(
        "/v1/check",
        json={"text": "nta wa7ed mkl5 o 7mar, sir t9awd", "surface": "comment"},
        headers=tenant.app,
    )
    text = client.get("/metrics").text
    assert 'salama_decisions_total{action="allow"} 1.0' in text
    assert 'salama_flagged_categories_total{category="insult"} 1.0' in text
    assert 'route="/v1/check"' in text and 'status="200"' in text
    assert "salama_http_request_duration_seconds_bucket" in text


def test_metrics_can_be_turned_off(make_client: Callable[..., TestClient]) -> None:
    assert_error(make_client(metrics_enabled=False).get("/metrics"), 404, "not_found")

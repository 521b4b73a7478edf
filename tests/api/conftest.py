"""API tests run in process (Starlette's TestClient) against a real SQLite file per test; the
``pg_app`` fixture gives the same app on the real PostgreSQL server (skipped where none)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from salama.api import create_app
from salama.config import Settings
from salama.detect.detector import Detector
from salama.store import Store
from tests.store.conftest import ADMIN_URL, PostgresServer


@dataclass
class Tenant:
    id: str
    app_key: str
    admin_key: str

    @property
    def app(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.app_key}"}

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_key}"}


@pytest.fixture(scope="session")
def detector() -> Detector:
    d = Detector()
    d.check("warm up")
    return d


def make_tenant(store: Store, name: str = "app") -> Tenant:
    t = store.tenants.create_tenant(name)
    _, app_key = store.tenants.create_api_key(t.id, "app")
    _, admin_key = store.tenants.create_api_key(t.id, "admin")
    return Tenant(t.id, app_key, admin_key)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path}/api.db", rate_limit_per_minute=0)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    s = Store.open(settings.database_url)
    yield s
    s.close()


@pytest.fixture
def make_client(
    store: Store, settings: Settings, detector: Detector
) -> Iterator[Callable[..., TestClient]]:
    """Builds clients over apps sharing the test's store; keyword arguments override settings."""
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        app: FastAPI = create_app(
            settings.model_copy(update=overrides), store=store, detector=detector
        )
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


@pytest.fixture
def tenant(store: Store) -> Tenant:
    return make_tenant(store, "first")


@pytest.fixture
def other(store: Store) -> Tenant:
    return make_tenant(store, "second")


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is the one error shape with this status (and code, if given)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    return dict(body["error"])


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for the API tests of this session."""
    server = PostgresServer(ADMIN_URL)
    try:
        with server.engine.connect():
            pass
    except OperationalError as exc:
        server.engine.dispose()
        pytest.skip(f"PostgreSQL unreachable at {server.admin_url!r}: {exc.orig}")
    url = server.create_database()
    Store.open(url).close()
    yield url
    server.drop_all()


@pytest.fixture
def pg_client(pg_url: str, detector: Detector) -> Iterator[tuple[TestClient, Store]]:
    """The app on the real PostgreSQL server, with its store (tenants differ per test)."""
    store = Store.open(pg_url)
    app = create_app(
        Settings(database_url=pg_url, rate_limit_per_minute=0), store=store, detector=detector
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, store
    store.close()

"""Webhook URLs cannot reach the server's own network (SSRF): refused when set, with a 422
``webhook_url_private``, and again at delivery after resolving the name (DNS rebinding), unless
``SALAMA_WEBHOOK_ALLOW_PRIVATE`` is true."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from salama.errors import InputError
from salama.service import webhooks
from salama.service.webhooks import WebhookDeliverer, check_url, is_public_address
from salama.store import Store
from tests.api.conftest import Tenant, assert_error
from tests.api.test_family import Hook, _born, accept, invite, register

REFUSED = [
    "http://127.0.0.1:8080/hook",
    "http://localhost/hook",
    "http://api.localhost/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://10.1.2.3/hook",
    "https://172.16.0.1/hook",
    "https://192.168.1.1/hook",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://[::1]/hook",
    "http://[fd00:ec2::254]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[fe80::1]/hook",
    "http://2130706433/hook",  # 127.0.0.1 written as one number
]


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(webhook_delivery=False)


@pytest.mark.parametrize("url", REFUSED)
def test_private_urls_are_refused_when_set(client: TestClient, tenant: Tenant, url: str) -> None:
    r = client.put("/v1/webhooks", headers=tenant.admin, json={"url": url})
    error = assert_error(r, 422, "webhook_url_private")
    assert error["details"]["host"]
    assert client.get("/v1/webhooks", headers=tenant.admin).status_code == 404


def test_public_and_unresolvable_urls_are_accepted(client: TestClient, tenant: Tenant) -> None:
    for url in ("https://93.184.216.34/hook", "https://hooks.example/salama"):
        r = client.put("/v1/webhooks", headers=tenant.admin, json={"url": url})
        assert r.status_code == 200, r.text


def test_the_setting_allows_private_urls(
    make_client: Callable[..., TestClient], tenant: Tenant
) -> None:
    client = make_client(webhook_delivery=False, webhook_allow_private=True)
    r = client.put("/v1/webhooks", headers=tenant.admin, json={"url": "http://127.0.0.1:9/h"})
    assert r.status_code == 200, r.text


def test_every_address_of_a_name_must_be_public(monkeypatch: pytest.MonkeyPatch) -> None:
    def two(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(webhooks.socket, "getaddrinfo", two)
    with pytest.raises(InputError) as caught:
        check_url("https://mixed.example/h")
    assert caught.value.details == {
        "code": "webhook_url_private",
        "host": "mixed.example",
        "address": "10.0.0.7",
    }
    assert check_url("https://mixed.example/h", allow_private=True) == []


def test_public_address_rules() -> None:
    public = ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"]
    private = ["127.0.0.2", "169.254.169.254", "10.0.0.1", "::", "ff02::1", "192.0.0.1"]
    assert all(is_public_address(ipaddress.ip_address(a)) for a in public)
    assert not any(is_public_address(ipaddress.ip_address(a)) for a in private)


# --- at delivery: the name is resolved again --------------------------------------------------


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook()
    yield h
    h.close()


def _rebind_url(hook: Hook) -> str:
    """A URL on a name that does not resolve yet, on the hook's port."""
    return f"http://rebind.example:{urlsplit(hook.url).port}/salama"


def _rebound(monkeypatch: pytest.MonkeyPatch, hook: Hook) -> None:
    """rebind.example now resolves to this machine (it did not resolve when it was set)."""
    real = socket.getaddrinfo
    port = urlsplit(hook.url).port

    def lookup(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(webhooks.socket, "getaddrinfo", lookup)


def _queue_an_event(client: TestClient, t: Tenant, url: str) -> None:
    r = client.put("/v1/webhooks", headers=t.admin, json={"url": url})
    assert r.status_code == 200, r.text
    register(client, t, "mum", age_band="adult")
    register(client, t, "teen", birth_date=_born(15))
    assert accept(client, t, invite(client, t), "teen").status_code == 200


def test_a_name_that_resolves_to_a_private_address_is_not_delivered_to(
    client: TestClient, tenant: Tenant, store: Store, hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    _queue_an_event(client, tenant, _rebind_url(hook))
    _rebound(monkeypatch, hook)
    report = WebhookDeliverer(store).deliver_due()
    assert (report.delivered, report.failed) == (0, 1)
    assert hook.received == []
    (item,) = store.webhooks.outbox(tenant.id)
    assert item.delivered_at is None and item.last_error is not None
    assert item.last_error.startswith("refused:") and "127.0.0.1" in item.last_error


def test_allowed_private_delivery_connects_to_the_address_it_checked(
    client: TestClient, tenant: Tenant, store: Store, hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    _queue_an_event(client, tenant, _rebind_url(hook))
    _rebound(monkeypatch, hook)
    report = WebhookDeliverer(store, allow_private=True).deliver_due()
    assert (report.delivered, report.failed) == (1, 0)
    headers, _ = hook.received[0]
    # the URL's name in Host, the checked address on the wire
    assert headers["host"] == f"rebind.example:{urlsplit(hook.url).port}"

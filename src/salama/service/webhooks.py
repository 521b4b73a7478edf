"""Webhook delivery: POST each queued event (``webhook_outbox``) to the tenant's URL.

At least once: an event is marked delivered only after a 2xx answer; anything else (an error
status, a timeout, a refused connection) is retried with exponential backoff (10 s, 20 s, 40 s,
... at most 1 hour, 20 attempts in all, about 13 hours). The receiver must therefore accept the
same ``X-Salama-Event-Id`` twice. Several deliverers (API processes, ``salama webhooks
deliver``) may run at once: each claims an event (a conditional update) before sending it.

The body is ``FamilyEvent.to_dict()`` as compact JSON; ``X-Salama-Signature`` is
``sha256=<hex HMAC-SHA256 of the raw body with the webhook's secret>``.

URLs must reach the public internet (:func:`check_url`): private, loopback, link-local (cloud
metadata at 169.254.169.254), shared, multicast, reserved and unspecified addresses are refused,
unless ``allow_private`` (``SALAMA_WEBHOOK_ALLOW_PRIVATE``) says otherwise. The route checks a
URL when it is set (a literal address, or every address its name resolves to); each delivery
resolves the name again, checks every address, and connects to the address it checked (so a
name that re-resolves to an internal address between the check and the connection, DNS
rebinding, is not followed). Redirects are not followed either: a 3xx is a failed attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from salama import __version__
from salama.errors import InputError
from salama.store import Store
from salama.store.family import OutboxItem

__all__ = [
    "DeliveryThread",
    "WebhookDeliverer",
    "backoff",
    "check_url",
    "is_public_address",
    "resolve",
    "sign",
]

log = logging.getLogger("salama.webhooks")

MAX_ATTEMPTS = 20
BASE_DELAY = timedelta(seconds=10)
MAX_DELAY = timedelta(hours=1)
CLAIM_FOR = timedelta(seconds=60)


def sign(secret: str, body: bytes) -> str:
    """The ``X-Salama-Signature`` header value for ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt (1, 2, ...)."""
    delay: timedelta = BASE_DELAY * (2 ** max(0, min(attempts - 1, 20)))
    return min(MAX_DELAY, delay)


# Names that mean "this machine" or "the cloud's metadata service" whatever the resolver says.
_LOCAL_NAMES = ("localhost", "metadata", "metadata.google.internal", "instance-data")
_LOCAL_SUFFIXES = (".localhost", ".internal", ".local", ".home.arpa", ".localdomain")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public_address(address: Address) -> bool:
    """Whether ``address`` is on the public internet: not private, loopback, link-local,
    shared (100.64/10), multicast, reserved or unspecified (IPv4 inside IPv6 is unwrapped)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is not None:
            return is_public_address(inner)
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return False
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def _refused(message: str, host: str, address: str | None = None) -> InputError:
    details: dict[str, object] = {"code": "webhook_url_private", "host": host}
    if address is not None:
        details["address"] = address
    return InputError(message, details=details)


def _host_and_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise InputError("url must be an http(s) URL", details={"code": "invalid_url"})
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InputError("url has a bad port", details={"code": "invalid_url"}) from None
    return host, port


def resolve(host: str, port: int) -> list[Address]:
    """Every address ``host`` resolves to (a literal address is itself). Raises OSError when the
    name does not resolve."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[Address] = []
    for _family, _type, _proto, _name, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def check_url(
    url: str, *, allow_private: bool = False, must_resolve: bool = False
) -> list[Address]:
    """Refuse a webhook URL that reaches a non-public address: InputError (422)
    ``webhook_url_private`` with ``host`` (and ``address``). Checks the name itself (localhost,
    ``*.internal``, ...) and every address it resolves to. A name that does not resolve passes
    (the route cannot tell; the delivery checks again) unless ``must_resolve``, when it raises
    InputError ``webhook_unresolvable``. Returns the addresses found (none when unresolved)."""
    host, port = _host_and_port(url)
    if allow_private:
        return []
    if host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES):
        raise _refused(f"webhook host {host!r} is a local or internal name", host)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        if must_resolve:
            raise InputError(
                f"webhook host {host!r} does not resolve",
                details={"code": "webhook_unresolvable", "host": host},
            ) from None
        return []
    for address in addresses:
        if not is_public_address(address):
            raise _refused(
                f"webhook host {host!r} reaches {address}, a private or internal address; "
                "set SALAMA_WEBHOOK_ALLOW_PRIVATE=true to allow it",
                host,
                str(address),
            )
    return addresses


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to ``address`` (checked) while the Host header names the URL's host."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """As _PinnedHTTP, over TLS: the certificate is checked against the URL's host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


@dataclass
class Report:
    delivered: int = 0
    failed: int = 0


class WebhookDeliverer:
    """``allow_private``: deliver to private and internal addresses too
    (``SALAMA_WEBHOOK_ALLOW_PRIVATE``; refused by default, see the module docstring)."""

    def __init__(self, store: Store, *, timeout: float = 5.0, allow_private: bool = False) -> None:
        self.store = store
        self.timeout = timeout
        self.allow_private = allow_private

    def deliver_due(self, now: datetime | None = None, *, limit: int = 50) -> Report:
        """Try every event due at ``now`` once; how many were delivered and how many failed."""
        now = now or datetime.now(UTC)
        report = Report()
        for item in self.store.webhooks.due(now, limit=limit, max_attempts=MAX_ATTEMPTS):
            if not self.store.webhooks.claim(item, now + CLAIM_FOR):
                continue  # another deliverer has it
            if self._send(item, now):
                report.delivered += 1
            else:
                report.failed += 1
        return report

    def _send(self, item: OutboxItem, now: datetime) -> bool:
        hook = self.store.webhooks.get(item.tenant_id)
        if hook is None:
            self.store.webhooks.failed(item.id, "no webhook configured", now + MAX_DELAY)
            return False
        body = json.dumps(item.payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"salama-webhooks/{__version__}",
            "X-Salama-Event-Id": item.event_id,
            "X-Salama-Event": item.kind,
            "X-Salama-Signature": sign(hook.secret, body),
        }
        error: str
        try:
            status = self._post(hook.url, body, headers)
            if 200 <= status < 300:
                self.store.webhooks.delivered(item.id, datetime.now(UTC))
                return True
            error = f"HTTP {status}"
        except InputError as exc:
            error = f"refused: {exc}"
        except (OSError, ValueError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
        retry_at = datetime.now(UTC) + backoff(item.attempts + 1)
        log.warning("webhook %s to tenant %s failed: %s", item.event_id, item.tenant_id, error)
        self.store.webhooks.failed(item.id, error, retry_at)
        return False

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST ``body`` to ``url``; the answer's status. Resolves the host, checks every
        address (InputError ``webhook_url_private``), then connects to the first one checked."""
        host, port = _host_and_port(url)
        checked = check_url(url, must_resolve=True) if not self.allow_private else None
        addresses = checked or resolve(host, port)
        parts = urlsplit(url)
        kind = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
        conn = kind(host, port, str(addresses[0]), self.timeout)
        try:
            path = parts.path or "/"
            if parts.query:
                path += "?" + parts.query
            conn.request("POST", path, body=body, headers=headers)
            return int(conn.getresponse().status)
        finally:
            conn.close()


class DeliveryThread:
    """Runs :meth:`WebhookDeliverer.deliver_due` every ``interval`` seconds in a daemon thread
    (the API process starts one when ``SALAMA_WEBHOOK_DELIVERY`` is true)."""

    def __init__(self, store: Store, *, interval: float = 2.0, allow_private: bool = False) -> None:
        self.deliverer = WebhookDeliverer(store, allow_private=allow_private)
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="salama-webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.deliverer.deliver_due()
            except Exception:  # keep delivering after a database hiccup
                log.exception("webhook delivery round failed")
            self._stop.wait(self.interval)

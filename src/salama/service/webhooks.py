"""Webhook delivery: POST each queued event (``webhook_outbox``) to the tenant's URL.

At least once: an event is marked delivered only after a 2xx answer; anything else (an error
status, a timeout, a refused connection) is retried with exponential backoff (10 s, 20 s, 40 s,
... at most 1 hour, 20 attempts in all, about 13 hours). The receiver must therefore accept the
same ``X-Salama-Event-Id`` twice. Several deliverers (API processes, ``salama webhooks
deliver``) may run at once: each claims an event (a conditional update) before sending it.

The body is ``FamilyEvent.to_dict()`` as compact JSON; ``X-Salama-Signature`` is
``sha256=<hex HMAC-SHA256 of the raw body with the webhook's secret>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from salama import __version__
from salama.store import Store
from salama.store.family import OutboxItem

__all__ = ["DeliveryThread", "WebhookDeliverer", "backoff", "sign"]

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


@dataclass
class Report:
    delivered: int = 0
    failed: int = 0


class WebhookDeliverer:
    def __init__(self, store: Store, *, timeout: float = 5.0) -> None:
        self.store = store
        self.timeout = timeout

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
        request = urllib.request.Request(
            hook.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": f"salama-webhooks/{__version__}",
                "X-Salama-Event-Id": item.event_id,
                "X-Salama-Event": item.kind,
                "X-Salama-Signature": sign(hook.secret, body),
            },
        )
        error: str
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = int(response.status)
            if 200 <= status < 300:
                self.store.webhooks.delivered(item.id, datetime.now(UTC))
                return True
            error = f"HTTP {status}"
        except urllib.error.HTTPError as exc:
            error = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        retry_at = datetime.now(UTC) + backoff(item.attempts + 1)
        log.warning("webhook %s to tenant %s failed: %s", item.event_id, item.tenant_id, error)
        self.store.webhooks.failed(item.id, error, retry_at)
        return False


class DeliveryThread:
    """Runs :meth:`WebhookDeliverer.deliver_due` every ``interval`` seconds in a daemon thread
    (the API process starts one when ``SALAMA_WEBHOOK_DELIVERY`` is true)."""

    def __init__(self, store: Store, *, interval: float = 2.0) -> None:
        self.deliverer = WebhookDeliverer(store)
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

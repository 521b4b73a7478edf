"""Prometheus metrics: requests, latency, decisions by action and category.

Each app has its own registry (no global state: two apps in one test process do not collide).
The request metrics are recorded by an ASGI middleware labelled by the route's template
(``/v1/owners/{owner_id}/settings``), never the raw path, so that ids do not explode the series.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from salama.api.limits import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Metrics", "MetricsMiddleware"]

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    def __init__(self) -> None:
        # the *_created series only add noise to every scrape
        disable_created_metrics()  # type: ignore[no-untyped-call,unused-ignore]
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "salama_http_requests",
            "HTTP requests by method, route template and status.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "salama_http_request_duration_seconds",
            "HTTP request latency by route template.",
            ("route",),
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.decisions = Counter(
            "salama_decisions", "Decisions by action.", ("action",), registry=self.registry
        )
        self.categories = Counter(
            "salama_flagged_categories",
            "Texts flagged, by category (a text may count in several).",
            ("category",),
            registry=self.registry,
        )
        # Each labels() call takes a lock and builds a key; the children are few (routes,
        # statuses, actions, categories) and live as long as the registry, so keep them at hand.
        self._children: dict[tuple[Any, ...], Any] = {}

    def child(self, metric: Counter | Histogram, *labels: str) -> Any:
        """``metric.labels(*labels)``, looked up once per distinct labels."""
        key = (id(metric), *labels)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*labels)
        return found

    def decision(self, action: str, categories: Iterable[str]) -> None:
        self.child(self.decisions, action).inc()
        for category in categories:
            self.child(self.categories, category).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            metrics = self.metrics
            metrics.child(metrics.requests, scope["method"], template, str(status)).inc()
            metrics.child(metrics.latency, template).observe(time.perf_counter() - start)

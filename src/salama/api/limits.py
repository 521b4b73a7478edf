"""Limits at the edge: request body size (an ASGI middleware) and per-key rate limits.

The rate limit is a fixed one-minute window per API key: in Redis when ``SALAMA_REDIS_URL`` is
set (``INCR`` + ``EXPIRE`` in one round trip, so every API process shares the count), in process
otherwise. Over the limit: 429 with ``Retry-After``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

from salama.api.errors import error_body

__all__ = ["BodySizeLimit", "LocalRateLimiter", "RateLimiter", "RedisRateLimiter", "make_limiter"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

WINDOW_SECONDS = 60


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuses bodies over ``max_bytes`` with 413 ``body_too_large``, by Content-Length when
    given and by counting otherwise (chunked uploads), before the app reads any of it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await self._refuse(send, 400, "bad_request", "Content-Length is not a number")
                    return
                if declared > self.max_bytes:
                    await self._refuse(send, 413, "body_too_large", self._message())
                    return
        seen = 0
        too_large = False
        started = False

        async def counting_receive() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    too_large = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # The app may catch _TooLarge and answer 400 itself: answer 413 in its place.
            nonlocal started
            if too_large:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await self._refuse(send, 413, "body_too_large", self._message())
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _TooLarge:
            if not started:
                await self._refuse(send, 413, "body_too_large", self._message())

    def _message(self) -> str:
        return f"the request body is larger than {self.max_bytes} bytes"

    @staticmethod
    async def _refuse(send: Send, status: int, code: str, message: str) -> None:
        body = json.dumps(error_body(code, message)).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class RateLimiter(Protocol):
    limit: int

    def hit(self, key: str) -> tuple[bool, int]:
        """Count one request for ``key``; return (allowed, seconds until the window ends)."""
        ...


class LocalRateLimiter:
    """Per-process fixed windows. ``clock`` (seconds) is the time source; tests pin it."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self.clock = clock
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> tuple[bool, int]:
        now = self.clock()
        window = int(now // WINDOW_SECONDS)
        retry = WINDOW_SECONDS - int(now % WINDOW_SECONDS)
        with self._lock:
            current, count = self._counts.get(key, (window, 0))
            if current != window:
                count = 0
                if len(self._counts) > 100_000:
                    self._counts.clear()
            count += 1
            self._counts[key] = (window, count)
        return count <= self.limit, retry


# INCR, and EXPIRE on the window's first hit, in one round trip and atomically (a key never
# outlives its window by more than one window, even if a process dies between the two).
_HIT_SCRIPT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""


class RedisRateLimiter:
    """Fixed windows in Redis (key ``<prefix><api key id>:<window>``), shared by every process.

    Fails open (allows) if Redis is down, and says so in the log: a rate limit should not take
    the safety checks down with it. After a failure it does not ask Redis again for
    ``retry_after_error`` seconds, so that an outage costs one timeout per process and period,
    not one per request (the API calls ``hit`` on its event loop)."""

    def __init__(
        self,
        url: str,
        limit: int,
        clock: Callable[[], float] = time.time,
        *,
        prefix: str = "salama:rl:",
        retry_after_error: float = 5.0,
    ) -> None:
        import redis

        self.limit = limit
        self.clock = clock
        self.prefix = prefix
        self.retry_after_error = retry_after_error
        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._hit = self._redis.register_script(_HIT_SCRIPT)
        self._error = redis.RedisError
        self._down_until = 0.0  # time.monotonic() before which Redis is not asked

    def hit(self, key: str) -> tuple[bool, int]:
        now = self.clock()
        window = int(now // WINDOW_SECONDS)
        retry = WINDOW_SECONDS - int(now % WINDOW_SECONDS)
        if self._down_until and time.monotonic() < self._down_until:
            return True, retry
        try:
            count = int(self._hit(keys=[f"{self.prefix}{key}:{window}"], args=[2 * WINDOW_SECONDS]))
        except self._error as exc:
            self._down_until = time.monotonic() + self.retry_after_error
            logging.getLogger("salama.api").warning(
                "rate limit: Redis unavailable (%s); allowing every request for %.0f s",
                exc,
                self.retry_after_error,
            )
            return True, retry
        self._down_until = 0.0
        return count <= self.limit, retry

    def close(self) -> None:
        self._redis.close()


def make_limiter(limit: int, redis_url: str | None) -> RateLimiter | None:
    """The limiter for these settings, or None when ``limit`` is 0 (no limit)."""
    if limit <= 0:
        return None
    if redis_url:
        return RedisRateLimiter(redis_url, limit)
    return LocalRateLimiter(limit)

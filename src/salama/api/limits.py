"""Limits at the edge: request body size (an ASGI middleware) and per-key rate limits.

The rate limit is a fixed one-minute window per API key: in Redis when ``SALAMA_REDIS_URL`` is
set (every API process shares the count), in process otherwise. Over the limit: 429 with
``Retry-After``.

With Redis, a process adds its hits to the shared count in batches (see ``RedisRateLimiter``):
one round trip per ``batch_size(limit)`` hits instead of one per request, and every hit within
one batch of the limit goes to Redis at once. A batch is at most 1% of the limit, so with P
processes a window admits at most ``limit + (P - 1) * limit / 100`` requests; with a limit under
200 a minute the batch is 1 and every hit is counted in Redis before it is answered.
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


# INCRBY, and EXPIRE on the window's first hits, in one round trip and atomically (a key never
# outlives its window by more than one window, even if a process dies between the two).
_HIT_SCRIPT = """
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
if n == tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""
MAX_BATCH = 50  # hits a process may count before it adds them to Redis
SYNC_SECONDS = 1.0  # ... and the longest it waits to add them


def batch_size(limit: int, max_batch: int = MAX_BATCH) -> int:
    """Hits a process counts by itself before it adds them to the shared count: 1% of the
    limit, at least 1 and at most ``max_batch``."""
    return max(1, min(max_batch, limit // 100))


class _Window:
    __slots__ = ("number", "pending", "shared", "synced_at")

    def __init__(self, number: int, now: float) -> None:
        self.number = number
        self.shared = 0  # the shared count Redis last returned for this window
        self.pending = 0  # this process's hits not yet added to it
        self.synced_at = now


class RedisRateLimiter:
    """Fixed windows in Redis (key ``<prefix><api key id>:<window>``), shared by every process.

    Counted in batches: a process answers from the shared count Redis last returned plus its own
    hits since, and adds those to Redis (``INCRBY``, one round trip, which returns the new shared
    count) once they are ``batch_size(limit)``, once ``sync_seconds`` have passed, and on every
    hit that comes within one batch of the limit or over it. So a request costs a Redis round
    trip only once per batch, and each process may admit at most one batch of hits that the
    others have not seen yet (module docstring). With a batch of 1 (limits under 200 a minute)
    every hit is counted in Redis before it is answered.

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
        max_batch: int = MAX_BATCH,
        sync_seconds: float = SYNC_SECONDS,
    ) -> None:
        import redis

        self.limit = limit
        self.clock = clock
        self.prefix = prefix
        self.retry_after_error = retry_after_error
        self.batch = batch_size(limit, max_batch)
        self.sync_seconds = sync_seconds
        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._hit = self._redis.register_script(_HIT_SCRIPT)
        self._error = redis.RedisError
        self._down_until = 0.0  # time.monotonic() before which Redis is not asked
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> tuple[bool, int]:
        now = self.clock()
        number = int(now // WINDOW_SECONDS)
        retry = WINDOW_SECONDS - int(now % WINDOW_SECONDS)
        with self._lock:
            window = self._windows.get(key)
            if window is None or window.number != number:
                if len(self._windows) > 100_000:
                    self._windows.clear()
                window = self._windows[key] = _Window(number, now)
            window.pending += 1
            count = window.shared + window.pending
            if (
                window.pending < self.batch
                and count <= self.limit - self.batch
                and now - window.synced_at < self.sync_seconds
            ):
                return True, retry
            pending = window.pending
            window.pending = 0
        if self._down_until and time.monotonic() < self._down_until:
            return True, retry
        try:
            args = [2 * WINDOW_SECONDS, pending]
            shared = int(self._hit(keys=[f"{self.prefix}{key}:{number}"], args=args))
        except self._error as exc:
            self._down_until = time.monotonic() + self.retry_after_error
            logging.getLogger("salama.api").warning(
                "rate limit: Redis unavailable (%s); allowing every request for %.0f s",
                exc,
                self.retry_after_error,
            )
            return True, retry
        self._down_until = 0.0
        with self._lock:
            if window.number == number:
                window.shared = max(window.shared, shared)
                window.synced_at = now
            count = shared + window.pending
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

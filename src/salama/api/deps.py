"""What every route depends on: the app's state, the caller's key (auth) and its rate limit.

Auth: ``Authorization: Bearer <key>``. A key belongs to one tenant; every route scopes its reads
and writes to ``caller.tenant_id``. App keys call the checks and the owners' settings; admin
keys can do that too, plus policies, keys and the audit log. A checked key is trusted for
``auth_cache_seconds`` (revoking through this process forgets it at once).
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request

from salama.api.errors import ApiError
from salama.api.limits import RateLimiter
from salama.api.metrics import Metrics
from salama.config import Settings
from salama.service import CheckService
from salama.store import ApiKeyRecord, Store

__all__ = ["AdminCaller", "AppState", "Caller", "State", "actor_of", "authorize"]


@dataclass
class AppState:
    settings: Settings
    store: Store
    service: CheckService
    metrics: Metrics
    limiter: RateLimiter | None
    extras: dict[str, Any] = field(default_factory=dict)  # other services, by name
    _keys: dict[str, tuple[float, ApiKeyRecord]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def authenticate(self, secret: str) -> ApiKeyRecord | None:
        digest = hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
        now = time.monotonic()
        hit = self._keys.get(digest)
        if hit is not None and hit[0] > now:
            return hit[1]
        record = self.store.tenants.authenticate(secret)
        ttl = self.settings.auth_cache_seconds
        if record is not None and ttl > 0:
            with self._lock:
                if len(self._keys) > 10_000:
                    self._keys.clear()
                self._keys[digest] = (now + ttl, record)
        return record

    def forget_key(self, key_id: str) -> None:
        with self._lock:
            for digest, (_, record) in list(self._keys.items()):
                if record.id == key_id:
                    del self._keys[digest]


# The dependencies are ``async def``: FastAPI runs a plain ``def`` dependency in a worker thread,
# and those hand-offs cost more than the work (a dict lookup, and a store read once per key and
# ``auth_cache_seconds``). Routes that are ``def`` still run in a thread; these do not.
async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.salama
    return state


State = Annotated[AppState, Depends(get_state)]


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def authorize(state: AppState, header: str | None) -> ApiKeyRecord:
    """The key named by an ``Authorization`` header, counted against its rate limit. Raises
    ApiError: 401 ``unauthorized`` (missing, malformed, unknown or revoked), 429 ``rate_limited``.
    """
    if not header:
        raise _unauthorized("missing Authorization: Bearer <api key>")
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret or len(secret) > 200:
        raise _unauthorized("the Authorization header must be 'Bearer <api key>'")
    record = state.authenticate(secret)
    if record is None:
        raise _unauthorized("unknown or revoked API key")
    if state.limiter is not None:
        allowed, retry = state.limiter.hit(record.id)
        if not allowed:
            raise ApiError(
                429,
                "rate_limited",
                f"more than {state.limiter.limit} requests this minute for this key",
                {"limit_per_minute": state.limiter.limit, "retry_after_s": retry},
                headers={"Retry-After": str(retry)},
            )
    return record


async def get_caller(request: Request) -> ApiKeyRecord:
    # The state comes from the app, not from the State dependency: FastAPI's resolution of each
    # dependency costs more than this whole function (measured: about 15 us a dependency).
    state: AppState = request.app.state.salama
    return authorize(state, request.headers.get("authorization"))


async def get_admin(caller: Annotated[ApiKeyRecord, Depends(get_caller)]) -> ApiKeyRecord:
    if caller.role != "admin":
        raise ApiError(403, "admin_required", "this route needs an admin key")
    return caller


Caller = Annotated[ApiKeyRecord, Depends(get_caller)]
AdminCaller = Annotated[ApiKeyRecord, Depends(get_admin)]


def actor_of(caller: ApiKeyRecord, on_behalf_of: str | None = None) -> str:
    """How the audit log names who acted: the key (by its public prefix), and the host app's
    user when the app acts for one."""
    base = f"{caller.role}-key:{caller.prefix}"
    return base if on_behalf_of is None else f"{base}/user:{on_behalf_of}"

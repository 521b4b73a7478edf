"""Screen time as a service: the flows that join :mod:`salama.wellbeing` to the store (and,
optionally, Redis). Transport-free; the HTTP routes in ``salama.api.routes.usage`` are thin.

Ingestion (``ingest``): admit (clamp client clocks) -> one transaction per batch with an
idempotent insert -> commit -> only then the answer. After the commit the touched users'
generations are bumped (Redis: one round trip for the batch); nothing is recomputed there: the
next status recomputes the day, once per generation.

The hot path (``astatus``): per user, a *generation* that every write of a status input bumps
after its commit (ingestion, limits, unlocks and approvals here; the user's record through
``invalidate_user``; the family's pairings and controls through ``usage_changed``, see
``controls_provider``), and in each process a *snapshot* of what the status needs but the clock
(the user, the limits in force with the family's controls applied, today's unlocks, the union
of today's intervals), taken under a generation and valid for one local day. A status reads the
generation (with Redis: one round trip, so every API process agrees; without: this process's),
uses the snapshot when it was taken under it, and computes the answer from the clock: no SQL.
Without Redis another process's writes cannot bump this one's generation, so a snapshot (and
a cached day) also expires after ``cache_seconds``. The day's union is cached under the
generation too (in Redis, shared by the processes: the events are scanned once per
generation); its write is conditional on the generation it was computed under.

Extension points for the family controls (kept out of this file on purpose):

- ``controls_provider(tenant_id, user, limits) -> Limits | None``: given the user's own limits
  (band defaults plus their overrides), return the limits a parent set, or None to keep them;
- ``parent_check(tenant_id, parent_id, teen_id) -> bool``: whether ``parent_id`` is paired with
  ``teen_id`` (default: nobody is; parent unlocks are refused with ``not_paired``).

Both are constructor arguments and plain attributes (``service.parent_check = ...``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, Protocol

import anyio.to_thread

from salama.errors import ConflictError, InputError, NotFoundError
from salama.family.attempts import UNLOCK_ATTEMPTS
from salama.service.users import band_of
from salama.store import Store, UserRecord
from salama.store.usage import (
    NewUsageEvent,
    UnlockRecord,
    UnlockRequestRecord,
    UsageEventRecord,
    ZoneChangeRecord,
)
from salama.wellbeing import (
    Event,
    Heartbeat,
    Interval,
    Limits,
    SessionEvent,
    SleepWindow,
    Unlock,
    ZoneChange,
    ZoneHistory,
    ZoneLike,
    admit,
    approve,
    change_zone,
    day_bounds,
    device_intervals,
    fetch_window,
    hash_passcode,
    limits_for,
    local_date,
    request_approval,
    status,
    summary_chart,
    union,
    unlock_methods,
    unlock_with_passcode,
    usage_at,
    weekly_summary,
)
from salama.wellbeing.limits import DEFAULT, Default
from salama.wellbeing.summary import WeeklySummary
from salama.wellbeing.unlocks import SCRYPT_LOG_N, ApprovalRequest, check_passcode
from salama.wellbeing.zones import as_history

__all__ = [
    "MAX_BATCH",
    "ControlsProvider",
    "IncomingEvent",
    "ParentCheck",
    "UsageService",
    "band_of",
]

MAX_BATCH = 500
LIMIT_KEYS = ("daily_minutes", "weekdays", "break_after", "sleep")
ZONE_HISTORY_DAYS = 16  # two weekly summaries back, and a day of slack
_TICK = timedelta(microseconds=1)


def _history(current: str, changes: Sequence[ZoneChangeRecord]) -> ZoneLike:
    """``current`` with the recorded ``changes`` (oldest first) as a ZoneHistory, or just
    ``current`` when there are none or they do not end in it."""
    if not changes or changes[-1].to_zone != current:
        return current
    return ZoneHistory(changes[0].from_zone, [ZoneChange(c.at, c.to_zone) for c in changes])


def zone_key(tz: ZoneLike) -> str:
    """A short stable text for a zone or a zone history (part of the day cache's keys)."""
    if not isinstance(tz, ZoneHistory):
        return str(tz)
    moves = ",".join(f"{int(c.at.timestamp())}>{c.zone}" for c in tz.changes)
    return f"{tz.initial}@{moves}"


ControlsProvider = Callable[[str, UserRecord, Limits], Limits | None]
ParentCheck = Callable[[str, str, str], bool]


def _nobody_is_paired(_tenant_id: str, _parent_id: str, _teen_id: str) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class IncomingEvent:
    """One heartbeat or session event as the API received it (``at`` aware)."""

    user_id: str
    device_id: str
    at: datetime
    key: str
    foreground: bool = True
    session: Literal["start", "stop"] | None = None

    def to_core(self) -> Event:
        if self.session is not None:
            return SessionEvent(self.user_id, self.device_id, self.at, self.session, self.key)
        return Heartbeat(self.user_id, self.device_id, self.at, self.foreground, self.key)


# --- the day cache ---------------------------------------------------------------------------

Spans = list[tuple[float, float]]  # union intervals as POSIX seconds


class DayCache(Protocol):
    """Per user: a *generation* that every write of a status input changes (after its commit),
    and the union of a day's intervals computed under a generation. ``shared``: whether the
    generation is shared by every process (Redis) or this process's own."""

    shared: bool

    def generation(self, tenant_id: str, user_id: str) -> int:
        """The user's current generation (0 when none was ever set)."""
        ...

    async def agen(self, tenant_id: str, user_id: str) -> int:
        """:meth:`generation` for the event loop (Redis: one asynchronous round trip)."""
        ...

    def get(self, tenant_id: str, user_id: str, field: str) -> tuple[int, Spans | None]:
        """The user's current generation and the entry ``field`` if computed under it."""
        ...

    def put(self, tenant_id: str, user_id: str, field: str, gen: int, spans: Spans) -> None:
        """Store ``spans`` unless the generation moved on from ``gen``."""
        ...

    def bump(self, tenant_id: str, user_id: str) -> int:
        """Invalidate every entry of the user; returns the new generation."""
        ...

    def bump_many(self, tenant_id: str, user_ids: Sequence[str]) -> None:
        """:meth:`bump` for several users (Redis: one round trip)."""
        ...

    def close(self) -> None: ...


class LocalDayCache:
    """In-process: a generation and entries per user; entries expire after ``ttl`` seconds."""

    shared = False

    def __init__(self, ttl: float = 5.0, max_users: int = 50_000) -> None:
        self.ttl = ttl
        self.max_users = max_users
        self._lock = threading.Lock()
        self._users: dict[tuple[str, str], tuple[int, dict[str, tuple[float, Spans]]]] = {}

    def generation(self, tenant_id: str, user_id: str) -> int:
        entry = self._users.get((tenant_id, user_id))
        return 0 if entry is None else entry[0]

    async def agen(self, tenant_id: str, user_id: str) -> int:
        return self.generation(tenant_id, user_id)

    def get(self, tenant_id: str, user_id: str, field: str) -> tuple[int, Spans | None]:
        entry = self._users.get((tenant_id, user_id))
        if entry is None:
            return 0, None
        gen, fields = entry
        hit = fields.get(field)
        if hit is None or hit[0] < time.monotonic():
            return gen, None
        return gen, hit[1]

    def put(self, tenant_id: str, user_id: str, field: str, gen: int, spans: Spans) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._users) > self.max_users:
                self._users.clear()
            current, fields = self._users.get((tenant_id, user_id), (0, {}))
            if current != gen:
                return
            fields = {**fields, field: (time.monotonic() + self.ttl, spans)}
            self._users[(tenant_id, user_id)] = (gen, fields)

    def bump(self, tenant_id: str, user_id: str) -> int:
        with self._lock:
            current, _ = self._users.get((tenant_id, user_id), (0, {}))
            self._users[(tenant_id, user_id)] = (current + 1, {})
            return current + 1

    def bump_many(self, tenant_id: str, user_ids: Sequence[str]) -> None:
        for user_id in user_ids:
            self.bump(tenant_id, user_id)

    def close(self) -> None:
        self._users.clear()


_PUT_IF_GEN = """
if (redis.call('HGET', KEYS[1], 'gen') or '0') == ARGV[1] then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  return 1
end
return 0
"""


def _command(*parts: str | bytes | int) -> bytes:
    """One command in RESP, the protocol Redis speaks."""
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        raw = part if isinstance(part, bytes) else str(part).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(raw), raw))
    return b"".join(out)


class _Pipelined(asyncio.Protocol):
    """The hot path's Redis client: one TCP connection per event loop, every request written at
    once and the replies matched in order (Redis answers a connection's commands in the order
    sent), so concurrent requests share the connection with no pool and no lock. It parses
    the replies the hot path needs only (simple and bulk strings, integers, errors).

    Why not redis.asyncio: measured in process, its HGET cost about 150 us of CPU per status
    (connection pool, packing, parsing) against about 30 us here, on a route whose other work
    is about 200 us. Anything else (TLS, Unix sockets) goes through redis.asyncio."""

    def __init__(self) -> None:
        self.transport: Any = None  # asyncio.Transport, or uvloop's
        self.waiting: deque[asyncio.Future[Any]] = deque()
        self._buf = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # uvloop's is no asyncio.Transport subclass

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        while self.waiting:
            fut = self.waiting.popleft()
            if not fut.done():
                fut.set_exception(ConnectionError(f"Redis connection lost: {exc}"))

    def data_received(self, data: bytes) -> None:
        buf = self._buf
        buf += data
        pos = 0
        while True:
            end = buf.find(b"\r\n", pos)
            if end < 0:
                break
            kind = buf[pos]
            value: Any
            if kind == 36:  # $: bulk string
                size = int(buf[pos + 1 : end])
                if size < 0:
                    value, nxt = None, end + 2
                else:
                    if len(buf) < end + 4 + size:
                        break
                    value, nxt = bytes(buf[end + 2 : end + 2 + size]), end + 4 + size
            elif kind == 43:  # +: simple string
                value, nxt = bytes(buf[pos + 1 : end]), end + 2
            elif kind == 58:  # :: integer
                value, nxt = int(buf[pos + 1 : end]), end + 2
            elif kind == 45:  # -: error
                value, nxt = RuntimeError(buf[pos + 1 : end].decode(errors="replace")), end + 2
            else:
                if self.transport is not None:
                    self.transport.abort()  # a reply this client does not expect: start over
                return
            pos = nxt
            if self.waiting:
                fut = self.waiting.popleft()
                if not fut.done():  # done: its caller timed out
                    if isinstance(value, Exception):
                        fut.set_exception(value)
                    else:
                        fut.set_result(value)
        del buf[:pos]

    def send(self, command: bytes) -> asyncio.Future[Any]:
        fut = asyncio.get_running_loop().create_future()
        assert self.transport is not None
        self.waiting.append(fut)
        self.transport.write(command)
        return fut


class _AsyncRedis:
    """``hget`` for the event loop, over :class:`_Pipelined` (plain TCP URLs) or redis.asyncio."""

    def __init__(self, url: str, timeout: float) -> None:
        from redis.connection import parse_url

        self.url = url
        self.timeout = timeout
        self._params: dict[str, Any] = parse_url(url)  # type: ignore[no-untyped-call]
        self._plain = "connection_class" not in self._params and "path" not in self._params
        self._fallback: Any = None
        self._conn: _Pipelined | None = None
        self._connecting: asyncio.Future[_Pipelined] | None = None

    async def _connect(self) -> _Pipelined:
        if self._connecting is not None:  # another request is connecting: wait for it
            return await asyncio.shield(self._connecting)
        loop = asyncio.get_running_loop()
        self._connecting = loop.create_future()
        try:
            _, conn = await asyncio.wait_for(
                loop.create_connection(
                    _Pipelined,
                    str(self._params.get("host", "localhost")),
                    int(self._params.get("port", 6379)),
                ),
                self.timeout,
            )
            setup = []
            password = self._params.get("password")
            if password is not None:
                user = self._params.get("username")
                auth = _command("AUTH", user, password) if user else _command("AUTH", password)
                setup.append(conn.send(auth))
            if self._params.get("db"):
                setup.append(conn.send(_command("SELECT", self._params["db"])))
            for fut in setup:
                await asyncio.wait_for(fut, self.timeout)
        except BaseException as exc:
            self._connecting.set_exception(exc)
            self._connecting.exception()  # retrieved: no "never retrieved" warning
            self._connecting = None
            raise
        self._conn = conn
        self._connecting.set_result(conn)
        self._connecting = None
        return conn

    async def hget(self, key: str, field: str) -> bytes | None:
        if not self._plain:
            if self._fallback is None:
                import redis.asyncio

                self._fallback = redis.asyncio.Redis.from_url(
                    self.url, socket_timeout=self.timeout, socket_connect_timeout=self.timeout
                )
            value: bytes | None = await self._fallback.hget(key, field)
            return value
        conn = self._conn
        if conn is None or conn.transport is None:
            conn = await self._connect()
        result: bytes | None = await asyncio.wait_for(
            conn.send(_command("HGET", key, field)), self.timeout
        )
        return result

    async def aclose(self) -> None:
        if self._conn is not None and self._conn.transport is not None:
            self._conn.transport.close()
        if self._fallback is not None:
            await self._fallback.aclose()


def _new_generation() -> int:
    # Random, not a counter: if the hash is lost (expired, Redis restarted empty), a counter
    # would start again at 1 and could meet a process's snapshot of an old generation 1.
    return secrets.randbits(62) + 1


_REDIS_DOWN = (ConnectionError, TimeoutError, OSError)  # + redis.RedisError, added at init


class RedisDayCache:
    """In Redis: one hash per user, ``salama:usage:<tenant>:<user>``, with the generation in
    field ``gen`` (a random number, new at each write) and each day's union as
    ``<day>|<zone>`` = ``<gen>|<json>``. Expires 3 days after its last write (the database
    stays the source of truth). The hot path reads ``gen`` with :meth:`agen` (one pipelined
    client per event loop); the writes use the blocking client (they run in threads).

    **When Redis is down** the status still answers, from the database: a failed read returns
    a fresh random generation (it matches no snapshot, so the status is computed from the
    events) and no cached union; a failed write is skipped. Redis is then not asked again for
    ``retry_after_error`` seconds, so an outage costs one timeout per process and period, not
    one per request; it is logged. A bump lost in the outage leaves other processes' snapshots
    stale for at most their age limit (``snapshot_seconds``, 60 s with Redis)."""

    EXPIRE_S = 3 * 24 * 3600
    shared = True

    def __init__(self, url: str, *, retry_after_error: float = 5.0) -> None:
        import redis

        self.url = url
        self.retry_after_error = retry_after_error
        self._errors: tuple[type[BaseException], ...] = (*_REDIS_DOWN, redis.RedisError)
        self._down_until = 0.0  # time.monotonic() before which Redis is not asked
        self._redis = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._put = self._redis.register_script(_PUT_IF_GEN)
        self._aredis: _AsyncRedis | None = None
        self._aloop: asyncio.AbstractEventLoop | None = None

    @staticmethod
    def _key(tenant_id: str, user_id: str) -> str:
        return f"salama:usage:{tenant_id}:{user_id}"

    @property
    def down(self) -> bool:
        """Whether Redis failed less than ``retry_after_error`` seconds ago."""
        return bool(self._down_until) and time.monotonic() < self._down_until

    def _failed(self, exc: BaseException) -> None:
        self._down_until = time.monotonic() + self.retry_after_error
        logging.getLogger("salama.usage").warning(
            "screen time: Redis unavailable (%s); statuses computed from the database for %.0f s",
            exc,
            self.retry_after_error,
        )

    def generation(self, tenant_id: str, user_id: str) -> int:
        if self.down:
            return _new_generation()
        try:
            return int(self._redis.hget(self._key(tenant_id, user_id), "gen") or 0)
        except self._errors as exc:
            self._failed(exc)
            return _new_generation()

    async def agen(self, tenant_id: str, user_id: str) -> int:
        if self.down:
            return _new_generation()
        loop = asyncio.get_running_loop()
        if self._aloop is not loop:  # a connection belongs to the loop it was made on
            self._aredis = _AsyncRedis(self.url, timeout=1.0)
            self._aloop = loop
        assert self._aredis is not None
        try:
            return int(await self._aredis.hget(self._key(tenant_id, user_id), "gen") or 0)
        except self._errors as exc:
            self._failed(exc)
            return _new_generation()

    def get(self, tenant_id: str, user_id: str, field: str) -> tuple[int, Spans | None]:
        if self.down:
            return _new_generation(), None
        try:
            raw_gen, raw = self._redis.hmget(self._key(tenant_id, user_id), ["gen", field])
        except self._errors as exc:
            self._failed(exc)
            return _new_generation(), None
        gen = int(raw_gen or 0)
        if raw is None:
            return gen, None
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        stored_gen, _, payload = text.partition("|")
        if int(stored_gen) != gen:
            return gen, None
        return gen, [(float(a), float(b)) for a, b in json.loads(payload)]

    def put(self, tenant_id: str, user_id: str, field: str, gen: int, spans: Spans) -> None:
        if self.down:
            return
        payload = f"{gen}|{json.dumps(spans, separators=(',', ':'))}"
        try:
            self._put(
                keys=[self._key(tenant_id, user_id)], args=[gen, field, payload, self.EXPIRE_S]
            )
        except self._errors as exc:
            self._failed(exc)

    def bump(self, tenant_id: str, user_id: str) -> int:
        gen = _new_generation()
        self._bump([(tenant_id, user_id, gen)])
        return gen

    def bump_many(self, tenant_id: str, user_ids: Sequence[str]) -> None:
        self._bump([(tenant_id, user_id, _new_generation()) for user_id in user_ids])

    def _bump(self, items: Sequence[tuple[str, str, int]]) -> None:
        """Set new generations (the write they follow has committed). Tried even while Redis is
        thought down: a lost bump is what leaves other processes stale."""
        if not items:
            return
        pipe = self._redis.pipeline(transaction=len(items) == 1)
        for tenant_id, user_id, gen in items:
            key = self._key(tenant_id, user_id)
            pipe.hset(key, "gen", gen)
            pipe.expire(key, self.EXPIRE_S)
        try:
            pipe.execute()
        except self._errors as exc:
            self._failed(exc)

    def close(self) -> None:
        self._redis.close()
        client, loop = self._aredis, self._aloop
        self._aredis = self._aloop = None
        if client is not None and loop is not None and not loop.is_closed():
            # on its own loop (close may be called from another thread); a loop that no
            # longer runs takes the connection with it
            loop.call_soon_threadsafe(lambda: loop.create_task(client.aclose()))


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """Everything a status needs but the clock, for one user and local day, as read under
    generation ``gen``; trusted until ``expires`` (monotonic seconds)."""

    gen: int
    day: date
    tz: ZoneLike
    user: UserRecord
    limits: Limits
    unlocks: tuple[Unlock, ...]
    spans: tuple[Interval, ...]
    expires: float


# --- the service -----------------------------------------------------------------------------


def _unlock(record: UnlockRecord) -> Unlock:
    return Unlock(
        user=record.user_id,
        by=record.granted_by,
        at=record.at,
        method=record.method,  # type: ignore[arg-type]
        minutes=record.minutes,
        rest_of_day=record.rest_of_day,
        minutes_used_at_grant=record.minutes_used_at_grant,
    )


def _core_event(record: UsageEventRecord) -> Event:
    if record.kind == "session":
        kind: Literal["start", "stop"] = "start" if record.foreground else "stop"
        return SessionEvent(record.user_id, record.device_id, record.at, kind, record.key)
    return Heartbeat(record.user_id, record.device_id, record.at, record.foreground, record.key)


def _error(code: str, message: str, **details: Any) -> InputError:
    return InputError(message, details={"code": code, **details})


class UsageService:
    SHARED_SNAPSHOT_SECONDS = 60.0
    MAX_SNAPSHOTS = 50_000

    def __init__(
        self,
        store: Store,
        *,
        redis_url: str | None = None,
        controls_provider: ControlsProvider | None = None,
        parent_check: ParentCheck | None = None,
        clock: Callable[[], datetime] | None = None,
        cache_seconds: float = 5.0,
        passcode_log_n: int = SCRYPT_LOG_N,
    ) -> None:
        self.store = store
        self._snapshots: dict[tuple[str, str], _Snapshot] = {}
        self._controls_provider: ControlsProvider | None = None
        self.controls_provider = controls_provider
        self.parent_check: ParentCheck = parent_check or _nobody_is_paired
        self.clock = clock or (lambda: datetime.now(UTC))
        self.passcode_log_n = passcode_log_n
        self.cache: DayCache = (
            RedisDayCache(redis_url) if redis_url else LocalDayCache(cache_seconds)
        )
        # With Redis every write's bump reaches every process: the snapshot's lifetime only
        # bounds the harm of a bump lost (a process dying between a commit and its bump, Redis
        # emptied). Without, another process's writes are seen after ``cache_seconds``.
        self.snapshot_seconds = self.SHARED_SNAPSHOT_SECONDS if redis_url else cache_seconds

    @property
    def controls_provider(self) -> ControlsProvider | None:
        """The family controls (see the module docstring). Setting it forgets the cached
        statuses; when it is a bound method of an object with a ``usage_changed`` attribute
        (``FamilyService.usage_limits``), that attribute is pointed at :meth:`invalidate_user`,
        so that the family's writes (pairing, controls, unpairing, age-out) reach the cache."""
        return self._controls_provider

    @controls_provider.setter
    def controls_provider(self, provider: ControlsProvider | None) -> None:
        self._controls_provider = provider
        owner = getattr(provider, "__self__", None)
        if owner is not None and hasattr(owner, "usage_changed"):
            owner.usage_changed = self.invalidate_user
        self._snapshots.clear()

    def close(self) -> None:
        self._snapshots.clear()
        self.cache.close()

    def invalidate_user(self, tenant_id: str, user_id: str) -> None:
        """Call after committing any write that changes a status input of the user (the user
        record, limits, unlocks, family controls or pairings, usage events): every process's
        cached status of the user is recomputed on its next read."""
        self.cache.bump(tenant_id, user_id)
        self._snapshots.pop((tenant_id, user_id), None)

    # -- users and limits --------------------------------------------------------------------

    def user(self, tenant_id: str, user_id: str) -> UserRecord:
        user = self.store.users.get(tenant_id, user_id)
        if user is None:
            raise NotFoundError("no such user", details={"user_id": user_id})
        return user

    def own_limits(
        self, user: UserRecord, overrides: Mapping[str, Any] | None, now: datetime
    ) -> Limits:
        """The band's defaults with the user's stored overrides."""
        args: dict[str, Any] = {}
        for key in LIMIT_KEYS:
            if overrides is None or key not in overrides:
                continue
            value = overrides[key]
            if key == "sleep":
                value = None if value is None else SleepWindow.parse(value)
            args[key] = value
        daily: int | Default | None = args.pop("daily_minutes", DEFAULT)
        return limits_for(band_of(user, now), daily_minutes=daily, **args)

    def limits_for_user(
        self, tenant_id: str, user: UserRecord, *, now: datetime | None = None
    ) -> Limits:
        """The limits in force for ``user``: the band's defaults, the user's own overrides
        (``usage_limits``), then whatever ``controls_provider`` returns (a parent's controls)."""
        stored = self.store.usage.get_limits(tenant_id, user.user_id)
        return self._limits(tenant_id, user, None if stored is None else stored.settings, now)

    def _limits(
        self,
        tenant_id: str,
        user: UserRecord,
        overrides: Mapping[str, Any] | None,
        now: datetime | None,
    ) -> Limits:
        limits = self.own_limits(user, overrides, now or self.clock())
        if self.controls_provider is not None:
            override = self.controls_provider(tenant_id, user, limits)
            if override is not None:
                limits = override
        return limits

    def get_limits(self, tenant_id: str, user_id: str) -> dict[str, Any]:
        user = self.user(tenant_id, user_id)
        stored = self.store.usage.get_limits(tenant_id, user_id)
        return {
            "user_id": user_id,
            "overrides": {} if stored is None else stored.settings,
            "limits": self.limits_for_user(tenant_id, user).to_dict(),
        }

    def put_limits(
        self, tenant_id: str, user_id: str, overrides: Mapping[str, Any], *, actor: str
    ) -> dict[str, Any]:
        user = self.user(tenant_id, user_id)
        clean = {k: overrides[k] for k in LIMIT_KEYS if k in overrides}
        self.own_limits(user, clean, self.clock())  # InputError when a value breaks a rule
        self.store.usage.put_limits(tenant_id, user_id, clean)
        self.invalidate_user(tenant_id, user_id)
        self.store.audit.append(
            tenant_id,
            actor=actor,
            action="usage.limits.put",
            target=f"user:{user_id}",
            details={"keys": sorted(clean)},
        )
        return self.get_limits(tenant_id, user_id)

    # -- ingestion ---------------------------------------------------------------------------

    def ingest(self, tenant_id: str, items: Sequence[IncomingEvent]) -> dict[str, Any]:
        """Admit, store (one transaction), and answer only after the commit."""
        if len(items) > MAX_BATCH:
            raise _error("too_many_events", f"at most {MAX_BATCH} events per call")
        now = self.clock()
        kept: list[tuple[int, Event]] = []
        adjusted: list[dict[str, Any]] = []
        for index, item in enumerate(items):
            result = admit([item.to_core()], now)
            for note in result.adjustments:
                adjusted.append({"index": index, **note.to_dict()})
            kept.extend((index, e) for e in result.events)
        added = self.store.usage.add_events(
            tenant_id,
            [
                NewUsageEvent(
                    e.user,
                    e.device,
                    e.key,
                    e.at,
                    e.is_foreground,
                    "session" if isinstance(e, SessionEvent) else "heartbeat",
                )
                for _, e in kept
            ],
        )
        # committed: now the caches (the next status recomputes the day, once per generation)
        touched = sorted({kept[i][1].user for i in added.inserted})
        if touched:
            self.cache.bump_many(tenant_id, touched)
            for user_id in touched:
                self._snapshots.pop((tenant_id, user_id), None)
        return {
            "accepted": len(added.inserted),
            "duplicates": len(added.duplicates),
            "rejected": [{"index": kept[i][0], "code": "unknown_user"} for i in added.unknown_user],
            "adjusted": adjusted,
        }

    def _field(self, day: date, tz: ZoneLike) -> str:
        return f"{day.isoformat()}|{zone_key(tz)}"

    def _compute_day(
        self, tenant_id: str, user_id: str, day: date, tz: ZoneLike, gen: int
    ) -> list[Interval]:
        start, end = fetch_window(day, tz)
        # a run of use going on at midnight: read a little further back for continuous minutes
        records = self.store.usage.events(tenant_id, user_id, start - timedelta(hours=1), end)
        spans = union(device_intervals(_core_event(r) for r in records))
        self.cache.put(
            tenant_id,
            user_id,
            self._field(day, tz),
            gen,
            [(iv.start.timestamp(), iv.end.timestamp()) for iv in spans],
        )
        return spans

    def day_intervals(
        self, tenant_id: str, user_id: str, day: date, tz: ZoneLike
    ) -> list[Interval]:
        """The union of the user's use around local ``day`` (cached)."""
        gen, spans = self.cache.get(tenant_id, user_id, self._field(day, tz))
        if spans is not None:
            return [
                Interval(datetime.fromtimestamp(a, UTC), datetime.fromtimestamp(b, UTC))
                for a, b in spans
            ]
        return self._compute_day(tenant_id, user_id, day, tz, gen)

    # -- status ------------------------------------------------------------------------------

    def status(self, tenant_id: str, user_id: str) -> dict[str, Any]:
        """The status now (see :meth:`astatus`), for callers outside an event loop."""
        now = self.clock()
        gen = self.cache.generation(tenant_id, user_id)
        snap = self._fresh(tenant_id, user_id, gen, now) or self._snapshot(
            tenant_id, user_id, gen, now
        )
        return self._answer(snap, now)

    async def astatus(self, tenant_id: str, user_id: str) -> dict[str, Any]:
        """The status now. Hot path: the user's generation (Redis: one round trip; without:
        this process's) and this process's snapshot of the user's day taken under it; no SQL.
        On a miss (a write since, a new local day, the snapshot's age) the snapshot is taken
        again in a worker thread: user, overrides and unlocks in one read, the family
        controls, and the day's union (Redis: shared by the processes, scanned once per
        generation)."""
        now = self.clock()
        gen = await self.cache.agen(tenant_id, user_id)
        snap = self._fresh(tenant_id, user_id, gen, now)
        if snap is None:
            snap = await anyio.to_thread.run_sync(self._snapshot, tenant_id, user_id, gen, now)
        return self._answer(snap, now)

    def _fresh(self, tenant_id: str, user_id: str, gen: int, now: datetime) -> _Snapshot | None:
        snap = self._snapshots.get((tenant_id, user_id))
        if snap is None or snap.gen != gen or snap.expires < time.monotonic():
            return None
        if local_date(now, snap.tz) != snap.day:
            return None  # a new day: new band, controls (age-out), limit, unlocks
        return snap

    def _snapshot(self, tenant_id: str, user_id: str, gen: int, now: datetime) -> _Snapshot:
        """Read everything but the clock, under ``gen`` (read before any of it: a write
        committed after that read changes the generation, so this snapshot is not used
        again)."""
        # unlocks of the last two days cover today's local date in any zone (filtered below)
        user, overrides, records = self.store.usage.status_inputs(
            tenant_id, user_id, now - timedelta(days=2)
        )
        if user is None:
            raise NotFoundError("no such user", details={"user_id": user_id})
        tz = self.zones_of(tenant_id, user)
        day = local_date(now, tz)
        snap = _Snapshot(
            gen=gen,
            day=day,
            tz=tz,
            user=user,
            limits=self._limits(tenant_id, user, overrides, now),
            unlocks=tuple(u for u in map(_unlock, records) if local_date(u.at, tz) == day),
            spans=tuple(self.day_intervals(tenant_id, user_id, day, tz)),
            expires=time.monotonic() + self.snapshot_seconds,
        )
        if self.snapshot_seconds > 0:
            if len(self._snapshots) >= self.MAX_SNAPSHOTS:
                self._snapshots.clear()
            self._snapshots[(tenant_id, user_id)] = snap
        return snap

    @staticmethod
    def _answer(snap: _Snapshot, now: datetime) -> dict[str, Any]:
        usage = usage_at(snap.spans, now, snap.tz)
        return status(
            limits=snap.limits,
            minutes_used=usage.minutes_used,
            continuous_minutes=usage.continuous_minutes,
            unlocks=snap.unlocks,
            now=now,
            tz=snap.tz,
        ).to_dict()

    def _minutes_used(self, tenant_id: str, user: UserRecord, now: datetime) -> float:
        tz = self.zones_of(tenant_id, user)
        day = local_date(now, tz)
        intervals = self.day_intervals(tenant_id, user.user_id, day, tz)
        return usage_at(intervals, now, tz).minutes_used

    # -- time zones --------------------------------------------------------------------------

    def zones_of(self, tenant_id: str, user: UserRecord) -> ZoneLike:
        """The user's zone, with its recorded changes when there are any (so a day in progress
        at a change is cut as :func:`salama.wellbeing.change_zone` says). A history that does
        not end in the user's zone (a change written by an older version) is not trusted."""
        return _history(user.timezone, self.store.usage.zone_changes(tenant_id, user.user_id))

    def change_zone(self, tenant_id: str, user_id: str, old_zone: str, new_zone: str) -> None:
        """Record that ``user_id`` moved from ``old_zone`` to ``new_zone`` now (called after the
        user's zone was stored). Changes older than :data:`ZONE_HISTORY_DAYS` are forgotten:
        the weekly summary looks back two weeks, no further."""
        if old_zone == new_zone:
            return
        now = self.clock()
        before = _history(old_zone, self.store.usage.zone_changes(tenant_id, user_id))
        after = change_zone(before, new_zone, now)
        if after == before or not after.changes:
            return
        last = after.changes[-1]
        self.store.usage.record_zone_change(
            tenant_id,
            user_id,
            # the zone just before the change, once the change it replaces (if any) is gone
            ZoneChangeRecord(last.at, after.zone_at(last.at - _TICK).key, last.zone),
            keep_since=now - timedelta(days=ZONE_HISTORY_DAYS),
        )
        self.invalidate_user(tenant_id, user_id)

    # -- passcodes and unlocks ---------------------------------------------------------------

    def set_passcode(self, tenant_id: str, user_id: str, passcode: str, *, actor: str) -> None:
        user = self.user(tenant_id, user_id)
        if unlock_methods(band_of(user, self.clock())) != ("own_passcode",):
            raise _error(
                "own_passcode_not_allowed",
                "a user aged 13-15 has no own passcode: a parent unlocks",
            )
        check_passcode(passcode)
        self.store.usage.set_passcode(
            tenant_id, user_id, hash_passcode(passcode, log_n=self.passcode_log_n)
        )
        self.store.audit.append(
            tenant_id, actor=actor, action="usage.passcode.set", target=f"user:{user_id}"
        )

    def unlock(
        self,
        tenant_id: str,
        user_id: str,
        *,
        method: Literal["own_passcode", "parent_passcode"],
        passcode: str,
        minutes: int | None,
        rest_of_day: bool,
        parent_id: str | None,
        actor: str,
    ) -> dict[str, Any]:
        """Unlock with a passcode. Each attempt is claimed in the store before the passcode is
        checked (atomically with the count of the window), so concurrent guesses cannot pass
        a check made before any of them was counted; a right passcode releases its claim."""
        user = self.user(tenant_id, user_id)
        now = self.clock()
        band = band_of(user, now)
        since = now - UNLOCK_ATTEMPTS.window
        UNLOCK_ATTEMPTS.check(self.store.usage.failures(tenant_id, user_id), now)  # cheap, early
        allowed = unlock_methods(band)
        if method not in allowed:
            raise _error(
                "unlock_not_allowed",
                f"a user in band {band!r} cannot unlock with {method!r}",
                method=method,
                allowed=list(allowed),
            )
        if method == "own_passcode":
            by = user_id
            stored = self.store.usage.get_passcode(tenant_id, user_id)
        else:
            if not parent_id:
                raise _error("acting_user_required", "a parent passcode needs acting_user_id")
            if parent_id == user_id or not self.parent_check(tenant_id, parent_id, user_id):
                raise _error("not_paired", "this parent is not paired with this user")
            by = parent_id
            stored = self.store.usage.get_passcode(tenant_id, parent_id)
        if stored is None:
            raise _error("passcode_not_set", "no passcode is set for this unlock")
        used = self._minutes_used(tenant_id, user, now)
        claimed, recent = self.store.usage.claim_attempt(
            tenant_id, user_id, now, since=since, max_failures=UNLOCK_ATTEMPTS.max_failures
        )
        if not claimed:
            UNLOCK_ATTEMPTS.check(recent, now)  # too_many_attempts, with retry_after_s
        wrong = False
        try:
            granted = unlock_with_passcode(
                band,
                method,
                passcode,
                stored,
                user=user_id,
                by=by,
                at=now,
                minutes=minutes,
                rest_of_day=rest_of_day,
                minutes_used=used,
            )
        except InputError as exc:
            if exc.details.get("code") != "wrong_passcode":
                raise
            wrong = True
        finally:
            if not wrong:
                self.store.usage.release_attempt(tenant_id, user_id, now)
        if wrong:
            self.store.audit.append(
                tenant_id,
                actor=actor,
                action="usage.unlock.wrong_passcode",
                target=f"user:{user_id}",
                details={"method": method},
            )
            left = UNLOCK_ATTEMPTS.max_failures - len(UNLOCK_ATTEMPTS.recent(recent, now))
            raise _error("wrong_passcode", "wrong passcode", attempts_left=max(0, left))
        return self._record(tenant_id, granted, actor=actor, request_id=None)

    def _record(
        self, tenant_id: str, granted: Unlock, *, actor: str, request_id: str | None
    ) -> dict[str, Any]:
        if request_id is None:
            record = self.store.usage.add_unlock(
                tenant_id,
                granted.user,
                granted_by=granted.by,
                method=granted.method,
                at=granted.at,
                minutes=granted.minutes,
                rest_of_day=granted.rest_of_day,
                minutes_used_at_grant=granted.minutes_used_at_grant,
            )
        else:
            record = self.store.usage.approve_request(
                tenant_id,
                request_id,
                parent_id=granted.by,
                at=granted.at,
                minutes=granted.minutes,
                rest_of_day=granted.rest_of_day,
                minutes_used_at_grant=granted.minutes_used_at_grant,
            )
        self.invalidate_user(tenant_id, granted.user)
        self.store.audit.append(
            tenant_id,
            actor=actor,
            action="usage.unlock",
            target=f"user:{granted.user}",
            details={
                "unlock_id": record.id,
                "method": granted.method,
                "by": granted.by,
                "minutes": granted.minutes,
                "rest_of_day": granted.rest_of_day,
                "request_id": request_id,
            },
        )
        return {
            "unlock": {"id": record.id, **granted.to_dict()},
            "status": self.status(tenant_id, granted.user),
        }

    # -- approval requests -------------------------------------------------------------------

    @staticmethod
    def request_expires_at(created_at: datetime, tz: ZoneLike) -> datetime:
        """A request expires at the end of the teen's local day it was made on: an unlock adds
        time to the day it is granted in, so approving yesterday's request would give time on
        a day the teen did not ask about."""
        return day_bounds(local_date(created_at, tz), as_history(tz).zone_at(created_at))[1]

    def request_unlock(
        self, tenant_id: str, user_id: str, *, minutes: int | None, rest_of_day: bool, actor: str
    ) -> dict[str, Any]:
        user = self.user(tenant_id, user_id)
        now = self.clock()
        request_approval(
            band_of(user, now), user=user_id, at=now, minutes=minutes, rest_of_day=rest_of_day
        )
        record = self.store.usage.create_request(
            tenant_id, user_id, minutes=minutes, rest_of_day=rest_of_day, at=now
        )
        self.store.audit.append(
            tenant_id,
            actor=actor,
            action="usage.unlock_request",
            target=f"user:{user_id}",
            details={"request_id": record.id},
        )
        return self._request_out(
            record, self.request_expires_at(record.created_at, self.zones_of(tenant_id, user))
        )

    def pending_requests(
        self, tenant_id: str, user_id: str, *, acting_user_id: str | None = None
    ) -> list[dict[str, Any]]:
        """The user's requests still waiting for a parent and not expired, oldest first.
        ``acting_user_id``, when given, must be the user or a paired parent (``not_paired``)."""
        user = self.user(tenant_id, user_id)
        if acting_user_id not in (None, user_id) and not self.parent_check(
            tenant_id, str(acting_user_id), user_id
        ):
            raise _error("not_paired", "this parent is not paired with this user")
        now = self.clock()
        out = []
        # a local day is at most 26 hours long: older requests have all expired
        for record in self.store.usage.pending_requests(
            tenant_id, user_id, now - timedelta(hours=27)
        ):
            expires = self.request_expires_at(record.created_at, self.zones_of(tenant_id, user))
            if now < expires:
                out.append(self._request_out(record, expires))
        return out

    @staticmethod
    def _request_out(record: UnlockRequestRecord, expires_at: datetime) -> dict[str, Any]:
        return {
            "id": record.id,
            "user_id": record.user_id,
            "minutes": record.minutes,
            "rest_of_day": record.rest_of_day,
            "status": record.status,
            "created_at": record.created_at.isoformat(),
            "expires_at": expires_at.isoformat(),
        }

    def approve_request(
        self,
        tenant_id: str,
        request_id: str,
        *,
        parent_id: str,
        minutes: int | None,
        rest_of_day: bool,
        actor: str,
    ) -> dict[str, Any]:
        """A paired parent approves. ConflictError ``already_decided`` (approved already) or
        ``request_expired`` (past the end of the teen's local day it was made on)."""
        record = self.store.usage.get_request(tenant_id, request_id)
        if record is None:
            raise NotFoundError("no such unlock request", details={"id": request_id})
        if record.status != "pending":
            raise ConflictError(
                "the request was approved already", details={"code": "already_decided"}
            )
        if parent_id == record.user_id or not self.parent_check(
            tenant_id, parent_id, record.user_id
        ):
            raise _error("not_paired", "this parent is not paired with this user")
        user = self.user(tenant_id, record.user_id)
        now = self.clock()
        expires = self.request_expires_at(record.created_at, self.zones_of(tenant_id, user))
        if now >= expires:
            raise ConflictError(
                "the request expired at the end of the day it was made on; ask again",
                details={"code": "request_expired", "expired_at": expires.isoformat()},
            )
        request = ApprovalRequest(
            record.user_id, record.created_at, record.minutes, record.rest_of_day
        )
        granted = approve(
            request,
            band=band_of(user, now),
            parent=parent_id,
            at=max(now, record.created_at),
            minutes=minutes,
            rest_of_day=rest_of_day,
            minutes_used=self._minutes_used(tenant_id, user, now),
        )
        return self._record(tenant_id, granted, actor=actor, request_id=request_id)

    # -- weekly summary ----------------------------------------------------------------------

    def summary(self, tenant_id: str, user_id: str, week: date) -> WeeklySummary:
        user = self.user(tenant_id, user_id)
        tz = self.zones_of(tenant_id, user)
        first = week - timedelta(days=7)
        start = fetch_window(first, tz)[0]
        end = fetch_window(week + timedelta(days=6), tz)[1]
        records = self.store.usage.events(tenant_id, user_id, start, end)
        unlocks = [_unlock(r) for r in self.store.usage.unlocks(tenant_id, user_id, start, end)]
        limits = self.limits_for_user(tenant_id, user)
        return weekly_summary(
            user_id,
            device_intervals(_core_event(r) for r in records),
            unlocks,
            week_start=week,
            tz=tz,
            limits=limits,
        )

    def summary_png(self, tenant_id: str, user_id: str, week: date, language: str) -> bytes:
        return summary_chart(self.summary(tenant_id, user_id, week), language)

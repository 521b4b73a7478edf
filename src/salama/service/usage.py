"""Screen time as a service: the flows that join :mod:`salama.wellbeing` to the store (and,
optionally, Redis). Transport-free; the HTTP routes in ``salama.api.routes.usage`` are thin.

Ingestion (``ingest``): admit (clamp client clocks) -> one transaction per batch with an
idempotent insert -> commit -> only then the answer. After the commit the user's cached day is
invalidated and, for the user's current local day, recomputed.

The hot path (``status``): the union of today's intervals is cached per (user, local day, zone)
under a per-user *generation*. Ingestion bumps the generation after its commit, so a cache entry
computed before that commit can never be read again nor written over a newer one (the write is
conditional on the generation it was computed under). With ``redis_url`` the cache and the
generation live in Redis (a hash per user: every API process agrees and a status costs one Redis
round trip for usage); without, they live in this process (an entry also expires after
``cache_seconds``, since another process's ingestion cannot bump this one's generation).

Extension points for the family controls (kept out of this file on purpose):

- ``controls_provider(tenant_id, user, limits) -> Limits | None``: given the user's own limits
  (band defaults plus their overrides), return the limits a parent set, or None to keep them;
- ``parent_check(tenant_id, parent_id, teen_id) -> bool``: whether ``parent_id`` is paired with
  ``teen_id`` (default: nobody is; parent unlocks are refused with ``not_paired``).

Both are constructor arguments and plain attributes (``service.parent_check = ...``).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, Protocol

from salama.errors import ConflictError, InputError, NotFoundError
from salama.family.attempts import UNLOCK_ATTEMPTS
from salama.service.users import band_of
from salama.store import Store, UserRecord
from salama.store.usage import NewUsageEvent, UnlockRecord, UsageEventRecord
from salama.wellbeing import (
    DEFAULT_TOLERANCE,
    Event,
    Heartbeat,
    Interval,
    Limits,
    SessionEvent,
    SleepWindow,
    Status,
    Unlock,
    admit,
    approve,
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
    def get(self, tenant_id: str, user_id: str, field: str) -> tuple[int, Spans | None]:
        """The user's current generation and the entry ``field`` if computed under it."""
        ...

    def put(self, tenant_id: str, user_id: str, field: str, gen: int, spans: Spans) -> None:
        """Store ``spans`` unless the generation moved on from ``gen``."""
        ...

    def bump(self, tenant_id: str, user_id: str) -> int:
        """Invalidate every entry of the user; returns the new generation."""
        ...

    def close(self) -> None: ...


class LocalDayCache:
    """In-process: a generation and entries per user; entries expire after ``ttl`` seconds."""

    def __init__(self, ttl: float = 5.0, max_users: int = 50_000) -> None:
        self.ttl = ttl
        self.max_users = max_users
        self._lock = threading.Lock()
        self._users: dict[tuple[str, str], tuple[int, dict[str, tuple[float, Spans]]]] = {}

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

    def close(self) -> None:
        self._users.clear()


_PUT_IF_GEN = """
local current = tonumber(redis.call('HGET', KEYS[1], 'gen') or '0')
if current == tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  return 1
end
return 0
"""


class RedisDayCache:
    """In Redis: one hash per user, ``salama:usage:<tenant>:<user>``, with the generation in
    field ``gen`` and each day's union as ``<day>|<zone>`` = ``<gen>|<json>``. Expires 3 days
    after its last write (the database stays the source of truth)."""

    EXPIRE_S = 3 * 24 * 3600

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._put = self._redis.register_script(_PUT_IF_GEN)

    @staticmethod
    def _key(tenant_id: str, user_id: str) -> str:
        return f"salama:usage:{tenant_id}:{user_id}"

    def get(self, tenant_id: str, user_id: str, field: str) -> tuple[int, Spans | None]:
        raw_gen, raw = self._redis.hmget(self._key(tenant_id, user_id), ["gen", field])
        gen = int(raw_gen or 0)
        if raw is None:
            return gen, None
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        stored_gen, _, payload = text.partition("|")
        if int(stored_gen) != gen:
            return gen, None
        return gen, [(float(a), float(b)) for a, b in json.loads(payload)]

    def put(self, tenant_id: str, user_id: str, field: str, gen: int, spans: Spans) -> None:
        payload = f"{gen}|{json.dumps(spans, separators=(',', ':'))}"
        self._put(keys=[self._key(tenant_id, user_id)], args=[gen, field, payload, self.EXPIRE_S])

    def bump(self, tenant_id: str, user_id: str) -> int:
        key = self._key(tenant_id, user_id)
        pipe = self._redis.pipeline(transaction=True)
        pipe.hincrby(key, "gen", 1)
        pipe.expire(key, self.EXPIRE_S)
        gen, _ = pipe.execute()
        return int(gen)

    def close(self) -> None:
        self._redis.close()


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
        self.controls_provider = controls_provider
        self.parent_check: ParentCheck = parent_check or _nobody_is_paired
        self.clock = clock or (lambda: datetime.now(UTC))
        self.passcode_log_n = passcode_log_n
        self.cache: DayCache = (
            RedisDayCache(redis_url) if redis_url else LocalDayCache(cache_seconds)
        )

    def close(self) -> None:
        self.cache.close()

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
        # committed: now the caches
        touched = sorted({kept[i][1].user for i in added.inserted})
        for user_id in touched:
            self._refresh(tenant_id, user_id, now)
        return {
            "accepted": len(added.inserted),
            "duplicates": len(added.duplicates),
            "rejected": [{"index": kept[i][0], "code": "unknown_user"} for i in added.unknown_user],
            "adjusted": adjusted,
        }

    def _refresh(self, tenant_id: str, user_id: str, now: datetime) -> None:
        gen = self.cache.bump(tenant_id, user_id)
        if not isinstance(self.cache, RedisDayCache):
            return  # in process: computed on the next status
        user = self.store.users.get(tenant_id, user_id)
        if user is not None:
            day = local_date(now, user.timezone)
            self._compute_day(tenant_id, user_id, day, user.timezone, gen)

    def _field(self, day: date, tz: str) -> str:
        return f"{day.isoformat()}|{tz}"

    def _compute_day(
        self, tenant_id: str, user_id: str, day: date, tz: str, gen: int
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

    def day_intervals(self, tenant_id: str, user_id: str, day: date, tz: str) -> list[Interval]:
        """The union of the user's use around local ``day`` (cached)."""
        gen, spans = self.cache.get(tenant_id, user_id, self._field(day, tz))
        if spans is not None:
            return [
                Interval(datetime.fromtimestamp(a, UTC), datetime.fromtimestamp(b, UTC))
                for a, b in spans
            ]
        return self._compute_day(tenant_id, user_id, day, tz, gen)

    # -- status ------------------------------------------------------------------------------

    def _todays_unlocks(self, tenant_id: str, user: UserRecord, day: date) -> list[Unlock]:
        start, end = day_bounds(day, user.timezone)
        return [_unlock(r) for r in self.store.usage.unlocks(tenant_id, user.user_id, start, end)]

    def status(self, tenant_id: str, user_id: str) -> dict[str, Any]:
        """The status now: one database read (user, overrides, recent unlocks) and the day's
        intervals from the cache (Redis: one round trip; computed from the events on a miss)."""
        now = self.clock()
        # unlocks of the last two days cover today's local date in any zone (status filters)
        user, overrides, records = self.store.usage.status_inputs(
            tenant_id, user_id, now - timedelta(days=2)
        )
        if user is None:
            raise NotFoundError("no such user", details={"user_id": user_id})
        limits = self._limits(tenant_id, user, overrides, now)
        return self._status(tenant_id, user, now, limits, [_unlock(r) for r in records]).to_dict()

    def _status(
        self,
        tenant_id: str,
        user: UserRecord,
        now: datetime,
        limits: Limits | None = None,
        unlocks: list[Unlock] | None = None,
    ) -> Status:
        tz = user.timezone
        day = local_date(now, tz)
        if limits is None:
            limits = self.limits_for_user(tenant_id, user, now=now)
        if unlocks is None:
            unlocks = self._todays_unlocks(tenant_id, user, day)
        usage = usage_at(self.day_intervals(tenant_id, user.user_id, day, tz), now, tz)
        return status(
            limits=limits,
            minutes_used=usage.minutes_used,
            continuous_minutes=usage.continuous_minutes,
            unlocks=unlocks,
            now=now,
            tz=tz,
        )

    def _minutes_used(self, tenant_id: str, user: UserRecord, now: datetime) -> float:
        day = local_date(now, user.timezone)
        intervals = self.day_intervals(tenant_id, user.user_id, day, user.timezone)
        return usage_at(intervals, now, user.timezone).minutes_used

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
        user = self.user(tenant_id, user_id)
        now = self.clock()
        band = band_of(user, now)
        failures = self.store.usage.failures(tenant_id, user_id)
        UNLOCK_ATTEMPTS.check(failures, now)  # too_many_attempts
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
            if exc.details.get("code") == "wrong_passcode":
                recent = UNLOCK_ATTEMPTS.recent([*failures, now], now)
                self.store.usage.set_failures(tenant_id, user_id, recent)
                self.store.audit.append(
                    tenant_id,
                    actor=actor,
                    action="usage.unlock.wrong_passcode",
                    target=f"user:{user_id}",
                    details={"method": method},
                )
                left = UNLOCK_ATTEMPTS.max_failures - len(recent)
                raise _error(
                    "wrong_passcode", "wrong passcode", attempts_left=max(0, left)
                ) from None
            raise
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
        user = self.user(tenant_id, granted.user)
        return {
            "unlock": {"id": record.id, **granted.to_dict()},
            "status": dict(self._status(tenant_id, user, self.clock()).to_dict()),
        }

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
        return self._request_out(record)

    @staticmethod
    def _request_out(record: Any) -> dict[str, Any]:
        return {
            "id": record.id,
            "user_id": record.user_id,
            "minutes": record.minutes,
            "rest_of_day": record.rest_of_day,
            "status": record.status,
            "created_at": record.created_at.isoformat(),
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
        tz = user.timezone
        first = week - timedelta(days=7)
        start = day_bounds(first, tz)[0] - DEFAULT_TOLERANCE
        end = day_bounds(week + timedelta(days=6), tz)[1] + DEFAULT_TOLERANCE
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

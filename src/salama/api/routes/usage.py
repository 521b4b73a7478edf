"""Screen time: heartbeats and sessions in, the app's answer (status) out, limits, passcodes,
unlocks, approval requests and the weekly summary. Every route needs an app or admin key and
sees only its tenant's users (another tenant's user is 404).

A heartbeat batch is acknowledged only after its transaction commits: a 200 means stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Path, Query, Response
from pydantic import AwareDatetime, BaseModel, BeforeValidator, Field, model_validator

from salama.api.deps import AppState, Caller, State, actor_of
from salama.api.errors import ApiError
from salama.api.schemas import ERROR_RESPONSES, Id, Input
from salama.errors import InputError
from salama.service.usage import MAX_BATCH, IncomingEvent, UsageService

router = APIRouter(prefix="/v1/usage", tags=["screen time"])

UserId = Path(
    min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$", description="The host app's id."
)
RequestId = Path(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")
T = TypeVar("T")

# InputError codes that are not 422 at the edge.
_FORBIDDEN = {"not_paired", "own_passcode_not_allowed"}


def service_of(state: AppState) -> UsageService:
    """The app's UsageService (built in create_app; built here on first use otherwise)."""
    service = state.extras.get("usage")
    if service is None:
        service = UsageService(
            state.store,
            redis_url=state.settings.redis_url,
        )
        state.extras["usage"] = service
    assert isinstance(service, UsageService)
    return service


def _edge(exc: InputError) -> ApiError | None:
    """The status an InputError gets at the edge when it is not 422."""
    code = str(exc.details.get("code", ""))
    details = {k: v for k, v in exc.details.items() if k != "code"}
    if code == "too_many_attempts":
        retry = str(details.get("retry_after_s", 60))
        return ApiError(429, code, exc.message, details, headers={"Retry-After": retry})
    if code in _FORBIDDEN:
        return ApiError(403, code, exc.message, details)
    return None


def _call(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except InputError as exc:
        edge = _edge(exc)
        if edge is None:
            raise
        raise edge from exc


def _iso_time(value: object) -> object:
    """Only an ISO 8601 string (not a number): parsed here, its offset checked by the type."""
    if not isinstance(value, str) or len(value) > 64:
        raise ValueError("an ISO 8601 time with an offset, e.g. 2026-03-02T10:00:00+01:00")
    return datetime.fromisoformat(value)


Timestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_time),
    Field(description="ISO 8601 with an offset, e.g. 2026-03-02T10:00:00Z."),
]


class HeartbeatIn(Input):
    user_id: Id
    device_id: Id
    ts: Timestamp
    foreground: bool = True
    key: Id = Field(description="Idempotency key, unique per device: a retry sends the same.")


class HeartbeatsIn(Input):
    heartbeats: list[HeartbeatIn] = Field(min_length=1, max_length=MAX_BATCH)


class IngestOut(BaseModel):
    accepted: int = Field(description="Stored now (committed).")
    duplicates: int = Field(description="Already stored (same user, device and key): no change.")
    rejected: list[dict[str, Any]] = Field(description="{index, code}: unknown_user.")
    adjusted: list[dict[str, Any]] = Field(description="Clamped (future) or dropped (too old).")


class SessionIn(Input):
    user_id: Id
    device_id: Id
    ts: Timestamp
    action: Literal["start", "stop"]
    key: Id


class Grant(Input):
    minutes: Literal[15, 30, 60] | None = None
    rest_of_day: bool = False


class UnlockIn(Grant):
    method: Literal["own_passcode", "parent_passcode"]
    passcode: str = Field(min_length=1, max_length=32)
    acting_user_id: Id | None = Field(None, description="The parent, for parent_passcode.")

    @model_validator(mode="after")
    def _one_grant(self) -> UnlockIn:
        if (self.minutes is None) == (not self.rest_of_day):
            raise ValueError("give minutes (15, 30, 60) or rest_of_day: true")
        return self


class ApproveIn(Grant):
    acting_user_id: Id = Field(description="The parent approving.")


class PasscodeIn(Input):
    passcode: str = Field(min_length=1, max_length=32, description="4 to 8 digits.")


class LimitsIn(Input):
    """Overrides of the band's defaults; a field left out keeps the default, null turns it off.
    The whole set is replaced on each PUT."""

    daily_minutes: int | None = Field(None, ge=0, le=1440)
    weekdays: dict[str, Annotated[int, Field(ge=0, le=1440)] | None] | None = Field(
        None, max_length=7, description='e.g. {"sat": 120, "sun": null}'
    )
    break_after: int | None = Field(None, ge=1, le=1440)
    sleep: str | None = Field(None, max_length=16, description='"22:00-07:00" or null.')


@router.post("/heartbeats", response_model=IngestOut, responses=ERROR_RESPONSES)
def post_heartbeats(body: HeartbeatsIn, caller: Caller, state: State) -> dict[str, Any]:
    """Store a batch of heartbeats (at most 500) in one transaction; the answer comes after the
    commit. Unknown users are rejected per item; replays are duplicates and change nothing."""
    items = [
        IncomingEvent(h.user_id, h.device_id, h.ts, h.key, foreground=h.foreground)
        for h in body.heartbeats
    ]
    return _call(lambda: service_of(state).ingest(caller.tenant_id, items))


@router.post("/sessions", response_model=IngestOut, responses=ERROR_RESPONSES)
def post_session(body: SessionIn, caller: Caller, state: State) -> dict[str, Any]:
    """An explicit session start or stop (counted like a foreground or background heartbeat)."""
    item = IncomingEvent(body.user_id, body.device_id, body.ts, body.key, session=body.action)
    return _call(lambda: service_of(state).ingest(caller.tenant_id, [item]))


class StatusOut(BaseModel):
    """What the app should do now (see docs/wellbeing.md for each field)."""

    day: date = Field(description="The user's local date.")
    minutes_used: float
    limit_minutes: int | None = Field(description="Today's limit; null: none.")
    allowed_minutes: float | None = Field(description="The limit plus today's unlocks.")
    minutes_left: float | None
    locked: bool
    reminder: Literal["break", "sleep", "limit_soon"] | None
    wind_down: bool
    hold_notifications: bool
    unlock: list[Literal["own_passcode", "parent_passcode", "parent_approval"]] = Field(
        description="How to unlock (when locked)."
    )
    continuous_minutes: float
    break_count: int
    unlocks_today: int
    resets_at: datetime = Field(description="When the day (and the count) starts again.")


# The hot route: ``async`` (no thread hand-off), answered from the service's cached snapshot
# (no SQL; with Redis one round trip), and serialised once, here: no response_model
# validation on the way out. StatusOut documents the shape in the OpenAPI schema.
@router.get(
    "/{user_id}/status",
    response_class=Response,
    responses={**ERROR_RESPONSES, 200: {"model": StatusOut, "description": "The status now."}},
)
async def get_status(caller: Caller, state: State, user_id: str = UserId) -> Response:
    """What the app should do now: minutes used and left, locked, reminder, wind down, unlock
    methods (when locked)."""
    try:
        body = await service_of(state).astatus(caller.tenant_id, user_id)
    except InputError as exc:
        edge = _edge(exc)
        if edge is None:
            raise
        raise edge from exc
    return Response(_json(body), media_type="application/json")


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


@router.get("/{user_id}/limits", responses=ERROR_RESPONSES)
def get_limits(caller: Caller, state: State, user_id: str = UserId) -> dict[str, Any]:
    """The user's overrides and the limits in force (band defaults, overrides, family
    controls)."""
    return _call(lambda: service_of(state).get_limits(caller.tenant_id, user_id))


@router.put("/{user_id}/limits", responses=ERROR_RESPONSES)
def put_limits(
    body: LimitsIn, caller: Caller, state: State, user_id: str = UserId
) -> dict[str, Any]:
    """Replace the user's overrides (the app acting for the user). Audited."""
    overrides = body.model_dump(include=body.model_fields_set)
    return _call(
        lambda: service_of(state).put_limits(
            caller.tenant_id, user_id, overrides, actor=actor_of(caller, user_id)
        )
    )


@router.put("/{user_id}/passcode", status_code=204, responses=ERROR_RESPONSES)
def put_passcode(body: PasscodeIn, caller: Caller, state: State, user_id: str = UserId) -> Response:
    """Set the user's own passcode (16-17 and adults; a parent's code is their own passcode).
    Stored as a scrypt hash. Audited (no code)."""
    _call(
        lambda: service_of(state).set_passcode(
            caller.tenant_id, user_id, body.passcode, actor=actor_of(caller, user_id)
        )
    )
    return Response(status_code=204)


@router.post("/{user_id}/unlock", responses=ERROR_RESPONSES)
def post_unlock(body: UnlockIn, caller: Caller, state: State, user_id: str = UserId) -> Any:
    """More time with a passcode: the user's own (16-17, adults) or a paired parent's (13-15).
    Wrong codes: 5 per 15 minutes per user, then 429 ``too_many_attempts`` (counted atomically:
    concurrent attempts get no more). Recorded and audited."""
    return _call(
        lambda: service_of(state).unlock(
            caller.tenant_id,
            user_id,
            method=body.method,
            passcode=body.passcode,
            minutes=body.minutes,
            rest_of_day=body.rest_of_day,
            parent_id=body.acting_user_id,
            actor=actor_of(caller, body.acting_user_id or user_id),
        )
    )


@router.post("/{user_id}/unlock-requests", status_code=201, responses=ERROR_RESPONSES)
def post_unlock_request(
    body: Grant, caller: Caller, state: State, user_id: str = UserId
) -> dict[str, Any]:
    """A 13-15's request for a parent's approval; returns its ``id`` and ``expires_at`` (the
    end of the teen's local day: approving it later is 409 ``request_expired``)."""
    return _call(
        lambda: service_of(state).request_unlock(
            caller.tenant_id,
            user_id,
            minutes=body.minutes,
            rest_of_day=body.rest_of_day,
            actor=actor_of(caller, user_id),
        )
    )


@router.get("/{user_id}/unlock-requests", responses=ERROR_RESPONSES)
def list_unlock_requests(
    caller: Caller,
    state: State,
    user_id: str = UserId,
    acting_user_id: str | None = Query(
        None,
        min_length=1,
        max_length=200,
        pattern=r"^[^\x00-\x1f]+$",
        description="Who reads: the teen (default) or a paired parent (403 otherwise).",
    ),
) -> dict[str, Any]:
    """The teen's requests still waiting for a parent and not expired, oldest first: what a
    parent's app shows to approve."""
    return {
        "requests": _call(
            lambda: service_of(state).pending_requests(
                caller.tenant_id, user_id, acting_user_id=acting_user_id
            )
        )
    }


@router.post("/unlock-requests/{request_id}/approve", responses=ERROR_RESPONSES)
def approve_unlock_request(
    body: ApproveIn, caller: Caller, state: State, request_id: str = RequestId
) -> dict[str, Any]:
    """A paired parent approves (what they choose, or what was asked). 403 ``not_paired``
    otherwise; 409 ``already_decided`` when approved already, 409 ``request_expired`` after the
    end of the teen's local day the request was made on."""
    return _call(
        lambda: service_of(state).approve_request(
            caller.tenant_id,
            request_id,
            parent_id=body.acting_user_id,
            minutes=body.minutes,
            rest_of_day=body.rest_of_day,
            actor=actor_of(caller, body.acting_user_id),
        )
    )


Lang = Query("en", pattern=r"^(ar|fr|en)$")


@router.get("/{user_id}/summary", responses=ERROR_RESPONSES)
def get_summary(
    caller: Caller, state: State, week: date, lang: str = Lang, user_id: str = UserId
) -> dict[str, Any]:
    """The weekly summary of the seven local dates from ``week`` (YYYY-MM-DD), with last
    week's totals for the change."""
    summary = _call(lambda: service_of(state).summary(caller.tenant_id, user_id, week))
    return {"language": lang, **summary.to_dict()}


@router.get(
    "/{user_id}/summary.png",
    response_class=Response,
    responses={**ERROR_RESPONSES, 200: {"content": {"image/png": {}}}},
)
def get_summary_png(
    caller: Caller, state: State, week: date, lang: str = Lang, user_id: str = UserId
) -> Response:
    """The weekly summary as a PNG chart, labelled in ``lang`` (ar, fr, en)."""
    png = _call(lambda: service_of(state).summary_png(caller.tenant_id, user_id, week, lang))
    return Response(content=png, media_type="image/png")

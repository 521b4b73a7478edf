"""A host app's users: the least Salama needs to apply teen defaults, pair families and count
a day in the right time zone. No names, no contacts. ``DELETE`` erases the user and everything
kept about them (usage, pairings, controls, decisions they wrote)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field, model_validator

from salama.api.deps import AppState, Caller, State, actor_of
from salama.api.errors import ApiError
from salama.api.schemas import ERROR_RESPONSES, AgeBand, Input
from salama.errors import InputError
from salama.family.ages import age_band, local_today, zone
from salama.service.users import band_of
from salama.store import UserRecord

router = APIRouter(prefix="/v1/users", tags=["users"])

UserId = Path(
    min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$", description="The host app's id."
)


class UserPut(Input):
    age_band: AgeBand | None = Field(None, description="Give this or birth_date.")
    birth_date: date | None = Field(
        None,
        strict=False,  # arrives as a "YYYY-MM-DD" string
        description="YYYY-MM-DD. Needed for a family pairing (it ends at 18); the band follows.",
    )
    country: str | None = Field(None, pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2.")
    language: str | None = Field(None, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
    timezone: str = Field(
        "UTC", min_length=1, max_length=64, description="IANA, e.g. Africa/Casablanca."
    )

    @model_validator(mode="after")
    def _one_of(self) -> UserPut:
        if (self.age_band is None) == (self.birth_date is None):
            raise ValueError("give exactly one of age_band and birth_date")
        return self


class UserOut(BaseModel):
    user_id: str
    age_band: AgeBand = Field(description="In force today (from birth_date when given).")
    birth_date: date | None
    country: str | None
    language: str | None
    timezone: str
    created_at: datetime
    updated_at: datetime


def _out(user: UserRecord) -> UserOut:
    data: dict[str, Any] = {
        "user_id": user.user_id,
        "age_band": band_of(user),
        "birth_date": user.birth_date,
        "country": user.country,
        "language": user.language,
        "timezone": user.timezone,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }
    return UserOut(**data)


@router.put(
    "/{user_id}",
    response_model=UserOut,
    responses={**ERROR_RESPONSES, 201: {"model": UserOut, "description": "Created."}},
)
def put_user(
    body: UserPut, caller: Caller, state: State, response: Response, user_id: str = UserId
) -> UserOut:
    """Register or update a user (idempotent). 201 when created, 200 when updated. A birth date
    under 13 is refused (422 ``under_13``): Salama is for 13 and over."""
    zone(body.timezone)  # InputError invalid_time_zone
    if body.birth_date is not None:
        today = local_today(datetime.now(UTC), body.timezone)
        if body.birth_date > today:
            raise InputError("birth_date is in the future", details={"code": "invalid_birth_date"})
        age_band(body.birth_date, today)  # InputError under_13
    before = state.store.users.get(caller.tenant_id, user_id)
    user, created = state.store.users.put(
        caller.tenant_id,
        user_id,
        age_band=body.age_band,
        birth_date=body.birth_date,
        country=body.country.upper() if body.country else None,
        language=body.language,
        timezone=body.timezone,
    )
    _forget_family(state, caller.tenant_id, user_id)  # the birth date may end a pairing
    usage = state.extras["usage"]
    if before is not None and before.timezone != user.timezone:
        # the day in progress keeps its minutes (salama.wellbeing.change_zone)
        usage.change_zone(caller.tenant_id, user_id, before.timezone, user.timezone)
    usage.invalidate_user(caller.tenant_id, user_id)  # zone, band: status
    if created:
        response.status_code = 201
    return _out(user)


@router.get("/{user_id}", response_model=UserOut, responses=ERROR_RESPONSES)
def get_user(caller: Caller, state: State, user_id: str = UserId) -> UserOut:
    user = state.store.users.get(caller.tenant_id, user_id)
    if user is None:
        raise ApiError(404, "not_found", "no such user", {"user_id": user_id})
    return _out(user)


@router.delete("/{user_id}", status_code=204, responses=ERROR_RESPONSES)
def delete_user(caller: Caller, state: State, user_id: str = UserId) -> Response:
    """Erase the user and everything kept about them. Audited (who, when; no content)."""
    existed = state.store.users.delete(caller.tenant_id, user_id)
    _forget_family(state, caller.tenant_id, user_id)  # pairings and controls went with it
    state.extras["usage"].invalidate_user(caller.tenant_id, user_id)  # so did their usage
    if not existed:
        raise ApiError(404, "not_found", "no such user", {"user_id": user_id})
    state.store.audit.append(
        caller.tenant_id, actor=actor_of(caller), action="user.delete", target=f"user:{user_id}"
    )
    return Response(status_code=204)


def _forget_family(state: AppState, tenant_id: str, user_id: str) -> None:
    family = state.extras.get("family")
    if family is not None:
        family.policy.forget(tenant_id, user_id)

"""Family pairing over HTTP: a parent's invite, the teen's acceptance, the parent's controls,
the teen's view of them, unpairing and links. ``acting_user_id`` names the host app's user on
whose behalf the app calls (the host app authenticates its users; Salama checks what that user
may do). Every change is audited as ``<key>/user:<acting_user_id>``. See docs/family.md."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from salama.api.deps import Caller, State, actor_of
from salama.api.errors import ApiError
from salama.api.schemas import ERROR_RESPONSES, Id, Input
from salama.errors import InputError, NotFoundError
from salama.family import hash_code, invite_qr_png, teen_view
from salama.family.codes import normalize_code
from salama.family.controls import ControlsState
from salama.service.family import FamilyService, NotAllowed

router = APIRouter(prefix="/v1/family", tags=["family"])


def _user_path() -> Any:
    return Path(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")


def _acting() -> Any:
    return Query(
        min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$", description="The acting user."
    )


CodePath = Path(min_length=1, max_length=64, description="The invite code, as typed.")
RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    403: {"description": "The acting user is not paired with this teen (not_paired)."},
    404: {"description": "Unknown user, invite or pairing in this tenant."},
    409: {"description": "A rule or a lost race (invite_used, too_many_parents, ...)."},
}


def service(state: State) -> FamilyService:
    svc = state.extras.get("family")
    if not isinstance(svc, FamilyService):
        svc = FamilyService(state.store)
        state.extras["family"] = svc
    return svc


def _forbidden(exc: NotAllowed) -> ApiError:
    return ApiError(403, "not_paired", exc.message)


class Acting(Input):
    acting_user_id: Id


class InviteOut(BaseModel):
    code: str = Field(description="XXXX-XXXX. Shown this once: only its hash is stored.")
    expires_at: datetime
    qr_png_base64: str = Field(description="A PNG QR image carrying salama-invite:XXXX-XXXX.")


class LinkOut(BaseModel):
    tenant_id: str
    parent_id: str
    teen_id: str
    since: datetime


class AcceptOut(LinkOut):
    pass


class ControlOut(BaseModel):
    name: str
    value: Any
    set_by: str | None
    set_at: datetime | None


class ControlsOut(BaseModel):
    teen_id: str
    version: int
    controls: list[ControlOut]


class ControlsPut(Input):
    acting_user_id: Id
    controls: dict[str, Any] = Field(
        description="Control name -> value (null resets it); see docs/family.md."
    )
    version: int | None = Field(None, ge=0, description="The version you read; stale is 409.")


class LinksOut(BaseModel):
    user_id: str
    teens: list[LinkOut] = Field(description="Teens this user is a paired parent of.")
    parents: list[LinkOut] = Field(description="Parents this user is paired with as a teen.")


def _controls_out(state: ControlsState) -> ControlsOut:
    return ControlsOut(
        teen_id=state.teen_id,
        version=state.version,
        controls=[ControlOut(**v.to_dict()) for v in teen_view(state)],
    )


@router.post("/invites", response_model=InviteOut, status_code=201, responses=RESPONSES)
def create_invite(body: Acting, caller: Caller, state: State) -> InviteOut:
    """A registered adult (``acting_user_id``) makes an invite valid 15 minutes, once. The code
    is returned this once (text and QR); Salama keeps only its hash."""
    new = service(state).create_invite(
        caller.tenant_id,
        body.acting_user_id,
        actor=actor_of(caller, body.acting_user_id),
    )
    png = invite_qr_png(new.code)
    return InviteOut(
        code=new.code,
        expires_at=new.invite.expires_at,
        qr_png_base64=base64.b64encode(png).decode("ascii"),
    )


@router.get(
    "/invites/{code}/qr.png",
    response_class=Response,
    responses={**RESPONSES, 200: {"content": {"image/png": {}}}},
)
def invite_qr(caller: Caller, state: State, code: str = CodePath) -> Response:
    """The QR image of a live invite of this tenant (404 for any other code)."""
    try:
        canonical = normalize_code(code)
    except InputError:
        raise NotFoundError("no such invite", details={"code": "invite_unknown"}) from None
    invite = state.store.family.find_invite(
        caller.tenant_id, hash_code(canonical, caller.tenant_id)
    )
    if invite is None or not invite.is_live(datetime.now(UTC)):
        raise NotFoundError("no such invite", details={"code": "invite_unknown"})
    return Response(
        invite_qr_png(canonical), media_type="image/png", headers={"Cache-Control": "no-store"}
    )


@router.post("/invites/{code}/accept", response_model=AcceptOut, responses=RESPONSES)
def accept_invite(body: Acting, caller: Caller, state: State, code: str = CodePath) -> AcceptOut:
    """The teen (``acting_user_id``, registered with a birth date) accepts. Failed attempts are
    limited per acting user: 10 per 15 minutes, then 429 ``too_many_attempts``."""
    try:
        pairing = service(state).accept(
            caller.tenant_id,
            code,
            body.acting_user_id,
            actor=actor_of(caller, body.acting_user_id),
        )
    except InputError as exc:
        if exc.details.get("code") == "too_many_attempts":
            retry = int(str(exc.details.get("retry_after_s", 60)))
            raise ApiError(
                429,
                "too_many_attempts",
                exc.message,
                {"retry_after_s": retry},
                headers={"Retry-After": str(retry)},
            ) from None
        raise
    return AcceptOut(**pairing.to_dict())


@router.get("/{teen_id}/controls", response_model=ControlsOut, responses=RESPONSES)
def get_controls(
    caller: Caller,
    state: State,
    teen_id: str = _user_path(),
    acting_user_id: str = _acting(),
) -> ControlsOut:
    """Every control in force for the teen, who set it and when; for the teen or a paired
    parent. The unlock passcode shows only as "set" or "not set"."""
    try:
        current = service(state).read_controls(caller.tenant_id, teen_id, acting_user_id)
    except NotAllowed as exc:
        raise _forbidden(exc) from None
    return _controls_out(current)


@router.put("/{teen_id}/controls", response_model=ControlsOut, responses=RESPONSES)
def put_controls(
    body: ControlsPut, caller: Caller, state: State, teen_id: str = _user_path()
) -> ControlsOut:
    """A paired parent changes some controls (the others stay). Audited (field names only)."""
    try:
        current = service(state).update_controls(
            caller.tenant_id,
            teen_id,
            body.acting_user_id,
            body.controls,
            actor=actor_of(caller, body.acting_user_id),
            expected_version=body.version,
        )
    except NotAllowed as exc:
        raise _forbidden(exc) from None
    return _controls_out(current)


@router.delete("/{teen_id}/parents/{parent_id}", status_code=204, responses=RESPONSES)
def delete_pairing(
    caller: Caller,
    state: State,
    teen_id: str = _user_path(),
    parent_id: str = _user_path(),
    acting_user_id: str = _acting(),
) -> Response:
    """Either side ends the pairing; the other side is notified (webhook ``unpaired``). The
    leaving parent's controls go back to their defaults."""
    try:
        service(state).unpair(
            caller.tenant_id,
            teen_id,
            parent_id,
            acting_user_id,
            actor=actor_of(caller, acting_user_id),
        )
    except NotAllowed as exc:
        raise _forbidden(exc) from None
    return Response(status_code=204)


@router.get("/{user_id}/links", response_model=LinksOut, responses=RESPONSES)
def get_links(
    caller: Caller,
    state: State,
    user_id: str = _user_path(),
    acting_user_id: str = _acting(),
) -> LinksOut:
    """A parent's teens and a teen's parents, for the user or someone paired with them."""
    try:
        links = service(state).links(caller.tenant_id, user_id, acting_user_id)
    except NotAllowed as exc:
        raise _forbidden(exc) from None
    return LinksOut(
        user_id=user_id,
        teens=[LinkOut(**p.to_dict()) for p in links["as_parent"]],
        parents=[LinkOut(**p.to_dict()) for p in links["as_teen"]],
    )

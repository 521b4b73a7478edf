"""The tenant's API keys: list, create, revoke. Admin keys only; every change is audited.

A secret is shown once, in the answer that creates it; only its SHA-256 is stored, and no route
ever shows a secret or a hash again. Revoking works at once in this process (and in the others
within ``SALAMA_AUTH_CACHE_SECONDS``). A key cannot revoke itself (409 ``cannot_revoke_self``):
so the API can never leave a tenant without a working admin key. To rotate an admin key,
create a new one, then revoke the old one with the new one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from salama.api.deps import AdminCaller, State, actor_of
from salama.api.errors import ApiError
from salama.api.schemas import ERROR_RESPONSES, ErrorOut, Input
from salama.store import ApiKeyRecord

__all__ = ["router"]

router = APIRouter(prefix="/v1/keys", tags=["keys"])

KeyId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The key's id (not its secret).",
    ),
]


class KeyCreateIn(Input):
    role: Literal["app", "admin"] = Field(
        description="`app`: checks, owner settings, reads; `admin`: also policies, keys, audit."
    )


class KeyOut(BaseModel):
    id: str
    prefix: str = Field(
        description="The public part of the secret (slm_<prefix>_…), to tell keys apart."
    )
    role: Literal["app", "admin"]
    created_at: datetime
    revoked_at: datetime | None
    revoked: bool


class KeysOut(BaseModel):
    data: list[KeyOut]
    count: int


class KeyCreatedOut(BaseModel):
    key: KeyOut
    secret: str = Field(description="Shown only this once; store it now.")


def _key_out(record: ApiKeyRecord) -> KeyOut:
    return KeyOut(
        id=record.id,
        prefix=record.prefix,
        role=record.role,
        created_at=record.created_at,
        revoked_at=record.revoked_at,
        revoked=record.revoked,
    )


@router.get("", response_model=KeysOut, responses=ERROR_RESPONSES)
def list_keys(caller: AdminCaller, state: State) -> KeysOut:
    """The tenant's keys, revoked ones included, oldest first; never a secret or a hash."""
    keys = state.store.tenants.list_keys(caller.tenant_id)
    return KeysOut(data=[_key_out(k) for k in keys], count=len(keys))


@router.post("", status_code=201, response_model=KeyCreatedOut, responses=ERROR_RESPONSES)
def create_key(body: KeyCreateIn, caller: AdminCaller, state: State) -> KeyCreatedOut:
    """Create a key for this tenant; the answer holds its secret, shown only this once."""
    record, secret = state.store.tenants.create_api_key(caller.tenant_id, body.role)
    state.store.audit.append(
        caller.tenant_id,
        actor=actor_of(caller),
        action="key.create",
        target=f"key:{record.id}",
        details={"role": record.role, "prefix": record.prefix},
    )
    return KeyCreatedOut(key=_key_out(record), secret=secret)


@router.delete(
    "/{key_id}",
    response_model=KeyOut,
    responses={
        **ERROR_RESPONSES,
        404: {"model": ErrorOut, "description": "No such key for this tenant (not_found)."},
        409: {"model": ErrorOut, "description": "A key cannot revoke itself (cannot_revoke_self)."},
    },
)
def revoke_key(key_id: KeyId, caller: AdminCaller, state: State) -> KeyOut:
    """Revoke a key of this tenant; it stops working at once. Idempotent (a revoked key keeps
    its first ``revoked_at``). A key cannot revoke itself."""
    if key_id == caller.id:
        raise ApiError(
            409,
            "cannot_revoke_self",
            "a key cannot revoke itself; revoke it with another admin key",
            {"key_id": key_id},
        )
    record = state.store.tenants.revoke_key(caller.tenant_id, key_id)
    state.forget_key(record.id)
    state.store.audit.append(
        caller.tenant_id,
        actor=actor_of(caller),
        action="key.revoke",
        target=f"key:{record.id}",
        details={"role": record.role, "prefix": record.prefix},
    )
    return _key_out(record)

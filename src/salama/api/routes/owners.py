"""An owner's settings for their own space: filter all comments, keyword filters, who may
comment and who may message. Written with optimistic concurrency: send the ``version`` you read;
a stale one gets 409 and nothing is overwritten."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from salama.api.deps import Caller, State, actor_of
from salama.api.schemas import ERROR_RESPONSES, Input
from salama.policy.owner import MAX_KEYWORD_CHARS, MAX_KEYWORDS
from salama.service.checks import owner_settings_from_dict

router = APIRouter(prefix="/v1/owners", tags=["owner settings"])

Who = Literal["everyone", "followers", "no_one"]
OwnerId = Path(
    min_length=1,
    max_length=200,
    pattern=r"^[^\x00-\x1f]+$",
    description="The host app's id for the owner.",
)


class SettingsBody(Input):
    filter_all_comments: bool = Field(False, description="Hold every comment for approval.")
    keyword_filters: list[str] = Field(
        default_factory=list,
        max_length=MAX_KEYWORDS,
        description=f"At most {MAX_KEYWORDS} terms of at most {MAX_KEYWORD_CHARS} characters; "
        "matched like the lexicons (m3a9 catches معاق); a trailing * makes a prefix.",
    )
    who_may_comment: Who = "everyone"
    who_may_message: Who = "everyone"


class SettingsPut(Input):
    settings: SettingsBody
    version: int = Field(
        ge=0, le=2**31 - 1, description="The version you read (0 when none were ever written)."
    )


class SettingsOut(BaseModel):
    owner_id: str
    settings: SettingsBody
    version: int
    updated_at: datetime | None


@router.get("/{owner_id}/settings", response_model=SettingsOut, responses=ERROR_RESPONSES)
def get_settings(caller: Caller, state: State, owner_id: str = OwnerId) -> SettingsOut:
    """The owner's settings; the defaults with version 0 when none were written."""
    stored = state.store.settings.get(caller.tenant_id, owner_id)
    if stored is None:
        return SettingsOut(owner_id=owner_id, settings=SettingsBody(), version=0, updated_at=None)
    return SettingsOut(
        owner_id=owner_id,
        settings=SettingsBody.model_validate(stored.settings, strict=False),
        version=stored.version,
        updated_at=stored.updated_at,
    )


@router.put(
    "/{owner_id}/settings",
    response_model=SettingsOut,
    responses={**ERROR_RESPONSES, 409: ERROR_RESPONSES[422] | {"description": "Stale version."}},
)
def put_settings(
    body: SettingsPut, caller: Caller, state: State, owner_id: str = OwnerId
) -> SettingsOut:
    """Replace the owner's settings. Terms are checked (length, count, too short to match)
    before anything is written; the change is audited (field names and counts, not terms)."""
    data = body.settings.model_dump()
    cleaned = owner_settings_from_dict(data)  # raises InputError with a precise code
    data["keyword_filters"] = list(cleaned.keyword_filters)
    before = state.store.settings.get(caller.tenant_id, owner_id)
    stored = state.store.settings.put(
        caller.tenant_id, owner_id, data, expected_version=body.version
    )
    state.service.forget_owner(caller.tenant_id, owner_id)
    old = SettingsBody().model_dump() if before is None else before.settings
    changed = sorted(k for k in data if old.get(k) != data[k])
    state.store.audit.append(
        caller.tenant_id,
        actor=actor_of(caller),
        action="owner_settings.update",
        target=f"owner:{owner_id}",
        details={
            "version": stored.version,
            "changed": changed,
            "keyword_filters": len(data["keyword_filters"]),
        },
    )
    return SettingsOut(
        owner_id=owner_id,
        settings=SettingsBody.model_validate(stored.settings, strict=False),
        version=stored.version,
        updated_at=stored.updated_at,
    )

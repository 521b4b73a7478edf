"""The tenant's audit log: who changed what (policies, keys, owner settings), oldest first.
Append-only: there is no route to change or delete an entry. Admin keys only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from salama.api.deps import AdminCaller, State
from salama.api.schemas import ERROR_RESPONSES

__all__ = ["MAX_AUDIT_PAGE", "router"]

router = APIRouter(prefix="/v1/audit", tags=["audit"])

MAX_AUDIT_PAGE = 1000
MAX_ID = 2**63 - 1  # the column is a 64-bit integer


class AuditEntryOut(BaseModel):
    id: int = Field(description="Increasing; page with ?after_id=<the last id you read>.")
    actor: str = Field(description="`<role>-key:<prefix>`, and `/user:<id>` when acting for one.")
    action: str = Field(description="e.g. policy.add, policy.activate, key.revoke.")
    target: str | None = Field(description="e.g. policy:default@v3, key:<id>, owner:<id>.")
    details: dict[str, Any]
    created_at: datetime


class AuditOut(BaseModel):
    data: list[AuditEntryOut]
    count: int
    next_after_id: int = Field(description="Pass as after_id to read the next page.")


@router.get("", response_model=AuditOut, responses=ERROR_RESPONSES)
def list_audit(
    caller: AdminCaller,
    state: State,
    after_id: Annotated[
        int, Query(ge=0, le=MAX_ID, description="Only entries with a larger id.")
    ] = 0,
    limit: Annotated[
        int, Query(ge=1, description=f"At most this many; capped at {MAX_AUDIT_PAGE}.")
    ] = 100,
) -> AuditOut:
    """The tenant's audit entries after ``after_id``, oldest first."""
    entries = state.store.audit.list(
        caller.tenant_id, after_id=after_id, limit=min(limit, MAX_AUDIT_PAGE)
    )
    return AuditOut(
        data=[
            AuditEntryOut(
                id=e.id,
                actor=e.actor,
                action=e.action,
                target=e.target,
                details=e.details,
                created_at=e.created_at,
            )
            for e in entries
        ],
        count=len(entries),
        next_after_id=entries[-1].id if entries else after_id,
    )

"""Kept decisions and the review queue. A decision is kept when it is worth looking at again
(limit, hold, block, support, or any a rule sent to review), with its text, until it expires
(``SALAMA_DECISION_RETENTION_DAYS``); allowed and nudged texts are never kept. Any key may read
its own tenant's; another tenant's decision reads as 404 ``not_found``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from salama.api.deps import Caller, State
from salama.api.errors import ApiError
from salama.api.schemas import ERROR_RESPONSES, ErrorOut
from salama.store import DecisionRecord

__all__ = ["router"]

router = APIRouter(tags=["decisions"])

MAX_PAGE = 1000
Action = Literal["allow", "nudge", "limit", "hold", "block", "support"]
Limit = Annotated[int, Query(ge=1, description=f"At most this many; capped at {MAX_PAGE}.")]
DecisionId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The decision_id a check returned.",
    ),
]


class DecisionRecordOut(BaseModel):
    id: str
    surface: str
    action: Action
    categories: dict[str, Any] = Field(description="Scores of the categories found (>= 0.01).")
    reasons: list[Any] = Field(description="The rules that fired, the deciding one first.")
    text: str | None = Field(description="The text, kept for review until expires_at.")
    author_ref: str | None = Field(description="The host app's id for the author.")
    created_at: datetime
    expires_at: datetime


class DecisionsOut(BaseModel):
    data: list[DecisionRecordOut]
    count: int


class ReviewItemOut(BaseModel):
    id: str
    decision_id: str
    status: Literal["open", "decided"]
    created_at: datetime
    decision: DecisionRecordOut | None = Field(description="The decision under review.")


class ReviewOut(BaseModel):
    data: list[ReviewItemOut]
    count: int


def _decision_out(d: DecisionRecord) -> DecisionRecordOut:
    return DecisionRecordOut(
        id=d.id,
        surface=d.surface,
        action=d.action,
        categories=d.categories,
        reasons=d.reasons,
        text=d.text,
        author_ref=d.author_ref,
        created_at=d.created_at,
        expires_at=d.expires_at,
    )


@router.get("/v1/decisions", response_model=DecisionsOut, responses=ERROR_RESPONSES)
def list_decisions(
    caller: Caller,
    state: State,
    action: Annotated[Action | None, Query(description="Only decisions with this action.")] = None,
    limit: Limit = 100,
) -> DecisionsOut:
    """The tenant's kept decisions, newest first."""
    found = state.store.decisions.list(caller.tenant_id, action=action, limit=min(limit, MAX_PAGE))
    return DecisionsOut(data=[_decision_out(d) for d in found], count=len(found))


@router.get(
    "/v1/decisions/{decision_id}",
    response_model=DecisionRecordOut,
    responses={
        **ERROR_RESPONSES,
        404: {"model": ErrorOut, "description": "No such decision for this tenant (not_found)."},
    },
)
def get_decision(decision_id: DecisionId, caller: Caller, state: State) -> DecisionRecordOut:
    """One kept decision; 404 when absent, expired, or another tenant's."""
    found = state.store.decisions.get(caller.tenant_id, decision_id)
    if found is None:
        raise ApiError(404, "not_found", "no such decision", {"decision_id": decision_id})
    return _decision_out(found)


@router.get("/v1/review", response_model=ReviewOut, responses=ERROR_RESPONSES, tags=["review"])
def list_review(caller: Caller, state: State, limit: Limit = 100) -> ReviewOut:
    """The tenant's open review items, oldest first, each with its decision."""
    items = state.store.review.list_open(caller.tenant_id, limit=min(limit, MAX_PAGE))
    out = []
    for item in items:
        decision = state.store.decisions.get(caller.tenant_id, item.decision_id)
        out.append(
            ReviewItemOut(
                id=item.id,
                decision_id=item.decision_id,
                status=item.status,
                created_at=item.created_at,
                decision=None if decision is None else _decision_out(decision),
            )
        )
    return ReviewOut(data=out, count=len(out))

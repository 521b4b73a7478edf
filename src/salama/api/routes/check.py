"""POST /v1/check and /v1/check/batch: a text, where it goes, who writes and reads it ->
what to do, why, and help where it is needed."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from salama.api.deps import AppState, Caller, State
from salama.api.errors import ApiError, SafeJSONResponse
from salama.api.schemas import ERROR_RESPONSES, AgeBand, Id, Input, Surface
from salama.service import Author, CheckRequest, CheckResult

router = APIRouter(prefix="/v1/check", tags=["check"])


class AuthorIn(Input):
    id: Id | None = Field(None, description="The host app's id for the author (never a name).")
    age_band: AgeBand = "unknown"
    country: str | None = Field(
        None, pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2, e.g. MA."
    )
    language: str | None = Field(
        None,
        pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$",
        description="The author's language (ary, ar, fr, en...), for prompts and help.",
    )


class OwnerIn(Input):
    id: Id = Field(description="The owner of the space (the creator whose post is commented).")


class ContextIn(Input):
    audience: AgeBand = Field("unknown", description="Age band of who will read the text.")
    author_is_follower: bool | None = Field(
        None, description="Needed when the owner lets only followers comment or write."
    )


class CheckIn(Input):
    text: str = Field(max_length=100_000, description="At most SALAMA_MAX_TEXT_CHARS characters.")
    surface: Surface
    author: AuthorIn = Field(default_factory=AuthorIn)
    owner: OwnerIn | None = None
    context: ContextIn = Field(default_factory=ContextIn)
    confirmed: bool = Field(False, description="The author was nudged and sends it anyway.")
    policy: Id = Field("default", description="Which of the tenant's policies to apply.")


class BatchIn(Input):
    items: list[CheckIn] = Field(min_length=1, max_length=1000)


class ReasonOut(BaseModel):
    rule: str
    action: str
    category: str | None
    score: float | None
    evidence: list[dict[str, Any]]
    signals: list[str]
    key: str
    message: dict[str, str]
    where: str


class DecisionOut(BaseModel):
    action: str
    reasons: list[ReasonOut]
    policy: str
    lang: str
    prompt: dict[str, str] | None
    review: bool
    withheld: str | None


class VerdictOut(BaseModel):
    scores: dict[str, float]
    categories: list[str]
    spans: list[dict[str, Any]]
    language: str
    script: str
    code_switching: bool
    signals: list[str]
    truncated: bool
    versions: dict[str, str]


class CheckOut(BaseModel):
    decision: DecisionOut
    verdict: VerdictOut
    decision_id: str | None
    review_item_id: str | None
    resources: dict[str, Any] | None = Field(
        None, description="With action support: a safe-messaging text and help resources."
    )
    latency_ms: float


class BatchOut(BaseModel):
    results: list[CheckOut]
    count: int
    latency_ms: float


def _request(body: CheckIn, max_chars: int, index: int | None = None) -> CheckRequest:
    if len(body.text) > max_chars:
        where = "text" if index is None else f"items.{index}.text"
        raise ApiError(
            422,
            "text_too_long",
            f"{where} has {len(body.text)} characters; at most {max_chars}",
            {"limit": max_chars, "field": where},
        )
    a = body.author
    return CheckRequest(
        text=body.text,
        surface=body.surface,
        author=Author(a.id, a.age_band, a.country.upper() if a.country else None, a.language),
        owner_id=None if body.owner is None else body.owner.id,
        confirmed=body.confirmed,
        audience=body.context.audience,
        author_is_follower=body.context.author_is_follower,
        policy=body.policy,
    )


def _out(state: State, result: CheckResult, latency_ms: float) -> dict[str, Any]:
    out = result.to_dict()
    out["latency_ms"] = latency_ms
    out.setdefault("resources", None)
    state.metrics.decision(result.decision.action, result.verdict.categories)
    return out


def check_one(state: AppState, tenant_id: str, body: CheckIn) -> SafeJSONResponse:
    """One check, answered: what ``POST /v1/check`` does once the caller is known (also called
    by the fast path, ``salama.api.fastpath``)."""
    start = time.perf_counter()
    result = state.service.check(tenant_id, _request(body, state.settings.max_text_chars))
    latency = round((time.perf_counter() - start) * 1000, 3)
    return SafeJSONResponse(_out(state, result, latency))


@router.post("", response_model=CheckOut, responses=ERROR_RESPONSES)
async def check(body: CheckIn, caller: Caller, request: Request) -> SafeJSONResponse:
    """Check one text: the decision (with its reasons in ar/fr/en), the verdict, and help
    resources when the action is ``support``."""
    # On the event loop, not in a worker thread: a check is CPU work (about 0.3 ms) and, for a
    # decision worth keeping, a short write or two. With one process per core, a thread adds only
    # hand-offs and GIL contention, and under load a thread waits for the GIL after each database
    # call: measured, the inline check costs less CPU and has the shorter tail, on SQLite and on
    # PostgreSQL (docs/benchmarks.md). The answer goes out after the write has committed.
    # Well-formed JSON requests usually do not come here but through salama.api.fastpath, which
    # calls check_one too; this route answers the rest (and describes the route in OpenAPI).
    state: AppState = request.app.state.salama  # not the State dependency: see deps.get_caller
    return check_one(state, caller.tenant_id, body)


@router.post("/batch", response_model=BatchOut, responses=ERROR_RESPONSES)
def check_batch(body: BatchIn, caller: Caller, state: State) -> SafeJSONResponse:
    """Check up to SALAMA_MAX_BATCH texts in one call; results in the same order. One invalid
    item refuses the whole batch (422, naming the item)."""
    start = time.perf_counter()
    limit = state.settings.max_batch
    if len(body.items) > limit:
        raise ApiError(
            422,
            "batch_too_large",
            f"{len(body.items)} items; at most {limit} per batch",
            {"limit": limit, "found": len(body.items)},
        )
    requests = [
        _request(item, state.settings.max_text_chars, i) for i, item in enumerate(body.items)
    ]
    results = state.service.check_batch(caller.tenant_id, requests)
    latency = round((time.perf_counter() - start) * 1000, 3)
    each = round(latency / len(results), 3)
    return SafeJSONResponse(
        {
            "results": [_out(state, r, each) for r in results],
            "count": len(results),
            "latency_ms": latency,
        }
    )

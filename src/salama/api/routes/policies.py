"""A tenant's policies: versions stored as YAML, validated before they are stored, one active
version per name (the one ``POST /v1/check`` applies with ``"policy": name``), and at most one
shadow version per name that is evaluated beside the active one without acting.

Reads need an app or admin key; writes an admin key. Every write is audited and makes this
process forget its cached copy of the policy, so that the next check applies it at once (other
processes within ``SALAMA_SETTINGS_CACHE_SECONDS``). A policy with errors is refused as a whole
(422 ``invalid_policy``, every error with its line) and nothing is stored: the active version
stays active.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from salama.api.deps import AdminCaller, Caller, State, actor_of
from salama.api.errors import ApiError
from salama.api.schemas import ERROR_RESPONSES, ErrorOut, Input
from salama.errors import DataError
from salama.policy import Policy, parse_policy
from salama.policy.loader import DEFAULT_POLICY
from salama.store import PolicyVersion, ShadowResult

__all__ = ["EXAMPLE_POLICY", "MAX_POLICY_CHARS", "MAX_POLICY_NAME", "router"]

router = APIRouter(prefix="/v1/policies", tags=["policies"])

MAX_POLICY_CHARS = 200_000
MAX_POLICY_NAME = 100
MAX_VERSION = 1_000_000
MAX_ERRORS = 1000
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$"
NAME_HELP = (
    "The policy's name, as POST /v1/check names it in `policy` (default: `default`): letters, "
    f"digits, '_', '-' and '.', at most {MAX_POLICY_NAME} characters."
)

PolicyName = Annotated[
    str,
    Path(
        min_length=1,
        max_length=MAX_POLICY_NAME,
        pattern=NAME_PATTERN,
        description=NAME_HELP,
        examples=["default"],
    ),
]
Version = Annotated[
    int, Path(ge=1, le=MAX_VERSION, description="The version number (1, 2, …).", examples=[1])
]
Limit = Annotated[int, Query(ge=1, description="At most this many, newest first; capped at 1000.")]

NOT_FOUND = {"model": ErrorOut, "description": "No such policy version for this tenant."}
CONFLICT = {"model": ErrorOut, "description": "The write conflicts (conflict)."}
INVALID_POLICY = {
    "model": ErrorOut,
    "description": "The policy has errors (invalid_policy; details.errors lists each with its "
    "line) or the input is invalid (invalid_input).",
}
READ_RESPONSES = {**ERROR_RESPONSES, 404: NOT_FOUND}
WRITE_RESPONSES = {**ERROR_RESPONSES, 404: NOT_FOUND, 409: CONFLICT}


# --- schemas -------------------------------------------------------------------------------


EXAMPLE_POLICY = """\
name: my-app
version: "1"
rules:
  - id: profanity-block-comments
    when:
      category: profanity
      flagged: true
      surfaces: [comment]
    action: block
    reason: profanity_teen
"""


class PolicyBodyIn(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"body": EXAMPLE_POLICY}]})

    body: str = Field(
        max_length=MAX_POLICY_CHARS,
        description=f"The policy's YAML (docs/policies.md), at most {MAX_POLICY_CHARS} characters.",
    )


class PolicyValidateIn(PolicyBodyIn):
    name: str = Field(
        "policy",
        min_length=1,
        max_length=MAX_POLICY_NAME,
        pattern=NAME_PATTERN,
        description="How error messages name the policy (`<name>:<line>: message`).",
    )


class PolicyValidationOut(BaseModel):
    valid: bool
    errors: list[str] = Field(description="Every error as `<name>:<line>: message`.")
    rules: int = Field(description="How many rules the policy has (0 when invalid).")


class PolicyVersionOut(BaseModel):
    name: str
    version: int
    status: Literal["draft", "active", "shadow", "retired"]
    created_at: datetime


class PolicyVersionDetailOut(PolicyVersionOut):
    body: str


class PolicyVersionsOut(BaseModel):
    data: list[PolicyVersionOut]
    count: int


class ActivePolicyOut(BaseModel):
    name: str
    source: Literal["tenant", "shipped"] = Field(
        description="`tenant`: the tenant's active version; `shipped`: the tenant has none, "
        "so checks apply Salama's shipped default policy (salama-default)."
    )
    version: int | None = Field(description="The tenant's version number; null when shipped.")
    label: str = Field(description="The policy file's own `name@version`, as decisions show it.")
    body: str
    created_at: datetime | None
    shadow_version: int | None = Field(description="The version running in shadow, if any.")


class ShadowClearedOut(BaseModel):
    name: str
    cleared_version: int | None = Field(description="The version that stopped; null if none ran.")


class ShadowResultOut(BaseModel):
    id: str
    name: str
    live_version: int | None = Field(description="null: the shipped default policy was live.")
    candidate_version: int
    surface: str
    live_action: str = Field(description="What the check returned.")
    candidate_action: str = Field(description="What the shadow version would have done.")
    scores: dict[str, Any]
    text: str | None
    created_at: datetime
    expires_at: datetime


class ShadowResultsOut(BaseModel):
    data: list[ShadowResultOut]
    count: int


# --- helpers -------------------------------------------------------------------------------


@cache
def _shipped_body() -> str:
    ref = resources.files("salama.policy") / "policies" / DEFAULT_POLICY
    return ref.read_text("utf-8")


def _parse(body: str, source: str) -> tuple[Policy | None, list[str]]:
    """The policy, or None with every error as ``source:line: message`` (past MAX_ERRORS, one
    last line counts the rest: a 200,000-character file can hold tens of thousands)."""
    try:
        return parse_policy(body, source=source), []
    except DataError as exc:
        listed = exc.details.get("errors")
        errors = [str(e) for e in listed] if isinstance(listed, list) else [exc.message]
        if len(errors) > MAX_ERRORS:
            where = ":".join(errors[MAX_ERRORS].split(":", 2)[:2])
            rest = len(errors) - MAX_ERRORS
            errors = [*errors[:MAX_ERRORS], f"{where}: and {rest} more error(s)"]
        return None, errors
    except RecursionError:
        # PyYAML composes nested collections recursively: '[[[[…' exhausts the stack.
        return None, [f"{source}:1: YAML nested too deeply"]


def _version_out(v: PolicyVersion) -> PolicyVersionOut:
    return PolicyVersionOut(
        name=v.name, version=v.version, status=v.status, created_at=v.created_at
    )


def _target(name: str, version: int) -> str:
    return f"policy:{name}@v{version}"


def _shadow_out(r: ShadowResult) -> ShadowResultOut:
    return ShadowResultOut(
        id=r.id,
        name=r.name,
        live_version=r.live_version,
        candidate_version=r.candidate_version,
        surface=r.surface,
        live_action=r.live_action,
        candidate_action=r.candidate_action,
        scores=r.scores,
        text=r.text,
        created_at=r.created_at,
        expires_at=r.expires_at,
    )


# --- reads ---------------------------------------------------------------------------------


@router.get("", response_model=PolicyVersionsOut, responses=ERROR_RESPONSES)
def list_policies(
    caller: Caller,
    state: State,
    name: Annotated[
        str | None,
        Query(max_length=MAX_POLICY_NAME, pattern=NAME_PATTERN, description="Only this policy."),
    ] = None,
) -> PolicyVersionsOut:
    """The tenant's policy versions (without their bodies), by name then version."""
    versions = state.store.policies.list(caller.tenant_id, name)
    return PolicyVersionsOut(data=[_version_out(v) for v in versions], count=len(versions))


@router.get("/{name}/active", response_model=ActivePolicyOut, responses=ERROR_RESPONSES)
def get_active(name: PolicyName, caller: Caller, state: State) -> ActivePolicyOut:
    """The policy that checks naming ``name`` apply: the tenant's active version, or the shipped
    default (``source: shipped``) when the tenant has activated none."""
    active = state.store.policies.get_active(caller.tenant_id, name)
    shadow = state.store.policies.get_shadow(caller.tenant_id, name)
    shadow_version = None if shadow is None else shadow.version
    if active is None:
        return ActivePolicyOut(
            name=name,
            source="shipped",
            version=None,
            label=state.service.default_policy.label,
            body=_shipped_body(),
            created_at=None,
            shadow_version=shadow_version,
        )
    parsed, _ = _parse(active.body, f"{name}@v{active.version}")
    return ActivePolicyOut(
        name=name,
        source="tenant",
        version=active.version,
        label=parsed.label if parsed is not None else f"{name}@v{active.version}",
        body=active.body,
        created_at=active.created_at,
        shadow_version=shadow_version,
    )


@router.get(
    "/{name}/versions/{version}", response_model=PolicyVersionDetailOut, responses=READ_RESPONSES
)
def get_version(
    name: PolicyName, version: Version, caller: Caller, state: State
) -> PolicyVersionDetailOut:
    """One version with its body; 404 when the tenant has no such version."""
    found = state.store.policies.get_version(caller.tenant_id, name, version)
    if found is None:
        raise ApiError(
            404, "not_found", "no such policy version", {"name": name, "version": version}
        )
    return PolicyVersionDetailOut(**_version_out(found).model_dump(), body=found.body)


@router.get("/{name}/shadow-results", response_model=ShadowResultsOut, responses=ERROR_RESPONSES)
def shadow_results(
    name: PolicyName, caller: Caller, state: State, limit: Limit = 100
) -> ShadowResultsOut:
    """Where a shadow version of this policy decided otherwise than the live one, newest first.
    The text is kept only when one of the two actions keeps text (limit, hold, block, support)."""
    results = state.store.shadows.list(caller.tenant_id, name=name, limit=min(limit, 1000))
    return ShadowResultsOut(data=[_shadow_out(r) for r in results], count=len(results))


@router.post(
    "/validate",
    response_model=PolicyValidationOut,
    responses={k: v for k, v in ERROR_RESPONSES.items() if k != 403},
)
def validate(body: PolicyValidateIn, caller: Caller) -> PolicyValidationOut:
    """Check a policy without storing it: ``valid``, every error with its line, and the number
    of rules. Any key may call it (nothing is written)."""
    parsed, errors = _parse(body.body, body.name)
    return PolicyValidationOut(
        valid=parsed is not None,
        errors=errors,
        rules=0 if parsed is None else len(parsed.rules),
    )


# --- writes (admin) ------------------------------------------------------------------------


@router.post(
    "/{name}/versions",
    status_code=201,
    response_model=PolicyVersionOut,
    responses={**WRITE_RESPONSES, 422: INVALID_POLICY},
)
def add_version(
    name: PolicyName, body: PolicyBodyIn, caller: AdminCaller, state: State
) -> PolicyVersionOut:
    """Store the next version of the policy as a draft, after validating it: a policy with any
    error is refused (422 ``invalid_policy``, ``details.errors`` lists every one) and nothing is
    stored. Activate it, or run it in shadow, to make it count."""
    parsed, errors = _parse(body.body, name)
    if parsed is None:
        raise ApiError(
            422,
            "invalid_policy",
            f"{len(errors)} error(s) in the policy; nothing was stored: {errors[0]}",
            {"errors": errors},
        )
    added = state.store.policies.add_version(caller.tenant_id, name, body.body)
    state.service.forget_policy(caller.tenant_id, name)
    state.store.audit.append(
        caller.tenant_id,
        actor=actor_of(caller),
        action="policy.add",
        target=_target(name, added.version),
        details={"rules": len(parsed.rules), "chars": len(body.body), "label": parsed.label},
    )
    return _version_out(added)


@router.post(
    "/{name}/versions/{version}/activate",
    response_model=PolicyVersionOut,
    responses=WRITE_RESPONSES,
)
def activate(
    name: PolicyName, version: Version, caller: AdminCaller, state: State
) -> PolicyVersionOut:
    """Make this version the active one of its name (the one before is retired). Idempotent.
    Checks through this process apply it at once."""
    before = state.store.policies.get_active(caller.tenant_id, name)
    activated = state.store.policies.activate(caller.tenant_id, name, version)
    state.service.forget_policy(caller.tenant_id, name)
    state.store.audit.append(
        caller.tenant_id,
        actor=actor_of(caller),
        action="policy.activate",
        target=_target(name, version),
        details={"previous_version": None if before is None else before.version},
    )
    return _version_out(activated)


@router.post(
    "/{name}/versions/{version}/shadow",
    response_model=PolicyVersionOut,
    responses={**WRITE_RESPONSES, 409: CONFLICT | {"description": "The version is active."}},
)
def set_shadow(
    name: PolicyName, version: Version, caller: AdminCaller, state: State
) -> PolicyVersionOut:
    """Run this version in shadow beside the active one (or the shipped default): checks
    evaluate both, the live one acts, and differences are recorded (``shadow-results``). At most
    one shadow per name; the one before goes back to draft. 409 for the active version."""
    shadowed = state.store.policies.set_shadow(caller.tenant_id, name, version)
    state.service.forget_policy(caller.tenant_id, name)
    live = state.store.policies.get_active(caller.tenant_id, name)
    state.store.audit.append(
        caller.tenant_id,
        actor=actor_of(caller),
        action="policy.shadow",
        target=_target(name, version),
        details={"live_version": None if live is None else live.version},
    )
    return _version_out(shadowed)


@router.delete("/{name}/shadow", response_model=ShadowClearedOut, responses=ERROR_RESPONSES)
def clear_shadow(name: PolicyName, caller: AdminCaller, state: State) -> ShadowClearedOut:
    """Stop the shadow run (the version goes back to draft). Idempotent: with no shadow running
    it answers ``cleared_version: null`` and audits nothing."""
    cleared = state.store.policies.clear_shadow(caller.tenant_id, name)
    state.service.forget_policy(caller.tenant_id, name)
    if cleared is not None:
        state.store.audit.append(
            caller.tenant_id,
            actor=actor_of(caller),
            action="policy.shadow_clear",
            target=_target(name, cleared.version),
        )
    return ShadowClearedOut(name=name, cleared_version=None if cleared is None else cleared.version)

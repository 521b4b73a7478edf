"""The check flow, end to end: text -> Verdict -> Decision -> support -> store.

    service = CheckService(store, Detector())
    result = service.check(tenant_id, CheckRequest(text="...", surface="comment",
                                                   author=Author(id="u1", age_band="teen_13_15")))
    result.decision.action, result.support, result.decision_id

Transport-free: the HTTP API, the CLI and tests call the same object. What it keeps: a decision
worth keeping (``limit``, ``hold``, ``block``, ``support``, or any decision a rule sent to review)
is written with its text; held and review-flagged decisions are queued for review; an allowed or
nudged text is not written anywhere. Where a tenant runs a policy version in shadow, both versions
are evaluated, the live one acts, and differences are recorded (``store.shadows``).

Owner settings and a tenant's policies are read from the store and kept for ``cache_seconds``;
:meth:`CheckService.forget_owner` and :meth:`CheckService.forget_policy` drop them at once after a
write through this process (other processes see the change after at most ``cache_seconds``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from salama.detect.detector import Detector
from salama.detect.verdict import Verdict
from salama.errors import InputError
from salama.policy import Decision, Policy, evaluate, load_default_policy, parse_policy
from salama.policy import OwnerSettings as PolicyOwnerSettings
from salama.policy.family import FamilyRulesSource
from salama.policy.model import AUDIENCES, SURFACES
from salama.service.cache import TTLCache
from salama.store import Store
from salama.store.repos import TEXT_KEPT_FOR, PolicyVersion
from salama.support import ResourceBook, SupportResponse, respond, shipped_resources
from salama.support.messages import support_message

__all__ = [
    "DEFAULT_POLICY_NAME",
    "Author",
    "CheckRequest",
    "CheckResult",
    "CheckService",
    "owner_settings_from_dict",
]

DEFAULT_POLICY_NAME = "default"
OWNER_KEYS = ("filter_all_comments", "keyword_filters", "who_may_comment", "who_may_message")


@dataclass(frozen=True, slots=True)
class Author:
    """Who wrote the text: the host app's id (never a name), age band, country, language."""

    id: str | None = None
    age_band: str = "unknown"
    country: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class CheckRequest:
    """One text to check, where it goes and who writes and reads it.

    ``audience`` is the age band of who will read it (default ``unknown``, protected as the
    youngest); ``author_is_follower`` is needed only when the owner lets followers alone write."""

    text: str
    surface: str
    author: Author = field(default_factory=Author)
    owner_id: str | None = None
    confirmed: bool = False
    audience: str = "unknown"
    author_is_follower: bool | None = None
    policy: str = DEFAULT_POLICY_NAME


@dataclass(frozen=True, slots=True)
class CheckResult:
    decision: Decision
    verdict: Verdict
    support: SupportResponse | None = None
    decision_id: str | None = None  # set when the decision was kept
    review_item_id: str | None = None  # set when it was queued for review

    def to_dict(self) -> dict[str, Any]:
        verdict = self.verdict.to_dict()
        out: dict[str, Any] = {
            "decision": self.decision.to_dict(),
            "verdict": {
                "scores": verdict["scores"],
                "categories": verdict["categories"],
                "spans": verdict["spans"],
                "language": verdict["language"],
                "script": verdict["script"],
                "code_switching": verdict["code_switching"],
                "signals": verdict["signals"],
                "truncated": verdict["truncated"],
                "versions": verdict["versions"],
            },
            "decision_id": self.decision_id,
            "review_item_id": self.review_item_id,
        }
        if self.support is not None:
            out["resources"] = self.support.to_dict()
        return out


def owner_settings_from_dict(data: dict[str, Any]) -> PolicyOwnerSettings:
    """The policy's OwnerSettings from their stored JSON. Raises InputError on a bad value."""
    unknown = sorted(set(data) - set(OWNER_KEYS))
    if unknown:
        raise InputError(
            f"unknown owner setting(s): {', '.join(unknown)}",
            details={"code": "invalid_owner_setting", "fields": unknown},
        )
    return PolicyOwnerSettings(
        filter_all_comments=bool(data.get("filter_all_comments", False)),
        keyword_filters=tuple(data.get("keyword_filters", ())),
        who_may_comment=data.get("who_may_comment", "everyone"),
        who_may_message=data.get("who_may_message", "everyone"),
    )


@dataclass(frozen=True, slots=True)
class _Policies:
    live: Policy
    live_version: int | None  # None: the shipped default
    shadow: Policy | None
    shadow_version: int | None


class CheckService:
    """Checks texts for one store. Thread-safe: the API calls it from its worker threads."""

    def __init__(
        self,
        store: Store,
        detector: Detector | None = None,
        *,
        default_policy: Policy | None = None,
        resources: ResourceBook | None = None,
        cache_seconds: float = 5.0,
        retention: timedelta = timedelta(days=30),
    ) -> None:
        self.store = store
        self.detector = detector or Detector()
        self.default_policy = default_policy or load_default_policy()
        self.resources = resources or shipped_resources()
        self.retention = retention
        self._owners = TTLCache(cache_seconds)
        self._policies = TTLCache(cache_seconds)
        self._parsed: dict[str, Policy] = {}  # policy row id -> parsed (bodies never change)
        # A parent's controls (salama.service.family.FamilyPolicySource), read before the policy.
        self.family: FamilyRulesSource | None = None

    # --- the flow -----------------------------------------------------------------------------

    def check(self, tenant_id: str, request: CheckRequest) -> CheckResult:
        """Check one text. Raises InputError for an unknown surface or age band, or when the
        owner's settings need ``author_is_follower`` and it is missing."""
        _validate(request)
        verdict = self.detector.check(request.text)
        return self._decide(tenant_id, request, verdict)

    def check_batch(self, tenant_id: str, requests: Sequence[CheckRequest]) -> list[CheckResult]:
        """Check several texts with one detector batch; results in the same order. Every
        request is validated before any is checked, so a bad one fails the batch as a whole."""
        for request in requests:
            _validate(request)
        verdicts = self.detector.check_batch([r.text for r in requests])
        return [self._decide(tenant_id, r, v) for r, v in zip(requests, verdicts, strict=True)]

    def _decide(self, tenant_id: str, request: CheckRequest, verdict: Verdict) -> CheckResult:
        owner = self.owner_settings(tenant_id, request.owner_id)
        policies = self.policies(tenant_id, request.policy)
        context: dict[str, Any] = {
            "surface": request.surface,
            "author_band": request.author.age_band,
            "reader_band": request.audience,
            "owner": owner,
            "confirmed": request.confirmed,
            "author_is_follower": request.author_is_follower,
            "text": request.text,
            "lang": request.author.language,
        }
        if self.family is not None:
            author_id, owner_id = request.author.id, request.owner_id
            context["family"] = self.family.rules_for(tenant_id, author_id, owner_id)
        decision = evaluate(policies.live, verdict, **context)
        if policies.shadow is not None and policies.shadow_version is not None:
            candidate = evaluate(policies.shadow, verdict, **context)
            if candidate.action != decision.action or candidate.review != decision.review:
                self.store.shadows.record(
                    tenant_id,
                    name=request.policy,
                    live_version=policies.live_version,
                    candidate_version=policies.shadow_version,
                    surface=request.surface,
                    live_action=decision.action,
                    candidate_action=candidate.action,
                    scores=_flagged_scores(verdict),
                    text=request.text,
                    retention=self.retention,
                )
        support = self._support(request, verdict) if decision.action == "support" else None
        decision_id = review_id = None
        if decision.action in TEXT_KEPT_FOR or decision.review:
            # the decision and its review item in one transaction: both or neither
            record, item = self.store.decisions.record_and_queue(
                tenant_id,
                surface=request.surface,
                action=decision.action,
                categories=_flagged_scores(verdict),
                reasons=[r.to_dict() for r in decision.reasons],
                text=request.text,
                author_ref=request.author.id,
                retention=self.retention,
                review=decision.action == "hold" or decision.review,
            )
            decision_id = record.id
            review_id = None if item is None else item.id
        return CheckResult(decision, verdict, support, decision_id, review_id)

    def _support(self, request: CheckRequest, verdict: Verdict) -> SupportResponse:
        audience = "all" if request.author.age_band == "adult" else "youth"
        language = request.author.language or verdict.language
        response = respond(
            verdict.signals,
            verdict.scores.get("self_harm", 0.0),
            country=request.author.country,
            language=language,
            surface=request.surface,
            audience=audience,
            book=self.resources,
        )
        if response is not None:
            return response
        # A tenant's own policy asked for support where the shipped rules would not: help anyway.
        situation = "search" if request.surface == "search" else "first_person"
        selection = self.resources.select(request.author.country, language, audience)
        return SupportResponse(
            situation=situation,
            message=support_message(situation, language),
            resources=selection.resources,
            country=selection.country,
            note=selection.note,
        )

    # --- cached reads -------------------------------------------------------------------------

    def owner_settings(self, tenant_id: str, owner_id: str | None) -> PolicyOwnerSettings | None:
        """The owner's settings as the policy reads them (cached), or None."""
        if owner_id is None:
            return None

        def load() -> PolicyOwnerSettings | None:
            stored = self.store.settings.get(tenant_id, owner_id)
            return None if stored is None else owner_settings_from_dict(stored.settings)

        result: PolicyOwnerSettings | None = self._owners.get((tenant_id, owner_id), load)
        return result

    def policies(self, tenant_id: str, name: str = DEFAULT_POLICY_NAME) -> _Policies:
        """The live policy (the tenant's active version, else the shipped default) and the
        shadow version, if any (cached)."""

        def load() -> _Policies:
            active = self.store.policies.get_active(tenant_id, name)
            shadow = self.store.policies.get_shadow(tenant_id, name)
            live = self.default_policy if active is None else self._parse(active)
            return _Policies(
                live,
                None if active is None else active.version,
                None if shadow is None else self._parse(shadow),
                None if shadow is None else shadow.version,
            )

        result: _Policies = self._policies.get((tenant_id, name), load)
        return result

    def forget_owner(self, tenant_id: str, owner_id: str) -> None:
        self._owners.forget((tenant_id, owner_id))

    def forget_policy(self, tenant_id: str, name: str) -> None:
        self._policies.forget((tenant_id, name))

    def _parse(self, version: PolicyVersion) -> Policy:
        parsed = self._parsed.get(version.id)
        if parsed is None:
            # Validated before it was stored; a DataError here means the policy language changed.
            parsed = parse_policy(version.body, source=f"{version.name}@v{version.version}")
            self._parsed[version.id] = parsed
        return parsed


def _validate(request: CheckRequest) -> None:
    if request.surface not in SURFACES:
        raise InputError(
            f"unknown surface {request.surface!r}; one of: {', '.join(SURFACES)}",
            details={"field": "surface"},
        )
    for name, band in (
        ("author.age_band", request.author.age_band),
        ("audience", request.audience),
    ):
        if band not in AUDIENCES:
            raise InputError(
                f"unknown {name} {band!r}; one of: {', '.join(AUDIENCES)}",
                details={"field": name},
            )


def _flagged_scores(verdict: Verdict) -> dict[str, float]:
    return {c: round(s, 4) for c, s in verdict.scores.items() if s >= 0.01}

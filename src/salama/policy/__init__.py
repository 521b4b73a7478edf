"""Policies as data: rules that turn a Verdict, a surface and an audience into a Decision.

    policy = load_default_policy()          # or load_policy("my-policy.yaml")
    decision = evaluate(policy, verdict, surface="comment",
                        author_band="teen_16_17", reader_band="teen_13_15")
    decision.action, decision.reasons, decision.explain("fr")

See docs/policies.md for the policy language and the shipped policy.
"""

from salama.policy.engine import ShadowResult, evaluate, shadow
from salama.policy.loader import load_default_policy, load_policy, parse_policy
from salama.policy.model import (
    ACTIONS,
    AUDIENCES,
    SURFACES,
    Condition,
    Decision,
    Evidence,
    Policy,
    Reason,
    Rule,
)
from salama.policy.owner import OwnerSettings

__all__ = [
    "ACTIONS",
    "AUDIENCES",
    "SURFACES",
    "Condition",
    "Decision",
    "Evidence",
    "OwnerSettings",
    "Policy",
    "Reason",
    "Rule",
    "ShadowResult",
    "evaluate",
    "load_default_policy",
    "load_policy",
    "parse_policy",
    "shadow",
]

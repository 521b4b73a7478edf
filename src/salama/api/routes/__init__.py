"""One router per resource; ``ROUTERS`` lists them in the order the OpenAPI document shows."""

from fastapi import APIRouter

from salama.api.routes import (
    audit,
    check,
    decisions,
    family,
    health,
    keys,
    owners,
    policies,
    resources,
    usage,
    users,
    webhooks,
)

ROUTERS: list[APIRouter] = [
    check.router,
    owners.router,
    users.router,
    usage.router,
    family.router,
    webhooks.router,
    policies.router,
    decisions.router,
    resources.router,
    keys.router,
    audit.router,
    health.router,
]

"""One router per resource; ``ROUTERS`` lists them in the order the OpenAPI document shows."""

from fastapi import APIRouter

from salama.api.routes import check, health, owners

ROUTERS: list[APIRouter] = [check.router, owners.router, health.router]

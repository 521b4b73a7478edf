"""/healthz for load balancers and /metrics for Prometheus (no key needed for either)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from salama import __version__
from salama.api.deps import State
from salama.api.errors import ApiError
from salama.api.schemas import ERROR_RESPONSES

router = APIRouter(tags=["operations"])


@router.get("/healthz", responses={503: ERROR_RESPONSES[503]})
def healthz(state: State) -> dict[str, Any]:
    """200 when the database answers; 503 (storage_unavailable) when it does not."""
    state.store.ping()
    return {
        "status": "ok",
        "version": __version__,
        "database": state.store.engine.dialect.name,
        "model": state.service.detector.versions.get("model"),
        "rate_limits": "redis" if state.settings.redis_url else "process",
    }


@router.get("/metrics", response_class=Response, responses={404: ERROR_RESPONSES[422]})
def metrics(state: State) -> Response:
    """Prometheus text format: requests, latency histogram, decisions by action and category."""
    if not state.settings.metrics_enabled:
        raise ApiError(404, "not_found", "metrics are turned off (SALAMA_METRICS_ENABLED)")
    return Response(state.metrics.render(), media_type="text/plain; version=0.0.4")

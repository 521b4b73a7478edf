"""The application factory: ``create_app(settings)`` builds the FastAPI app; nothing is built at
import time. ``salama serve`` is ``uvicorn.run(create_app(Settings()))``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI

from salama import __version__
from salama.api.deps import AppState
from salama.api.errors import SafeJSONResponse, install_handlers
from salama.api.fastpath import CheckFastPath, check_route
from salama.api.limits import BodySizeLimit, make_limiter
from salama.api.metrics import Metrics, MetricsMiddleware
from salama.api.routes import ROUTERS
from salama.config import Settings
from salama.detect.detector import Detector
from salama.service import CheckService
from salama.service.family import FamilyService
from salama.service.usage import UsageService
from salama.store import Store

__all__ = ["create_app"]

DESCRIPTION = """\
Youth-safety checks for text (Darija first, then Arabic, French and English), policies that act,
help for crisis language, and the settings behind them.

Every route under `/v1` needs `Authorization: Bearer <api key>` (see `salama tenant create`).
Every error has one shape: `{"error": {"code", "message", "details"}}`.
"""


def create_app(
    settings: Settings | None = None,
    *,
    store: Store | None = None,
    detector: Detector | None = None,
) -> FastAPI:
    """Build the app. ``store`` (default: ``Store.open(settings.database_url)``, which creates
    and migrates the database) and ``detector`` may be passed in, e.g. by tests; a store passed
    in is not closed with the app."""
    settings = settings or Settings()
    owns_store = store is None
    store = store or Store.open(settings.database_url)
    detector = detector or Detector()
    detector.check("warm up")  # load the model now, not on the first request
    service = CheckService(
        store,
        detector,
        cache_seconds=settings.settings_cache_seconds,
        retention=timedelta(days=settings.decision_retention_days),
    )
    metrics = Metrics()
    limiter = make_limiter(settings.rate_limit_per_minute, settings.redis_url)
    state = AppState(settings, store, service, metrics, limiter)
    state.extras["usage"] = UsageService(store, redis_url=settings.redis_url)
    family = FamilyService(store)  # family controls feed the screen-time limits
    service.family = family.policy_source(settings.settings_cache_seconds)  # ... and checks
    state.extras["family"] = family
    state.extras["usage"].controls_provider = family.usage_limits
    state.extras["usage"].parent_check = family.is_parent_of

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        delivery = None
        if settings.webhook_delivery:
            from salama.service.webhooks import DeliveryThread

            delivery = DeliveryThread(store, allow_private=settings.webhook_allow_private)
            delivery.start()
        yield
        if delivery is not None:
            delivery.stop()
        close = getattr(limiter, "close", None)
        if close is not None:
            close()
        state.extras["usage"].close()
        if owns_store:
            store.close()

    app = FastAPI(
        title="Salama",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        default_response_class=SafeJSONResponse,
    )
    app.state.salama = state
    install_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    if settings.check_fast_path:  # innermost: inside the body limit and the metrics
        app.add_middleware(CheckFastPath, state=state, route=check_route())
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app

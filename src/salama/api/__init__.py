"""The HTTP API (FastAPI): ``create_app(settings)``; OpenAPI at /docs and /openapi.json."""

from salama.api.app import create_app

__all__ = ["create_app"]

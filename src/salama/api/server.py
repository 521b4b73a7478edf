"""What uvicorn runs: ``salama.api.server:app`` as a factory reading ``SALAMA_*`` settings."""

from __future__ import annotations

from fastapi import FastAPI

from salama.api.app import create_app
from salama.config import Settings


def app() -> FastAPI:
    """Build the app from the environment (each uvicorn worker calls this once)."""
    return create_app(Settings())

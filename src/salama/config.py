"""Settings: one typed class, read from ``SALAMA_*`` environment variables, passed in.

Nothing is read at import time: ``Settings()`` is built in the CLI's ``main`` (or by a test) and
handed to :func:`salama.api.create_app`. Every field is documented in docs/configuration.md (a
test checks that the two agree).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from salama.store.engine import DEFAULT_URL

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Salama's settings. Environment: ``SALAMA_<FIELD>`` (case-insensitive)."""

    model_config = SettingsConfigDict(env_prefix="SALAMA_", extra="ignore", frozen=True)

    env: Literal["dev", "prod"] = Field(
        "dev", description="dev or prod; prod refuses unsafe defaults (see docs)."
    )
    database_url: str = Field(
        DEFAULT_URL,
        description="SQLAlchemy URL. Default: a SQLite file salama.db in the working directory, "
        "created and migrated on first start. PostgreSQL: postgresql://user@host/db.",
    )
    redis_url: str | None = Field(
        None,
        description="redis://host:port/db. When set, rate limits (and usage counters) live in "
        "Redis so that several API processes agree; otherwise in process.",
    )
    host: str = Field("127.0.0.1", description="Address `salama serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `salama serve` listens on.")
    workers: int = Field(1, ge=1, le=64, description="Server processes for `salama serve`.")
    max_body_bytes: int = Field(
        1_048_576, ge=1024, description="Largest request body accepted (bytes); larger is 413."
    )
    max_text_chars: int = Field(
        5000, ge=1, le=100_000, description="Longest text accepted in a check (characters)."
    )
    max_batch: int = Field(100, ge=1, le=1000, description="Most texts in one batch check.")
    rate_limit_per_minute: int = Field(
        60_000,
        ge=0,
        description="Requests per minute allowed to one API key (0: no limit). Over it: 429.",
    )
    auth_cache_seconds: float = Field(
        5.0,
        ge=0,
        description="How long a process trusts a key it has checked; a key revoked in another "
        "process stops working after at most this long (at once in the revoking process).",
    )
    settings_cache_seconds: float = Field(
        5.0,
        ge=0,
        description="How long a process keeps an owner's settings or a tenant's active policy "
        "before reading them again (writes through this process invalidate at once).",
    )
    decision_retention_days: int = Field(
        30, ge=1, le=365, description="Days a kept decision (and its text) lives before purge."
    )
    webhook_delivery: bool = Field(
        True,
        description="Deliver queued webhook events from a background thread of each API "
        "process (false: run `salama webhooks deliver --forever` instead).",
    )
    webhook_allow_private: bool = Field(
        False,
        description="Let webhook URLs reach private, loopback, link-local and metadata addresses "
        "(refused by default: a webhook must not be a way into the server's own network).",
    )
    metrics_enabled: bool = Field(True, description="Serve Prometheus metrics at /metrics.")
    check_fast_path: bool = Field(
        True,
        description="Answer well-formed `POST /v1/check` requests without FastAPI's routing and "
        "dependency resolution (the same answers, less CPU; see salama.api.fastpath).",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Server log level."
    )

    @field_validator("database_url")
    @classmethod
    def _url_not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("database_url is empty")
        return value

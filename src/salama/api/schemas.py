"""Types shared by the routes' schemas. Every string has a max length; bodies forbid unknown
fields; values are strict (``"1"`` is not ``true``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from salama.bands import AgeBand

__all__ = [
    "ERROR_RESPONSES",
    "AgeBand",
    "ErrorDetail",
    "ErrorOut",
    "Id",
    "Input",
    "Surface",
]

Surface = Literal["comment", "dm", "post", "bio", "username", "search"]
# A host app's id for a user, owner or device: opaque, never a name.
Id = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")]


class Input(BaseModel):
    """Base of request bodies: unknown fields are refused, types are strict."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ErrorDetail(BaseModel):
    code: str = Field(description="Machine-readable, e.g. invalid_input, not_found, rate_limited.")
    message: str
    details: dict[str, Any]


class ErrorOut(BaseModel):
    error: ErrorDetail


def _err(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _err("Malformed JSON (malformed_json)."),
    401: _err("Missing, unknown or revoked API key (unauthorized)."),
    403: _err("The key's role may not do this (admin_required)."),
    413: _err("Body larger than SALAMA_MAX_BODY_BYTES (body_too_large)."),
    422: _err("Invalid input (invalid_input or a more precise code)."),
    429: _err("Over the key's rate limit (rate_limited); see Retry-After."),
    503: _err("The database is unavailable (storage_unavailable)."),
}

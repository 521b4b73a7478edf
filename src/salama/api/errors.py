"""One error shape for every 4xx and 5xx: ``{"error": {"code", "message", "details"}}``.

Library errors (``salama.errors``) keep their machine-readable code and get their status here, at
the edge; FastAPI's validation errors, unknown routes and methods, oversize bodies and anything
unexpected are turned into the same shape. A 5xx never shows a trace; the trace goes to the log.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from salama.errors import (
    ConflictError,
    DataError,
    InputError,
    ModelError,
    NotFoundError,
    SalamaError,
    StorageError,
)
from salama.jsonio import dumps

__all__ = [
    "ApiError",
    "JSONResponse",
    "SafeJSONResponse",
    "api_error_response",
    "error_body",
    "install_handlers",
    "salama_error_response",
    "unexpected_response",
]

log = logging.getLogger("salama.api")

STATUS: list[tuple[type[SalamaError], int]] = [
    (NotFoundError, 404),
    (ConflictError, 409),
    (InputError, 422),
    (DataError, 422),
    (StorageError, 503),
    (ModelError, 503),
]

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class SafeJSONResponse(JSONResponse):
    """JSON that survives lone surrogates in user text (they become \\uXXXX escapes)."""

    def render(self, content: Any) -> bytes:
        return dumps(content)


class ApiError(Exception):
    """An error raised by the HTTP layer itself (auth, limits, routing)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.headers = headers


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _response(
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> SafeJSONResponse:
    return SafeJSONResponse(error_body(code, message, details), status_code=status, headers=headers)


def status_of(exc: SalamaError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)


def api_error_response(exc: ApiError) -> SafeJSONResponse:
    """The answer to an error raised by the HTTP layer (auth, limits, routing)."""
    return _response(exc.status, exc.code, exc.message, exc.details, exc.headers)


def salama_error_response(exc: SalamaError) -> SafeJSONResponse:
    """The answer to a library error: its status by class, its code (or a more precise one that
    it names in its details, e.g. "too_many_keywords"); a 5xx is logged with its trace."""
    status = status_of(exc)
    details = {k: _jsonable(v) for k, v in exc.details.items()}
    code = str(details.pop("code", exc.code)) if status < 500 else exc.code
    if status >= 500:
        log.error("request failed: %s", exc, exc_info=exc)
    return _response(status, code, exc.message, details)


def unexpected_response(exc: Exception) -> SafeJSONResponse:
    """The answer to anything unexpected: 500 without a trace (the trace goes to the log)."""
    log.error("unexpected error", exc_info=exc)
    return _response(500, "internal_error", "internal error; the server log has the details")


def install_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error the one shape."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return api_error_response(exc)

    @app.exception_handler(SalamaError)
    async def _salama_error(_request: Request, exc: SalamaError) -> JSONResponse:
        return salama_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        content_type = request.headers.get("content-type", "")
        body_errors = [e for e in exc.errors() if tuple(e.get("loc", ()))[:1] == ("body",)]
        writes = request.method in ("POST", "PUT", "PATCH")
        if body_errors and writes and "json" not in content_type:
            return _response(
                415,
                "unsupported_media_type",
                "send the body as JSON with Content-Type: application/json",
                {"content_type": content_type[:100]},
            )
        problems = []
        malformed = False
        for err in exc.errors():
            if err.get("type") == "json_invalid":
                malformed = True
            problems.append(
                {
                    "loc": [str(p) for p in err.get("loc", ())],
                    "type": err.get("type"),
                    "message": err.get("msg"),
                }
            )
        if malformed:
            return _response(
                400, "malformed_json", "the body is not valid JSON", {"errors": problems}
            )
        first = problems[0] if problems else {"loc": [], "message": "invalid request"}
        where = ".".join(p for p in first["loc"] if p != "body") or "request"
        message = f"{where}: {first['message']}"
        return _response(422, "invalid_input", message, {"errors": problems})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        headers = dict(exc.headers) if exc.headers else None
        return _response(exc.status_code, code, message, None, headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        return unexpected_response(exc)

"""``POST /v1/check`` without FastAPI's per-request machinery, for requests that need none of it.

The check route is the hot path of every host app: each comment, message and search comes
through it. FastAPI's routing, dependency resolution and body handling cost about 0.13 ms a
request, as much as a third of the detector. This middleware answers a ``POST /v1/check`` whose
body is JSON (``Content-Type: application/json``) and valid for ``CheckIn`` itself:
pydantic-core parses and validates the body in one step, the key is checked and counted by the
same function as the route's (:func:`salama.api.deps.authorize`), the check is the route's own
(:func:`salama.api.routes.check.check_one`), and errors get the same answers
(:mod:`salama.api.errors`).

Everything else goes on to the app untouched, with the body replayed when it was read: other
routes and methods, another content type, and a body that is not valid JSON or not a valid
``CheckIn``, which FastAPI then refuses with its usual 400/415/422 (or 401 first, for a bad key).
Nothing is counted or written before the body is known to be valid, so nothing happens twice.
The middleware sits inside the body-size limit and the metrics (``scope["route"]`` is set to the
route, so the metrics name it as they would). ``SALAMA_CHECK_FAST_PATH=false`` turns it off;
``tests/api/test_fastpath.py`` checks that both ways give the same answers.
"""

from __future__ import annotations

from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from salama.api.deps import AppState, authorize
from salama.api.errors import (
    ApiError,
    SafeJSONResponse,
    api_error_response,
    salama_error_response,
    unexpected_response,
)
from salama.api.routes.check import CheckIn, check_one, router
from salama.errors import SalamaError

__all__ = ["PATH", "CheckFastPath", "check_route"]

PATH = "/v1/check"


def check_route() -> APIRoute:
    """The route of ``POST /v1/check`` (the metrics name requests by its path)."""
    return next(
        r
        for r in router.routes
        if isinstance(r, APIRoute) and r.path == PATH and "POST" in (r.methods or ())
    )


class CheckFastPath:
    def __init__(self, app: ASGIApp, state: AppState, route: APIRoute | None = None) -> None:
        self.app = app
        self.state = state
        self.route = route  # the APIRoute of POST /v1/check, for the metrics' path label

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        authorization = None
        json_body = False
        content_type = None
        for name, value in scope["headers"]:  # the first of each, as Starlette's Headers.get
            if name == b"authorization" and authorization is None:
                authorization = value.decode("latin-1")
            elif name == b"content-type" and content_type is None:
                content_type = value
                json_body = _is_json(value)
        if not json_body:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away: nobody to answer
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        try:
            payload = CheckIn.model_validate_json(body)
        except ValidationError:
            await self.app(scope, _replay(body, receive), send)
            return
        if self.route is not None:
            scope["route"] = self.route
        response: SafeJSONResponse
        try:
            caller = authorize(self.state, authorization)
            response = check_one(self.state, caller.tenant_id, payload)
        except ApiError as exc:
            response = api_error_response(exc)
        except SalamaError as exc:
            response = salama_error_response(exc)
        except Exception as exc:  # answered as the app's own handler would
            response = unexpected_response(exc)
        await response(scope, receive, send)


def _is_json(value: bytes) -> bool:
    """``application/json``, with parameters or not (what host apps send). Other JSON types
    (``application/x+json``) and a missing header take the app's way, which accepts them too."""
    media = value.split(b";", 1)[0].strip().lower()
    return media == b"application/json"


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay

"""A Python client for host apps: the HTTP API's routes as methods, its models as return types.

    with Client("https://salama.example", api_key) as api:
        resp = api.check("nta 7mar", "comment", author={"age_band": "teen_13_15"})
        if resp.decision.action != "allow": ...

Errors::

    ApiError            a non-2xx answer, or none: .status, .code, .message, .details
     ├── RateLimited    429, after the retries: .retry_after (seconds, or None)
     └── ConnectionFailed  no answer at all (refused, dropped, timed out): .status is None

Retries (``retries`` more attempts, default 2): on a connection that fails or drops, and on 503
and 429, waiting ``Retry-After`` seconds when the server sends it and it is at most
``max_wait``, else ``backoff * 2**attempt``; a ``Retry-After`` over ``max_wait`` is not waited
for (the error is raised at once). Timeouts and every other status are never retried. A check
retried after its connection dropped may have been handled the first time: the server may keep
that decision (and its review item) twice. A settings write retried that way is safe: its
version has moved, so the retry gets 409 ``conflict`` and nothing is written twice.

The types are the API's own pydantic models (``CheckResponse`` is the route's ``CheckOut``), so
importing this module imports the API's route modules (FastAPI, not a server).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, TypeAlias
from urllib.parse import quote

import httpx

from salama import __version__
from salama.api.routes.check import AuthorIn, BatchOut, CheckIn, CheckOut
from salama.api.routes.owners import SettingsBody, SettingsOut
from salama.api.routes.resources import ResourcesOut
from salama.errors import SalamaError

__all__ = [
    "ApiError",
    "Author",
    "CheckItem",
    "CheckResponse",
    "Client",
    "ConnectionFailed",
    "OwnerSettings",
    "OwnerSettingsState",
    "RateLimited",
    "Resources",
]

# The API's models under the names a host app reads them by.
Author: TypeAlias = AuthorIn
CheckItem: TypeAlias = CheckIn
CheckResponse: TypeAlias = CheckOut
OwnerSettings: TypeAlias = SettingsBody
OwnerSettingsState: TypeAlias = SettingsOut
Resources: TypeAlias = ResourcesOut

# The request may not have reached the server, or its connection broke: worth another try.
# Timeouts are left out: a slow server is not made faster by asking again.
RETRY_ON = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)
RETRY_STATUS = frozenset({429, 503})

_sleep = time.sleep  # replaced in tests


class ApiError(SalamaError):
    """The server answered with an error (``status`` set), or did not answer (``status`` None).
    ``code``, ``message`` and ``details`` are the server's ``{"error": {...}}`` when it sent one."""

    def __init__(
        self,
        status: int | None,
        code: str,
        message: str,
        details: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.status = status
        self.code = code

    def __str__(self) -> str:
        where = "no response" if self.status is None else f"HTTP {self.status}"
        return f"{where} {self.code}: {self.message}"


class RateLimited(ApiError):
    """429: over the key's rate limit. ``retry_after`` is the server's ``Retry-After`` in
    seconds (None when it sent none)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, object] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(status, code, message, details)
        self.retry_after = retry_after


class ConnectionFailed(ApiError):
    """No answer: the connection failed or dropped (after the retries), or it timed out.
    ``code`` is ``connection_failed`` or ``timeout``; the httpx error is the ``__cause__``."""


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:  # an HTTP date: not sent by Salama; fall back to the backoff
        return None


def _error(response: httpx.Response) -> ApiError:
    status = response.status_code
    code, message, details = "http_error", f"HTTP {status}", {}
    try:
        body = response.json()
        error = body["error"]
        code, message = str(error["code"]), str(error["message"])
        details = dict(error.get("details") or {})
    except (ValueError, KeyError, TypeError):  # not our shape (a proxy's page, say)
        if response.text:
            message = f"HTTP {status}: {response.text[:200]}"
    if status == 429:
        return RateLimited(status, code, message, details, _retry_after(response))
    return ApiError(status, code, message, details)


def _author(author: Author | Mapping[str, Any] | None) -> dict[str, Any]:
    if author is None:
        return {}
    if isinstance(author, AuthorIn):
        return author.model_dump(mode="json")
    return dict(author)


def _item(item: CheckItem | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(item, CheckIn):
        return item.model_dump(mode="json")
    return dict(item)


class Client:
    """A synchronous client for one tenant's API key.

    ``http``: an ``httpx.Client`` to send through (a test's ``TestClient``, or one with your
    proxies and pool limits); it is not closed by :meth:`close`, and ``timeout`` (seconds, for
    the client built here) does not apply to it. Requests go to ``base_url`` + the route.
    Requests are validated by the server; every error it returns is raised as :class:`ApiError`.
    """

    backoff = 0.25  # seconds before the first retry when the server names no Retry-After
    max_wait = 5.0  # the longest Retry-After honoured

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 5.0,
        http: httpx.Client | None = None,
        retries: int = 2,
    ) -> None:
        if retries < 0:
            raise ValueError("retries must be 0 or more")
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client(timeout=timeout)
        self._headers = {
            "Authorization": f"Bearer {api_key}",
            "Accept": "application/json",
            "User-Agent": f"salama-client/{__version__}",
        }

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections of the httpx client built here (not one passed in)."""
        if self._owns_http:
            self._http.close()

    def check(
        self,
        text: str,
        surface: str,
        *,
        author: Author | Mapping[str, Any] | None = None,
        owner_id: str | None = None,
        audience: str = "unknown",
        author_is_follower: bool | None = None,
        confirmed: bool = False,
        policy: str = "default",
    ) -> CheckResponse:
        """POST /v1/check: what to do with ``text`` on ``surface``, why, and help where needed.
        ``author``: an :data:`Author` or a dict with ``id``, ``age_band``, ``country``,
        ``language``; ``audience``: the age band of who will read it."""
        body: dict[str, Any] = {
            "text": text,
            "surface": surface,
            "author": _author(author),
            "context": {"audience": audience, "author_is_follower": author_is_follower},
            "confirmed": confirmed,
            "policy": policy,
        }
        if owner_id is not None:
            body["owner"] = {"id": owner_id}
        response = self._request("POST", "/v1/check", json=body)
        return CheckOut.model_validate_json(response.content)

    def check_batch(self, items: Sequence[CheckItem | Mapping[str, Any]]) -> list[CheckResponse]:
        """POST /v1/check/batch: results in the order of ``items`` (each a :data:`CheckItem` or a
        dict in the shape of the ``/v1/check`` body). One invalid item refuses the whole batch."""
        response = self._request(
            "POST", "/v1/check/batch", json={"items": [_item(i) for i in items]}
        )
        return BatchOut.model_validate_json(response.content).results

    def get_owner_settings(self, owner_id: str) -> OwnerSettingsState:
        """GET the owner's settings: the defaults with version 0 when none were written."""
        response = self._request("GET", self._settings_path(owner_id))
        return SettingsOut.model_validate_json(response.content)

    def put_owner_settings(
        self,
        owner_id: str,
        settings: OwnerSettings | Mapping[str, Any],
        *,
        version: int,
    ) -> OwnerSettingsState:
        """Replace the owner's settings; ``version`` is the one you read. A stale version raises
        :class:`ApiError` with status 409 and code ``conflict``, and nothing is written."""
        data = (
            settings.model_dump(mode="json")
            if isinstance(settings, SettingsBody)
            else dict(settings)
        )
        response = self._request(
            "PUT", self._settings_path(owner_id), json={"settings": data, "version": version}
        )
        return SettingsOut.model_validate_json(response.content)

    def resources(
        self,
        country: str | None = None,
        language: str | None = None,
        *,
        audience: str | None = None,
    ) -> Resources:
        """GET /v1/resources: help resources for a person, best first (the country's own, then
        the international ones). ``audience`` (``all``, ``youth``, ``children``): the server's
        default (``youth``) when None."""
        given = {"country": country, "language": language, "audience": audience}
        params = {k: v for k, v in given.items() if v is not None}
        response = self._request("GET", "/v1/resources", params=params)
        return ResourcesOut.model_validate_json(response.content)

    def health(self) -> dict[str, Any]:
        """GET /healthz: status, version, database, model, rate_limits. A database that does
        not answer raises :class:`ApiError` (503, ``storage_unavailable``) after the retries."""
        response = self._request("GET", "/healthz")
        body: dict[str, Any] = response.json()
        return body

    @staticmethod
    def _settings_path(owner_id: str) -> str:
        return f"/v1/owners/{quote(owner_id, safe='')}/settings"

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        url = self.base_url + path
        attempt = 0
        while True:
            try:
                response = self._http.request(
                    method, url, json=json, params=params, headers=self._headers
                )
            except RETRY_ON as exc:
                if attempt >= self.retries:
                    raise ConnectionFailed(
                        None, "connection_failed", str(exc) or repr(exc)
                    ) from exc
                wait = self.backoff * 2**attempt
            except httpx.TimeoutException as exc:
                raise ConnectionFailed(None, "timeout", str(exc) or repr(exc)) from exc
            except httpx.TransportError as exc:  # a proxy error, a bad URL scheme
                raise ConnectionFailed(None, "connection_failed", str(exc) or repr(exc)) from exc
            else:
                if response.is_success:
                    return response
                if response.status_code not in RETRY_STATUS or attempt >= self.retries:
                    raise _error(response)
                after = _retry_after(response)
                if after is not None and after > self.max_wait:
                    raise _error(response)
                wait = after if after is not None else self.backoff * 2**attempt
            _sleep(wait)
            attempt += 1

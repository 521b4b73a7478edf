"""The tenant's webhook: where Salama POSTs family events (paired, unpaired, controls_changed,
aged_out). Admin key only. ``PUT`` makes a new signing secret and shows it this once; it is
stored as-is (signing needs it), so treat the database as holding it. See docs/family.md.

A URL that reaches a private, loopback, link-local or metadata address is refused (422
``webhook_url_private``) unless ``SALAMA_WEBHOOK_ALLOW_PRIVATE`` is true; each delivery checks
again (``salama.service.webhooks``)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, field_validator

from salama.api.deps import AdminCaller, State, actor_of
from salama.api.errors import ApiError
from salama.api.schemas import ERROR_RESPONSES, Input
from salama.service.webhooks import check_url

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


class WebhookPut(Input):
    url: str = Field(min_length=8, max_length=2000, description="An http(s) URL.")

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        parts = urlsplit(value)
        if (
            parts.scheme not in ("https", "http")
            or not parts.netloc
            or any(c.isspace() for c in value)
        ):
            raise ValueError("url must be an http(s) URL")
        return value


class WebhookOut(BaseModel):
    url: str
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="Signs every delivery (X-Salama-Signature). Shown once.")


@router.put("", response_model=WebhookCreated, responses=ERROR_RESPONSES)
def put_webhook(body: WebhookPut, caller: AdminCaller, state: State) -> WebhookCreated:
    """Set the URL and make a new secret (the old one stops signing at once). 422
    ``webhook_url_private`` for a URL that reaches a non-public address."""
    check_url(body.url, allow_private=state.settings.webhook_allow_private)
    hook = state.store.webhooks.put(caller.tenant_id, body.url)
    state.store.audit.append(
        caller.tenant_id,
        actor=actor_of(caller),
        action="webhook.put",
        target="webhook",
        details={"host": urlsplit(body.url).hostname or ""},
    )
    return WebhookCreated(
        url=hook.url, secret=hook.secret, created_at=hook.created_at, updated_at=hook.updated_at
    )


@router.get("", response_model=WebhookOut, responses=ERROR_RESPONSES)
def get_webhook(caller: AdminCaller, state: State) -> WebhookOut:
    """The URL (never the secret)."""
    hook = state.store.webhooks.get(caller.tenant_id)
    if hook is None:
        raise ApiError(404, "not_found", "no webhook set")
    return WebhookOut(url=hook.url, created_at=hook.created_at, updated_at=hook.updated_at)


@router.delete("", status_code=204, responses=ERROR_RESPONSES)
def delete_webhook(caller: AdminCaller, state: State) -> Response:
    """Stop sending events (events already queued are not sent)."""
    if not state.store.webhooks.delete(caller.tenant_id):
        raise ApiError(404, "not_found", "no webhook set")
    state.store.audit.append(
        caller.tenant_id, actor=actor_of(caller), action="webhook.delete", target="webhook"
    )
    return Response(status_code=204)

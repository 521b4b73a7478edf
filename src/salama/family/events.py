"""What happened in a family, for the host app to tell the people concerned.

The core returns :class:`FamilyEvent` objects; a service layer stores and delivers them (a webhook
to the host app), and the host app tells the people in ``notify`` in its own words.

    kind               when                                   notify
    paired             a teen accepted a parent's invite      the parent and the teen
    unpaired           one side ended the pairing             the other side
    controls_changed   a parent changed a control             the teen and the teen's other parents
    aged_out           the teen turned 18                     the parent and the teen

``details`` holds JSON values only: ``by`` (``"parent"``, ``"teen"`` or ``"age"``) and, for
``controls_changed``, ``fields`` (the names changed) and ``values`` (each as the teen sees it;
the unlock passcode only as ``"set"`` or ``"not set"``). No names, no birth dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Literal

from salama.errors import InputError
from salama.family._common import (
    freeze_details,
    iso,
    parse_datetime,
    require_aware,
    require_id,
    require_mapping,
    thaw,
)

__all__ = ["EVENT_KINDS", "EventKind", "FamilyEvent"]

EventKind = Literal["paired", "unpaired", "controls_changed", "aged_out"]
EVENT_KINDS: tuple[EventKind, ...] = ("paired", "unpaired", "controls_changed", "aged_out")


@dataclass(frozen=True, slots=True)
class FamilyEvent:
    """One thing that happened between a parent and a teen of one tenant, at ``at`` (UTC).

    Raises InputError for an unknown kind, a blank id, a naive ``at`` or details that are not
    JSON values. ``details`` is kept read-only (lists as tuples); :meth:`to_dict` gives JSON."""

    kind: EventKind
    tenant_id: str
    parent_id: str
    teen_id: str
    at: datetime
    notify: tuple[str, ...]
    details: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise InputError(
                f"unknown event kind {self.kind!r}; one of: {', '.join(EVENT_KINDS)}",
                details={"code": "invalid_event_kind"},
            )
        for name in ("tenant_id", "parent_id", "teen_id"):
            require_id(getattr(self, name), name)
        object.__setattr__(self, "at", require_aware(self.at, "at"))
        if isinstance(self.notify, str):
            raise InputError("notify is a list of ids", details={"code": "invalid_type"})
        notify = tuple(require_id(who, "notify") for who in self.notify)
        if not set(notify) <= {self.parent_id, self.teen_id} and self.kind != "controls_changed":
            raise InputError(
                "notify names someone outside the pairing", details={"code": "invalid_notify"}
            )
        object.__setattr__(self, "notify", notify)
        object.__setattr__(
            self, "details", freeze_details(require_mapping(self.details, "details"))
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``at`` as an ISO 8601 string in UTC."""
        return {
            "kind": self.kind,
            "tenant_id": self.tenant_id,
            "parent_id": self.parent_id,
            "teen_id": self.teen_id,
            "at": iso(self.at),
            "notify": list(self.notify),
            "details": thaw(self.details),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FamilyEvent:
        """The event :meth:`to_dict` wrote. Raises InputError for a missing or bad field."""
        data = require_mapping(data, "event")
        try:
            return cls(
                kind=data["kind"],
                tenant_id=data["tenant_id"],
                parent_id=data["parent_id"],
                teen_id=data["teen_id"],
                at=parse_datetime(data["at"], "at"),
                notify=data["notify"],
                details=data.get("details", {}),
            )
        except KeyError as exc:
            raise InputError(
                f"event is missing {exc.args[0]!r}", details={"code": "missing_field"}
            ) from None

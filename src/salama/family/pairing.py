"""Pairing by mutual consent: a parent's invite, the teen's acceptance, either side's unpairing,
and the end at 18.

    new = create_invite(tenant_id, parent_id, now)   # show new.code once; store new.invite
    found = store.find_invite(tenant_id, hash_code(typed_code, tenant_id))   # Invite or None
    acc = accept_invite(found, tenant_id=..., teen_id=..., teen_birth_date=...,
                        teen_time_zone=..., teen_pairings=..., now=now)
    # store acc.invite (now used) and acc.pairing in one transaction; deliver acc.event
    event = unpair(pairing, by=user_id, now=now)     # delete the pairing; deliver the event
    events = aged_out(pairings, birth_dates, time_zones, now)   # daily, per tenant

Rules, each refused with an error whose ``details["code"]`` names it:

    invite_unknown      NotFoundError   no invite with that code in this tenant
    invite_own          InputError      a parent accepting their own invite
    invite_used         ConflictError   the invite was accepted already (single use)
    invite_expired      InputError      15 minutes have passed (an invite made at 10:00:00 is
                                        refused from 10:15:00 on)
    teen_age_unknown    InputError      no birth date for the teen: refused, not guessed
    under_13            InputError      Salama is for 13 and over
    teen_is_adult       InputError      the person accepting is 18 or over
    already_paired      ConflictError   this parent and teen are paired already
    too_many_parents    ConflictError   the teen has two parents already (one parent, many teens)
    too_many_invites    ConflictError   the parent has 5 live invites already
    parent_not_adult    InputError      create_invite was told the parent is not an adult
    not_paired          NotFoundError   unpairing by someone outside the pairing

Why refuse an unknown age: content policy treats an unknown age as a teen (the safe guess for
what a person may see), but pairing hands control of an account to someone else, and a pairing
ends at 18: without a birth date it would never end. So pairing needs the birth date.

The store makes these rules hold under concurrency: mark the invite used with a conditional update
(``used_at IS NULL``), keep (tenant_id, parent_id, teen_id) unique, and count the teen's parents in
the same transaction as the insert; a lost race is a ConflictError.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from salama.errors import ConflictError, InputError, NotFoundError
from salama.family._common import (
    iso,
    optional_datetime,
    parse_datetime,
    require_aware,
    require_id,
    require_mapping,
)
from salama.family.ages import TEEN_BANDS, AgeBand, adult_on, age_band, local_today
from salama.family.codes import hash_code, new_code
from salama.family.events import FamilyEvent

__all__ = [
    "INVITE_TTL",
    "MAX_LIVE_INVITES",
    "MAX_PARENTS",
    "Acceptance",
    "Invite",
    "NewInvite",
    "Pairing",
    "accept_invite",
    "aged_out",
    "create_invite",
    "unpair",
]

INVITE_TTL = timedelta(minutes=15)
MAX_PARENTS = 2
MAX_LIVE_INVITES = 5
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Invite:
    """An invite as the store keeps it: the hash of its code, never the code."""

    tenant_id: str
    parent_id: str
    code_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_by: str | None = None

    def __post_init__(self) -> None:
        require_id(self.tenant_id, "tenant_id")
        require_id(self.parent_id, "parent_id")
        if not (
            isinstance(self.code_hash, str)
            and len(self.code_hash) == 64
            and all(c in "0123456789abcdef" for c in self.code_hash)
        ):
            raise InputError(
                "code_hash must be 64 hex characters (hash_code's output)",
                details={"code": "invalid_code_hash"},
            )
        object.__setattr__(self, "created_at", require_aware(self.created_at, "created_at"))
        object.__setattr__(self, "expires_at", require_aware(self.expires_at, "expires_at"))
        if self.used_at is not None:
            object.__setattr__(self, "used_at", require_aware(self.used_at, "used_at"))
        if (self.used_at is None) != (self.used_by is None):
            raise InputError("used_at and used_by go together", details={"code": "invalid_invite"})
        if self.used_by is not None:
            require_id(self.used_by, "used_by")

    def is_live(self, now: datetime) -> bool:
        """Unused and not expired at ``now`` (expired from ``expires_at`` on)."""
        return self.used_at is None and require_aware(now, "now") < self.expires_at

    def to_dict(self) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "parent_id": self.parent_id,
            "code_hash": self.code_hash,
            "created_at": iso(self.created_at),
            "expires_at": iso(self.expires_at),
            "used_at": None if self.used_at is None else iso(self.used_at),
            "used_by": self.used_by,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Invite:
        data = require_mapping(data, "invite")
        return _build(
            lambda: cls(
                tenant_id=data["tenant_id"],
                parent_id=data["parent_id"],
                code_hash=data["code_hash"],
                created_at=parse_datetime(data["created_at"], "created_at"),
                expires_at=parse_datetime(data["expires_at"], "expires_at"),
                used_at=optional_datetime(data.get("used_at"), "used_at"),
                used_by=data.get("used_by"),
            ),
            "invite",
        )


@dataclass(frozen=True, slots=True)
class NewInvite:
    """A fresh invite: ``code`` (``XXXX-XXXX``) to show the parent once, as text or with
    :func:`~salama.family.codes.invite_qr_png`, and never store; ``invite`` to store."""

    code: str = field(repr=False)
    invite: Invite


@dataclass(frozen=True, slots=True)
class Pairing:
    """A parent and a teen of one tenant, paired since ``since``. No names, no birth date."""

    tenant_id: str
    parent_id: str
    teen_id: str
    since: datetime

    def __post_init__(self) -> None:
        for name in ("tenant_id", "parent_id", "teen_id"):
            require_id(getattr(self, name), name)
        if self.parent_id == self.teen_id:
            raise InputError("a user cannot pair with themselves", details={"code": "invite_own"})
        object.__setattr__(self, "since", require_aware(self.since, "since"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "parent_id": self.parent_id,
            "teen_id": self.teen_id,
            "since": iso(self.since),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Pairing:
        data = require_mapping(data, "pairing")
        return _build(
            lambda: cls(
                tenant_id=data["tenant_id"],
                parent_id=data["parent_id"],
                teen_id=data["teen_id"],
                since=parse_datetime(data["since"], "since"),
            ),
            "pairing",
        )


@dataclass(frozen=True, slots=True)
class Acceptance:
    """What an accepted invite yields: the invite marked used, the new pairing, and the
    ``paired`` event; the store writes the first two in one transaction."""

    invite: Invite
    pairing: Pairing
    event: FamilyEvent


def create_invite(
    tenant_id: str,
    parent_id: str,
    now: datetime,
    *,
    live_invites: Sequence[Invite] = (),
    parent_band: AgeBand | None = None,
) -> NewInvite:
    """A new invite from ``parent_id``, valid for INVITE_TTL (15 minutes) from ``now``.

    ``live_invites`` are the parent's invites the store holds (used or expired ones are
    ignored); at MAX_LIVE_INVITES live ones, raises ConflictError ``too_many_invites``.
    ``parent_band``, when the host knows it, must be ``adult`` (InputError ``parent_not_adult``).
    Raises InputError for a blank id, a naive ``now``, or another parent's invite in
    ``live_invites``. On the rare clash of two codes the store's unique index on
    (tenant_id, code_hash) refuses the second: make a new invite."""
    require_id(tenant_id, "tenant_id")
    require_id(parent_id, "parent_id")
    now = require_aware(now, "now")
    if parent_band is not None and parent_band != "adult":
        raise InputError(
            "only an adult can invite a teen to pair", details={"code": "parent_not_adult"}
        )
    live = 0
    for invite in live_invites:
        if invite.tenant_id != tenant_id or invite.parent_id != parent_id:
            raise InputError(
                "live_invites holds another parent's invite",
                details={"code": "invites_mismatch"},
            )
        live += invite.is_live(now)
    if live >= MAX_LIVE_INVITES:
        raise ConflictError(
            f"at most {MAX_LIVE_INVITES} live invites at a time; wait for one to expire",
            details={"code": "too_many_invites", "limit": MAX_LIVE_INVITES},
        )
    code = new_code()
    invite = Invite(
        tenant_id=tenant_id,
        parent_id=parent_id,
        code_hash=hash_code(code, tenant_id),
        created_at=now,
        expires_at=now + INVITE_TTL,
    )
    return NewInvite(code=code, invite=invite)


def accept_invite(
    invite: Invite | None,
    *,
    tenant_id: str,
    teen_id: str,
    teen_birth_date: date | None,
    teen_time_zone: str,
    teen_pairings: Sequence[Pairing],
    now: datetime,
) -> Acceptance:
    """The teen ``teen_id`` accepts ``invite`` (the store's answer to a lookup by
    ``(tenant_id, hash_code(code, tenant_id))``, None when it found nothing) at ``now``.

    ``teen_pairings`` are the teen's current pairings. The teen's age is counted on the date in
    ``teen_time_zone``. Checks, in this order: unknown code or another tenant's
    (NotFoundError ``invite_unknown``), own invite, used, expired, age (unknown, under 13,
    adult), already paired, two parents already; see the module docstring for each code. Raises
    InputError also for a blank id, a naive ``now``, an unknown time zone, or pairings of another
    teen in ``teen_pairings``."""
    require_id(tenant_id, "tenant_id")
    require_id(teen_id, "teen_id")
    now = require_aware(now, "now")
    if invite is None or invite.tenant_id != tenant_id:
        raise NotFoundError(
            "no invite with this code: check it, or ask for a new one",
            details={"code": "invite_unknown"},
        )
    if invite.parent_id == teen_id:
        raise InputError("a parent cannot accept their own invite", details={"code": "invite_own"})
    if invite.used_at is not None:
        raise ConflictError("this invite was used already", details={"code": "invite_used"})
    if now >= invite.expires_at:
        raise InputError(
            "this invite has expired: ask for a new one", details={"code": "invite_expired"}
        )
    if teen_birth_date is None:
        raise InputError(
            "pairing needs the teen's birth date", details={"code": "teen_age_unknown"}
        )
    band = age_band(teen_birth_date, local_today(now, teen_time_zone))
    if band not in TEEN_BANDS:
        raise InputError("only a teen under 18 can be paired", details={"code": "teen_is_adult"})
    for pairing in teen_pairings:
        if pairing.tenant_id != tenant_id or pairing.teen_id != teen_id:
            raise InputError(
                "teen_pairings holds another teen's pairing",
                details={"code": "pairings_mismatch"},
            )
    if any(p.parent_id == invite.parent_id for p in teen_pairings):
        raise ConflictError(
            "this parent and teen are paired already", details={"code": "already_paired"}
        )
    if len(teen_pairings) >= MAX_PARENTS:
        raise ConflictError(
            f"a teen can be paired with at most {MAX_PARENTS} parents",
            details={"code": "too_many_parents", "limit": MAX_PARENTS},
        )
    pairing = Pairing(tenant_id=tenant_id, parent_id=invite.parent_id, teen_id=teen_id, since=now)
    event = FamilyEvent(
        kind="paired",
        tenant_id=tenant_id,
        parent_id=invite.parent_id,
        teen_id=teen_id,
        at=now,
        notify=(invite.parent_id, teen_id),
        details={"by": "teen"},
    )
    return Acceptance(
        invite=replace(invite, used_at=now, used_by=teen_id), pairing=pairing, event=event
    )


def unpair(pairing: Pairing, *, by: str, now: datetime) -> FamilyEvent:
    """The ``unpaired`` event when ``by`` (the parent or the teen of ``pairing``) ends it; the
    other side is the one to notify. The store deletes the pairing, and the leaving parent's
    controls (:func:`~salama.family.controls.drop_parent`). Raises NotFoundError ``not_paired``
    when ``by`` is neither side, InputError for a naive ``now``."""
    require_id(by, "by")
    now = require_aware(now, "now")
    if by == pairing.parent_id:
        role, other = "parent", pairing.teen_id
    elif by == pairing.teen_id:
        role, other = "teen", pairing.parent_id
    else:
        raise NotFoundError("no such pairing", details={"code": "not_paired"})
    return FamilyEvent(
        kind="unpaired",
        tenant_id=pairing.tenant_id,
        parent_id=pairing.parent_id,
        teen_id=pairing.teen_id,
        at=now,
        notify=(other,),
        details={"by": role},
    )


def aged_out(
    pairings: Iterable[Pairing],
    birth_dates: Mapping[str, date],
    time_zones: Mapping[str, str],
    now: datetime,
) -> list[FamilyEvent]:
    """An ``aged_out`` event for every pairing whose teen is 18 or over on today's date in their
    own time zone: on the 18th birthday, or later if a daily run was missed. Both sides are to be
    notified; the store ends those pairings and their controls.

    ``birth_dates`` and ``time_zones`` are keyed by teen id, for the pairings of one tenant (ids
    are the host's, unique within a tenant only). Raises InputError ``mixed_tenants`` for pairings
    of several tenants, ``birth_date_missing`` or ``time_zone_missing`` (with ``teen_ids``) when
    a teen has none, and as :func:`~salama.family.ages.local_today`."""
    now = require_aware(now, "now")
    pairings = list(pairings)
    if len({p.tenant_id for p in pairings}) > 1:
        raise InputError(
            "aged_out takes the pairings of one tenant", details={"code": "mixed_tenants"}
        )
    for what, mapping in (("birth_date", birth_dates), ("time_zone", time_zones)):
        missing = sorted({p.teen_id for p in pairings} - set(mapping))
        if missing:
            raise InputError(
                f"no {what.replace('_', ' ')} for {len(missing)} teen(s)",
                details={"code": f"{what}_missing", "teen_ids": missing},
            )
    out: list[FamilyEvent] = []
    for pairing in pairings:
        if local_today(now, time_zones[pairing.teen_id]) < adult_on(birth_dates[pairing.teen_id]):
            continue
        out.append(
            FamilyEvent(
                kind="aged_out",
                tenant_id=pairing.tenant_id,
                parent_id=pairing.parent_id,
                teen_id=pairing.teen_id,
                at=now,
                notify=(pairing.parent_id, pairing.teen_id),
                details={"by": "age"},
            )
        )
    return out


def _build(make: Callable[[], _T], what: str) -> _T:
    try:
        return make()
    except KeyError as exc:
        raise InputError(
            f"{what} is missing {exc.args[0]!r}",
            details={"code": "missing_field", "field": exc.args[0]},
        ) from None

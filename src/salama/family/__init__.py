"""Family pairing: a parent and a teen link by mutual consent; the parent sets controls; the teen
always sees them and who set them; either side may end it, and it ends by itself at 18.

Pure core: plain values in, frozen dataclasses and :class:`FamilyEvent` objects out; no web,
database or network. A service layer stores what these functions return (every dataclass has
``to_dict``/``from_dict``, JSON-ready) and delivers the events to the host app.

    new = create_invite(tenant_id, parent_id, now)   # show new.code once; store new.invite
    png = invite_qr_png(new.code)                     # carries "salama-invite:XXXX-XXXX"
    invite = <store lookup by (tenant_id, hash_code(typed_code, tenant_id))>
    acc = accept_invite(invite, tenant_id=..., teen_id=..., teen_birth_date=...,
                        teen_time_zone="Africa/Casablanca", teen_pairings=[...], now=now)
    state, event = apply_update(state, {"daily_limit_minutes": 90}, parent_id, now,
                                pairings=[acc.pairing])
    teen_view(state)                                  # every control, who set it, when
    unpair(acc.pairing, by=teen_id, now=now)          # event for the parent
    aged_out(pairings, birth_dates, time_zones, now)  # events for pairings ending at 18

Refusals raise the errors of :mod:`salama.errors` with ``details["code"]`` naming the rule
(``invite_expired``, ``invite_used``, ``invite_unknown``, ``too_many_parents``, ...). Failed
attempts are counted with :class:`AttemptLimit` (INVITE_ATTEMPTS, UNLOCK_ATTEMPTS). See
docs/family.md.
"""

from salama.family.ages import (
    ADULT_AGE,
    MIN_AGE,
    TEEN_BANDS,
    AgeBand,
    adult_on,
    age_band,
    age_on,
    local_today,
)
from salama.family.attempts import INVITE_ATTEMPTS, UNLOCK_ATTEMPTS, AttemptLimit
from salama.family.codes import (
    ALPHABET,
    CODE_LENGTH,
    format_code,
    hash_code,
    invite_payload,
    invite_qr_png,
    new_code,
    normalize_code,
)
from salama.family.controls import (
    FIELDS,
    Controls,
    ControlsState,
    ControlView,
    Provenance,
    SleepHours,
    apply_update,
    drop_parent,
    stricter_who,
    teen_view,
)
from salama.family.events import EVENT_KINDS, FamilyEvent
from salama.family.pairing import (
    INVITE_TTL,
    MAX_LIVE_INVITES,
    MAX_PARENTS,
    Acceptance,
    Invite,
    NewInvite,
    Pairing,
    accept_invite,
    aged_out,
    create_invite,
    unpair,
)

__all__ = [
    "ADULT_AGE",
    "ALPHABET",
    "CODE_LENGTH",
    "EVENT_KINDS",
    "FIELDS",
    "INVITE_ATTEMPTS",
    "INVITE_TTL",
    "MAX_LIVE_INVITES",
    "MAX_PARENTS",
    "MIN_AGE",
    "TEEN_BANDS",
    "UNLOCK_ATTEMPTS",
    "Acceptance",
    "AgeBand",
    "AttemptLimit",
    "ControlView",
    "Controls",
    "ControlsState",
    "FamilyEvent",
    "Invite",
    "NewInvite",
    "Pairing",
    "Provenance",
    "SleepHours",
    "accept_invite",
    "adult_on",
    "age_band",
    "age_on",
    "aged_out",
    "apply_update",
    "create_invite",
    "drop_parent",
    "format_code",
    "hash_code",
    "invite_payload",
    "invite_qr_png",
    "local_today",
    "new_code",
    "normalize_code",
    "stricter_who",
    "teen_view",
    "unpair",
]

"""The controls a parent sets for a paired teen, who set each one, and what the teen sees.

    field                 value (default: no control)            limits
    daily_limit_minutes   minutes a day, or None                 15 to 1440
    weekday_limits        {"mon".."sun": minutes or None}, {}    15 to 1440; a day listed here
                                                                 overrides daily_limit_minutes
                                                                 (None: no limit that day)
    sleep_hours           {"start": "22:00", "end": "07:00"}     HH:MM, 24 h; may cross midnight;
                          or None                                at most 12 hours
    who_may_comment       everyone | followers | no_one          as OwnerSettings
    who_may_message       everyone | followers | no_one          as OwnerSettings
    strictness            standard | strict                      see Controls.policy_band
    restricted_search     false | true
    unlock_passcode       4 to 8 digits, or None                 kept only as its hash

Why the limits: a daily limit is a budget, not a ban (15 minutes at least), and sleep hours are
for sleep (12 hours at most), so that a control cannot cut a teen off their account.

A parent's ``who_may_*`` and the teen's own setting combine by :func:`stricter_who`: the parent
sets a floor, the teen may choose stricter. ``strictness`` chooses the age band whose policy rules
apply: ``standard`` the teen's own band, ``strict`` ``teen_13_15`` (the strictest) whatever the
teen's age.

With two parents, each field is written whole by whoever wrote it last (last write wins, per
field; the order is the store's commit order, guarded by ``version``), and :class:`ControlsState`
records who set each field and when, so that :func:`teen_view` can show the teen every control in
force and who set it. Writing a field's current value again changes nothing (its provenance
stays); writing None resets it to the default and records who did. When a parent leaves,
:func:`drop_parent` resets the fields they set: a control lasts only while its author is paired.

The unlock passcode (the parent's code that grants more time, the ``parent_passcode`` method of
:mod:`salama.wellbeing.unlocks`) is hashed by :func:`salama.wellbeing.unlocks.hash_passcode`, the
rules and format that :func:`salama.wellbeing.unlocks.verify_passcode` checks: 4 to 8 digits
(Arabic-Indic digits read as 0-9), not one repeated digit nor a straight run (``1111``,
``1234``), scrypt with a random salt, compared in constant time. One format, so the code a
parent sets here is the code that unlocks. A 4-digit code has 10,000 values, so its hash cannot
withstand someone who holds it; what protects it is the attempt limit
(:data:`~salama.family.attempts.UNLOCK_ATTEMPTS`) and that nobody is ever shown the hash.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from types import MappingProxyType
from typing import Any, Literal

from salama.bands import AGE_BANDS
from salama.errors import InputError, NotFoundError
from salama.family._common import (
    iso,
    parse_datetime,
    require_aware,
    require_id,
    require_mapping,
)
from salama.family.events import FamilyEvent
from salama.family.pairing import Pairing
from salama.wellbeing.unlocks import hash_passcode, verify_passcode

__all__ = [
    "FIELDS",
    "MAX_DAILY_MINUTES",
    "MAX_SLEEP_MINUTES",
    "MIN_DAILY_MINUTES",
    "STRICTNESS",
    "WEEKDAYS",
    "WHO",
    "ControlView",
    "Controls",
    "ControlsState",
    "Provenance",
    "SleepHours",
    "Strictness",
    "Who",
    "apply_update",
    "drop_parent",
    "stricter_who",
    "teen_view",
]

Who = Literal["everyone", "followers", "no_one"]
WHO: tuple[Who, ...] = ("everyone", "followers", "no_one")  # least strict first
Strictness = Literal["standard", "strict"]
STRICTNESS: tuple[Strictness, ...] = ("standard", "strict")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
MIN_DAILY_MINUTES = 15
MAX_DAILY_MINUTES = 24 * 60
MAX_SLEEP_MINUTES = 12 * 60
FIELDS = (
    "daily_limit_minutes",
    "weekday_limits",
    "sleep_hours",
    "who_may_comment",
    "who_may_message",
    "strictness",
    "restricted_search",
    "unlock_passcode",
)
_ATTRS = (*FIELDS[:-1], "unlock_passcode_hash")  # Controls' attributes, in FIELDS order
_HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


# --- sleep hours -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SleepHours:
    """Hours the account sleeps, ``start`` to ``end`` (``"HH:MM"``, 24-hour clock, in the teen's
    time zone; ``end`` before ``start`` crosses midnight). Raises InputError
    (``details["code"] == "invalid_sleep_hours"``) for a malformed time, equal ends, or more than
    12 hours."""

    start: str
    end: str

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, str) or not _HHMM.fullmatch(value):
                raise _bad_sleep(f"sleep_hours.{name} must be HH:MM (00:00 to 23:59)")
        if self.start == self.end:
            raise _bad_sleep("sleep_hours must not start and end at the same time")
        if self.minutes > MAX_SLEEP_MINUTES:
            raise _bad_sleep(f"sleep_hours last at most {MAX_SLEEP_MINUTES // 60} hours")

    @property
    def minutes(self) -> int:
        """How long they last, in minutes."""
        return (_minute_of_day(self.end) - _minute_of_day(self.start)) % (24 * 60)

    def contains(self, at: time) -> bool:
        """Whether the local time ``at`` falls within them (from ``start``, until ``end``)."""
        minute = at.hour * 60 + at.minute
        start, end = _minute_of_day(self.start), _minute_of_day(self.end)
        if start < end:
            return start <= minute < end
        return minute >= start or minute < end

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SleepHours:
        data = require_mapping(data, "sleep_hours")
        if set(data) != {"start", "end"}:
            raise _bad_sleep('sleep_hours is {"start": "HH:MM", "end": "HH:MM"}')
        return cls(start=data["start"], end=data["end"])


def _minute_of_day(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def _bad_sleep(message: str) -> InputError:
    return InputError(message, details={"code": "invalid_sleep_hours", "field": "sleep_hours"})


# --- passcodes -------------------------------------------------------------------------------


def _check_passcode_hash(stored: str) -> None:
    # verify_passcode parses the hash before it looks at the passcode, and an empty passcode
    # never matches: so this raises for a malformed hash and costs no scrypt run otherwise
    try:
        verify_passcode("", stored)
    except InputError as exc:
        exc.details.setdefault("field", "unlock_passcode")
        raise


def _hash_passcode(passcode: object) -> str:
    if not isinstance(passcode, str):
        raise InputError(
            "the passcode is a string of digits",
            details={"code": "passcode_format", "field": "unlock_passcode"},
        )
    try:
        return hash_passcode(passcode)
    except InputError as exc:
        exc.details.setdefault("field", "unlock_passcode")
        raise


# --- controls --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Controls:
    """The controls in force for a teen; the defaults are no control at all.

    Raises InputError (``details["field"]`` names the field) for a value out of its limits (see
    the module docstring); ``unlock_passcode_hash`` must be the output of
    :func:`salama.wellbeing.unlocks.hash_passcode` (never a passcode)."""

    daily_limit_minutes: int | None = None
    weekday_limits: Mapping[str, int | None] = field(default_factory=lambda: MappingProxyType({}))
    sleep_hours: SleepHours | None = None
    who_may_comment: Who = "everyone"
    who_may_message: Who = "everyone"
    strictness: Strictness = "standard"
    restricted_search: bool = False
    unlock_passcode_hash: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.daily_limit_minutes is not None:
            _check_minutes(self.daily_limit_minutes, "daily_limit_minutes")
        limits = require_mapping(self.weekday_limits, "weekday_limits")
        for day, minutes in limits.items():
            if day not in WEEKDAYS:
                raise InputError(
                    f"weekday_limits: unknown day {day!r}; one of: {', '.join(WEEKDAYS)}",
                    details={"code": "invalid_control", "field": "weekday_limits"},
                )
            if minutes is not None:
                _check_minutes(minutes, "weekday_limits")
        ordered = {day: limits[day] for day in WEEKDAYS if day in limits}
        object.__setattr__(self, "weekday_limits", MappingProxyType(ordered))
        if self.sleep_hours is not None and not isinstance(self.sleep_hours, SleepHours):
            raise _bad_sleep("sleep_hours must be SleepHours or None")
        for name in ("who_may_comment", "who_may_message"):
            _check_choice(getattr(self, name), name, WHO)
        _check_choice(self.strictness, "strictness", STRICTNESS)
        if not isinstance(self.restricted_search, bool):
            raise InputError(
                "restricted_search must be true or false",
                details={"code": "invalid_control", "field": "restricted_search"},
            )
        if self.unlock_passcode_hash is not None:
            _check_passcode_hash(self.unlock_passcode_hash)

    def limit_on(self, day: date) -> int | None:
        """The daily limit in minutes on the teen's local date ``day``, or None for no limit."""
        return self.weekday_limits.get(WEEKDAYS[day.weekday()], self.daily_limit_minutes)

    def policy_band(self, teen_band: str) -> str:
        """The audience whose policy rules apply to the teen: their own band when ``standard``,
        ``teen_13_15`` when ``strict``. Raises InputError for an unknown band."""
        if teen_band not in AGE_BANDS:
            raise InputError(f"unknown band {teen_band!r}", details={"code": "invalid_band"})
        return "teen_13_15" if self.strictness == "strict" else teen_band

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for storage: includes the passcode hash (never show it: see teen_view)."""
        return {
            "daily_limit_minutes": self.daily_limit_minutes,
            "weekday_limits": dict(self.weekday_limits),
            "sleep_hours": None if self.sleep_hours is None else self.sleep_hours.to_dict(),
            "who_may_comment": self.who_may_comment,
            "who_may_message": self.who_may_message,
            "strictness": self.strictness,
            "restricted_search": self.restricted_search,
            "unlock_passcode_hash": self.unlock_passcode_hash,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Controls:
        """The controls :meth:`to_dict` wrote; a missing key takes its default. Raises InputError
        for an unknown key or a bad value."""
        data = require_mapping(data, "controls")
        unknown = sorted(set(data) - set(_ATTRS))
        if unknown:
            raise InputError(
                f"unknown control(s): {', '.join(map(str, unknown))}",
                details={"code": "unknown_control", "fields": unknown},
            )
        values = dict(data)
        if values.get("sleep_hours") is not None:
            values["sleep_hours"] = SleepHours.from_dict(values["sleep_hours"])
        if values.get("weekday_limits") is None:
            values.pop("weekday_limits", None)
        return cls(**values)


def _check_minutes(value: object, name: str) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not MIN_DAILY_MINUTES <= value <= MAX_DAILY_MINUTES
    ):
        raise InputError(
            f"{name}: minutes must be a whole number from {MIN_DAILY_MINUTES} to "
            f"{MAX_DAILY_MINUTES}",
            details={
                "code": "invalid_control",
                "field": name,
                "min": MIN_DAILY_MINUTES,
                "max": MAX_DAILY_MINUTES,
            },
        )


def _check_choice(value: object, name: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise InputError(
            f"{name} must be one of {', '.join(choices)}, not {value!r}",
            details={"code": "invalid_control", "field": name},
        )


def stricter_who(a: Who, b: Who) -> Who:
    """The stricter of two ``who_may_*`` values (everyone < followers < no_one): how a parent's
    control and the teen's own setting combine. Raises InputError for an unknown value."""
    _check_choice(a, "who", WHO)
    _check_choice(b, "who", WHO)
    return max(a, b, key=WHO.index)


# --- provenance and state --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Provenance:
    """Who last wrote a field (a parent's id) and when (UTC)."""

    set_by: str
    set_at: datetime

    def __post_init__(self) -> None:
        require_id(self.set_by, "set_by")
        object.__setattr__(self, "set_at", require_aware(self.set_at, "set_at"))

    def to_dict(self) -> dict[str, str]:
        return {"set_by": self.set_by, "set_at": iso(self.set_at)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Provenance:
        data = require_mapping(data, "provenance")
        if "set_by" not in data or "set_at" not in data:
            raise InputError("provenance is {set_by, set_at}", details={"code": "missing_field"})
        return cls(set_by=data["set_by"], set_at=parse_datetime(data["set_at"], "set_at"))


@dataclass(frozen=True, slots=True)
class ControlsState:
    """A teen's controls with, per field in FIELDS, who set it (fields never set are absent) and a
    ``version`` that each change raises by one (for the store's compare-and-set)."""

    tenant_id: str
    teen_id: str
    controls: Controls = field(default_factory=Controls)
    provenance: Mapping[str, Provenance] = field(default_factory=lambda: MappingProxyType({}))
    version: int = 0

    def __post_init__(self) -> None:
        require_id(self.tenant_id, "tenant_id")
        require_id(self.teen_id, "teen_id")
        if not isinstance(self.controls, Controls):
            raise InputError("controls must be Controls", details={"code": "invalid_type"})
        provenance = require_mapping(self.provenance, "provenance")
        for name, source in provenance.items():
            if name not in FIELDS or not isinstance(source, Provenance):
                raise InputError(
                    f"provenance: {name!r} is not a control with a Provenance",
                    details={"code": "invalid_provenance", "field": str(name)},
                )
        ordered = {name: provenance[name] for name in FIELDS if name in provenance}
        object.__setattr__(self, "provenance", MappingProxyType(ordered))
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 0:
            raise InputError("version must be 0 or more", details={"code": "invalid_version"})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for storage (includes the passcode hash)."""
        return {
            "tenant_id": self.tenant_id,
            "teen_id": self.teen_id,
            "version": self.version,
            "controls": self.controls.to_dict(),
            "provenance": {name: p.to_dict() for name, p in self.provenance.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ControlsState:
        """The state :meth:`to_dict` wrote. Raises InputError for a missing or bad field."""
        data = require_mapping(data, "controls state")
        if "tenant_id" not in data or "teen_id" not in data:
            raise InputError(
                "controls state needs tenant_id and teen_id", details={"code": "missing_field"}
            )
        provenance = require_mapping(data.get("provenance", {}), "provenance")
        return cls(
            tenant_id=data["tenant_id"],
            teen_id=data["teen_id"],
            controls=Controls.from_dict(data.get("controls", {})),
            provenance={name: Provenance.from_dict(p) for name, p in provenance.items()},
            version=data.get("version", 0),
        )


@dataclass(frozen=True, slots=True)
class ControlView:
    """One control as the teen sees it: its value (the passcode only as ``"set"`` or
    ``"not set"``), and who set it and when (None: never set, the default)."""

    name: str
    value: object
    set_by: str | None
    set_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "set_by": self.set_by,
            "set_at": None if self.set_at is None else iso(self.set_at),
        }


def teen_view(state: ControlsState) -> tuple[ControlView, ...]:
    """Every control in FIELDS order, set or not, with who set it: what the teen may always read
    (and what a parent sees too). Never the passcode hash."""
    out = []
    for name in FIELDS:
        source = state.provenance.get(name)
        out.append(
            ControlView(
                name=name,
                value=_shown(state.controls, name),
                set_by=None if source is None else source.set_by,
                set_at=None if source is None else source.set_at,
            )
        )
    return tuple(out)


def _shown(controls: Controls, name: str) -> object:
    if name == "unlock_passcode":
        return "not set" if controls.unlock_passcode_hash is None else "set"
    value = controls.to_dict()[name]
    return dict(value) if isinstance(value, dict) else value


# --- changes ---------------------------------------------------------------------------------


def apply_update(
    state: ControlsState,
    changes: Mapping[str, Any],
    by_parent: str,
    now: datetime,
    *,
    pairings: Sequence[Pairing],
) -> tuple[ControlsState, FamilyEvent | None]:
    """``by_parent`` writes ``changes`` (field name → JSON value, as in the module docstring;
    None resets a field; ``unlock_passcode`` takes the passcode itself, hashed here) at ``now``.

    ``pairings`` are the teen's current pairings: ``by_parent`` must be in them (NotFoundError
    ``not_paired``), and the teen's other parents are notified with the teen. Returns the new
    state (``version`` + 1) and a ``controls_changed`` event, or the same state and None when no
    value changed. Raises InputError ``no_changes`` for empty changes, ``unknown_control`` for a
    name outside FIELDS, as :class:`Controls` for a bad value (nothing is applied), and as
    :func:`salama.wellbeing.unlocks.hash_passcode` for a passcode it refuses (with
    ``details["field"] == "unlock_passcode"``)."""
    require_id(by_parent, "by_parent")
    now = require_aware(now, "now")
    for pairing in pairings:
        if pairing.tenant_id != state.tenant_id or pairing.teen_id != state.teen_id:
            raise InputError(
                "pairings holds another teen's pairing", details={"code": "pairings_mismatch"}
            )
    if not any(p.parent_id == by_parent for p in pairings):
        raise NotFoundError(
            "this parent is not paired with this teen", details={"code": "not_paired"}
        )
    changes = require_mapping(changes, "changes")
    if not changes:
        raise InputError("no changes given", details={"code": "no_changes"})
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise InputError(
            f"unknown control(s): {', '.join(map(str, unknown))}; known: {', '.join(FIELDS)}",
            details={"code": "unknown_control", "fields": unknown},
        )
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "unlock_passcode":
            continue
        if value is None:
            values[name] = getattr(_DEFAULTS, name)
        elif name == "sleep_hours" and not isinstance(value, SleepHours):
            values[name] = SleepHours.from_dict(value)
        else:
            values[name] = value
    controls = replace(state.controls, **values)  # validates every value before any hashing
    changed = [name for name in values if getattr(controls, name) != getattr(state.controls, name)]
    if "unlock_passcode" in changes:
        passcode = changes["unlock_passcode"]
        if passcode is not None:
            controls = replace(controls, unlock_passcode_hash=_hash_passcode(passcode))
            changed.append("unlock_passcode")  # a new passcode, or the same one again: a write
        elif state.controls.unlock_passcode_hash is not None:
            controls = replace(controls, unlock_passcode_hash=None)
            changed.append("unlock_passcode")
    if not changed:
        return state, None
    changed.sort(key=FIELDS.index)
    provenance = dict(state.provenance)
    for name in changed:
        provenance[name] = Provenance(set_by=by_parent, set_at=now)
    new_state = replace(state, controls=controls, provenance=provenance, version=state.version + 1)
    others = [p.parent_id for p in pairings if p.parent_id != by_parent]
    event = FamilyEvent(
        kind="controls_changed",
        tenant_id=state.tenant_id,
        parent_id=by_parent,
        teen_id=state.teen_id,
        at=now,
        notify=(state.teen_id, *dict.fromkeys(others)),
        details={
            "by": "parent",
            "fields": changed,
            "values": {name: _shown(controls, name) for name in changed},
        },
    )
    return new_state, event


def drop_parent(state: ControlsState, parent_id: str) -> ControlsState:
    """The state once ``parent_id`` is no longer paired: every field they set last goes back to
    its default, with no provenance; the others stay. Returns ``state`` itself when they set
    nothing, otherwise ``version`` + 1."""
    require_id(parent_id, "parent_id")
    theirs = [name for name, source in state.provenance.items() if source.set_by == parent_id]
    if not theirs:
        return state
    attrs = {_attr(name): getattr(_DEFAULTS, _attr(name)) for name in theirs}
    provenance = {n: s for n, s in state.provenance.items() if n not in theirs}
    return replace(
        state,
        controls=replace(state.controls, **attrs),
        provenance=provenance,
        version=state.version + 1,
    )


def _attr(name: str) -> str:
    return "unlock_passcode_hash" if name == "unlock_passcode" else name


_DEFAULTS = Controls()

"""More time once the daily limit is reached: who may unlock, how, and the record of each unlock.

Who may unlock, by age band (:func:`unlock_methods`):

    teen_16_17, adult        own_passcode                        (the user decides, deliberately)
    teen_13_15, unknown      parent_passcode, parent_approval    (a parent decides)

An unlock grants 15, 30 or 60 more minutes, or the rest of the local day (GRANT_MINUTES,
``rest_of_day``). It counts on the local date it is granted on, and every unlock is kept as an
:class:`Unlock` record (who asked, who granted, when, what, how) for the status and the weekly
summary. :func:`grant_unlock` checks the rules; the passcode functions check the code:

    stored = hash_passcode("4827")                 # keep this string; never the passcode
    unlock = unlock_with_passcode("teen_16_17", "own_passcode", "4827", stored,
                                  user="u1", by="u1", at=now, minutes=30)
    request = request_approval("teen_13_15", user="u2", at=now, minutes=30)
    unlock = approve(request, band="teen_13_15", parent="p1", at=later, minutes=15)

Passcodes are 4 to 8 digits; Arabic-Indic digits (٠-٩, ۰-۹) are read as 0-9, so a code typed on
an Arabic keyboard matches the same code typed on a Latin one. A code of one repeated digit
(0000) or a straight run (1234, 9876) is refused: those are the first a teen would try on a
parent's code. Codes are stored as scrypt hashes (N=2^14, r=8, p=1: 16 MiB, about 50 ms, a
16-byte salt; OWASP's 2^17 costs 128 MiB and half a second per attempt, too heavy for an API
server, and buys little over a space this small: see docs/wellbeing.md) in PHC string form, and
compared in constant time. A 4-digit code has 10,000 values, so a
hash cannot protect it from someone who holds the hash: its strength is in the number of tries,
and the API must limit wrong attempts (this module does not count them).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any, Literal

from salama.errors import InputError
from salama.wellbeing.limits import effective_band
from salama.wellbeing.zones import require_aware

__all__ = [
    "GRANT_MINUTES",
    "PASSCODE_DIGITS",
    "SCRYPT_LOG_N",
    "UNLOCK_METHODS",
    "ApprovalRequest",
    "Unlock",
    "UnlockMethod",
    "approve",
    "check_passcode",
    "grant_unlock",
    "hash_passcode",
    "request_approval",
    "unlock_methods",
    "unlock_with_passcode",
    "verify_passcode",
]

UNLOCK_METHODS = ("own_passcode", "parent_passcode", "parent_approval")
UnlockMethod = Literal["own_passcode", "parent_passcode", "parent_approval"]
GRANT_MINUTES = (15, 30, 60)
PASSCODE_DIGITS = (4, 8)
SCRYPT_LOG_N = 14
_SCRYPT_R = 8
_SCRYPT_P = 1
_SALT_BYTES = 16
_HASH_BYTES = 32
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_PHC = re.compile(
    r"^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$"
)


def unlock_methods(band: str) -> tuple[UnlockMethod, ...]:
    """How a user of ``band`` may get more time once locked. InputError for an unknown band."""
    if effective_band(band) == "teen_13_15":
        return ("parent_passcode", "parent_approval")
    return ("own_passcode",)


def _check_grant(minutes: int | None, rest_of_day: bool) -> None:
    if not isinstance(rest_of_day, bool):
        raise InputError("rest_of_day must be true or false", details={"code": "invalid_grant"})
    if rest_of_day == (minutes is not None) or (
        minutes is not None and minutes not in GRANT_MINUTES
    ):
        raise InputError(
            "an unlock grants 15, 30 or 60 minutes, or the rest of the day (one of the two)",
            details={"code": "invalid_grant", "allowed": [*GRANT_MINUTES, "rest_of_day"]},
        )


@dataclass(frozen=True, slots=True)
class Unlock:
    """A record of more time granted to ``user`` by ``by`` (the user for ``own_passcode``, a
    parent otherwise) at ``at``: ``minutes`` (15, 30 or 60) or ``rest_of_day``.
    ``minutes_used_at_grant`` is the user's usage that day when it was granted, where known (see
    :func:`salama.wellbeing.limits.allowance`). Raises InputError when any rule is broken."""

    user: str
    by: str
    at: datetime
    method: UnlockMethod
    minutes: int | None = None
    rest_of_day: bool = False
    minutes_used_at_grant: float | None = None

    def __post_init__(self) -> None:
        for name in ("user", "by"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise InputError(f"{name} must be a non-empty string", details={"field": name})
        object.__setattr__(self, "at", require_aware(self.at, "at"))
        if self.method not in UNLOCK_METHODS:
            raise InputError(
                f"unknown unlock method {self.method!r}; one of: {', '.join(UNLOCK_METHODS)}",
                details={"code": "unknown_unlock_method"},
            )
        _check_grant(self.minutes, self.rest_of_day)
        if (self.method == "own_passcode") != (self.by == self.user):
            raise InputError(
                "an own-passcode unlock is made by the user; a parent's by someone else",
                details={"code": "unlock_wrong_person", "method": self.method},
            )
        used = self.minutes_used_at_grant
        if used is not None and not (
            isinstance(used, int | float) and math.isfinite(used) and used >= 0
        ):
            raise InputError(
                "minutes_used_at_grant must be a number of minutes, zero or more",
                details={"code": "invalid_minutes", "field": "minutes_used_at_grant"},
            )

    def to_dict(self) -> dict[str, object]:
        return {
            "user": self.user,
            "by": self.by,
            "at": self.at.isoformat(),
            "method": self.method,
            "minutes": self.minutes,
            "rest_of_day": self.rest_of_day,
            "minutes_used_at_grant": self.minutes_used_at_grant,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Unlock:
        """The inverse of :meth:`to_dict`; InputError when a field is missing or wrong."""
        fields: dict[str, Any] = dict(data)
        try:
            at = fields["at"]
            return cls(
                user=fields["user"],
                by=fields["by"],
                at=datetime.fromisoformat(at) if isinstance(at, str) else at,
                method=fields["method"],
                minutes=fields.get("minutes"),
                rest_of_day=fields.get("rest_of_day", False),
                minutes_used_at_grant=fields.get("minutes_used_at_grant"),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise InputError(
                f"not an unlock record: {exc!r}", details={"code": "invalid_unlock"}
            ) from None


def grant_unlock(
    band: str,
    method: str,
    *,
    user: str,
    by: str,
    at: datetime,
    minutes: int | None = None,
    rest_of_day: bool = False,
    minutes_used: float | None = None,
) -> Unlock:
    """The Unlock record for more time, once the caller has checked the passcode or the parent's
    approval. Raises InputError (details code ``unlock_not_allowed``) when ``band`` may not use
    ``method`` (a 13-15 cannot use their own passcode), and for a grant other than 15, 30, 60
    minutes or the rest of the day."""
    allowed = unlock_methods(band)
    if method not in allowed:
        raise InputError(
            f"a user in band {band!r} cannot unlock with {method!r}; allowed: {', '.join(allowed)}",
            details={"code": "unlock_not_allowed", "method": method, "allowed": list(allowed)},
        )
    return Unlock(
        user=user,
        by=by,
        at=at,
        method=method,
        minutes=minutes,
        rest_of_day=rest_of_day,
        minutes_used_at_grant=minutes_used,
    )


def unlock_with_passcode(
    band: str,
    method: Literal["own_passcode", "parent_passcode"],
    passcode: str,
    stored: str,
    *,
    user: str,
    by: str,
    at: datetime,
    minutes: int | None = None,
    rest_of_day: bool = False,
    minutes_used: float | None = None,
) -> Unlock:
    """:func:`grant_unlock` after checking ``passcode`` against ``stored`` (the hash of the
    user's own code for ``own_passcode``, of the parent's for ``parent_passcode``). Raises
    InputError with details code ``unlock_not_allowed`` before looking at the code when the band
    may not use the method, and ``wrong_passcode`` when the code does not match."""
    if method not in ("own_passcode", "parent_passcode"):
        raise InputError(
            f"{method!r} is not a passcode method", details={"code": "unlock_not_allowed"}
        )
    allowed = unlock_methods(band)
    if method not in allowed:
        raise InputError(
            f"a user in band {band!r} cannot unlock with {method!r}; allowed: {', '.join(allowed)}",
            details={"code": "unlock_not_allowed", "method": method, "allowed": list(allowed)},
        )
    if not verify_passcode(passcode, stored):
        raise InputError("wrong passcode", details={"code": "wrong_passcode"})
    return grant_unlock(
        band,
        method,
        user=user,
        by=by,
        at=at,
        minutes=minutes,
        rest_of_day=rest_of_day,
        minutes_used=minutes_used,
    )


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    """A 13-15's request to a parent for more time, with what they ask for: ``minutes`` (15, 30,
    60), ``rest_of_day``, or neither (the parent chooses)."""

    user: str
    at: datetime
    minutes: int | None = None
    rest_of_day: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.user, str) or not self.user:
            raise InputError("user must be a non-empty string", details={"field": "user"})
        object.__setattr__(self, "at", require_aware(self.at, "at"))
        if self.minutes is not None or self.rest_of_day:
            _check_grant(self.minutes, self.rest_of_day)

    def to_dict(self) -> dict[str, object]:
        return {
            "user": self.user,
            "at": self.at.isoformat(),
            "minutes": self.minutes,
            "rest_of_day": self.rest_of_day,
        }


def request_approval(
    band: str,
    *,
    user: str,
    at: datetime,
    minutes: int | None = None,
    rest_of_day: bool = False,
) -> ApprovalRequest:
    """A request for a parent's approval. Raises InputError (``unlock_not_allowed``) for a band
    that unlocks on its own (16-17 and adults use their own passcode)."""
    if "parent_approval" not in unlock_methods(band):
        raise InputError(
            f"a user in band {band!r} unlocks with their own passcode, not a parent's approval",
            details={"code": "unlock_not_allowed", "method": "parent_approval"},
        )
    return ApprovalRequest(user=user, at=at, minutes=minutes, rest_of_day=rest_of_day)


def approve(
    request: ApprovalRequest,
    *,
    band: str,
    parent: str,
    at: datetime,
    minutes: int | None = None,
    rest_of_day: bool = False,
    minutes_used: float | None = None,
) -> Unlock:
    """The parent grants ``request``: what the parent chooses (``minutes`` or ``rest_of_day``),
    or what was asked when the parent chooses nothing. Raises InputError when nothing was asked
    and nothing chosen, when ``at`` is before the request, when the parent is the user, or when
    the band may not unlock by approval."""
    if minutes is None and not rest_of_day:
        minutes, rest_of_day = request.minutes, request.rest_of_day
    if minutes is None and not rest_of_day:
        raise InputError(
            "the request asks for no amount: choose 15, 30 or 60 minutes, or the rest of the day",
            details={"code": "invalid_grant"},
        )
    if require_aware(at, "at") < request.at:
        raise InputError(
            "an approval cannot come before its request", details={"code": "invalid_approval"}
        )
    return grant_unlock(
        band,
        "parent_approval",
        user=request.user,
        by=parent,
        at=at,
        minutes=minutes,
        rest_of_day=rest_of_day,
        minutes_used=minutes_used,
    )


# ---------------------------------------------------------------------------------------------
# Passcodes


def _digits(passcode: object) -> str | None:
    if not isinstance(passcode, str):
        return None
    code = passcode.translate(_ARABIC_DIGITS)
    low, high = PASSCODE_DIGITS
    if not low <= len(code) <= high or any(ch not in "0123456789" for ch in code):
        return None
    return code


def check_passcode(passcode: str) -> str:
    """The passcode with Arabic-Indic digits read as 0-9, once it passes the rules: 4 to 8
    digits (details code ``passcode_format``), not one repeated digit nor a straight run up or
    down (``passcode_too_simple``). Raises InputError otherwise; the message never echoes the
    code."""
    code = _digits(passcode)
    if code is None:
        low, high = PASSCODE_DIGITS
        raise InputError(
            f"a passcode is {low} to {high} digits",
            details={"code": "passcode_format", "min": low, "max": high},
        )
    steps = {(int(b) - int(a)) % 10 for a, b in pairwise(code)}
    if steps in ({0}, {1}, {9}):
        raise InputError(
            "this passcode is too easy to guess (one digit repeated, or digits in a straight run)",
            details={"code": "passcode_too_simple"},
        )
    return code


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _scrypt(code: str, salt: bytes, log_n: int, r: int, p: int, length: int) -> bytes:
    n = 1 << log_n
    return hashlib.scrypt(
        code.encode("ascii"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=128 * r * (n + p + 2) + (1 << 20),
        dklen=length,
    )


def hash_passcode(passcode: str, *, log_n: int = SCRYPT_LOG_N) -> str:
    """The string to store for ``passcode`` (checked with :func:`check_passcode` first):
    ``$scrypt$ln=14,r=8,p=1$<salt>$<hash>`` (base64, no padding). ``log_n`` (10 to 20) sets the
    cost; the default takes about 50 ms and 16 MiB; tests may pass less. Raises
    InputError for a passcode that breaks the rules or a ``log_n`` out of range."""
    code = check_passcode(passcode)
    if not 10 <= log_n <= 20:
        raise InputError("log_n must be from 10 to 20", details={"code": "invalid_cost"})
    salt = os.urandom(_SALT_BYTES)
    digest = _scrypt(code, salt, log_n, _SCRYPT_R, _SCRYPT_P, _HASH_BYTES)
    return f"$scrypt$ln={log_n},r={_SCRYPT_R},p={_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_passcode(passcode: str, stored: str) -> bool:
    """Whether ``passcode`` matches ``stored`` (from :func:`hash_passcode`), compared in constant
    time. A passcode that is not 4 to 8 digits never matches. Raises InputError (details code
    ``invalid_passcode_hash``) when ``stored`` is not such a string, or asks for a cost outside
    the range hash_passcode writes (ln 10-20, r 1-16, p 1-4)."""
    match = _PHC.match(stored) if isinstance(stored, str) else None
    try:
        if match is None:
            raise ValueError("not a $scrypt$ string")
        log_n, r, p = (int(match.group(i)) for i in (1, 2, 3))
        salt, expected = _unb64(match.group(4)), _unb64(match.group(5))
        if not (10 <= log_n <= 20 and 1 <= r <= 16 and 1 <= p <= 4 and 16 <= len(expected) <= 64):
            raise ValueError("cost out of range")
    except ValueError:
        raise InputError(
            "the stored passcode hash is not a valid scrypt hash",
            details={"code": "invalid_passcode_hash"},
        ) from None
    code = _digits(passcode)
    if code is None:
        return False
    return hmac.compare_digest(_scrypt(code, salt, log_n, r, p, len(expected)), expected)

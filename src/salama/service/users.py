"""What the services need to know about a host app's user, computed one way everywhere."""

from __future__ import annotations

from datetime import UTC, datetime

from salama.family.ages import age_band, local_today
from salama.store import UserRecord

__all__ = ["band_of"]


def band_of(user: UserRecord, now: datetime | None = None) -> str:
    """The user's band at ``now`` (default: now): from the birth date in their time zone, so it
    grows up, else the band the host app gave (``unknown`` when none)."""
    if user.birth_date is not None:
        return age_band(user.birth_date, local_today(now or datetime.now(UTC), user.timezone))
    return user.age_band or "unknown"

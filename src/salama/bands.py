"""The age bands: one vocabulary for the policy, screen time, family pairing, the store and the API.

``unknown`` is what a host app says when it does not know the age; the policy treats it as the
youngest band (``teen_13_15``) and the screen-time defaults as a teen's. Known bands are what a
birth date yields (``salama.family.ages``)."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["AGE_BANDS", "KNOWN_BANDS", "TEEN_BANDS", "AgeBand", "KnownBand"]

KnownBand = Literal["teen_13_15", "teen_16_17", "adult"]
AgeBand = Literal["teen_13_15", "teen_16_17", "adult", "unknown"]

KNOWN_BANDS: tuple[KnownBand, ...] = get_args(KnownBand)
AGE_BANDS: tuple[AgeBand, ...] = get_args(AgeBand)
TEEN_BANDS: tuple[KnownBand, ...] = ("teen_13_15", "teen_16_17")

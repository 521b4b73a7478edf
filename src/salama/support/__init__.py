"""Support, never punishment: what to show a person whose words read as crisis language.

:func:`respond` takes plain values (the Verdict's signals and self-harm score, where the text
was written, the user's country and language) and returns a :class:`SupportResponse` (a
safe-messaging text and the help lines for that person, best first) or None.

It answers crisis language, not the topic: a first-person crisis phrase (the detector's
``self_harm:first_person`` signal) gets support on every surface; a search with a self-harm score
of 0.5 or more, or one that names the topic (signal ``self_harm:topic``), gets support instead
of results; a post that reports a suicide in the news (a high
score without the first-person signal) is not a person at risk, and gets None. The response is
shown to the author; it is never a penalty and never tells anyone else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from salama.errors import InputError
from salama.support.messages import SITUATIONS, SupportMessage, support_message
from salama.support.resources import (
    Contact,
    Resource,
    ResourceBook,
    Selection,
    load_resources,
    shipped_resources,
)

__all__ = [
    "FIRST_PERSON_SIGNAL",
    "SEARCH_THRESHOLD",
    "SITUATIONS",
    "SURFACES",
    "TOPIC_SIGNAL",
    "Contact",
    "Resource",
    "ResourceBook",
    "Selection",
    "SupportMessage",
    "SupportResponse",
    "load_resources",
    "respond",
    "shipped_resources",
    "support_message",
]

FIRST_PERSON_SIGNAL = "self_harm:first_person"
TOPIC_SIGNAL = "self_harm:topic"  # suicide or self-harm named as a subject
SEARCH_THRESHOLD = 0.5
SURFACES = frozenset({"comment", "dm", "post", "bio", "username", "search"})


@dataclass(frozen=True, slots=True)
class SupportResponse:
    """What the host app shows the author: a message and where to find help, best first."""

    situation: str  # "first_person" or "search"
    message: SupportMessage
    resources: tuple[Resource, ...]
    country: str | None  # the country whose resources come first, as normalised
    note: str | None = None  # "no_country" / "country_not_covered": the list is international only

    @property
    def unverified(self) -> tuple[Resource, ...]:
        """Resources nobody has checked yet: a UI shows them apart, or not at all."""
        return tuple(r for r in self.resources if not r.verified)

    def to_dict(self) -> dict[str, Any]:
        return {
            "situation": self.situation,
            "message": self.message.to_dict(),
            "resources": [r.to_dict() for r in self.resources],
            "country": self.country,
            "note": self.note,
        }


def respond(
    verdict_signals: Sequence[str],
    self_harm_score: float,
    *,
    country: str | None,
    language: str | None,
    surface: str,
    audience: str = "youth",
    book: ResourceBook | None = None,
) -> SupportResponse | None:
    """Support for crisis language, or None when the text is not a person at risk.

    ``verdict_signals`` and ``self_harm_score`` come from a Verdict (``verdict.signals``,
    ``verdict.scores["self_harm"]``); ``book`` defaults to the shipped resources. Raises
    InputError for a score outside [0, 1] or an unknown surface or audience."""
    if isinstance(verdict_signals, str):
        raise InputError("verdict_signals must be a sequence of signals, not one string")
    # NaN fails both comparisons, so it is refused too
    if not (isinstance(self_harm_score, int | float) and 0.0 <= self_harm_score <= 1.0):
        raise InputError(
            f"self_harm_score must be in [0, 1], found {self_harm_score!r}",
            details={"self_harm_score": self_harm_score},
        )
    if surface not in SURFACES:
        raise InputError(
            f"unknown surface {surface!r}; one of: {', '.join(sorted(SURFACES))}",
            details={"surface": surface},
        )
    if FIRST_PERSON_SIGNAL in verdict_signals:
        situation = "first_person"  # also on search: the person spoke about themselves
    elif surface == "search" and (
        self_harm_score >= SEARCH_THRESHOLD or TOPIC_SIGNAL in verdict_signals
    ):
        situation = "search"
    else:
        return None
    selection = (book or shipped_resources()).select(country, language, audience)
    return SupportResponse(
        situation=situation,
        message=support_message(situation, language),
        resources=selection.resources,
        country=selection.country,
        note=selection.note,
    )

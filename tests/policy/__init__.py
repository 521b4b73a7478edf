"""Helpers for the policy tests: Verdicts built by hand, with the detector's thresholds."""

from __future__ import annotations

from salama.detect.verdict import CATEGORIES, Span, Verdict

# The shipped detector's calibrated thresholds (salama-linear-v1), pinned so that these tests
# do not move when the model is retrained.
THRESHOLDS = {
    "insult": 0.475,
    "hate": 0.225,
    "threat": 0.4,
    "sexual": 0.5,
    "sexual_minors": 0.5,
    "self_harm": 0.25,
    "profanity": 0.45,
}


def verdict(
    *,
    signals: tuple[str, ...] = (),
    spans: tuple[Span, ...] = (),
    language: str = "en",
    script: str = "Latn",
    **scores: float,
) -> Verdict:
    """A Verdict with the given category scores (0 for the others)."""
    unknown = set(scores) - set(CATEGORIES)
    assert not unknown, unknown
    return Verdict(
        scores={c: scores.get(c, 0.0) for c in CATEGORIES},
        thresholds=dict(THRESHOLDS),
        spans=spans,
        signals=signals,
        language=language,
        script=script,
    )


def span(text: str, category: str, rule: str, start: int = 0) -> Span:
    return Span(start, start + len(text), text, category, rule, 2, "base")

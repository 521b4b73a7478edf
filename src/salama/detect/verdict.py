"""What a check returns: scores per category, the evidence, and the versions that produced them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from salama.errors import InputError

__all__ = ["CATEGORIES", "TASKS", "Span", "Verdict"]

CATEGORIES = ("insult", "hate", "threat", "sexual", "sexual_minors", "self_harm", "profanity")

# Evaluation tasks and the categories each one reads. "abusive" is any category but self_harm.
TASKS: dict[str, tuple[str, ...]] = {
    "abusive": ("insult", "hate", "threat", "sexual", "sexual_minors", "profanity"),
    "hate": ("hate",),
    "threat": ("threat",),
    "profanity": ("profanity",),
    "self_harm": ("self_harm",),
    "grooming": ("sexual_minors",),
}


@dataclass(frozen=True, slots=True)
class Span:
    """One piece of evidence: where in the text the user wrote, and which rule fired."""

    start: int
    end: int
    text: str
    category: str
    rule: str  # e.g. "lexicon:ary:insult:zamel", "rule:grooming:age+private"
    severity: int
    view: str  # the normalised view the match was found in

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "category": self.category,
            "rule": self.rule,
            "severity": self.severity,
            "view": self.view,
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """Calibrated scores in [0, 1] per category, with the spans and rules that explain them."""

    scores: dict[str, float]
    thresholds: dict[str, float]
    spans: tuple[Span, ...] = ()
    language: str = "und"
    script: str = "none"
    code_switching: bool = False
    signals: tuple[str, ...] = ()  # evasion and context signals: "invisible_chars", "negated", ...
    truncated: bool = False
    versions: dict[str, str] = field(default_factory=dict)

    def score(self, task: str) -> float:
        """The score that answers an evaluation task: the highest of the categories it reads."""
        cats = _task_categories(task)
        return max(self.scores.get(c, 0.0) for c in cats)

    def flagged(self, task: str) -> bool:
        """Does the text belong to the task's positive class? Each category has its threshold."""
        cats = _task_categories(task)
        return any(self.scores.get(c, 0.0) >= self.thresholds.get(c, 0.5) for c in cats)

    @property
    def categories(self) -> list[str]:
        """Categories over their thresholds, highest score first."""
        hits = [c for c in CATEGORIES if self.scores.get(c, 0.0) >= self.thresholds.get(c, 0.5)]
        return sorted(hits, key=lambda c: -self.scores[c])

    def to_dict(self) -> dict[str, Any]:
        return {
            "scores": {c: round(self.scores.get(c, 0.0), 4) for c in CATEGORIES},
            "categories": self.categories,
            "spans": [s.to_dict() for s in self.spans],
            "language": self.language,
            "script": self.script,
            "code_switching": self.code_switching,
            "signals": list(self.signals),
            "truncated": self.truncated,
            "versions": dict(self.versions),
        }


def _task_categories(task: str) -> tuple[str, ...]:
    try:
        return TASKS[task]
    except KeyError:
        raise InputError(
            f"unknown task {task!r}; one of: {', '.join(TASKS)}", details={"task": task}
        ) from None

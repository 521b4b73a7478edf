"""The vocabulary of policies and what they produce: rules, policies, reasons and decisions.

Everything here is a small frozen dataclass; the loader builds :class:`Policy` from YAML and the
engine builds :class:`Decision` from a :class:`~salama.detect.verdict.Verdict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from salama.bands import AGE_BANDS, KNOWN_BANDS
from salama.policy import i18n

__all__ = [
    "ACTIONS",
    "AUDIENCES",
    "BANDS",
    "KNOWN_SIGNALS",
    "PENALTIES",
    "SEVERITY",
    "SIGNAL_PREFIXES",
    "SURFACES",
    "Condition",
    "Decision",
    "Evidence",
    "Policy",
    "Reason",
    "Rule",
    "band_of",
    "signal_matches",
]

SURFACES = ("comment", "dm", "post", "bio", "username", "search")
AUDIENCES = AGE_BANDS
# The bands a rule may name: "unknown" is treated as teen_13_15 before rules are matched.
BANDS = KNOWN_BANDS
ACTIONS = ("allow", "nudge", "limit", "hold", "block", "support")
# Penalties, mildest first. ``support`` is not one of them: it is help, and it wins (see engine).
PENALTIES = ("allow", "nudge", "limit", "hold", "block")
SEVERITY: dict[str, int] = {a: i for i, a in enumerate(PENALTIES)}

# Signals the detector emits (``Verdict.signals``); a rule may name one, or a prefix ending in *.
KNOWN_SIGNALS = (
    "negation",
    "reported_speech",
    "invisible_chars",
    "bidi_override",
    "self_harm:first_person",
    "self_harm:topic",
    "rule:hate:identity+attack",
)
SIGNAL_PREFIXES = ("rule:grooming:",)  # followed by the cues found: rule:grooming:age+private


def band_of(audience: str) -> str:
    """The band rules see: ``unknown`` is protected as the youngest band."""
    return "teen_13_15" if audience == "unknown" else audience


def signal_matches(pattern: str, signal: str) -> bool:
    """``pattern`` names ``signal`` exactly, or is a prefix of it ending in ``*``."""
    if pattern.endswith("*"):
        return signal.startswith(pattern[:-1])
    return signal == pattern


@dataclass(frozen=True, slots=True)
class Condition:
    """When a rule fires. Every field given must hold; a list field holds when the value is in it.

    Exactly one of ``min_score`` (score >= min_score) and ``flagged`` (score >= the Verdict's own
    threshold for the category) is set; ``max_score`` (score < max_score) may bound it above."""

    category: str
    min_score: float | None = None
    flagged: bool = False
    max_score: float | None = None
    surfaces: frozenset[str] | None = None
    author_audiences: frozenset[str] | None = None
    reader_audiences: frozenset[str] | None = None
    signals_any: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    when: Condition
    action: str
    reason: str  # a key of i18n.REASONS
    review: bool = False  # also send to human review, whatever the action
    where: str = ""  # file:line of the rule, for explanations


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    version: str
    rules: tuple[Rule, ...]
    source: str = ""

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(frozen=True, slots=True)
class Evidence:
    """What supports a reason: a span of the text and the detector rule that found it, or the
    owner's keyword that matched."""

    text: str
    rule: str  # e.g. "lexicon:ary:insult:zamel", "owner:keyword:idiot"
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "rule": self.rule, "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class Reason:
    """One rule that fired: which, what it asked for, on what score, with what evidence."""

    rule: str  # the policy rule's id, or "owner:..." for the owner's settings
    action: str
    category: str | None  # None for owner settings that do not read the Verdict
    score: float | None
    evidence: tuple[Evidence, ...]
    message: dict[str, str]  # lang -> text, from i18n.REASONS
    key: str = ""  # the i18n key of ``message``
    signals: tuple[str, ...] = ()  # the Verdict signals the rule asked for and found
    where: str = ""  # file:line of the rule

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "action": self.action,
            "category": self.category,
            "score": None if self.score is None else round(self.score, 4),
            "evidence": [e.to_dict() for e in self.evidence],
            "signals": list(self.signals),
            "key": self.key,
            "message": dict(self.message),
            "where": self.where,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """What the host app should do, and why.

    - ``action``: one of ACTIONS. Every action but ``allow`` has at least one reason.
    - ``reasons``: the rules that fired, the applied action's first. With ``support``, the other
      rules stay listed, but their penalty is not applied: ``withheld`` names the most severe one.
    - ``prompt``: with ``nudge``, the rethink prompt in every language; ``lang`` is the author's.
    - ``review``: a fired rule asked for human review as well (e.g. block and review grooming)."""

    action: str
    reasons: tuple[Reason, ...]
    policy: str = ""
    lang: str = "en"
    prompt: dict[str, str] | None = None
    review: bool = False
    withheld: str | None = None

    @property
    def rules(self) -> list[str]:
        return [r.rule for r in self.reasons]

    def prompt_text(self, lang: str | None = None) -> str | None:
        """The nudge prompt in ``lang`` (default: the author's), or None without a prompt."""
        if self.prompt is None:
            return None
        return i18n.pick(self.prompt, lang or self.lang)

    def explain(self, lang: str | None = None) -> str:
        """A plain-text explanation, one line per reason, for reviewers, parents and teens."""
        lang = lang or self.lang
        lines = [f"{i18n.action_label(self.action, lang)} [{self.action}] ({self.policy})"]
        if self.withheld is not None:
            label = i18n.action_label(self.withheld, lang)
            lines.append(f"  {i18n.pick(i18n.WITHHELD, lang)}: {label} [{self.withheld}]")
        if self.review:
            lines.append(f"  {i18n.pick(i18n.REVIEW, lang)}")
        for r in self.reasons:
            head = f"- {r.rule} -> {r.action}"
            if r.category is not None and r.score is not None:
                head += f" ({r.category} {r.score:.2f})"
            lines.append(f"{head}: {i18n.pick(r.message, lang)}")
            for e in r.evidence:
                lines.append(f"    «{e.text}» {e.rule}")
            for s in r.signals:
                lines.append(f"    signal {s}")
        prompt = self.prompt_text(lang)
        if prompt is not None:
            lines.append(f"> {prompt}")
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "reasons": [r.to_dict() for r in self.reasons],
            "policy": self.policy,
            "lang": self.lang,
            "prompt": None if self.prompt is None else dict(self.prompt),
            "review": self.review,
            "withheld": self.withheld,
        }

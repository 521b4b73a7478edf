"""A Verdict, where it goes and who writes and reads it, through a policy: a Decision.

How the action is chosen:

1. Every rule whose conditions hold fires, and so do the owner's settings (comments off, followers
   only, filter every comment, keyword filters).
2. With ``confirmed=True`` (the author was nudged, rethought, and still posts) the ``nudge`` reasons
   are dropped: the next most severe action applies, ``allow`` when there is none.
3. If a ``support`` rule fired, the action is ``support``: help is shown and the author is not
   penalised. The other reasons stay listed, and ``Decision.withheld`` names the most severe
   penalty they asked for, so that a host may still route the text to a person quietly; it must not
   punish the author for it. Help comes first, even over grooming or a threat: those rules set
   ``review``, which support keeps.
4. Otherwise the most severe action wins: allow < nudge < limit < hold < block.

The cost is one pass over the rules (a few µs for the shipped policy) plus, when the owner has
keyword filters, one normalisation of the text and one automaton scan per view (see owner.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from salama.detect.lexicon import GROOMING_KINDS
from salama.detect.verdict import Verdict
from salama.errors import InputError
from salama.policy import i18n
from salama.policy.family import FamilyRules, load_family_policy, strictness_reason
from salama.policy.model import (
    AUDIENCES,
    SEVERITY,
    SURFACES,
    Decision,
    Evidence,
    Policy,
    Reason,
    Rule,
    band_of,
    signal_matches,
)
from salama.policy.owner import OwnerSettings
from salama.text import Normalized

__all__ = ["ShadowResult", "evaluate", "shadow"]

# Spans of these kinds support a reason on the category, beside the category's own spans.
_RELATED: dict[str, frozenset[str]] = {
    "hate": frozenset({"identity", "hate_verb"}),
    "sexual_minors": frozenset({*GROOMING_KINDS, "sexual"}),
}
# ... and these when the detector's rule combined them into hate (a group named, then attacked).
_HATE_ATTACKS = frozenset({"insult", "threat"})


def evaluate(
    policy: Policy,
    verdict: Verdict,
    *,
    surface: str,
    author_band: str,
    reader_band: str,
    owner: OwnerSettings | None = None,
    confirmed: bool = False,
    author_is_follower: bool | None = None,
    text: str | Normalized | None = None,
    lang: str | None = None,
    family: FamilyRules | None = None,
) -> Decision:
    """The Decision for ``verdict`` on ``surface``, written by ``author_band`` for ``reader_band``.

    ``text`` (or its :func:`~salama.text.normalize` result) is needed only when ``owner`` has
    keyword filters and the surface is a comment or a message. ``lang`` is the author's language
    for the nudge prompt; by default the Verdict's. Raises InputError for an unknown surface or
    audience, for a followers-only owner setting without ``author_is_follower``, and for keyword
    filters without ``text``.

    ``family`` carries what a paired teen's parent set (see :mod:`salama.policy.family`): rules
    that fire only because of it are named ``family-...``; it never makes a decision milder."""
    if surface not in SURFACES:
        raise InputError(
            f"unknown surface {surface!r}; one of: {', '.join(SURFACES)}",
            details={"surface": surface},
        )
    for name, value in (("author_band", author_band), ("reader_band", reader_band)):
        if value not in AUDIENCES:
            raise InputError(
                f"unknown {name} {value!r}; one of: {', '.join(AUDIENCES)}",
                details={name: value},
            )
    author, reader = band_of(author_band), band_of(reader_band)

    fired = [rule for rule in policy.rules if _fires(rule, verdict, surface, author, reader)]
    strict: list[Rule] = []
    if family is not None:
        f_author, f_reader = family.bands(surface, author, reader)
        if (f_author, f_reader) != (author, reader):
            ids = {rule.id for rule in fired}
            strict = [
                rule
                for rule in policy.rules
                if rule.id not in ids and _fires(rule, verdict, surface, f_author, f_reader)
            ]
        if family.restricted_search and surface == "search":
            fired += [
                rule
                for rule in load_family_policy().rules
                if _fires(rule, verdict, surface, f_author, f_reader)
            ]
    if confirmed:
        fired = [rule for rule in fired if rule.action != "nudge"]
        strict = [rule for rule in strict if rule.action != "nudge"]
    review = any(rule.review for rule in (*fired, *strict))
    reasons = [_reason(rule, verdict) for rule in fired]
    reasons.extend(strictness_reason(_reason(rule, verdict)) for rule in strict)
    if owner is not None:
        reasons.extend(owner.reasons(surface, author_is_follower=author_is_follower, text=text))
    if family is not None:
        reasons.extend(family.access_reasons(surface, owner, author_is_follower))
    author_language = lang or i18n.author_lang(verdict.language, verdict.script)

    support = [r for r in reasons if r.action == "support"]
    others = [r for r in reasons if r.action != "support"]
    others.sort(key=lambda r: -SEVERITY[r.action])  # stable: policy order within an action
    penalty = others[0].action if others else "allow"
    if support:
        return Decision(
            action="support",
            reasons=tuple(support + others),
            policy=policy.label,
            lang=author_language,
            review=review,
            withheld=penalty if penalty != "allow" else None,
        )
    prompt = None
    if penalty == "nudge":
        prompt = i18n.prompt_for(others[0].category, surface)
    return Decision(
        action=penalty,
        reasons=tuple(others),
        policy=policy.label,
        lang=author_language,
        prompt=prompt,
        review=review,
    )


@dataclass(frozen=True, slots=True)
class ShadowResult:
    """The live policy's decision (the one to act on), the candidate's, and whether their actions
    (or review flags) differ. Recording the differences is the caller's job."""

    live: Decision
    candidate: Decision
    differs: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "live": self.live.to_dict(),
            "candidate": self.candidate.to_dict(),
            "differs": self.differs,
        }


def shadow(live: Policy, candidate: Policy, verdict: Verdict, **ctx: Any) -> ShadowResult:
    """Evaluate a candidate policy beside the live one on the same input; act on ``live`` only."""
    a = evaluate(live, verdict, **ctx)
    b = evaluate(candidate, verdict, **ctx)
    differs = a.action != b.action or a.review != b.review or a.withheld != b.withheld
    return ShadowResult(a, b, differs)


def _fires(rule: Rule, verdict: Verdict, surface: str, author: str, reader: str) -> bool:
    when = rule.when
    if when.surfaces is not None and surface not in when.surfaces:
        return False
    if when.author_audiences is not None and author not in when.author_audiences:
        return False
    if when.reader_audiences is not None and reader not in when.reader_audiences:
        return False
    score = verdict.scores.get(when.category, 0.0)
    if when.flagged:
        if score < verdict.thresholds.get(when.category, 0.5):
            return False
    elif when.min_score is not None and score < when.min_score:
        return False
    if when.max_score is not None and score >= when.max_score:
        return False
    if when.signals_any is not None:
        return any(signal_matches(p, s) for p in when.signals_any for s in verdict.signals)
    return True


def _reason(rule: Rule, verdict: Verdict) -> Reason:
    cat = rule.when.category
    related = _RELATED.get(cat, frozenset())
    if cat == "hate" and "rule:hate:identity+attack" in verdict.signals:
        related = related | _HATE_ATTACKS
    evidence = tuple(
        Evidence(s.text, s.rule, s.start, s.end)
        for s in verdict.spans
        if s.category == cat or s.category in related
    )
    signals: tuple[str, ...] = ()
    if rule.when.signals_any is not None:
        signals = tuple(
            s for s in verdict.signals if any(signal_matches(p, s) for p in rule.when.signals_any)
        )
    return Reason(
        rule=rule.id,
        action=rule.action,
        category=cat,
        score=verdict.scores.get(cat, 0.0),
        evidence=evidence,
        message=dict(i18n.REASONS[rule.reason]),
        key=rule.reason,
        signals=signals,
        where=rule.where,
    )

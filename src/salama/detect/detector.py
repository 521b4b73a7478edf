"""The Detector: normalise, identify the language, match the lexicons, score with the model,
and combine all of it into a Verdict that says why.

How a category's score is made (every step leaves a Span or a signal behind to explain it):
- model: the calibrated probability of the learned label that feeds the category
  (abusive -> insult, hate, threat, profanity, self_harm);
- lexicon: each hit contributes by severity (1: 0.35, 2: 0.75, 3: 0.92), combined by noisy-or;
  a hit right after a negation ("ma ...sh", "not", "ne ... pas") or in a text that reports or
  quotes abuse (counter-speech cues, quotation marks) counts for much less;
- rules: hate = a group named (identity) + an attack on it (hate verb, insult or threat) that is
  not negated or reported; grooming (``sexual_minors``) = two or more distinct grooming signals
  (age, private channel, secrecy, gifts, photos, meeting) or one with sexual content;
- the category's score is the noisy-or of model, lexicon and rule scores. A negated or reported
  text also damps the model's hate and threat scores, which cannot read negation themselves.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from salama.detect.lexicon import Hit, Lexicon, load_default_lexicon
from salama.detect.model import LinearModel, load_default_model
from salama.detect.verdict import CATEGORIES, Span, Verdict
from salama.errors import InputError
from salama.text import MAX_CHARS, identify, model_view, normalize

__all__ = ["Detector"]

MODEL_FEEDS = {
    "abusive": "insult",
    "hate": "hate",
    "threat": "threat",
    "profanity": "profanity",
    "self_harm": "self_harm",
}
SEVERITY_SCORE = {1: 0.35, 2: 0.75, 3: 0.92}
NEGATED_FACTOR = 0.25  # a negated or reported hit keeps a quarter of its weight
NEGATION_WINDOW = 3  # tokens before a hit in which a negation applies to it
DEFAULT_THRESHOLDS = dict.fromkeys(CATEGORIES, 0.5)
GROOMING_KINDS = (
    "grooming_age",
    "grooming_private",
    "grooming_secrecy",
    "grooming_gift",
    "grooming_photo",
    "grooming_meet",
)
_QUOTED = re.compile(r"[\"“”«»„]([^\"“”«»„]{1,80})[\"“”«»„]")


@dataclass(frozen=True, slots=True)
class _Evidence:
    spans: tuple[Span, ...]
    lexicon: dict[str, float]
    rules: dict[str, float]
    signals: tuple[str, ...]
    damp_model: bool


class Detector:
    """Safety checks for text. Thread-safe; load once, call many times.

    ``Detector()`` uses the model and lexicons shipped in the package, loaded on first use.
    """

    def __init__(
        self,
        model: LinearModel | None = None,
        lexicon: Lexicon | None = None,
        *,
        max_chars: int = MAX_CHARS,
    ) -> None:
        self._model = model
        self._lexicon = lexicon
        self.max_chars = max_chars
        self._lock = threading.Lock()

    @property
    def model(self) -> LinearModel:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = _shared_model()
        return self._model

    @property
    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            with self._lock:
                if self._lexicon is None:
                    self._lexicon = load_default_lexicon()
        return self._lexicon

    @property
    def versions(self) -> dict[str, str]:
        return {"model": self.model.version, "lexicon": f"{len(self.lexicon.entries)} entries"}

    def check(self, text: str | bytes) -> Verdict:
        """Check one text. Raises InputError for anything but str (or UTF-8 bytes)."""
        return self.check_batch([text])[0]

    def check_batch(self, texts: Sequence[str | bytes]) -> list[Verdict]:
        """Check many texts at once (much faster per text than one by one)."""
        if isinstance(texts, str | bytes):
            raise InputError("check_batch takes a sequence of texts, not one text")
        clean = [_as_text(t, i) for i, t in enumerate(texts)]
        if not clean:
            return []
        model = self.model
        lexicon = self.lexicon
        cut = [t[: self.max_chars] for t in clean]
        probs = model.predict_proba([model_view(t) for t in cut])
        thresholds = {**DEFAULT_THRESHOLDS, **self._category_thresholds(model)}
        versions = self.versions
        out = []
        for i, text in enumerate(cut):
            norm = normalize(text, max_chars=self.max_chars)
            guess = identify(norm.original)
            evidence = _evidence(lexicon.match(norm), norm.original)
            scores = _combine(probs[i], model.labels, evidence)
            signals = list(evidence.signals)
            if norm.invisible:
                signals.append("invisible_chars")
            if norm.bidi_override:
                signals.append("bidi_override")
            out.append(
                Verdict(
                    scores=scores,
                    thresholds=thresholds,
                    spans=evidence.spans,
                    language=guess.lang,
                    script=guess.script,
                    code_switching=guess.code_switching,
                    signals=tuple(signals),
                    truncated=len(clean[i]) > self.max_chars,
                    versions=versions,
                )
            )
        return out

    @staticmethod
    def _category_thresholds(model: LinearModel) -> dict[str, float]:
        return {MODEL_FEEDS[k]: v for k, v in model.thresholds.items() if k in MODEL_FEEDS}


_MODEL_LOCK = threading.Lock()
_MODEL: LinearModel | None = None


def _shared_model() -> LinearModel:
    global _MODEL
    with _MODEL_LOCK:
        if _MODEL is None:
            _MODEL = load_default_model()
        return _MODEL


def _as_text(value: object, index: int) -> str:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: replace them, as a decoder would
            return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    raise InputError(
        f"text {index} is a {type(value).__name__}, not a string", details={"index": index}
    )


def _evidence(hits: list[Hit], original: str) -> _Evidence:
    kinds = {h.entry.category for h in hits}
    negations = [h for h in hits if h.entry.category == "negation"]
    reported = "counter" in kinds or bool(_QUOTED.search(original))
    signals: list[str] = []
    if negations:
        signals.append("negation")
    if reported:
        signals.append("reported_speech")

    lexicon: dict[str, float] = {}
    spans: list[Span] = []
    attack = 0.0
    for hit in hits:
        cat = hit.entry.category
        negated = any(_precedes(n, hit, original) for n in negations)
        weight = SEVERITY_SCORE.get(hit.entry.severity, 0.0)
        if negated or (reported and cat in ("insult", "hate", "hate_verb", "threat")):
            weight *= NEGATED_FACTOR
        if cat in CATEGORIES:
            lexicon[cat] = _noisy_or(lexicon.get(cat, 0.0), weight)
            if cat in ("insult", "threat"):
                attack = max(attack, weight)
        elif cat == "hate_verb":
            attack = max(attack, weight)
        spans.append(
            Span(
                start=hit.start,
                end=hit.end,
                text=original[hit.start : hit.end],
                category=cat,
                rule=hit.entry.rule,
                severity=hit.entry.severity,
                view=hit.view,
            )
        )

    rules: dict[str, float] = {}
    if "identity" in kinds and attack > 0:
        rules["hate"] = 0.85 * attack
        signals.append("rule:hate:identity+attack")
    grooming = sorted(k for k in GROOMING_KINDS if k in kinds)
    if len(grooming) >= 2:
        rules["sexual_minors"] = min(0.97, 0.7 + 0.1 * len(grooming))
        signals.append("rule:grooming:" + "+".join(g.removeprefix("grooming_") for g in grooming))
    elif grooming and ("sexual" in kinds or "sexual_minors" in kinds):
        rules["sexual_minors"] = 0.85
        signals.append("rule:grooming:" + grooming[0].removeprefix("grooming_") + "+sexual")
    spans.sort(key=lambda s: (s.start, s.end))
    return _Evidence(tuple(spans), lexicon, rules, tuple(signals), negations != [] or reported)


def _precedes(neg: Hit, hit: Hit, original: str) -> bool:
    """Is the negation a few tokens before the hit, or wrapped around it (Darija ma ... sh)?"""
    if neg.end <= hit.start:
        return len(original[neg.end : hit.start].split()) <= NEGATION_WINDOW
    return neg.start <= hit.start < neg.end


def _noisy_or(a: float, b: float) -> float:
    return 1.0 - (1.0 - a) * (1.0 - b)


def _combine(probs: np.ndarray, labels: Sequence[str], ev: _Evidence) -> dict[str, float]:
    scores = dict.fromkeys(CATEGORIES, 0.0)
    for k, label in enumerate(labels):
        cat = MODEL_FEEDS.get(label)
        if cat is not None:
            p = float(probs[k])
            if ev.damp_model and cat in ("hate", "threat"):
                p *= 0.5
            scores[cat] = p
    for cat in CATEGORIES:
        scores[cat] = _noisy_or(scores[cat], ev.lexicon.get(cat, 0.0))
        scores[cat] = _noisy_or(scores[cat], ev.rules.get(cat, 0.0))
    return {c: round(min(1.0, max(0.0, s)), 6) for c, s in scores.items()}

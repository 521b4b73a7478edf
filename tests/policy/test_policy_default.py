"""The shipped policy, rule by rule: each rule fires on one input and stays quiet on a near one;
and the same text is treated at least as strictly for younger audiences."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salama.detect.verdict import CATEGORIES
from salama.policy import SURFACES, Decision, evaluate, load_default_policy
from salama.policy.model import BANDS, SEVERITY
from tests.policy import verdict

POLICY = load_default_policy()
FIRST_PERSON = ("self_harm:first_person",)


@dataclass(frozen=True)
class Case:
    scores: dict[str, float]
    surface: str
    author: str
    reader: str
    signals: tuple[str, ...] = ()

    def decide(self) -> Decision:
        return evaluate(
            POLICY,
            verdict(signals=self.signals, **self.scores),
            surface=self.surface,
            author_band=self.author,
            reader_band=self.reader,
        )


A, T1, T2, U = "adult", "teen_13_15", "teen_16_17", "unknown"

# rule id -> (a case where it fires, the final action there, a near case where it does not)
RULE_CASES: dict[str, tuple[Case, str, Case]] = {
    "grooming-block": (
        Case({"sexual_minors": 0.9}, "dm", A, T1),
        "block",
        Case({"sexual_minors": 0.4}, "dm", A, T1),
    ),
    "grooming-weak-hold": (
        Case({"sexual_minors": 0.3}, "dm", A, T2),
        "hold",
        Case({"sexual_minors": 0.3}, "dm", A, A),
    ),
    "threat-block-teen-readers": (
        Case({"threat": 0.8}, "comment", A, T2),
        "block",
        Case({"threat": 0.8}, "comment", A, A),
    ),
    "threat-hold-adult-readers": (
        Case({"threat": 0.8}, "comment", A, A),
        "hold",
        Case({"threat": 0.2}, "comment", A, A),
    ),
    "hate-block-teen-readers": (
        Case({"hate": 0.6}, "post", A, T1),
        "block",
        Case({"hate": 0.6}, "search", A, T1),
    ),
    "hate-hold-adult-readers": (
        Case({"hate": 0.6}, "post", A, A),
        "hold",
        Case({"hate": 0.6}, "post", A, T1),
    ),
    "insult-nudge": (
        Case({"insult": 0.6}, "comment", T2, T2),
        "nudge",
        Case({"insult": 0.6}, "search", T2, T2),
    ),
    "insult-severe-limit-adult-readers": (
        Case({"insult": 0.9}, "dm", A, A),
        "limit",
        Case({"insult": 0.8}, "dm", A, A),
    ),
    "insult-severe-hold-teen-16-17": (
        Case({"insult": 0.9}, "comment", A, T2),
        "hold",
        Case({"insult": 0.9}, "comment", A, T1),
    ),
    "insult-severe-block-teen-13-15": (
        Case({"insult": 0.9}, "comment", A, U),
        "block",
        Case({"insult": 0.9}, "post", A, T1),
    ),
    "profanity-allow-adults": (
        Case({"profanity": 0.6}, "comment", A, A),
        "allow",
        Case({"profanity": 0.6}, "comment", T2, A),
    ),
    "profanity-nudge-teen-authors": (
        Case({"profanity": 0.6}, "comment", T2, A),
        "nudge",
        Case({"profanity": 0.6}, "comment", A, A),
    ),
    "profanity-nudge-young-readers": (
        Case({"profanity": 0.6}, "post", A, T1),
        "nudge",
        Case({"profanity": 0.6}, "post", A, T2),
    ),
    "sexual-block-teen-readers": (
        Case({"sexual": 0.7}, "search", T2, T2),
        "block",
        Case({"sexual": 0.3}, "search", T2, T2),
    ),
    "sexual-limit-adult-readers": (
        Case({"sexual": 0.7}, "dm", A, A),
        "limit",
        Case({"sexual": 0.7}, "search", A, A),
    ),
    "sexual-hold-from-teens": (
        Case({"sexual": 0.7}, "dm", T2, A),
        "hold",
        Case({"sexual": 0.7}, "dm", A, A),
    ),
    "self-harm-support-first-person": (
        Case({"self_harm": 0.1}, "comment", A, A, FIRST_PERSON),
        "support",
        Case({"self_harm": 0.9}, "comment", A, A),
    ),
    "self-harm-support-search": (
        Case({"self_harm": 0.5}, "search", T1, T1),
        "support",
        Case({"self_harm": 0.5}, "post", T1, A),
    ),
    "self-harm-support-search-topic": (
        Case({"self_harm": 0.0}, "search", A, A, ("self_harm:topic",)),
        "support",
        Case({"self_harm": 0.0}, "post", A, A, ("self_harm:topic",)),
    ),
    "self-harm-hold-teen-readers": (
        Case({"self_harm": 0.5}, "post", A, T1),
        "hold",
        Case({"self_harm": 0.5}, "dm", A, T1),
    ),
    "profile-insult-block": (
        Case({"insult": 0.42}, "username", A, A),
        "block",
        Case({"insult": 0.42}, "comment", A, A),
    ),
    "profile-hate-block": (
        Case({"hate": 0.18}, "bio", A, A),
        "block",
        Case({"hate": 0.1}, "bio", A, A),
    ),
    "profile-threat-block": (
        Case({"threat": 0.32}, "bio", A, A),
        "block",
        Case({"threat": 0.32}, "post", A, A),
    ),
    "profile-sexual-block": (
        Case({"sexual": 0.4}, "username", A, A),
        "block",
        Case({"sexual": 0.3}, "username", A, A),
    ),
    "username-profanity-block": (
        Case({"profanity": 0.35}, "username", A, A),
        "block",
        Case({"profanity": 0.35}, "bio", A, A),
    ),
}


def test_every_shipped_rule_has_a_case() -> None:
    assert sorted(RULE_CASES) == sorted(r.id for r in POLICY.rules)
    assert 20 <= len(POLICY.rules) <= 30


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_rule_fires(rule_id: str) -> None:
    fire, action, _ = RULE_CASES[rule_id]
    decision = fire.decide()
    assert rule_id in decision.rules
    (reason,) = [r for r in decision.reasons if r.rule == rule_id]
    rule = next(r for r in POLICY.rules if r.id == rule_id)
    assert reason.action == rule.action
    assert reason.category == rule.when.category
    assert reason.where.startswith("default.yaml:")
    assert decision.action == action


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_rule_does_not_fire_on_a_near_case(rule_id: str) -> None:
    _, _, miss = RULE_CASES[rule_id]
    assert rule_id not in miss.decide().rules


def test_unknown_audience_is_treated_as_the_youngest() -> None:
    for scores in ({"insult": 0.9}, {"profanity": 0.6}, {"sexual": 0.7}, {"threat": 0.5}):
        for surface in SURFACES:
            unknown = Case(scores, surface, U, U).decide()
            young = Case(scores, surface, T1, T1).decide()
            assert unknown.action == young.action
            assert unknown.rules == young.rules


# --- strictness: teen_13_15 >= teen_16_17 >= adult ------------------------------------------


def rank(decision: Decision) -> int:
    """How severe a decision is; support counts as the penalty it withheld."""
    if decision.action == "support":
        return SEVERITY[decision.withheld or "allow"]
    return SEVERITY[decision.action]


def ranks(scores: dict[str, Any], signals: tuple[str, ...], surface: str) -> list[list[int]]:
    v = verdict(signals=signals, **scores)

    def r(author: str, reader: str) -> int:
        return rank(evaluate(POLICY, v, surface=surface, author_band=author, reader_band=reader))

    young_to_old = [T1, T2, A]
    return [
        [r(b, b) for b in young_to_old],  # both the same band
        *([r(author, b) for b in young_to_old] for author in young_to_old),  # readers vary
        *([r(b, reader) for b in young_to_old] for reader in young_to_old),  # authors vary
    ]


LEVELS = [0.0, 0.1, 0.16, 0.2, 0.26, 0.32, 0.36, 0.42, 0.5, 0.6, 0.8, 0.9, 1.0]


@given(
    scores=st.fixed_dictionaries({c: st.sampled_from(LEVELS) for c in CATEGORIES}),
    first_person=st.booleans(),
    surface=st.sampled_from(SURFACES),
)
def test_younger_audiences_are_treated_at_least_as_strictly(
    scores: dict[str, float], first_person: bool, surface: str
) -> None:
    signals = FIRST_PERSON if first_person else ()
    for row in ranks(scores, signals, surface):
        assert row[0] >= row[1] >= row[2], (row, scores, surface)


@pytest.mark.parametrize(
    ("scores", "surface"),
    [
        ({"insult": 0.9}, "comment"),
        ({"threat": 0.8}, "dm"),
        ({"hate": 0.5}, "post"),
        ({"sexual": 0.7}, "dm"),
        ({"profanity": 0.6}, "comment"),
        ({"self_harm": 0.5}, "post"),
    ],
)
def test_strictness_is_strict_somewhere(scores: dict[str, float], surface: str) -> None:
    same_band = ranks(scores, (), surface)[0]
    assert same_band == sorted(same_band, reverse=True)
    assert same_band[0] > same_band[2]


def test_shipped_bands_are_the_ones_rules_name() -> None:
    for rule in POLICY.rules:
        for group in (rule.when.author_audiences, rule.when.reader_audiences):
            assert group is None or group <= set(BANDS)


def test_docs_list_every_shipped_rule() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "policies.md"
    text = docs.read_text("utf-8")
    missing = [r.id for r in POLICY.rules if f"`{r.id}`" not in text]
    assert not missing, f"docs/policies.md does not describe: {missing}"

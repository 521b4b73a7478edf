"""The rules a parent's controls turn on (policies/family.yaml), rule by rule, at the engine:
each fires on a teen's search when restricted search is on, and stays quiet below its level,
without the control, or on another surface. Plus strictness and the who-may floors."""

from __future__ import annotations

import pytest

from salama.errors import InputError
from salama.policy import Decision, evaluate, load_default_policy
from salama.policy.family import FamilyRules, load_family_policy
from salama.policy.owner import OwnerSettings
from tests.policy import verdict

POLICY = load_default_policy()
FAMILY = load_family_policy()
RESTRICTED = FamilyRules(restricted_search=True)
T2 = "teen_16_17"

# rule id -> (category, a score where it fires, a score just under its level)
RULE_CASES = {
    "family-restricted-search-sexual": ("sexual", 0.4, 0.3),
    "family-restricted-search-grooming": ("sexual_minors", 0.3, 0.2),
    "family-restricted-search-threat": ("threat", 0.35, 0.25),
    "family-restricted-search-hate": ("hate", 0.2, 0.1),
    "family-restricted-search-profanity": ("profanity", 0.35, 0.25),
}


def _search(
    score: dict[str, float], family: FamilyRules | None, surface: str = "search"
) -> Decision:
    return evaluate(
        POLICY, verdict(**score), surface=surface, author_band=T2, reader_band=T2, family=family
    )


def test_every_family_rule_has_a_case() -> None:
    assert sorted(RULE_CASES) == sorted(r.id for r in FAMILY.rules)


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_family_rule_fires_on_a_restricted_search(rule_id: str) -> None:
    category, hit, _ = RULE_CASES[rule_id]
    decision = _search({category: hit}, RESTRICTED)
    assert rule_id in decision.rules
    assert decision.action == "block"
    (reason,) = [r for r in decision.reasons if r.rule == rule_id]
    assert reason.where.startswith("family.yaml:")
    assert {"ar", "fr", "en"} <= set(reason.message)


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
def test_family_rule_is_quiet_below_its_level_without_the_control_and_off_search(
    rule_id: str,
) -> None:
    category, hit, miss = RULE_CASES[rule_id]
    assert rule_id not in _search({category: miss}, RESTRICTED).rules
    assert rule_id not in _search({category: hit}, None).rules
    assert rule_id not in _search({category: hit}, FamilyRules()).rules
    assert rule_id not in _search({category: hit}, RESTRICTED, surface="post").rules


def test_a_restricted_search_for_self_harm_still_gets_help_first() -> None:
    decision = evaluate(
        POLICY,
        verdict(self_harm=0.9, hate=0.5, signals=("self_harm:topic",)),
        surface="search",
        author_band=T2,
        reader_band=T2,
        family=RESTRICTED,
    )
    assert decision.action == "support"


def test_strictness_adds_the_younger_band_rules_and_never_softens() -> None:
    scores = verdict(insult=0.95)
    plain = evaluate(POLICY, scores, surface="dm", author_band="adult", reader_band=T2)
    strict = evaluate(
        POLICY,
        scores,
        surface="dm",
        author_band="adult",
        reader_band=T2,
        family=FamilyRules(owner_strict=True),
    )
    order = ["allow", "nudge", "limit", "hold", "block", "support"]
    assert order.index(strict.action) >= order.index(plain.action)
    assert set(plain.rules) <= set(strict.rules)
    added = [r for r in strict.rules if r not in plain.rules]
    assert added and all(r.startswith("family-strictness:") for r in added)


def test_who_may_message_floor_applies_when_stricter_than_the_owner() -> None:
    rules = FamilyRules(who_may_message="followers")

    def dm(follower: bool | None, owner: OwnerSettings | None = None) -> Decision:
        return evaluate(
            POLICY,
            verdict(),
            surface="dm",
            author_band="adult",
            reader_band=T2,
            owner=owner,
            author_is_follower=follower,
            family=rules,
        )

    stranger = dm(False)
    assert stranger.action == "block"
    assert "family-who-may-message" in stranger.rules
    assert dm(True).action == "allow"
    with pytest.raises(InputError) as err:
        dm(None)
    assert err.value.details["code"] == "follower_required"
    # the owner's own setting is as strict: the owner's reason speaks, not the family's
    own = dm(None, OwnerSettings(who_may_message="no_one"))
    assert "family-who-may-message" not in own.rules
    assert own.action == "block"

"""How the engine combines rules: severity, nudge and confirm, support first, evidence, shadow."""

from __future__ import annotations

import pytest

from salama.errors import InputError
from salama.policy import OwnerSettings, evaluate, load_default_policy, parse_policy, shadow
from salama.policy.model import SEVERITY
from tests.policy import span, verdict

POLICY = load_default_policy()

MINI = """
name: mini
version: 3
rules:
  - id: nudge-insult
    when: {category: insult, min_score: 0.5}
    action: nudge
    reason: insult_rethink
  - id: limit-insult
    when: {category: insult, min_score: 0.7}
    action: limit
    reason: insult_severe
  - id: hold-threat
    when: {category: threat, flagged: true, surfaces: [comment]}
    action: hold
    reason: threat
    review: true
  - id: help
    when: {category: self_harm, min_score: 0.0, signals_any: ["self_harm:first*"]}
    action: support
    reason: self_harm_support
"""


def decide(v, policy=POLICY, **ctx):  # type: ignore[no-untyped-def]
    ctx.setdefault("surface", "comment")
    ctx.setdefault("author_band", "teen_16_17")
    ctx.setdefault("reader_band", "teen_16_17")
    return evaluate(policy, v, **ctx)


def test_nothing_fires_allow_without_reasons() -> None:
    d = decide(verdict())
    assert d.action == "allow"
    assert d.reasons == ()
    assert d.prompt is None
    assert d.policy == "salama-default@1"


def test_most_severe_action_wins_and_comes_first() -> None:
    mini = parse_policy(MINI, "mini.yaml")
    d = decide(verdict(insult=0.8, threat=0.9), mini)
    assert d.action == "hold"
    assert d.rules == ["hold-threat", "limit-insult", "nudge-insult"]
    assert d.review is True
    assert d.prompt is None


def test_nudge_carries_a_prompt_in_the_authors_language() -> None:
    d = decide(verdict(insult=0.6, language="fr"))
    assert d.action == "nudge"
    assert d.lang == "fr"
    assert set(d.prompt or {}) >= {"ar", "fr", "en"}
    assert d.prompt_text() == "Ce commentaire pourrait blesser quelqu'un. Tu veux y repenser ?"
    assert d.prompt_text("en") == "This comment may hurt someone. Do you want to rethink it?"
    dm = decide(verdict(insult=0.6, language="ary", script="Arab"), surface="dm")
    assert dm.prompt_text() == "هاد الميساج يقدر يجرح شي واحد. بغيتي تعاود تفكر فيه؟"


def test_confirmed_skips_the_nudge_and_the_next_action_applies() -> None:
    v = verdict(insult=0.6)
    assert decide(v).action == "nudge"
    after = decide(v, confirmed=True)
    assert after.action == "allow"
    assert after.reasons == ()
    # a severe insult toward 16-17: nudge then hold; confirming drops only the nudge
    severe = verdict(insult=0.9)
    assert decide(severe).action == "hold"
    confirmed = decide(severe, confirmed=True)
    assert confirmed.action == "hold"
    assert "insult-nudge" not in confirmed.rules
    # profanity from a teen: confirming leaves nothing but allow
    assert decide(verdict(profanity=0.6), confirmed=True).action == "allow"


def test_support_wins_and_withholds_the_penalty() -> None:
    v = verdict(self_harm=0.6, insult=0.9, signals=("self_harm:first_person",))
    d = decide(v, surface="post", reader_band="teen_13_15")
    assert d.action == "support"
    assert d.rules[0] == "self-harm-support-first-person"
    assert "self-harm-hold-teen-readers" in d.rules  # still listed
    assert d.withheld == "hold"
    assert d.prompt is None


def test_support_wins_over_a_block_but_keeps_the_review() -> None:
    v = verdict(self_harm=0.4, sexual_minors=0.9, signals=("self_harm:first_person",))
    d = decide(v, surface="dm", author_band="adult", reader_band="teen_13_15")
    assert d.action == "support"
    assert d.withheld == "block"
    assert d.review is True


def test_support_with_nothing_else_withholds_nothing() -> None:
    d = decide(verdict(self_harm=0.6), surface="search")
    assert (d.action, d.withheld, d.rules) == ("support", None, ["self-harm-support-search"])


@pytest.mark.parametrize("score", [0.0, 0.3, 0.5, 0.7, 0.9, 1.0])
@pytest.mark.parametrize("category", ["insult", "hate", "threat", "sexual", "profanity"])
@pytest.mark.parametrize("surface", ["comment", "dm", "post", "bio", "username", "search"])
def test_every_non_allow_decision_has_a_reason_of_its_action(
    score: float, category: str, surface: str
) -> None:
    for band in ("teen_13_15", "teen_16_17", "adult", "unknown"):
        d = decide(verdict(**{category: score}), surface=surface, reader_band=band)
        if d.action != "allow":
            assert d.reasons
            assert d.reasons[0].action == d.action
            assert all(SEVERITY[r.action] <= SEVERITY[d.action] for r in d.reasons)


def test_reasons_carry_evidence_and_messages() -> None:
    spans = (
        span("zamel", "insult", "lexicon:ary_latn:insult:zamel", 4),
        span("tbarkellah", "identity", "lexicon:ary_latn:identity:x", 12),
        span("shit", "profanity", "lexicon:en:profanity:shit", 30),
    )
    d = decide(verdict(insult=0.9, profanity=0.6, spans=spans), reader_band="teen_13_15")
    insult = next(r for r in d.reasons if r.rule == "insult-severe-block-teen-13-15")
    assert [(e.text, e.rule) for e in insult.evidence] == [
        ("zamel", "lexicon:ary_latn:insult:zamel")
    ]
    assert insult.score == 0.9
    assert set(insult.message) >= {"ar", "fr", "en"}
    profanity = next(r for r in d.reasons if r.rule == "profanity-nudge-teen-authors")
    assert [e.text for e in profanity.evidence] == ["shit"]
    assert d.to_dict()["reasons"][0]["evidence"][0]["start"] == 4


def test_hate_evidence_includes_the_attack_only_when_the_rule_combined_them() -> None:
    spans = (
        span("l3rab", "identity", "lexicon:ary_latn:identity:l3rab", 0),
        span("7mir", "insult", "lexicon:ary_latn:insult:7mar", 6),
    )
    combined = verdict(hate=0.6, insult=0.6, spans=spans, signals=("rule:hate:identity+attack",))
    plain = verdict(hate=0.6, insult=0.6, spans=spans)
    for v, texts in ((combined, ["l3rab", "7mir"]), (plain, ["l3rab"])):
        d = decide(v, reader_band="adult")
        hate = next(r for r in d.reasons if r.rule == "hate-hold-adult-readers")
        assert [e.text for e in hate.evidence] == texts


def test_signal_prefix_and_matched_signals_are_reported() -> None:
    mini = parse_policy(MINI, "mini.yaml")
    d = decide(verdict(self_harm=0.1, signals=("negation", "self_harm:first_person")), mini)
    assert d.action == "support"
    assert d.reasons[0].signals == ("self_harm:first_person",)
    assert decide(verdict(self_harm=0.9, signals=("negation",)), mini).action == "allow"


def test_bad_context_is_refused() -> None:
    with pytest.raises(InputError, match="surface"):
        decide(verdict(), surface="story")
    with pytest.raises(InputError, match="reader_band"):
        decide(verdict(), reader_band="child")
    with pytest.raises(InputError, match="author_band"):
        decide(verdict(), author_band="13")


def test_language_of_the_author() -> None:
    assert decide(verdict(language="ary", script="Arab")).lang == "ary"
    assert decide(verdict(language="und", script="Arab")).lang == "ar"
    assert decide(verdict(language="und", script="none")).lang == "en"
    assert decide(verdict(language="en"), lang="fr").lang == "fr"


# --- shadow mode ----------------------------------------------------------------------------

CANDIDATE = """
name: candidate
version: 2
rules:
  - id: block-any-insult
    when: {category: insult, flagged: true}
    action: block
    reason: insult_severe
"""


def test_shadow_acts_on_live_and_reports_a_difference() -> None:
    candidate = parse_policy(CANDIDATE, "candidate.yaml")
    ctx = {"surface": "comment", "author_band": "adult", "reader_band": "adult"}
    result = shadow(POLICY, candidate, verdict(insult=0.6), **ctx)
    assert result.live.action == "nudge"
    assert result.candidate.action == "block"
    assert result.differs is True
    assert result.to_dict()["candidate"]["policy"] == "candidate@2"
    same = shadow(POLICY, candidate, verdict(), **ctx)
    assert same.differs is False
    assert same.live.action == same.candidate.action == "allow"


def test_shadow_passes_owner_settings_to_both() -> None:
    owner = OwnerSettings(who_may_comment="no_one")
    candidate = parse_policy(CANDIDATE, "candidate.yaml")
    result = shadow(
        POLICY,
        candidate,
        verdict(),
        surface="comment",
        author_band="adult",
        reader_band="adult",
        owner=owner,
    )
    assert result.live.action == result.candidate.action == "block"
    assert not result.differs

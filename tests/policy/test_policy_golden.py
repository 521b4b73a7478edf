"""The explanations people read, pinned in tests/policy/golden/*.txt.

A change to a text, a rule or the explanation format shows up here as a diff to review. After a
deliberate change, regenerate with:

    .venv/bin/python -c "from tests.policy.test_policy_golden import write; write()"
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from salama.policy import Decision, OwnerSettings, evaluate, load_default_policy
from tests.policy import span, verdict

GOLDEN = Path(__file__).parent / "golden"
POLICY = load_default_policy()
LANGS = ("en", "fr", "ar", "ary")


def support_over_hold() -> Decision:
    text = "ana bghit nmout, safi ma b9itch nqder"
    v = verdict(
        self_harm=0.55,
        insult=0.68,
        signals=("self_harm:first_person",),
        spans=(span("bghit nmout", "self_harm", "lexicon:ary_latn:self_harm:bghit nmout", 4),),
        language="ary",
    )
    assert "bghit nmout" in text
    return evaluate(POLICY, v, surface="post", author_band="teen_16_17", reader_band="teen_16_17")


def grooming_block() -> Decision:
    v = verdict(
        sexual_minors=0.9,
        signals=("rule:grooming:age+private+secrecy",),
        spans=(
            span("how old are you", "grooming_age", "lexicon:en:grooming_age:how old are you"),
            span("add me on snap", "grooming_private", "lexicon:en:grooming_private:add me", 17),
            span("dont tell", "grooming_secrecy", "lexicon:en:grooming_secrecy:dont tell", 33),
        ),
    )
    return evaluate(POLICY, v, surface="dm", author_band="adult", reader_band="teen_13_15")


def insult_nudge() -> Decision:
    v = verdict(insult=0.6, spans=(span("bête", "insult", "lexicon:fr:insult:bete", 8),))
    return evaluate(
        POLICY, v, surface="comment", author_band="teen_13_15", reader_band="teen_13_15"
    )


def owner_keyword() -> Decision:
    text = "wa nta m3aaa9 a sahbi"
    owner = OwnerSettings(keyword_filters=["معاق", "idiot"])
    return evaluate(
        POLICY,
        verdict(language="ary"),
        surface="comment",
        author_band="adult",
        reader_band="adult",
        owner=owner,
        text=text,
    )


CASES: dict[str, Callable[[], Decision]] = {
    "support_over_hold": support_over_hold,
    "grooming_block": grooming_block,
    "insult_nudge": insult_nudge,
    "owner_keyword": owner_keyword,
}


def render(decision: Decision) -> str:
    return "".join(f"=== {lang}\n{decision.explain(lang)}" for lang in LANGS)


def write() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name, case in CASES.items():
        (GOLDEN / f"{name}.txt").write_text(render(case()), "utf-8")


@pytest.mark.parametrize("name", sorted(CASES))
def test_explanation_matches_golden(name: str) -> None:
    expected = (GOLDEN / f"{name}.txt").read_text("utf-8")
    assert render(CASES[name]()) == expected


def test_every_golden_file_has_a_case() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.txt")) == sorted(CASES)

"""Owner settings: keyword filters matched as the lexicons are, comment and message controls."""

from __future__ import annotations

import time

import pytest

from salama.errors import InputError
from salama.policy import OwnerSettings, evaluate, load_default_policy
from salama.policy.owner import MAX_KEYWORD_CHARS, MAX_KEYWORDS
from salama.text import normalize
from tests.policy import verdict

POLICY = load_default_policy()


def decide(owner: OwnerSettings, text: str | None = None, **ctx):  # type: ignore[no-untyped-def]
    ctx.setdefault("surface", "comment")
    ctx.setdefault("author_band", "adult")
    ctx.setdefault("reader_band", "adult")
    return evaluate(POLICY, verdict(), owner=owner, text=text, **ctx)


@pytest.mark.parametrize(
    "text",
    ["nta m3a9", "m3aaa9 hada", "ya lm3a9", "المعاق", "يا معااااق", "wa M3A9 !!"],
)
def test_an_arabic_keyword_catches_its_arabizi_spellings(text: str) -> None:
    owner = OwnerSettings(keyword_filters=["معاق"])
    d = decide(owner, text)
    assert d.action == "hold"
    (reason,) = d.reasons
    assert reason.rule == "owner:keyword"
    assert reason.key == "owner_keyword"
    assert [e.rule for e in reason.evidence] == ["owner:keyword:معاق"]
    e = reason.evidence[0]
    assert text[e.start : e.end] == e.text


@pytest.mark.parametrize("text", ["you 1d10t", "IDIOT", "what an id!ot.", "i.d.i.o.t"])
def test_a_latin_keyword_catches_leetspeak_and_case(text: str) -> None:
    assert decide(OwnerSettings(keyword_filters=["idiot"]), text).action == "hold"


@pytest.mark.parametrize("text", ["idiotic idea", "hello there", "m3ak a sahbi", "معك"])
def test_keywords_match_whole_words_only(text: str) -> None:
    owner = OwnerSettings(keyword_filters=["idiot", "معاق"])
    assert decide(owner, text).action == "allow"


def test_a_trailing_star_makes_a_prefix() -> None:
    owner = OwnerSettings(keyword_filters=["idiot*"])
    assert decide(owner, "idiots all of you").action == "hold"


def test_keywords_apply_to_comments_and_messages_only() -> None:
    owner = OwnerSettings(keyword_filters=["idiot"])
    assert decide(owner, "idiot", surface="dm").action == "hold"
    assert decide(owner, "idiot", surface="post").action == "allow"
    assert decide(owner, "idiot", surface="bio").action == "allow"


def test_keywords_accept_a_normalized_text() -> None:
    owner = OwnerSettings(keyword_filters=["idiot"])
    assert decide(owner, normalize("1d10t")).action == "hold"  # type: ignore[arg-type]


def test_keywords_need_the_text() -> None:
    with pytest.raises(InputError) as err:
        decide(OwnerSettings(keyword_filters=["idiot"]))
    assert err.value.details["code"] == "text_required"


def test_filter_all_comments_holds_every_comment() -> None:
    owner = OwnerSettings(filter_all_comments=True)
    d = decide(owner, "thanks!")
    assert (d.action, d.rules) == ("hold", ["owner:filter_all_comments"])
    assert decide(owner, "thanks!", surface="dm").action == "allow"


def test_who_may_comment() -> None:
    off = decide(OwnerSettings(who_may_comment="no_one"))
    assert (off.action, off.reasons[0].key) == ("block", "owner_comments_off")
    followers = OwnerSettings(who_may_comment="followers")
    assert decide(followers, author_is_follower=True).action == "allow"
    stranger = decide(followers, author_is_follower=False)
    assert (stranger.action, stranger.reasons[0].key) == ("block", "owner_comments_followers")
    with pytest.raises(InputError) as err:
        decide(followers)
    assert err.value.details["code"] == "follower_required"
    # a comment setting says nothing about messages
    assert decide(OwnerSettings(who_may_comment="no_one"), surface="dm").action == "allow"


def test_who_may_message() -> None:
    owner = OwnerSettings(who_may_message="followers")
    d = decide(owner, surface="dm", author_is_follower=False)
    assert (d.action, d.rules) == ("block", ["owner:who_may_message"])
    assert decide(OwnerSettings(who_may_message="no_one"), surface="dm").action == "block"


def test_owner_reasons_join_the_policys() -> None:
    owner = OwnerSettings(keyword_filters=["idiot"])
    d = evaluate(
        POLICY,
        verdict(insult=0.9),
        surface="comment",
        author_band="adult",
        reader_band="teen_13_15",
        owner=owner,
        text="idiot",
    )
    assert d.action == "block"
    assert "owner:keyword" in d.rules
    assert d.rules[0] == "insult-severe-block-teen-13-15"


def test_too_many_keywords_are_refused() -> None:
    terms = [f"word{i}" for i in range(MAX_KEYWORDS + 1)]
    with pytest.raises(InputError) as err:
        OwnerSettings(keyword_filters=terms)
    assert err.value.code == "invalid_input"
    assert err.value.details["code"] == "too_many_keywords"


def test_too_long_and_too_short_keywords_are_refused() -> None:
    with pytest.raises(InputError) as err:
        OwnerSettings(keyword_filters=["x" * (MAX_KEYWORD_CHARS + 1)])
    assert err.value.details["code"] == "keyword_too_long"
    with pytest.raises(InputError) as err:
        OwnerSettings(keyword_filters=["a*"])
    assert err.value.details["code"] == "keyword_too_short"
    with pytest.raises(InputError):
        OwnerSettings(keyword_filters="idiot")
    with pytest.raises(InputError):
        OwnerSettings(who_may_comment="friends")  # type: ignore[arg-type]


def test_the_largest_filter_list_compiles_once_and_checks_fast() -> None:
    terms = [f"term{i:05d}" for i in range(MAX_KEYWORDS - 1)] + ["idiot"]
    owner = OwnerSettings(keyword_filters=terms)
    start = time.perf_counter()
    assert owner.keyword_hits("what an 1d10t")
    compiled = owner._compiled()
    assert owner._compiled() is compiled  # cached on the settings object
    assert owner.keyword_hits("term01234 and term09998")
    assert time.perf_counter() - start < 5.0  # ~0.1 s on a laptop; generous for CI


def test_settings_are_values() -> None:
    a = OwnerSettings(keyword_filters=["idiot", " idiot "])
    assert a.keyword_filters == ("idiot",)
    assert a == OwnerSettings(keyword_filters=("idiot",))
    assert hash(a) == hash(OwnerSettings(keyword_filters=["idiot"]))

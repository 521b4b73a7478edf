"""The Detector end to end: contract, explanations, and bad input."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salama import Detector, InputError, Verdict
from salama.detect.verdict import CATEGORIES, TASKS
from salama.text import MAX_CHARS


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


def test_contract(detector: Detector) -> None:
    verdict = detector.check("nta wa7ed zamel")
    assert isinstance(verdict, Verdict)
    assert set(verdict.scores) == set(CATEGORIES)
    assert all(0.0 <= s <= 1.0 for s in verdict.scores.values())
    for task in TASKS:
        assert isinstance(verdict.flagged(task), bool)
    batch = detector.check_batch(["merci", "nta wa7ed zamel"])
    assert [v.flagged("abusive") for v in batch] == [False, True]
    assert batch[1].scores == verdict.scores


def test_explains_with_spans_in_the_written_text(detector: Detector) -> None:
    text = "wach nta ZAAAMEL ?"
    verdict = detector.check(text)
    assert verdict.flagged("abusive")
    assert any(text[s.start : s.end].lower() == "zaaamel" for s in verdict.spans)
    assert all(s.rule.startswith(("lexicon:", "rule:")) for s in verdict.spans)
    assert verdict.versions["model"].startswith("salama-linear")
    assert json.loads(json.dumps(verdict.to_dict()))["spans"]


def test_language_and_script(detector: Detector) -> None:
    v = detector.check("wach nta bghiti tji l soirée ce soir?")
    assert (v.language, v.script) == ("ary", "Latn")
    assert v.code_switching
    assert detector.check("كيداير خويا؟ لاباس عليك؟").language == "ary"


def test_grooming_needs_more_than_an_age_question(detector: Detector) -> None:
    assert not detector.check("how old is your brother?").flagged("grooming")
    groom = detector.check("how old are you? add me on snap and don't tell your parents")
    assert groom.flagged("grooming")
    assert any(s.startswith("rule:grooming") for s in groom.signals)


def test_unknown_task_is_an_input_error(detector: Detector) -> None:
    with pytest.raises(InputError):
        detector.check("x").flagged("spam")


@pytest.mark.parametrize("bad", [None, 3, ["a"], {"text": "a"}])
def test_non_text_is_an_input_error(detector: Detector, bad: object) -> None:
    with pytest.raises(InputError):
        detector.check(bad)  # type: ignore[arg-type]


def test_check_batch_refuses_a_bare_string(detector: Detector) -> None:
    with pytest.raises(InputError):
        detector.check_batch("abc")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "x" * 1_000_000,
        "\x00\x00 nta zamel \x00",
        "\ud800 lone surrogate \udfff",
        "a" + "\u0301" * 10_000,
        "\u202e\u202dreversed text\u202c",
        "😀😂🔥" * 50,
        "ـــــــــ" * 1000,
    ],
)
def test_hostile_inputs_give_a_verdict(detector: Detector, text: str) -> None:
    verdict = detector.check(text)
    assert set(verdict.scores) == set(CATEGORIES)
    assert verdict.truncated == (len(text) > MAX_CHARS)
    for span in verdict.spans:
        assert 0 <= span.start <= span.end <= min(len(text), MAX_CHARS)


def test_invalid_utf8_bytes_are_replaced(detector: Detector) -> None:
    verdict = detector.check(b"\xff\xfe nta 7mar \xc3")
    assert set(verdict.scores) == set(CATEGORIES)


def test_evasion_characters_are_reported(detector: Detector) -> None:
    verdict = detector.check("za\u200bmel")
    assert "invisible_chars" in verdict.signals
    assert verdict.flagged("abusive")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_a_bounded_verdict(text: str) -> None:
    verdict = Detector().check(text)
    assert all(0.0 <= s <= 1.0 for s in verdict.scores.values())
    for span in verdict.spans:
        assert 0 <= span.start <= span.end <= len(text)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=8))
def test_batch_equals_one_by_one(texts: list[str]) -> None:
    det = Detector()
    batch = det.check_batch(texts)
    for text, verdict in zip(texts, batch, strict=True):
        single = det.check(text)
        assert single.spans == verdict.spans
        for cat in CATEGORIES:
            assert single.scores[cat] == pytest.approx(verdict.scores[cat], abs=1e-5)


@pytest.mark.parametrize(
    "text", ["suicide", "comment se suicider", "الانتحار", "ntihar", "self harm", "automutilation"]
)
def test_naming_self_harm_raises_the_topic_signal(text: str) -> None:
    assert "self_harm:topic" in Detector().check(text).signals


@pytest.mark.parametrize("text", ["the suicide squad movie", "video zwina bzaf", "bonne nuit"])
def test_no_topic_signal_without_the_topic(text: str) -> None:
    assert "self_harm:topic" not in Detector().check(text).signals


def test_laughter_beside_a_threat_damps_it_and_says_so(detector: Detector) -> None:
    plain = detector.check("غادي نقتلك")
    laughing = detector.check("غادي نقتلك ههههههه")
    assert "banter" in laughing.signals and "banter" not in plain.signals
    assert laughing.scores["threat"] < plain.scores["threat"]
    assert (
        detector.check("I am going to kill you 😂").scores["threat"]
        < detector.check("I am going to kill you").scores["threat"]
    )
    # crisis language is never damped by laughter
    crisis = detector.check("بغيت نموت ههههههه")
    assert crisis.flagged("self_harm") and "self_harm:first_person" in crisis.signals

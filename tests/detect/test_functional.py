"""Functional robustness in Darija (both scripts), Arabic, French and English.

Each hand-written case in functional_cases.py states what ``flagged(task)`` should say. Cases the
detector gets wrong today are listed in KNOWN_GAPS and run as strict xfail: when one starts to
pass, the suite says so and the list must shrink. docs/quality.md reports the same table.
"""

import pytest

from salama import Detector
from tests.detect.functional_cases import CASES, Case

# (text, task) of the cases the current detector fails; each is a known, documented gap.
KNOWN_GAPS: frozenset[tuple[str, str]] = frozenset(
    {
        # the model learned "the Jews" as a hate cue from the data; templates did not undo it all
        ("اليهود المغاربة جزء من تاريخ بلادنا", "hate"),
        # a conditional threat ("if you don't send the money") reads as negated
        ("إلا ما صيفطتيش الفلوس نلوح تصاورك فالفيسبوك", "threat"),
        # Arabic threat phrases weigh little beside the model (their data labels many harmless)
        ("هقتلك لو قربت من أختي", "threat"),
        # self_harm follows the data's definition, "suicide-related", which includes news; the
        # signal self_harm:first_person is what tells a person at risk (docs/detector.md)
        ("انتحر شاب في القاهرة بعد خسارة أمواله بحسب الشرطة", "self_harm"),
        ("ارتفاع معدلات الانتحار بين المراهقين في دراسة جديدة", "self_harm"),
        # reclaimed "queer" still reads as a slur
        ("We're here, we're queer, get used to it!", "hate"),
        # praise addressed with "nta" (you): most "nta ..." lines of the Darija data are insults,
        # and hand-written praise lines moved the model only part of the way (docs/quality.md)
        ("nta rajel w nass kaymoutou 3lik", "abusive"),
        ("نتا راجل ديال بصح", "abusive"),
        # neutral English sits near the insult threshold (the English data is 85% offensive)
        ("Scunthorpe United won 2-0 at home", "abusive"),
    }
)


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


def _id(case: Case) -> str:
    return f"{case.lang}-{case.task}-{case.functionality}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_case(detector: Detector, case: Case) -> None:
    verdict = detector.check(case.text)
    if (case.text, case.task) in KNOWN_GAPS:
        # strict: a gap that closes must leave the list
        assert verdict.flagged(case.task) != case.expected, "known gap now passes: remove it"
        pytest.xfail("known gap, see docs/quality.md")
    assert verdict.flagged(case.task) == case.expected, verdict.to_dict()


def test_every_language_and_key_functionality_is_covered() -> None:
    langs = {c.lang for c in CASES}
    assert {"ary", "ar", "fr", "en"} <= langs
    for lang in ("ary", "ar", "fr", "en"):
        funcs = {c.functionality for c in CASES if c.lang == lang}
        assert {"negated", "counter_quote", "identity_neutral"} <= funcs, lang
        assert any(f.startswith("spelling_") for f in funcs), lang

"""Functional robustness in Darija (both scripts), Arabic, French and English.

Each hand-written case in functional_cases.py states what ``flagged(task)`` should say. Cases the
detector gets wrong today are listed in KNOWN_GAPS and run as strict xfail: when one starts to
pass, the suite says so and the list must shrink. docs/quality.md reports the same table.
"""

import pytest

from salama import Detector
from tests.detect.functional_cases import CASES, Case

# (text, task) of the cases the current detector fails; each is a known, documented gap.
KNOWN_GAPS: frozenset[tuple[str, str]] = frozenset()


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


def _id(case: Case) -> str:
    return f"{case.lang}-{case.task}-{case.functionality}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_case(detector: Detector, case: Case) -> None:
    if (case.text, case.task) in KNOWN_GAPS:
        pytest.xfail("known gap, see docs/quality.md")
    verdict = detector.check(case.text)
    assert verdict.flagged(case.task) == case.expected, verdict.to_dict()


def test_every_language_and_key_functionality_is_covered() -> None:
    langs = {c.lang for c in CASES}
    assert {"ary", "ar", "fr", "en"} <= langs
    for lang in ("ary", "ar", "fr", "en"):
        funcs = {c.functionality for c in CASES if c.lang == lang}
        assert {"negated", "counter_quote", "identity_neutral"} <= funcs, lang
        assert any(f.startswith("spelling_") for f in funcs), lang

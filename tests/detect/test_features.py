import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from salama.detect.features import N_BUCKETS, occurrences


def _buckets_of(texts: list[str], k: int) -> list[int]:
    occ = occurrences(texts)
    return sorted(occ.buckets[occ.docs == k].tolist())


@settings(max_examples=60, deadline=None)
@example(["\ud800"])
@given(
    st.lists(st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=40), max_size=6)
)
def test_a_texts_features_do_not_depend_on_its_batch(texts: list[str]) -> None:
    occ = occurrences(texts)
    assert occ.n_docs == len(texts)
    for k, text in enumerate(texts):
        assert _buckets_of(texts, k) == _buckets_of([text], 0)
    if len(occ.buckets):
        assert occ.buckets.min() >= 0 and occ.buckets.max() < N_BUCKETS


def test_counts_char_and_word_ngrams() -> None:
    occ = occurrences(["ab cd"])
    # chars: " ab cd " -> 1-grams: a b c d (spaces skipped) = 4; 2-grams 6; 3-grams 5; 4: 4; 5: 3
    # words: ab, cd = 2; bigram: 1
    assert len(occ.buckets) == 4 + 6 + 5 + 4 + 3 + 2 + 1


def test_same_word_same_bucket_anywhere() -> None:
    a = set(_buckets_of(["zamel"], 0))
    b = set(_buckets_of(["nta wa7ed zamel hh"], 0))
    assert a <= b


def test_different_texts_differ() -> None:
    assert _buckets_of(["7mar"], 0) != _buckets_of(["7mer"], 0)


def test_empty_batch_and_empty_text() -> None:
    assert occurrences([]).n_docs == 0
    occ = occurrences(["", "x"])
    assert occ.n_docs == 2
    assert np.all(occ.docs == 1)


def test_power_tables_give_the_same_hashes_as_computed_powers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Batches up to SMALL_BATCH code points take the powers of P from a table made once; larger
    ones compute them. Both must hash every n-gram the same way, in the same order."""
    from salama.detect import features

    texts = ["wach nta mkalakh", "ما تخافش", "t'es nul 😀", "", "  a  b  ", "x" * 300]
    small = occurrences(texts)
    monkeypatch.setattr(features, "SMALL_BATCH", 0)  # every batch computes its powers
    computed = occurrences(texts)
    assert np.array_equal(small.docs, computed.docs)
    assert np.array_equal(small.buckets, computed.buckets)
    monkeypatch.undo()
    big = occurrences([*texts, "y" * (features.SMALL_BATCH + 10)])  # over the table
    for k in range(len(texts)):
        assert _buckets_of(texts, k) == sorted(big.buckets[big.docs == k].tolist())


@settings(max_examples=80, deadline=None)
@example("")
@example("   ")
@example("a")
@example(" a  b ")
@given(st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=60))
def test_one_text_path_gives_the_batch_buckets_in_the_batch_order(text: str) -> None:
    """One text takes ``_one_text``; its buckets are the batch's for that text, in the same
    order (so a text's scores are the same floats alone and in a batch)."""
    from salama.detect import features

    one = occurrences([text])
    batch = occurrences(["x y", text, "z"])
    assert one.n_docs == 1 and np.all(one.docs == 0)
    assert (
        one.buckets.tolist()
        == batch.buckets[np.argsort(batch.docs, kind="stable")][
            batch.docs[np.argsort(batch.docs, kind="stable")] == 1
        ].tolist()
    )
    assert len(text) <= features.ONE_TEXT_MAX


def test_a_long_single_text_takes_the_batch_path() -> None:
    from salama.detect import features

    text = "wach nta " * (features.ONE_TEXT_MAX // 9 + 10)
    one = occurrences([text])
    batch = occurrences([text, "x"])
    assert one.buckets.tolist() == batch.buckets[batch.docs == 0].tolist()

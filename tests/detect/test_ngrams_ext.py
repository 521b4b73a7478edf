"""The C scorer (salama.detect._ngrams) against the NumPy reference (features.occurrences)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from salama.detect import features
from salama.detect.features import N_BUCKETS, c_hasher, occurrences
from salama.detect.model import LinearModel, load_default_model

COLS = 9


@pytest.fixture(scope="module")
def table() -> np.ndarray:
    """Small random integers per bucket (and a count column): sums of a few hundred rows are
    exact in float32, so one bucket more, less or different shows."""
    rng = np.random.default_rng(7)
    t = rng.integers(0, 8, size=(N_BUCKETS, COLS)).astype(np.float32)
    t[:, -1] = 1.0
    return t


def _reference(texts: list[str], table: np.ndarray) -> np.ndarray:
    occ = occurrences(texts)
    out = np.zeros((len(texts), table.shape[1]), dtype=np.float64)
    np.add.at(out, occ.docs, table[occ.buckets].astype(np.float64))
    return out.astype(np.float32)


def _hasher() -> features.Hasher:
    hasher = c_hasher()
    assert hasher is not None, (
        "the C extension was not built: `pip install -e .` needs a C compiler"
    )
    return hasher


def test_the_extension_is_built_in_a_dev_install() -> None:
    _hasher()


def test_it_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALAMA_NO_EXTENSION", "1")
    assert c_hasher() is None


@settings(max_examples=150, deadline=None)
@example(texts=[""])
@example(texts=["   "])
@example(texts=["a\x00b", "\x00"])
@example(texts=["\ud800 x \udfff"])
@example(texts=["ولد  الحرام 😡😡", "nta wa7ed mkl5", "t'es vraiment un raté"])
@given(texts=st.lists(st.text(max_size=60), min_size=1, max_size=6))
def test_same_sums_as_the_numpy_features(texts: list[str], table: np.ndarray) -> None:
    got = np.empty((len(texts), COLS), dtype=np.float32)
    _hasher().sums(texts, table, got)
    assert np.array_equal(got, _reference(texts, table))


def test_long_texts_and_big_batches(table: np.ndarray) -> None:
    texts = ["wach nta " * 600, "x", "", "السلام عليكم " * 50] * 30
    got = np.empty((len(texts), COLS), dtype=np.float32)
    _hasher().sums(texts, table, got)
    assert np.array_equal(got, _reference(texts, table))


def test_bad_arguments_raise_instead_of_reading_out_of_bounds(table: np.ndarray) -> None:
    hasher = _hasher()
    out = np.empty((1, COLS), dtype=np.float32)
    with pytest.raises(TypeError):
        hasher.sums(("a",), table, out)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        hasher.sums([b"a"], table, out)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="one row per bucket"):
        hasher.sums(["a"], table[:100], out)
    with pytest.raises(ValueError, match="float32"):
        hasher.sums(["a"], table.astype(np.float64), out)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="shape"):
        hasher.sums(["a", "b"], table, out)
    with pytest.raises(ValueError, match="contiguous"):
        hasher.sums(["a"], table[:, :3], out)
    readonly = np.empty((1, COLS), dtype=np.float32)
    readonly.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        hasher.sums(["a"], table, readonly)
    with pytest.raises(ValueError, match="one salt per"):
        type(hasher)(p=3, mix=5, bits=20, char_salts=[1, 2], w1_salt=1, w2_salt=2, bigram_xor=3)


def test_the_model_scores_the_same_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    model = load_default_model()
    texts = [
        "nta wa7ed mkl5 o 7mar, sir t9awd",
        "الله يحفظك خويا",
        "t'es vraiment un raté",
        "you are amazing, thank you",
        "",
        "😡" * 30,
    ]
    fast = model.predict_proba(texts)
    monkeypatch.setenv("SALAMA_NO_EXTENSION", "1")
    slow = LinearModel(
        model.labels,
        model.weights,
        model.idf,
        model.bias,
        model.calib_a,
        model.calib_b,
        model.manifest,
    )
    assert slow._hasher is None
    # sums in double (C) or pairwise in float32 (NumPy): the same to float32 rounding
    np.testing.assert_allclose(fast, slow.predict_proba(texts), atol=2e-5)
    assert [model.predict_proba([t])[0].tolist() for t in texts] == fast.tolist()

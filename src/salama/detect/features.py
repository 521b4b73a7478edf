"""Hashed n-gram features, computed for a whole batch at once with NumPy.

Why hand-rolled rather than scikit-learn's vectorizers: their analyzers run a Python loop per
n-gram, which caps a linear model at a few thousand texts a second. Here every text of a batch is
laid end to end as one array of code points and every character n-gram and word n-gram of every
text is hashed in a handful of vectorised passes, so the cost per text is a few microseconds.

Features (all hashed into ``N_BUCKETS`` buckets with a stable, seedless hash):
- character n-grams, n = 1..5, over " " + text + " " (so word edges are part of the n-grams);
- word unigrams and bigrams (a word is a run of non-space characters).

A text's vector is ``sum(idf[b] for each occurrence b) / sqrt(sum(idf[b] ** 2))``: an L2-style
normalisation that ignores the cross terms of repeated buckets, so that it needs no sort and is
computed identically at training and inference time.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

__all__ = ["CHAR_NGRAMS", "N_BUCKETS", "Occurrences", "c_hasher", "occurrences"]

BUCKET_BITS = 20
N_BUCKETS = 1 << BUCKET_BITS
CHAR_NGRAMS = (1, 2, 3, 4, 5)
_SEP = 0  # code point between texts; NUL cannot occur in a model view (normalisation drops it)
_SPACE = 32
_P = np.uint64(0x100000001B3)  # FNV prime: odd, so multiplication by it is a bijection mod 2**64
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing multiplier
_SHIFT = np.uint64(64 - BUCKET_BITS)
_KIND_SALT: dict[
    int | str, np.uint64
] = {  # keeps a word unigram and a char n-gram with the same letters in different buckets
    **{n: np.uint64(0x51ED270B27E3F1D1 * (n + 1) & 0xFFFFFFFFFFFFFFFF) for n in CHAR_NGRAMS},
    "w1": np.uint64(0x2545F4914F6CDD1D),
    "w2": np.uint64(0x61C8864680B583EB),
}

_BIGRAM_XOR = np.uint64(0x9E3779B1)

if TYPE_CHECKING:
    from salama.detect._ngrams import Hasher

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Occurrences:
    """Every feature occurrence of a batch: ``docs[i]`` is the text, ``buckets[i]`` the feature."""

    docs: I64
    buckets: I64
    n_docs: int


def _bucket(h: U64, salt: np.uint64) -> I64:
    # uint64 array arithmetic wraps silently (only NumPy scalars warn); the callers hold
    # np.errstate(over="ignore") once around all of it.
    mixed = (h ^ salt) * _MIX
    return (mixed >> _SHIFT).astype(np.int64)


# Below this many code points (a batch laid end to end: one API check is about a hundred), the
# powers of P that the word hashes need come from a table made once, not made per call.
SMALL_BATCH = 1 << 15
ONE_TEXT_MAX = 4096  # one text up to this many code points takes _one_text
_POWERS: U64 | None = None  # P**k and P**-k mod 2**64 for k <= SMALL_BATCH, made on first use
_INV_POWERS: U64 | None = None


def _power_tables() -> tuple[U64, U64]:
    global _POWERS, _INV_POWERS
    if _POWERS is None or _INV_POWERS is None:
        with np.errstate(over="ignore"):
            powers = np.full(SMALL_BATCH + 1, _P, dtype=np.uint64)
            powers[0] = 1
            inverse = np.full(SMALL_BATCH + 1, pow(int(_P), -1, 1 << 64), dtype=np.uint64)
            inverse[0] = 1
            _INV_POWERS = np.cumprod(inverse, dtype=np.uint64)
            _POWERS = np.cumprod(powers, dtype=np.uint64)
    return _POWERS, _INV_POWERS


_SALT_COLUMN = np.array([_KIND_SALT[n] for n in CHAR_NGRAMS], dtype=np.uint64)[:, None]
_SIZES = np.array(CHAR_NGRAMS, dtype=np.intp)[:, None]


def _word_hashes(cp: U64, boundary: npt.NDArray[np.bool_]) -> tuple[I64, U64]:
    """Where each word starts, and its hash, which depends on the word alone:
    ``pre[i] = sum_{j<i} cp[j] * P**(n-1-j)``, so ``(pre[r] - pre[l]) * P**r / P**(n-1)
    = sum_{l<=j<r} cp[j] * P**(r-j)``."""
    n = cp.shape[0]
    starts = (~boundary & np.concatenate(([True], boundary[:-1]))).nonzero()[0]
    if not starts.size:
        return starts, np.zeros(0, dtype=np.uint64)
    ends = (~boundary & np.concatenate((boundary[1:], [True]))).nonzero()[0] + 1
    if n <= SMALL_BATCH:
        table, inverse = _power_tables()
        powers = table[: n + 1]
        inv = inverse[n - 1]  # (P**-1)**(n-1) = (P**(n-1))**-1
    else:
        powers = np.ones(n + 1, dtype=np.uint64)
        powers[1:] = _P
        powers = np.cumprod(powers, dtype=np.uint64)
        inv = np.uint64(pow(int(powers[n - 1]), -1, 1 << 64))  # P is odd: invertible
    pre = np.zeros(n + 1, dtype=np.uint64)
    pre[1:] = np.cumsum(cp * powers[n - 1 :: -1][:n], dtype=np.uint64)
    return starts, (pre[ends] - pre[starts]) * powers[ends] * inv


def _bigrams(word_h: U64) -> U64:
    return word_h[:-1] * _P + (word_h[1:] ^ _BIGRAM_XOR)


def _one_text(text: str) -> Occurrences:
    """``occurrences([text])`` in fewer, larger NumPy steps (one API check is about a hundred
    code points, where each step's fixed cost outweighs its work): every n-gram size at once in
    a (sizes x positions) array. Same buckets in the same order as the batch path."""
    cp = np.frombuffer(
        ("\x00 " + text + " \x00").encode("utf-32-le", "surrogatepass"), dtype=np.uint32
    ).astype(np.uint64)
    n = cp.shape[0]
    is_space = cp == _SPACE
    with np.errstate(over="ignore"):
        h = np.zeros((len(CHAR_NGRAMS), n), dtype=np.uint64)
        h[0] = cp
        for k in range(1, len(CHAR_NGRAMS)):  # h[k, i]: the (k+1)-gram starting at i
            h[k, : n - k] = h[k - 1, : n - k] * _P + cp[k:]
        # an n-gram counts when it lies between the two separators and is not all spaces
        spaces = np.zeros(n + len(CHAR_NGRAMS), dtype=np.intp)
        np.cumsum(is_space, out=spaces[1 : n + 1])
        first = np.arange(n)
        last = first + _SIZES  # one past the n-gram's last code point
        keep = (first >= 1) & (last <= n - 1)
        keep &= spaces[np.minimum(last, n)] - spaces[first] < _SIZES
        char_buckets = (((h ^ _SALT_COLUMN) * _MIX) >> _SHIFT)[keep].astype(np.int64)
        _, word_h = _word_hashes(cp, is_space | (cp == _SEP))
        parts = [char_buckets, _bucket(word_h, _KIND_SALT["w1"])]
        if word_h.size > 1:
            parts.append(_bucket(_bigrams(word_h), _KIND_SALT["w2"]))
    buckets = np.concatenate(parts)
    return Occurrences(np.zeros(buckets.size, dtype=np.int64), buckets, 1)


def occurrences(texts: Sequence[str]) -> Occurrences:
    """Hash every n-gram occurrence of every text. Texts should already be model views."""
    n_docs = len(texts)
    if n_docs == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Occurrences(empty, empty, 0)
    texts = [t.replace("\x00", " ") if "\x00" in t else t for t in texts]
    if n_docs == 1 and len(texts[0]) <= ONE_TEXT_MAX:
        return _one_text(texts[0])
    joined = "\x00 " + " \x00 ".join(texts) + " \x00"
    cp = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(
        np.uint64
    )
    is_sep = cp == _SEP
    doc_of = np.cumsum(is_sep) - 1  # the separator before text k has index k
    is_space = cp == _SPACE

    docs: list[I64] = []
    buckets: list[I64] = []

    with np.errstate(over="ignore"):
        # Character n-grams by rolling the hash forward one character at a time.
        h = cp.copy()
        valid = ~is_sep
        blank = is_space.copy()
        for size in CHAR_NGRAMS:
            if size > 1:
                h = h[:-1] * _P + cp[size - 1 :]
                valid = valid[:-1] & ~is_sep[size - 1 :]
                blank = blank[:-1] & is_space[size - 1 :]
            idx = (valid & ~blank).nonzero()[0]  # n-grams made only of spaces carry nothing
            docs.append(doc_of[idx])
            buckets.append(_bucket(h[idx], _KIND_SALT[size]))

        starts, word_h = _word_hashes(cp, is_sep | is_space)
        if starts.size:
            word_doc = doc_of[starts]
            docs.append(word_doc)
            buckets.append(_bucket(word_h, _KIND_SALT["w1"]))
            same = word_doc[1:] == word_doc[:-1]
            if same.any():
                docs.append(word_doc[1:][same])
                buckets.append(_bucket(_bigrams(word_h)[same], _KIND_SALT["w2"]))

    return Occurrences(np.concatenate(docs), np.concatenate(buckets), n_docs)


def c_hasher() -> Hasher | None:
    """The C version of these features (``salama.detect._ngrams``), built with this module's
    constants, which sums a text's table rows without the arrays in between; None where the
    extension was not compiled, or when ``SALAMA_NO_EXTENSION=1`` asks for the NumPy path."""
    if os.environ.get("SALAMA_NO_EXTENSION", "") not in ("", "0"):
        return None
    try:
        from salama.detect._ngrams import Hasher
    except ImportError:
        return None
    return Hasher(
        p=int(_P),
        mix=int(_MIX),
        bits=BUCKET_BITS,
        char_salts=[int(_KIND_SALT[n]) for n in CHAR_NGRAMS],
        w1_salt=int(_KIND_SALT["w1"]),
        w2_salt=int(_KIND_SALT["w2"]),
        bigram_xor=int(_BIGRAM_XOR),
    )

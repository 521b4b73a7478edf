"""bench.py: the corpus sampler, the held-out rows, the measurement code (in-process, with a fake
detector) and one run of the whole subprocess pipeline. No timing assertions: speed goals live in
the benchmark, not in tests."""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from salama import bench
from salama.bench import (
    _allocate,
    format_bench,
    held_out_rows,
    measure,
    measure_scorer,
    pick_singles,
    run_bench,
    sample_corpus,
)
from salama.detect.data import split_key, split_of
from salama.errors import DataError, InputError, ModelError

# One source for the fake detector: imported in-process here, and by the bench's subprocess
# worker through PYTHONPATH. Deterministic keyword scores; no model involved.
FAKE_MODULE = """
from salama.detect.verdict import Verdict
from salama.errors import ModelError

BAD = {"idiot": 0.9, "stupid": 0.7, "zamel": 0.95, "connard": 0.9}
CREATED = []


def _verdict(text):
    score = max((BAD.get(w, 0.1) for w in text.lower().split()), default=0.1)
    return Verdict(
        scores={"insult": score, "profanity": score},
        thresholds={"insult": 0.5, "profanity": 0.5},
        versions={"model": "fake-1"},
    )


class FakeDetector:
    def __init__(self):
        CREATED.append(self)

    def check(self, text):
        return _verdict(text)

    def check_batch(self, texts):
        return [_verdict(t) for t in texts]


def broken():
    raise ModelError("shipped model fake not found; run `salama train`")
"""


@pytest.fixture
def fake_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    folder = tmp_path / "fakepkg"
    folder.mkdir()
    (folder / "salama_fake_detector.py").write_text(FAKE_MODULE, "utf-8")
    monkeypatch.syspath_prepend(str(folder))
    parts = [str(folder), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(parts))
    module = importlib.import_module("salama_fake_detector")
    yield module
    sys.modules.pop("salama_fake_detector", None)


def write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    path.write_text(text, encoding="utf-8")
    return path


def make_files(tmp_path: Path, sizes: dict[str, int]) -> list[Path]:
    return [
        write_jsonl(
            tmp_path / f"{name}.jsonl",
            [{"text": f"{name} text {i}", "lang": name[:2]} for i in range(n)],
        )
        for name, n in sizes.items()
    ]


# --- corpus ---------------------------------------------------------------------------------


def test_allocate_is_even_and_gives_unused_shares_away() -> None:
    assert _allocate([100, 100, 100], 30) == [10, 10, 10]
    assert sum(_allocate([100, 100, 100], 31)) == 31
    assert _allocate([5, 100, 100], 45) == [5, 20, 20]
    assert _allocate([5, 3], 100) == [5, 3]
    assert _allocate([], 10) == []


def test_sample_is_even_across_files(tmp_path: Path) -> None:
    files = make_files(tmp_path, {"aa": 50, "bb": 50, "cc": 50})
    corpus = sample_corpus(files, 30)
    assert len(corpus.texts) == 30
    assert corpus.summary()["per_file"] == {"aa": 10, "bb": 10, "cc": 10}
    assert corpus.summary()["lang_share"] == {"aa": 0.3333, "bb": 0.3333, "cc": 0.3333}
    assert len(set(corpus.texts)) == 30
    # mixed, not one file after another
    assert corpus.files[:10] != ["aa"] * 10


def test_sample_is_deterministic_whatever_the_order(tmp_path: Path) -> None:
    files = make_files(tmp_path, {"aa": 40, "bb": 70, "cc": 9})
    first = sample_corpus(files, 60)
    assert sample_corpus(files, 60).texts == first.texts
    assert sample_corpus(list(reversed(files)), 60).texts == first.texts
    assert sample_corpus(files, 60, seed=1).texts != first.texts
    assert first.summary()["per_file"] == {"aa": 26, "bb": 25, "cc": 9}


def test_sample_takes_everything_when_short_and_skips_blanks(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "few.jsonl", [{"text": "one"}, {"text": "   "}, {"text": "two"}])
    corpus = sample_corpus([path], 100)
    assert sorted(corpus.texts) == ["one", "two"]
    assert corpus.summary()["requested"] == 100
    assert corpus.summary()["mean_chars"] == 3.0


def test_sample_raises_when_empty(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no corpus files"):
        sample_corpus([], 10)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", "utf-8")
    with pytest.raises(DataError, match="no texts"):
        sample_corpus([empty], 10)
    with pytest.raises(DataError, match="cannot open"):
        sample_corpus([tmp_path / "missing.jsonl"], 10)
    with pytest.raises(InputError):
        sample_corpus([empty], 0)


def test_run_bench_without_corpus_raises(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no corpus files"):
        run_bench(None, n_texts=10, compare=False, data_dir=tmp_path / "nothing")


def test_pick_singles() -> None:
    texts = ["x" * 300, "short", "also short", "y" * 281, "z" * 280]
    assert pick_singles(texts, minimum=0) == ["short", "also short", "z" * 280]
    assert pick_singles(texts, minimum=7) == [
        "short",
        "also short",
        "z" * 280,
        "short",
        "also short",
        "z" * 280,
        "short",
    ]
    assert pick_singles(texts, minimum=0, maximum=2) == ["short", "also short"]
    assert pick_singles(["x" * 300]) == []


# --- held-out rows --------------------------------------------------------------------------


def test_held_out_rows_dedupe_merge_and_split(tmp_path: Path) -> None:
    texts = [f"comment number {i}" for i in range(300)]
    a = write_jsonl(
        tmp_path / "train" / "a.jsonl",
        [{"text": t, "lang": "en", "labels": {"abusive": i % 2}} for i, t in enumerate(texts)],
    )
    # the same texts, upper-cased, in another file: folded to the same key, labels merged
    b = write_jsonl(
        tmp_path / "train" / "b.jsonl",
        [{"text": t.upper(), "lang": "fr", "labels": {"abusive": 1, "profanity": 0}} for t in texts]
        + [{"text": "threat only", "labels": {"threat": 1}}],
    )
    held = held_out_rows([b, a], key_fn=str.casefold, max_train=50)
    # the split is train.py's: by split_key of the text, independent of the dedup key
    expected_test = {t for t in texts if split_of(split_key(t)) == "test"}
    assert set(held.test_texts) == expected_test  # first file by name wins: a.jsonl's text
    assert all(lang == "en" for lang in held.test_langs)
    assert all(lab == {"abusive": 1, "profanity": 0} for lab in held.test_labels)
    assert held.train_pool == sum(split_of(split_key(t)) == "train" for t in texts)
    assert len(held.train_texts) == 50
    assert not set(held.train_texts) & expected_test
    assert held_out_rows([a, b], key_fn=str.casefold, max_train=50) == held


# --- measurement in-process ------------------------------------------------------------------


class CountingScorer:
    def __init__(self) -> None:
        self.batches: list[int] = []
        self.singles = 0

    def batch(self, texts: Sequence[str]) -> None:
        self.batches.append(len(texts))

    def single(self, text: str) -> None:
        self.singles += 1

    def predict(self, texts: Sequence[str], task: str) -> list[int]:
        return [int("bad" in t) for t in texts]


def test_measure_scorer_counts_calls() -> None:
    scorer = CountingScorer()
    texts = [f"t{i}" for i in range(25)]
    singles = ["s"] * 12
    result = measure_scorer(
        lambda: scorer,
        texts,
        singles,
        {"x": ("abusive", ["bad one", "fine"])},
        batch_size=10,
        repeats=3,
        warmup=5,
    )
    assert scorer.batches == [10, 10, 5] * 3
    assert scorer.singles == 1 + 5 + 12  # first check, warm-up, timed
    assert result["predictions"] == {"x": [1, 0]}
    assert result["singles"] == 12
    assert result["distinct_singles"] == 1
    for key in ("load_s", "texts_per_s", "p50_ms", "p99_ms"):
        assert isinstance(result[key], float)
        assert result[key] >= 0
    assert result["p50_ms"] <= result["p99_ms"]


def test_measure_scorer_with_nothing_to_time() -> None:
    result = measure_scorer(CountingScorer, [], [])
    assert result["texts_per_s"] is None
    assert result["p50_ms"] is None
    assert result["predictions"] == {}


def test_measure_with_fake_detector(fake_module: Any) -> None:
    texts = ["you idiot", "nice one", "so stupid", "hello there"] * 5
    result = measure(
        fake_module.FakeDetector,
        texts,
        texts[:4],
        {"abusive": ("abusive", ["idiot", "hi"]), "en_profanity": ("profanity", ["zamel"])},
        repeats=2,
        warmup=2,
    )
    assert len(fake_module.CREATED) == 1
    assert result["predictions"] == {"abusive": [1, 0], "en_profanity": [1]}
    assert result["versions"] == {"model": "fake-1"}
    assert result["load_s"] >= result["construct_s"] >= 0
    assert result["batch_texts"] == 20


# --- the whole pipeline, through the subprocess workers ---------------------------------------


CONTRACT = {
    "texts_per_s",
    "p50_ms",
    "p99_ms",
    "load_s",
    "peak_mb",
    "corpus",
    "machine",
    "pinned_cpu",
    "baselines",
}


@pytest.mark.slow
def test_run_bench_in_subprocess_with_fake_detector(tmp_path: Path, fake_module: Any) -> None:
    files = make_files(tmp_path, {"en_one": 30, "fr_two": 30})
    progress: list[str] = []
    result = run_bench(
        files,
        n_texts=40,
        compare=False,
        detector_factory="salama_fake_detector:FakeDetector",
        log=progress.append,
    )
    assert progress[-1].endswith("done")
    assert set(result) >= CONTRACT
    assert result["baselines"] == {}
    assert result["corpus"]["texts"] == 40
    assert result["corpus"]["per_file"] == {"en_one": 20, "fr_two": 20}
    assert result["corpus"]["singles"] == bench.MIN_SINGLES  # 40 short texts, repeated
    assert result["versions"] == {"model": "fake-1"}
    assert result["peak_mb"] > 0
    assert result["pinning"]["threads_env"]["OMP_NUM_THREADS"] == "1"
    if hasattr(os, "sched_setaffinity"):
        assert result["pinned_cpu"] in os.sched_getaffinity(0)
        assert result["pinning"]["affinity"] == [result["pinned_cpu"]]
    assert result["machine"]["cores"] == os.cpu_count()
    json.dumps(result)
    report = format_bench(result)
    assert "salama" in report
    assert "40 texts" in report


@pytest.mark.slow
def test_run_bench_reports_the_detector_error(tmp_path: Path, fake_module: Any) -> None:
    files = make_files(tmp_path, {"aa": 5})
    with pytest.raises(ModelError, match="run `salama train`"):
        run_bench(files, n_texts=5, compare=False, detector_factory="salama_fake_detector:broken")


def _labeled_rows(lang: str, n: int) -> list[dict[str, Any]]:
    good = ["nice video", "thanks a lot", "great game", "see you soon", "love it"]
    bad = ["you idiot", "so stupid", "idiot clown", "stupid fool", "shut up idiot"]
    return [
        {
            "text": f"{(bad if i % 2 else good)[i % 5]} {lang} {i}",
            "lang": lang,
            "labels": {"abusive": i % 2},
        }
        for i in range(n)
    ]


@pytest.mark.slow
def test_run_bench_with_baselines(tmp_path: Path, fake_module: Any) -> None:
    pytest.importorskip("sklearn")
    pytest.importorskip("profanity_check")
    data = tmp_path / "data"
    write_jsonl(data / "train" / "en_small.jsonl", _labeled_rows("en", 200))
    write_jsonl(data / "train" / "ar_small.jsonl", _labeled_rows("ar", 200))
    result = run_bench(
        None,
        n_texts=100,
        compare=True,
        detector_factory="salama_fake_detector:FakeDetector",
        data_dir=data,
    )
    assert set(result) >= CONTRACT
    tfidf = result["baselines"]["tfidf_lr"]
    assert "error" not in tfidf, tfidf
    assert tfidf["fit_s"] >= 0
    assert tfidf["train_rows"] > 0
    f1 = tfidf["macro_f1"]
    assert set(f1) == {"all", "ar", "en"}
    assert f1["all"]["n"] == result["held_out"]["rows"]
    assert f1["all"]["salama"] == 1.0  # the fake knows these words
    prof = result["baselines"]["alt_profanity_check"]
    assert "error" not in prof, prof
    assert prof["corpus_texts"] == 50
    assert prof["macro_f1"]["abusive"]["n"] == f1["en"]["n"]
    assert "profanity" not in prof["macro_f1"]
    report = format_bench(result)
    assert "tfidf_lr" in report
    assert "alt_profanity_check" in report

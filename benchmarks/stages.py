"""Where a batch check's time goes, stage by stage, on the `salama bench` corpus (one core).

    .venv/bin/python benchmarks/stages.py [--n 10000]

Each stage runs over the whole corpus on its own, after one untimed pass (lazy tables filled);
the evidence stage gets fresh normalisations, so it pays for its offset maps as a check does.
The stages do not add up to the total: the rest is scores, blending and the Verdict.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

from salama import Detector
from salama.bench import default_corpus_files, sample_corpus
from salama.detect import detector as det
from salama.text import identify, model_view, normalize


def _timed(name: str, fn: Callable[[Sequence[Any]], Any], xs: Sequence[Any], n: int) -> Any:
    fn(xs)
    start = time.perf_counter()
    out = fn(xs)
    print(f"{name:12s} {(time.perf_counter() - start) / n * 1e6:7.2f} µs a text")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    gc.disable()  # as check_batch does
    texts = sample_corpus(default_corpus_files(), args.n).texts
    n = len(texts)
    d = Detector()
    d.check_batch(texts[:100])
    norms = _timed("normalize", lambda xs: [normalize(t) for t in xs], texts, n)
    _timed("lexicon scan", lambda xs: [d.lexicon.scan(m) for m in xs], norms, n)
    views = _timed(
        "model view",
        lambda xs: [model_view(m.original, base=m.views[0].text) for m in xs],
        norms,
        n,
    )
    _timed("model", lambda xs: d.model.predict_proba(xs), views, n)
    _timed("language id", lambda xs: [identify(m.original) for m in xs], norms, n)

    def evidence(xs: Sequence[str]) -> float:
        fresh = [normalize(t) for t in xs]  # offset maps not built yet
        found = [d.lexicon.scan(m)[0] for m in fresh]
        start = time.perf_counter()
        for m, hits in zip(fresh, found, strict=True):
            if hits:
                det._evidence(hits, m.original)
        return time.perf_counter() - start

    evidence(texts)
    print(f"{'evidence':12s} {evidence(texts) / n * 1e6:7.2f} µs a text")
    _timed("total", lambda xs: d.check_batch(xs), texts, n)


if __name__ == "__main__":
    main()

"""`salama bench`: speed and memory on one core, beside two baselines.

Every measurement runs in a fresh subprocess (``python -m salama.bench --worker KIND``), pinned to
one CPU with ``os.sched_setaffinity`` and started with ``OMP_NUM_THREADS`` and friends set to 1, so
that load time and peak memory belong to that measurement alone. The parent only samples the
corpus, builds the held-out rows, starts the workers one after another (never side by side: they
would share caches and memory bandwidth) and puts the numbers together.

- ``salama``: ``Detector()`` plus its first check (load_s), ``check_batch`` over the corpus in
  batches of 1,000 (best of 3), single ``check`` latency on comments of at most 280 characters,
  peak RSS, and its predictions on the held-out rows.
- ``tfidf_lr``: a character TF-IDF + logistic regression trained here on the train split of the
  shared data (task ``abusive``), measured the same way.
- ``alt_profanity_check``: the English-only SVM package, on the English part of the corpus.

The held-out rows are split exactly as ``salama train`` splits them (the hash of the model view of
a text), so that Salama and the baselines are compared on rows that none of them trained on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol, cast

from salama.detect.data import Record, default_data_dir, read_jsonl, split_key, split_of
from salama.errors import DataError, InputError, ModelError, SalamaError

__all__ = [
    "Corpus",
    "HeldOut",
    "default_corpus_files",
    "format_bench",
    "held_out_rows",
    "measure",
    "measure_scorer",
    "pick_singles",
    "run_bench",
    "sample_corpus",
]

SEED = 20_240_601
BATCH = 1_000
REPEATS = 3
SINGLE_MAX_CHARS = 280
MIN_SINGLES = 2_000
MAX_SINGLES = 5_000
WARMUP = 200
TFIDF_MAX_TRAIN = 60_000
WORKER_TIMEOUT_S = 600
THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
DEFAULT_FACTORY = "salama.detect.detector:Detector"
BASELINE_TASK = "abusive"
ENGLISH_TASKS = ("abusive", "profanity")


# --- corpus -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Corpus:
    """A mixed corpus of real comments: texts with the dataset language and file of each."""

    texts: list[str]
    langs: list[str]
    files: list[str]
    requested: int
    seed: int

    def summary(self) -> dict[str, Any]:
        n = len(self.texts)
        langs: dict[str, int] = {}
        per_file: dict[str, int] = {}
        for lang, name in zip(self.langs, self.files, strict=True):
            langs[lang] = langs.get(lang, 0) + 1
            per_file[name] = per_file.get(name, 0) + 1
        chars = sum(len(t) for t in self.texts)
        return {
            "texts": n,
            "requested": self.requested,
            "files": len(per_file),
            "mean_chars": round(chars / n, 1) if n else 0.0,
            "lang_share": {k: round(v / n, 4) for k, v in sorted(langs.items())},
            "per_file": dict(sorted(per_file.items())),
            "seed": self.seed,
        }


def default_corpus_files(data_dir: Path | None = None) -> list[Path]:
    """Every ``*.jsonl`` of ``DATA/train`` and ``DATA/unlabeled``, sorted."""
    root = data_dir or default_data_dir()
    files: list[Path] = []
    for sub in ("train", "unlabeled"):
        files.extend(sorted((root / sub).glob("*.jsonl")))
    return files


def _allocate(sizes: Sequence[int], n: int) -> list[int]:
    """Split ``n`` evenly over files of ``sizes``; a small file gives its unused share away."""
    alloc = [0] * len(sizes)
    remaining = n
    order = sorted(range(len(sizes)), key=lambda i: (sizes[i], i))
    for pos, i in enumerate(order):
        share = -(-remaining // (len(order) - pos))  # ceiling
        alloc[i] = min(sizes[i], share)
        remaining -= alloc[i]
    return alloc


def sample_corpus(
    files: Sequence[Path],
    n_texts: int,
    *,
    seed: int = SEED,
    records: Mapping[Path, list[Record]] | None = None,
) -> Corpus:
    """Draw ``n_texts`` non-blank texts evenly across ``files`` (seeded; fewer only if the files
    hold fewer). The same files, ``n_texts`` and seed always give the same corpus, whatever the
    order of ``files``. Raises DataError when the files hold no text at all.
    """
    if n_texts < 1:
        raise InputError("n_texts must be at least 1")
    if not files:
        raise DataError(
            "no corpus files found; pass --corpus FILE.jsonl or set SALAMA_DATA_DIR to a folder "
            "with train/*.jsonl"
        )
    pools: list[tuple[str, list[tuple[str, str]]]] = []
    for path in sorted({Path(p) for p in files}, key=lambda p: (p.name, str(p))):
        recs = records[path] if records is not None and path in records else read_jsonl(path)
        pools.append((path.stem, [(r.text, r.lang) for r in recs if r.text.strip()]))
    alloc = _allocate([len(p) for _, p in pools], n_texts)
    drawn: list[tuple[str, str, str]] = []
    for (name, pool), k in zip(pools, alloc, strict=True):
        rng = random.Random(f"{seed}:{name}")
        drawn.extend(
            (pool[i][0], pool[i][1], name) for i in sorted(rng.sample(range(len(pool)), k))
        )
    if not drawn:
        raise DataError(f"no texts in the corpus files: {', '.join(str(f) for f in files)}")
    random.Random(seed).shuffle(drawn)  # mixed batches, not one file after another
    return Corpus(
        texts=[d[0] for d in drawn],
        langs=[d[1] for d in drawn],
        files=[d[2] for d in drawn],
        requested=n_texts,
        seed=seed,
    )


def pick_singles(
    texts: Sequence[str],
    *,
    max_chars: int = SINGLE_MAX_CHARS,
    minimum: int = MIN_SINGLES,
    maximum: int = MAX_SINGLES,
) -> list[str]:
    """Texts of at most ``max_chars`` for single-check latency: up to ``maximum`` of them, repeated
    in order when there are fewer than ``minimum`` (so percentiles rest on enough calls)."""
    short = [t for t in texts if len(t) <= max_chars][:maximum]
    if not short:
        return []
    out = list(short)
    while len(out) < minimum:
        out.extend(short[: minimum - len(out)])
    return out


# --- held-out rows ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HeldOut:
    """Test rows (deduplicated, labels merged) and the TF-IDF baseline's training rows."""

    test_texts: list[str]
    test_langs: list[str]
    test_labels: list[dict[str, int]]
    train_texts: list[str]
    train_labels: list[int]
    split_key: str
    train_pool: int = 0
    info: dict[str, Any] = field(default_factory=dict)


def _split_key_fn() -> tuple[Callable[[str], str], str]:
    """The key `salama train` deduplicates on (the model view), or casefold when unavailable."""
    try:
        view = getattr(importlib.import_module("salama.text"), "model_view", None)
    except ImportError:
        view = None
    if view is None:
        return str.casefold, "casefold (salama.text.model_view unavailable)"
    return cast(Callable[[str], str], view), "model_view"


def held_out_rows(
    train_files: Sequence[Path],
    *,
    seed: int = SEED,
    max_train: int = TFIDF_MAX_TRAIN,
    records: Mapping[Path, list[Record]] | None = None,
    key_fn: Callable[[str], str] | None = None,
) -> HeldOut:
    """Rows of ``train_files`` that carry ``abusive`` or ``profanity``, deduplicated on the split
    key (labels merged, positive anywhere stays positive, as `salama train` does). The ``test``
    split is returned whole; up to ``max_train`` ``train``-split rows with ``abusive`` are sampled
    (seeded) to fit the TF-IDF baseline.
    """
    if key_fn is None:
        key_fn, key_name = _split_key_fn()
    else:
        key_name = getattr(key_fn, "__name__", "custom")
    merged: dict[str, tuple[str, str, dict[str, int]]] = {}
    splits: dict[str, set[str]] = {}
    for path in sorted(train_files, key=lambda p: (p.name, str(p))):
        recs = records[path] if records is not None and path in records else read_jsonl(path)
        for rec in recs:
            if not any(t in rec.labels for t in ENGLISH_TASKS):
                continue
            key = key_fn(rec.text)
            if not key.strip():
                continue
            entry = merged.setdefault(key, (rec.text, rec.lang, {}))
            # the split `salama train` uses: by split_key, the most held-out of the duplicates
            splits.setdefault(key, set()).add(split_of(split_key(rec.text)))
            for task in ENGLISH_TASKS:
                if task in rec.labels:
                    entry[2][task] = max(entry[2].get(task, 0), rec.labels[task])
    test: list[tuple[str, str, dict[str, int]]] = []
    pool: list[tuple[str, int]] = []
    for key, (text, lang, labels) in merged.items():
        split = next(x for x in ("test", "validation", "train") if x in splits[key])
        if split == "test":
            test.append((text, lang, labels))
        elif split == "train" and BASELINE_TASK in labels:
            pool.append((text, labels[BASELINE_TASK]))
    rng = random.Random(seed)
    train = (
        pool
        if len(pool) <= max_train
        else [pool[i] for i in rng.sample(range(len(pool)), max_train)]
    )
    return HeldOut(
        test_texts=[t[0] for t in test],
        test_langs=[t[1] for t in test],
        test_labels=[t[2] for t in test],
        train_texts=[t[0] for t in train],
        train_labels=[t[1] for t in train],
        split_key=key_name,
        train_pool=len(pool),
    )


# --- measurement (runs inside a worker; in-process in tests) ------------------------------------


class Scorer(Protocol):
    """What a measured system offers: a batch call, a single call, and 0/1 predictions."""

    def batch(self, texts: Sequence[str]) -> None: ...

    def single(self, text: str) -> None: ...

    def predict(self, texts: Sequence[str], task: str) -> list[int]: ...


class _DetectorLike(Protocol):
    def check(self, text: str) -> Any: ...

    def check_batch(self, texts: Sequence[str]) -> Sequence[Any]: ...


class DetectorScorer:
    """A Salama detector (or anything with ``check`` and ``check_batch``) as a Scorer."""

    def __init__(self, detector: _DetectorLike) -> None:
        self.detector = detector
        self.versions: dict[str, str] = {}

    def batch(self, texts: Sequence[str]) -> None:
        self.detector.check_batch(texts)

    def single(self, text: str) -> None:
        verdict = self.detector.check(text)
        if not self.versions:
            self.versions = {str(k): str(v) for k, v in getattr(verdict, "versions", {}).items()}

    def predict(self, texts: Sequence[str], task: str) -> list[int]:
        out: list[int] = []
        for start in range(0, len(texts), BATCH):
            out.extend(
                int(v.flagged(task))
                for v in self.detector.check_batch(texts[start : start + BATCH])
            )
        return out


def _percentile(sorted_ms: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile of an already sorted list (NumPy's default method)."""
    pos = (len(sorted_ms) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(sorted_ms) - 1)
    return sorted_ms[lo] + (sorted_ms[hi] - sorted_ms[lo]) * (pos - lo)


def measure_scorer(
    load: Callable[[], Scorer],
    texts: Sequence[str],
    singles: Sequence[str],
    eval_sets: Mapping[str, tuple[str, Sequence[str]]] | None = None,
    *,
    batch_size: int = BATCH,
    repeats: int = REPEATS,
    warmup: int = WARMUP,
) -> dict[str, Any]:
    """Time ``load`` plus a first single call, the batch throughput over ``texts`` (best of
    ``repeats``), and each single call over ``singles`` after ``warmup`` untimed calls; then
    predict every eval set ``{name: (task, texts)}``. Timings are wall-clock, in this process.
    """
    first = singles[0] if singles else (texts[0] if texts else "")
    t0 = time.perf_counter()
    scorer = load()
    t1 = time.perf_counter()
    scorer.single(first)
    t2 = time.perf_counter()
    result: dict[str, Any] = {
        "load_s": round(t2 - t0, 4),
        "construct_s": round(t1 - t0, 4),
        "first_check_s": round(t2 - t1, 4),
        "batch_texts": len(texts),
        "batch_size": batch_size,
        "repeats": repeats,
    }
    if texts:
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            for i in range(0, len(texts), batch_size):
                scorer.batch(texts[i : i + batch_size])
            best = min(best, time.perf_counter() - start)
        result["texts_per_s"] = round(len(texts) / best, 1) if best > 0 else None
    else:
        result["texts_per_s"] = None
    if singles:
        for text in singles[:warmup]:
            scorer.single(text)
        timings: list[float] = []
        clock = time.perf_counter_ns
        for text in singles:
            s = clock()
            scorer.single(text)
            timings.append((clock() - s) / 1e6)
        timings.sort()
        result["p50_ms"] = round(_percentile(timings, 50), 4)
        result["p99_ms"] = round(_percentile(timings, 99), 4)
        result["singles"] = len(singles)
        result["distinct_singles"] = len(set(singles))
    else:
        result.update(p50_ms=None, p99_ms=None, singles=0, distinct_singles=0)
    result["predictions"] = {
        name: scorer.predict(list(set_texts), task)
        for name, (task, set_texts) in (eval_sets or {}).items()
    }
    return result


def measure(
    detector_factory: Callable[[], _DetectorLike],
    texts: Sequence[str],
    singles: Sequence[str],
    eval_sets: Mapping[str, tuple[str, Sequence[str]]] | None = None,
    **kwargs: int,
) -> dict[str, Any]:
    """``measure_scorer`` for a detector: load_s is ``detector_factory()`` plus its first check."""
    holder: list[DetectorScorer] = []

    def load() -> Scorer:
        holder.append(DetectorScorer(detector_factory()))
        return holder[0]

    result = measure_scorer(load, texts, singles, eval_sets, **kwargs)
    result["versions"] = holder[0].versions if holder else {}
    return result


class _ProbaScorer:
    """A model with a probability function; flagged means probability >= 0.5."""

    def __init__(self, proba: Callable[[Sequence[str]], Sequence[float]]) -> None:
        self.proba = proba

    def batch(self, texts: Sequence[str]) -> None:
        self.proba(texts)

    def single(self, text: str) -> None:
        self.proba([text])

    def predict(self, texts: Sequence[str], task: str) -> list[int]:
        out: list[int] = []
        for start in range(0, len(texts), BATCH):
            out.extend(int(p >= 0.5) for p in self.proba(texts[start : start + BATCH]))
        return out


TFIDF_PARAMS: dict[str, Any] = {
    "analyzer": "char_wb",
    "ngram_range": (2, 5),
    "min_df": 2,
    "sublinear_tf": True,
    "max_features": 300_000,
}


def _tfidf_loader(train_texts: Sequence[str], train_labels: Sequence[int]) -> Callable[[], Scorer]:
    def load() -> Scorer:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        vectorizer = TfidfVectorizer(**TFIDF_PARAMS)
        x = vectorizer.fit_transform(train_texts)
        clf = LogisticRegression(max_iter=1000).fit(x, list(train_labels))

        def proba(texts: Sequence[str]) -> Sequence[float]:
            return list(clf.predict_proba(vectorizer.transform(texts))[:, 1])

        return _ProbaScorer(proba)

    return load


def _profanity_loader() -> Scorer:
    from profanity_check import predict_prob

    def proba(texts: Sequence[str]) -> Sequence[float]:
        return list(predict_prob(list(texts)))

    return _ProbaScorer(proba)


def _import_factory(spec: str) -> Callable[[], _DetectorLike]:
    module, _, attr = spec.partition(":")
    factory: Callable[[], _DetectorLike] = getattr(importlib.import_module(module), attr)
    return factory


def _peak_mb() -> tuple[float, str]:
    """Peak resident memory of this process, in MB, and how it was read.

    On Linux ``ru_maxrss`` is not honest for a child: the kernel carries the parent's high-water
    mark across fork + exec, so a worker started by a large parent reports at least the parent's
    peak. ``VmHWM`` in /proc/self/status belongs to this process's own address space alone.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1), "VmHWM"
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return round(peak / scale, 1), "ru_maxrss"


def _rss_mb() -> float | None:
    """Current resident memory in MB (Linux), or None."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


def _pin(cpu: int | None) -> dict[str, Any]:
    info: dict[str, Any] = {"requested_cpu": cpu, "method": None}
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {cpu})
            info["method"] = "os.sched_setaffinity"
        except OSError as exc:
            info["error"] = str(exc)
    if hasattr(os, "sched_getaffinity"):
        info["affinity"] = sorted(os.sched_getaffinity(0))
    return info


def _blas_threads() -> dict[str, int]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {}
    return {str(p.get("internal_api")): int(p.get("num_threads", 0)) for p in threadpool_info()}


def _worker(kind: str, job_path: Path, out_path: Path) -> int:
    job = json.loads(job_path.read_text("utf-8"))
    pin = _pin(job.get("cpu"))
    texts: list[str] = job["texts"]
    singles: list[str] = job["singles"]
    eval_sets = {k: (v["task"], v["texts"]) for k, v in job.get("eval_sets", {}).items()}
    factory = str(job.get("factory", DEFAULT_FACTORY))
    rss_before = _rss_mb()  # the interpreter, the imports and the job's texts: a floor
    result: dict[str, Any]
    try:
        if kind == "salama":
            try:
                detector_factory = _import_factory(factory)
            except (ImportError, AttributeError) as exc:
                msg = f"cannot import the detector {factory!r}: {exc}"
                raise ModelError(msg) from exc
            result = measure(detector_factory, texts, singles, eval_sets)
        elif kind == "tfidf_lr":
            loader = _tfidf_loader(job["train"]["texts"], job["train"]["labels"])
            del job
            result = measure_scorer(loader, texts, singles, eval_sets)
        elif kind == "alt_profanity_check":
            result = measure_scorer(_profanity_loader, texts, singles, eval_sets)
        else:
            raise InputError(f"unknown worker {kind!r}")
    except ImportError as exc:
        result = {"skipped": f"not installed: {exc.name or exc} (pip install 'salama[bench]')"}
    except SalamaError as exc:
        result = {"error": {"code": exc.code, "message": exc.message}}
    result["peak_mb"], result["peak_mb_source"] = _peak_mb()
    result["rss_before_load_mb"] = rss_before
    result["pinning"] = pin
    result["threads_env"] = {v: os.environ.get(v) for v in THREAD_VARS}
    result["blas_threads"] = _blas_threads()
    out_path.write_text(json.dumps(result, ensure_ascii=False), "utf-8")
    return 0


# --- orchestration (parent process) -------------------------------------------------------------


def _choose_cpu() -> int | None:
    if not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    return cpus[-1] if cpus else None  # the last: CPU 0 usually takes more interrupts


def _machine() -> dict[str, Any]:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        numpy_version = metadata.version("numpy")
    except metadata.PackageNotFoundError:
        numpy_version = None
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": numpy_version,
        "platform": platform.platform(),
    }


_ERRORS: dict[str, type[SalamaError]] = {
    "model_unavailable": ModelError,
    "invalid_data": DataError,
    "invalid_input": InputError,
}


def _run_worker(kind: str, job: dict[str, Any], tmp: Path) -> dict[str, Any]:
    job_path, out_path = tmp / f"{kind}.job.json", tmp / f"{kind}.out.json"
    job_path.write_text(json.dumps(job, ensure_ascii=False), "utf-8")
    env = dict(os.environ)
    env.update({v: "1" for v in THREAD_VARS})
    cmd = [sys.executable, "-m", "salama.bench", "--worker", kind]
    cmd += ["--job", str(job_path), "--out", str(out_path)]
    try:
        proc = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=WORKER_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": {"code": "timeout", "message": f"worker ran over {WORKER_TIMEOUT_S} s"}}
    if proc.returncode != 0 or not out_path.exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        msg = f"worker {kind} exited with {proc.returncode}: " + " | ".join(tail)
        return {"error": {"code": "worker_failed", "message": msg}}
    result: dict[str, Any] = json.loads(out_path.read_text("utf-8"))
    return result


def _group_f1(
    y: Sequence[int], preds: Mapping[str, Sequence[int]], groups: Mapping[str, Sequence[int]]
) -> dict[str, dict[str, Any]]:
    from salama.detect.evaluate import macro_f1

    out: dict[str, dict[str, Any]] = {}
    for name, idx in groups.items():
        row: dict[str, Any] = {"n": len(idx)}
        truth = [y[i] for i in idx]
        for system, p in preds.items():
            f1 = macro_f1(truth, [p[i] for i in idx]) if idx else None
            row[system] = None if f1 is None else round(f1, 4)
        out[name] = row
    return out


def _measured(result: dict[str, Any], rename_load: str | None = None) -> dict[str, Any]:
    keys = (
        "texts_per_s",
        "p50_ms",
        "p99_ms",
        "load_s",
        "peak_mb",
        "rss_before_load_mb",
        "singles",
        "batch_texts",
    )
    out = {k: result.get(k) for k in keys}
    if rename_load:
        out[rename_load] = out.pop("load_s")
    return out


def run_bench(
    corpus: Sequence[Path] | None,
    *,
    n_texts: int = 10_000,
    compare: bool = True,
    detector_factory: str = DEFAULT_FACTORY,
    data_dir: Path | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Measure Salama (and, with ``compare``, the baselines) on one core; see the module doc.

    ``corpus``: JSON-lines files (default: every file of ``DATA/train`` and ``DATA/unlabeled``).
    ``detector_factory``: ``"module:callable"`` the Salama worker calls to build the detector.
    ``log``: called with a line at each stage (progress; the CLI passes nothing).
    Raises DataError when no corpus is found, and the detector's own error when it fails to load.
    """
    started = time.perf_counter()

    def say(msg: str) -> None:
        if log is not None:
            log(f"[{time.perf_counter() - started:6.1f} s] {msg}")

    root = data_dir or default_data_dir()
    files = [Path(p) for p in corpus] if corpus else default_corpus_files(root)
    train_files = sorted((root / "train").glob("*.jsonl")) if compare else []
    say(f"reading {len(set(files) | set(train_files))} files")
    records = {p: list(read_jsonl(p)) for p in dict.fromkeys([*files, *train_files])}
    sample = sample_corpus(files, n_texts, records=records)
    singles = pick_singles(sample.texts)
    cpu = _choose_cpu()

    held: HeldOut | None = None
    baselines: dict[str, Any] = {}
    if compare:
        if train_files:
            say("building the held-out rows")
            held = held_out_rows(train_files, records=records)
        else:
            reason = f"no labeled data in {root / 'train'} (set SALAMA_DATA_DIR)"
            baselines["tfidf_lr"] = {"skipped": reason}
    del records

    eval_sets: dict[str, dict[str, Any]] = {}
    en_idx: dict[str, list[int]] = {}
    if held is not None:
        ab_idx = [i for i, lab in enumerate(held.test_labels) if BASELINE_TASK in lab]
        eval_sets[BASELINE_TASK] = {
            "task": BASELINE_TASK,
            "texts": [held.test_texts[i] for i in ab_idx],
        }
        for task in ENGLISH_TASKS:
            idx = [
                i
                for i, lab in enumerate(held.test_labels)
                if task in lab and held.test_langs[i] == "en"
            ]
            if idx:
                en_idx[task] = idx
                eval_sets[f"en_{task}"] = {"task": task, "texts": [held.test_texts[i] for i in idx]}

    base_job = {"cpu": cpu, "texts": sample.texts, "singles": singles}
    with tempfile.TemporaryDirectory(prefix="salama-bench-") as tmp_name:
        tmp = Path(tmp_name)
        say(f"salama: {len(sample.texts)} texts, {len(singles)} single checks, cpu {cpu}")
        salama = _run_worker(
            "salama", {**base_job, "factory": detector_factory, "eval_sets": eval_sets}, tmp
        )
        if "error" in salama:
            err = salama["error"]
            raise _ERRORS.get(err["code"], SalamaError)(f"salama bench: {err['message']}")
        if "skipped" in salama:
            raise SalamaError(f"salama bench: {salama['skipped']}")
        sal_preds: dict[str, list[int]] = salama.pop("predictions", {})

        if held is not None:
            say(f"tfidf_lr: fitting on {len(held.train_texts)} rows, then the same measurements")
            tfidf = _run_worker(
                "tfidf_lr",
                {
                    **base_job,
                    "eval_sets": {BASELINE_TASK: eval_sets[BASELINE_TASK]},
                    "train": {"texts": held.train_texts, "labels": held.train_labels},
                },
                tmp,
            )
            baselines["tfidf_lr"] = _tfidf_report(tfidf, held, sal_preds)
        if compare:
            en_texts = [
                t for t, lang in zip(sample.texts, sample.langs, strict=True) if lang == "en"
            ]
            prof_sets = {k: v for k, v in eval_sets.items() if k.startswith("en_")}
            if en_texts or prof_sets:
                say(f"alt_profanity_check: {len(en_texts)} English texts")
                job = {**base_job, "texts": en_texts, "singles": pick_singles(en_texts)}
                prof = _run_worker("alt_profanity_check", {**job, "eval_sets": prof_sets}, tmp)
                baselines["alt_profanity_check"] = _profanity_report(
                    prof, held, en_idx, sal_preds, len(en_texts)
                )
            else:
                baselines["alt_profanity_check"] = {"skipped": "no English texts in the corpus"}

    pinning = salama.get("pinning", {})
    pinned = cpu if cpu is not None and pinning.get("affinity") == [cpu] else None
    result: dict[str, Any] = {
        **_measured(salama),
        "construct_s": salama.get("construct_s"),
        "first_check_s": salama.get("first_check_s"),
        "batch_size": salama.get("batch_size"),
        "repeats": salama.get("repeats"),
        "versions": salama.get("versions", {}),
        "corpus": {
            **sample.summary(),
            "sources": [str(f) for f in files],
            "singles": len(singles),
            "distinct_singles": len(set(singles)),
            "single_max_chars": SINGLE_MAX_CHARS,
        },
        "machine": _machine(),
        "pinned_cpu": pinned,
        "pinning": {
            "method": pinning.get("method"),
            "affinity": pinning.get("affinity"),
            "threads_env": salama.get("threads_env"),
            "blas_threads": salama.get("blas_threads"),
            "note": "each measurement in a fresh subprocess, one after another",
            "peak_mb_source": salama.get("peak_mb_source"),
        },
        "baselines": baselines,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if held is not None:
        result["held_out"] = {
            "split": "test",
            "split_key": held.split_key,
            "rows": len(held.test_texts),
            "data": str(root / "train"),
            "dedup": "on the split key; labels merged (positive anywhere stays positive)",
        }
    result["elapsed_s"] = round(time.perf_counter() - started, 1)
    say("done")
    return result


def _tfidf_report(
    tfidf: dict[str, Any], held: HeldOut, sal_preds: Mapping[str, list[int]]
) -> dict[str, Any]:
    if "error" in tfidf or "skipped" in tfidf:
        return {k: v for k, v in tfidf.items() if k in ("error", "skipped")}
    preds = tfidf.get("predictions", {}).get(BASELINE_TASK, [])
    ab_idx = [i for i, lab in enumerate(held.test_labels) if BASELINE_TASK in lab]
    y = [held.test_labels[i][BASELINE_TASK] for i in ab_idx]
    langs = [held.test_langs[i] for i in ab_idx]
    groups: dict[str, list[int]] = {"all": list(range(len(y)))}
    for lang in sorted(set(langs)):
        groups[lang] = [j for j, la in enumerate(langs) if la == lang]
    return {
        **_measured(tfidf, rename_load="fit_s"),
        "train_rows": len(held.train_texts),
        "train_pool": held.train_pool,
        "params": {**TFIDF_PARAMS, "ngram_range": list(TFIDF_PARAMS["ngram_range"])},
        "classifier": "LogisticRegression(max_iter=1000)",
        "task": BASELINE_TASK,
        "macro_f1": _group_f1(
            y, {"salama": sal_preds.get(BASELINE_TASK, []), "tfidf_lr": preds}, groups
        ),
    }


def _profanity_report(
    prof: dict[str, Any],
    held: HeldOut | None,
    en_idx: Mapping[str, list[int]],
    sal_preds: Mapping[str, list[int]],
    n_en: int,
) -> dict[str, Any]:
    if "error" in prof or "skipped" in prof:
        return {k: v for k, v in prof.items() if k in ("error", "skipped")}
    out = {**_measured(prof), "corpus_texts": n_en, "lang": "en"}
    if held is not None:
        f1: dict[str, Any] = {}
        for task, idx in en_idx.items():
            name = f"en_{task}"
            y = [held.test_labels[i][task] for i in idx]
            preds = {
                "salama": sal_preds.get(name, []),
                "alt_profanity_check": prof.get("predictions", {}).get(name, []),
            }
            f1.update({task: _group_f1(y, preds, {task: list(range(len(y)))})[task]})
        out["macro_f1"] = f1
    return out


# --- report -------------------------------------------------------------------------------------


def _fmt(value: Any, spec: str) -> str:
    if value is None:
        return "-"
    return format(value, spec)


def format_bench(result: dict[str, Any]) -> str:
    """A plain-text report of ``run_bench``'s result."""
    m = result.get("machine", {})
    c = result.get("corpus", {})
    pin = result.get("pinned_cpu")
    lines = [
        f"machine: {m.get('cpu')}, {m.get('cores')} cores, Python {m.get('python')}, "
        f"NumPy {m.get('numpy')}",
        f"one core: {'cpu ' + str(pin) if pin is not None else 'not pinned'}, "
        "OMP/OPENBLAS/MKL threads = 1, each system in its own fresh process",
        f"corpus: {c.get('texts', 0):,} texts from {c.get('files', 0)} files, "
        f"mean {c.get('mean_chars')} chars; "
        + ", ".join(f"{k} {v:.0%}" for k, v in c.get("lang_share", {}).items()),
        f"singles: {c.get('singles')} checks of <= {c.get('single_max_chars')} chars",
        "",
        f"{'system':<26}{'texts/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'load s':>9}{'peak MB':>9}",
    ]

    def row(name: str, r: Mapping[str, Any], load_key: str = "load_s") -> str:
        return (
            f"{name:<26}{_fmt(r.get('texts_per_s'), ',.0f'):>10}{_fmt(r.get('p50_ms'), '.3f'):>9}"
            f"{_fmt(r.get('p99_ms'), '.3f'):>9}{_fmt(r.get(load_key), '.2f'):>9}"
            f"{_fmt(r.get('peak_mb'), '.0f'):>9}"
        )

    lines.append(row("salama", result))
    baselines: dict[str, Any] = result.get("baselines", {})
    for name, b in baselines.items():
        if "skipped" in b or "error" in b:
            why = b.get("skipped") or b["error"].get("message")
            lines.append(f"{name:<26}skipped: {why}")
            continue
        label = f"{name} (en)" if name == "alt_profanity_check" else name
        lines.append(row(label, b, "fit_s" if "fit_s" in b else "load_s"))
    if "tfidf_lr" in baselines and "fit_s" in baselines["tfidf_lr"]:
        lines.append("  (tfidf_lr's load column is its training time on this core)")

    tf = baselines.get("tfidf_lr", {}).get("macro_f1")
    if tf:
        held = result.get("held_out", {})
        lines += [
            "",
            f"held-out macro-F1, task abusive ({held.get('rows')} test rows of salama train's "
            f"test split, deduplicated on {held.get('split_key')}; the same rows for both):",
            f"  {'lang':<8}{'n':>7}{'salama':>9}{'tfidf_lr':>10}",
        ]
        for lang, r in tf.items():
            lines.append(
                f"  {lang:<8}{r['n']:>7}{_fmt(r.get('salama'), '.3f'):>9}"
                f"{_fmt(r.get('tfidf_lr'), '.3f'):>10}"
            )
    pc = baselines.get("alt_profanity_check", {}).get("macro_f1")
    if pc:
        lines += ["", "English held-out macro-F1 (same rows):"]
        lines.append(f"  {'task':<10}{'n':>7}{'salama':>9}{'alt_profanity_check':>21}")
        for task, r in pc.items():
            lines.append(
                f"  {task:<10}{r['n']:>7}{_fmt(r.get('salama'), '.3f'):>9}"
                f"{_fmt(r.get('alt_profanity_check'), '.3f'):>21}"
            )
    if "elapsed_s" in result:
        lines += ["", f"bench took {result['elapsed_s']} s"]
    return "\n".join(lines)


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m salama.bench")
    parser.add_argument("--worker", choices=("salama", "tfidf_lr", "alt_profanity_check"))
    parser.add_argument("--job", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--n-texts", type=int, default=10_000)
    parser.add_argument("--no-compare", action="store_true")
    args = parser.parse_args(argv)
    if args.worker:
        if args.job is None or args.out is None:
            parser.error("--worker needs --job and --out")
        return _worker(args.worker, args.job, args.out)
    print(format_bench(run_bench(None, n_texts=args.n_texts, compare=not args.no_compare)))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())

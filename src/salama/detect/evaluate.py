"""`salama eval`: score a detector on labeled JSON-lines files.

Per file: precision and recall of the positive class, macro-F1 (the mean F1 of the classes present,
as scikit-learn's ``f1_score(average="macro")``), ROC AUC from the task score, and the throughput of
``check_batch``. Metrics are computed with NumPy alone, so evaluation works without scikit-learn.
A metric that is undefined on a file (precision with nothing flagged, recall with no positives,
ROC AUC with one class) is ``None`` rather than a made-up 0.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from salama.detect.data import Record, read_jsonl
from salama.detect.verdict import TASKS, Verdict
from salama.errors import InputError

__all__ = [
    "BatchDetector",
    "binary_counts",
    "evaluate_files",
    "format_reports",
    "macro_f1",
    "precision_recall",
    "rank_average",
    "roc_auc",
]

CHUNK = 2_000
DIGITS = 4

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


class BatchDetector(Protocol):
    def check_batch(self, texts: Sequence[str]) -> list[Verdict]: ...


# --- metrics (pure NumPy) -----------------------------------------------------------------------


def _as_binary(values: Sequence[int] | npt.ArrayLike, name: str) -> IntArray:
    arr = np.asarray(values).astype(np.int64).ravel()
    if arr.size and not np.isin(arr, (0, 1)).all():
        raise InputError(f"{name} must hold only 0 and 1")
    return arr


def binary_counts(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> tuple[int, int, int, int]:
    """(tp, fp, fn, tn) of the positive class."""
    t = _as_binary(y_true, "y_true")
    p = _as_binary(y_pred, "y_pred")
    if t.shape != p.shape:
        raise InputError("y_true and y_pred differ in length")
    tp = int(np.sum((t == 1) & (p == 1)))
    fp = int(np.sum((t == 0) & (p == 1)))
    fn = int(np.sum((t == 1) & (p == 0)))
    tn = int(t.size - tp - fp - fn)
    return tp, fp, fn, tn


def precision_recall(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike
) -> tuple[float | None, float | None]:
    """Precision and recall of the positive class; None where the denominator is 0."""
    tp, fp, fn, _ = binary_counts(y_true, y_pred)
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return precision, recall


def macro_f1(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float | None:
    """Mean F1 of the classes present in ``y_true`` or ``y_pred`` (scikit-learn's macro average).

    With both classes present this is the mean F1 of the positive and negative class; None when
    there are no rows at all.
    """
    tp, fp, fn, tn = binary_counts(y_true, y_pred)
    f1s = []
    # Positive class, then negative class (whose tp is tn, fp is fn, fn is fp).
    for c_tp, c_fp, c_fn in ((tp, fp, fn), (tn, fn, fp)):
        present = c_tp + c_fn + c_fp  # in truth (tp + fn) or in prediction (tp + fp)
        if present:
            f1s.append(2 * c_tp / (2 * c_tp + c_fp + c_fn))
    return float(np.mean(f1s)) if f1s else None


def rank_average(values: npt.ArrayLike) -> FloatArray:
    """1-based ranks of ``values``, ties given the mean of the ranks they span."""
    v = np.asarray(values, dtype=np.float64).ravel()
    n = v.size
    if n == 0:
        return np.zeros(0, dtype=np.float64)
    order = np.argsort(v, kind="mergesort")
    sorted_v = v[order]
    cuts = np.flatnonzero(sorted_v[1:] != sorted_v[:-1]) + 1
    starts = np.concatenate(([0], cuts))
    ends = np.concatenate((cuts, [n]))
    mean_rank = (starts + 1 + ends) / 2.0  # ranks starts+1 .. ends
    ranks = np.empty(n, dtype=np.float64)
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


def roc_auc(y_true: npt.ArrayLike, scores: npt.ArrayLike) -> float | None:
    """Area under the ROC curve by the Mann-Whitney U statistic; None unless both classes occur."""
    t = _as_binary(y_true, "y_true")
    s = np.asarray(scores, dtype=np.float64).ravel()
    if t.shape != s.shape:
        raise InputError("y_true and scores differ in length")
    if not np.isfinite(s).all():
        raise InputError("scores must be finite")
    n_pos = int(t.sum())
    n_neg = int(t.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rank_average(s)
    u = float(ranks[t == 1].sum()) - n_pos * (n_pos + 1) / 2.0
    return u / (n_pos * n_neg)


# --- evaluation ---------------------------------------------------------------------------------


def _round(x: float | None, digits: int = DIGITS) -> float | None:
    return None if x is None else round(float(x), digits)


def _file_key(path: Path, taken: dict[str, Any]) -> str:
    key = path.stem
    if key in taken:
        key = f"{path.parent.name}/{path.stem}"
    base, i = key, 2
    while key in taken:
        key, i = f"{base}#{i}", i + 1
    return key


def _score_file(detector: BatchDetector, records: list[Record], task: str) -> dict[str, Any]:
    n = len(records)
    if n == 0:
        return {
            "n": 0,
            "precision": None,
            "recall": None,
            "macro_f1": None,
            "roc_auc": None,
            "texts_per_s": None,
        }
    texts = [r.text for r in records]
    verdicts: list[Verdict] = []
    elapsed = 0.0
    for start in range(0, n, CHUNK):
        chunk = texts[start : start + CHUNK]
        t0 = time.perf_counter()
        out = detector.check_batch(chunk)
        elapsed += time.perf_counter() - t0
        if len(out) != len(chunk):
            raise InputError(f"check_batch returned {len(out)} verdicts for {len(chunk)} texts")
        verdicts.extend(out)
    y = np.fromiter((r.labels[task] for r in records), dtype=np.int64, count=n)
    pred = np.fromiter((v.flagged(task) for v in verdicts), dtype=np.int64, count=n)
    score = np.fromiter((v.score(task) for v in verdicts), dtype=np.float64, count=n)
    precision, recall = precision_recall(y, pred)
    out_file: dict[str, Any] = {
        "n": n,
        "precision": _round(precision),
        "recall": _round(recall),
        "macro_f1": _round(macro_f1(y, pred)),
        "roc_auc": _round(roc_auc(y, score)),
        "texts_per_s": round(n / elapsed, 1) if elapsed > 0 else None,
    }
    groups: dict[str, list[int]] = {}
    for i, rec in enumerate(records):
        func = rec.meta.get("functionality")
        if func is not None:
            groups.setdefault(str(func), []).append(i)
    if groups:
        correct = y == pred
        out_file["per_functionality"] = {
            name: {"n": len(idx), "accuracy": _round(float(correct[idx].mean()))}
            for name, idx in sorted(groups.items())
        }
    return out_file


def evaluate_files(detector: BatchDetector, files: Sequence[Path], task: str) -> dict[str, Any]:
    """Score ``detector`` on each file's records that carry ``labels[task]``.

    Every file is read (and validated) before the detector runs, so a malformed line fails fast
    with a DataError naming file:line. Raises InputError for an unknown task or no files.
    Returns ``{"task", "files": {stem: {"n", "precision", "recall", "macro_f1", "roc_auc",
    "texts_per_s", "per_functionality"?}}}``.
    """
    if task not in TASKS:
        raise InputError(
            f"unknown task {task!r}; one of: {', '.join(TASKS)}", details={"task": task}
        )
    if not files:
        raise InputError("no files to evaluate")
    loaded: list[tuple[Path, list[Record]]] = []
    for path in files:
        path = Path(path)
        loaded.append((path, [r for r in read_jsonl(path) if task in r.labels]))
    results: dict[str, Any] = {}
    for path, records in loaded:
        results[_file_key(path, results)] = _score_file(detector, records, task)
    return {"task": task, "files": results}


# --- report -------------------------------------------------------------------------------------


def _cell(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def format_reports(result: dict[str, Any]) -> str:
    """A plain-text table of ``evaluate_files``'s result, one row per file."""
    files: dict[str, Any] = result.get("files", {})
    header = ("file", "n", "precision", "recall", "macro_f1", "roc_auc", "texts/s")
    rows = [
        (
            name,
            _cell(m["n"]),
            _cell(m["precision"]),
            _cell(m["recall"]),
            _cell(m["macro_f1"]),
            _cell(m["roc_auc"]),
            _cell(m["texts_per_s"], 0),
        )
        for name, m in files.items()
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return "  ".join((first, *rest))

    out = [f"task: {result.get('task')}", line(header), line(["-" * w for w in widths])]
    out.extend(line(r) for r in rows)
    for name, m in files.items():
        per = m.get("per_functionality")
        if not per:
            continue
        out.append("")
        out.append(f"{name}: accuracy per functionality")
        width = max(len(k) for k in per)
        for func, stats in per.items():
            out.append(f"  {func.ljust(width)}  {stats['n']:>6}  {_cell(stats['accuracy'])}")
    return "\n".join(out)

"""`salama train`: fit the linear model on ../shared/data and write the versioned model file.

Steps, each reproducible from the data alone:
1. read every labeled file; fold each text to its model view; drop rows that fold to nothing;
2. deduplicate across files on the folded text (labels merged: a task positive anywhere stays
   positive), then split by the hash of the folded text: 80% train, 10% validation, 10% test;
3. weigh rows so that, within each source and task, both classes weigh the same (French data is
   78% offensive: unweighted, the model would learn that French itself is offensive);
4. fit one L2 logistic regression per label on the train split (scikit-learn, liblinear);
5. Platt-calibrate each label on the validation split, and choose each category's threshold there
   (the one that maximises the mean per-source macro-F1); the test split is never looked at;
6. fit the Darija specialist (SPECIALIST_ROWS), two extra labels the detector blends into insult.
"""

from __future__ import annotations

import datetime as dt
import platform
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from salama.detect.data import Record, default_data_dir, read_jsonl, split_key, split_of
from salama.detect.detector import SPECIALIST_LABELS
from salama.detect.features import N_BUCKETS, Occurrences, occurrences
from salama.detect.model import DEFAULT_MODEL, LinearModel
from salama.errors import DataError

__all__ = ["LABELS", "TrainingRow", "load_rows", "train_model"]

# Model label -> the data task it learns from.
LABELS = ("abusive", "hate", "threat", "profanity", "self_harm")
# How each model label feeds the Verdict's categories (see detector.py).
C_GRID = (4.0,)
UNLABELED_NEGATIVE_WEIGHT = 0.5

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class TrainingRow:
    text: str  # one original spelling of the text
    view: str
    lang: str
    sources: tuple[str, ...]
    labels: dict[str, int]
    split: str


def _model_view(text: str) -> str:
    from salama.text import model_view

    return model_view(text)


def load_rows(data_dir: Path, view: Callable[[str], str] = _model_view) -> list[TrainingRow]:
    """Read, fold, deduplicate and split every file of ``data_dir/train`` (+ positive-sentiment
    rows of ``data_dir/unlabeled`` as weak negatives for ``abusive``, train split only)."""
    files = sorted((data_dir / "train").glob("*.jsonl"))
    if not files:
        raise DataError(f"no training files in {data_dir / 'train'}; set --data or SALAMA_DATA_DIR")
    merged: dict[str, dict[str, Any]] = {}
    for path in files:
        for rec in read_jsonl(path):
            _merge(merged, view(rec.text), rec)
    for path in sorted((data_dir / "unlabeled").glob("*.jsonl")):
        for rec in read_jsonl(path):
            if rec.meta.get("sentiment") == 1:
                weak = Record(rec.text, rec.lang, rec.source, {"abusive_weak": 0}, rec.meta)
                _merge(merged, view(rec.text), weak)
    rows = []
    negatives = dict.fromkeys(LABELS, 0)
    for source, texts in (
        (NEUTRAL_SOURCE, neutral_identity_texts()),
        (EVERYDAY_SOURCE, neutral_everyday_texts()),
    ):
        for text in texts:
            key = view(text)
            if key and key not in merged:
                rows.append(TrainingRow(text, key, "any", (source,), dict(negatives), "train"))

    for key, entry in merged.items():
        # a text whose duplicates fall in several splits goes to the most held-out one
        split = next(s for s in ("test", "validation", "train") if s in entry["splits"])
        labels = entry["labels"]
        if "abusive_weak" in labels and ("abusive" in labels or split != "train"):
            labels.pop("abusive_weak")
            if not labels:
                continue
        rows.append(
            TrainingRow(
                entry["text"], key, entry["lang"], tuple(sorted(entry["sources"])), labels, split
            )
        )
    return rows


NEUTRAL_SOURCE = "salama_neutral_identity"
EVERYDAY_SOURCE = "salama_neutral_everyday"


def neutral_everyday_texts() -> list[str]:
    """Hand-written everyday messages (training/neutral_everyday.tsv): the French and English
    data are mostly offensive tweets, so without these the model reads everyday words as abuse."""
    path = Path(__file__).parent / "training" / "neutral_everyday.tsv"
    if not path.exists():
        return []
    texts = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("lang\t"):
            continue
        texts.append(line.split("\t", 1)[1])
    return texts


def neutral_identity_texts() -> list[str]:
    """Neutral sentences naming a group: the templates of training/neutral_identity.tsv filled
    with every ``identity`` term of the shipped signals lexicon in the same language."""
    from salama.detect.lexicon import parse_lexicon

    here = Path(__file__).parent
    terms: dict[str, list[str]] = defaultdict(list)
    for entry in parse_lexicon(here / "lexicons" / "signals.tsv"):
        if entry.category == "identity" and not entry.term.endswith("*"):
            terms[entry.lang].append(entry.term)
    texts: list[str] = []
    for line in (here / "training" / "neutral_identity.tsv").read_text("utf-8").splitlines()[1:]:
        if not line.strip() or line.startswith("#") or line.startswith("lang\t"):
            continue
        lang, template = line.split("\t", 1)
        texts.extend(template.replace("{g}", term) for term in terms.get(lang, []))
    return texts


def _merge(merged: dict[str, dict[str, Any]], key: str, rec: Record) -> None:
    if not key.strip():
        return
    entry = merged.setdefault(
        key, {"text": rec.text, "lang": rec.lang, "sources": set(), "labels": {}, "splits": set()}
    )
    entry["sources"].add(rec.source)
    entry["splits"].add(split_of(split_key(rec.text)))
    for task, value in rec.labels.items():
        entry["labels"][task] = max(entry["labels"].get(task, 0), value)


def _design(occ: Occurrences, idf: npt.NDArray[np.float32]) -> Any:
    from scipy.sparse import csr_matrix

    vals = idf[occ.buckets].astype(np.float64)
    norm = np.sqrt(
        np.maximum(np.bincount(occ.docs, weights=vals * vals, minlength=occ.n_docs), 1e-12)
    )
    mat = csr_matrix(
        (vals / norm[occ.docs], (occ.docs, occ.buckets)), shape=(occ.n_docs, N_BUCKETS)
    )
    mat.sum_duplicates()
    return mat


def _macro_f1(y: npt.NDArray[np.int64], pred: npt.NDArray[np.bool_]) -> float:
    scores = []
    for cls in (1, 0):
        t = y == cls
        p = pred if cls == 1 else ~pred
        tp = float(np.sum(t & p))
        denom = float(np.sum(t) + np.sum(p))
        scores.append(2 * tp / denom if denom else 1.0)
    return float(np.mean(scores))


def _recall(y: npt.NDArray[np.int64], pred: npt.NDArray[np.bool_]) -> float:
    positives = int(np.sum(y == 1))
    return float(np.sum(pred & (y == 1))) / positives if positives else 1.0


def _per_source_macro_f1(
    y: npt.NDArray[np.int64], prob: F64, sources: Sequence[str], threshold: float
) -> float:
    by_source: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sources):
        by_source[s].append(i)
    f1s = []
    for idx in by_source.values():
        ix = np.array(idx)
        if len(set(y[ix].tolist())) < 2:
            continue
        f1s.append(_macro_f1(y[ix], prob[ix] >= threshold))
    return float(np.mean(f1s)) if f1s else 0.0


def _fit_platt(z: F64, y: npt.NDArray[np.int64], *, balanced: bool = False) -> tuple[float, float]:
    """Platt scaling (a, b); ``balanced`` weighs both classes equally, so that the rows' base
    rate does not become the calibrated prior."""
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1e4, max_iter=1000, class_weight="balanced" if balanced else None)
    lr.fit(z.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def train_model(
    data_dir: Path | None = None,
    out_dir: Path | None = None,
    splits_dir: Path | None = None,
    log: Callable[[str], None] = print,
    name: str = DEFAULT_MODEL,
    view: Callable[[str], str] = _model_view,
) -> Path:
    """Train, calibrate and save; returns the manifest path."""
    from sklearn.linear_model import LogisticRegression

    started = time.perf_counter()
    data_dir = data_dir or default_data_dir()
    rows = load_rows(data_dir, view)
    log(f"{len(rows)} distinct texts from {data_dir}")
    if splits_dir is not None:
        _write_splits(data_dir, splits_dir, view, log)

    train_rows = [r for r in rows if r.split == "train"]
    val_rows = [r for r in rows if r.split == "validation"]
    occ_train = occurrences([r.view for r in train_rows])
    present = np.zeros(N_BUCKETS, dtype=np.float64)
    pairs = np.unique(occ_train.docs * N_BUCKETS + occ_train.buckets)
    np.add.at(present, pairs % N_BUCKETS, 1.0)
    n_docs = len(train_rows)
    idf = (np.log((1.0 + n_docs) / (1.0 + present)) + 1.0).astype(np.float32)
    x_train = _design(occ_train, idf)
    x_val = _design(occurrences([r.view for r in val_rows]), idf)

    weights = np.zeros((N_BUCKETS, len(LABELS)), dtype=np.float32)
    bias = np.zeros(len(LABELS), dtype=np.float32)
    calib_a = np.ones(len(LABELS), dtype=np.float32)
    calib_b = np.zeros(len(LABELS), dtype=np.float32)
    thresholds: dict[str, float] = {}
    report: dict[str, Any] = {}
    for k, label in enumerate(LABELS):
        tr_idx, y_tr, w_tr = _label_rows(train_rows, label)
        va_idx, y_va, _ = _label_rows(val_rows, label)
        va_sources = [val_rows[i].sources[0] for i in va_idx]
        if len(set(y_tr.tolist())) < 2 or len(set(y_va.tolist())) < 2:
            # no data for this label (say, a retrain without the suicide file): the model
            # stays silent on it (weights 0, probability sigmoid(-8)), the lexicons carry it
            calib_b[k] = -8.0
            thresholds[label] = 0.5
            report[label] = {"skipped": "needs both classes in the train and validation splits"}
            log(f"{label}: skipped, no data with both classes")
            continue
        best: tuple[float, float, Any] | None = None
        for c in C_GRID:
            clf = LogisticRegression(C=c, solver="liblinear", max_iter=200)
            clf.fit(x_train[tr_idx], y_tr, sample_weight=w_tr)
            z = clf.decision_function(x_val[va_idx])
            f1 = _per_source_macro_f1(y_va, z, va_sources, 0.0)
            log(f"  {label}: C={c:g} validation mean per-source macro-F1 {f1:.4f}")
            if best is None or f1 > best[0]:
                best = (f1, c, clf)
        assert best is not None
        _, c_best, clf = best
        weights[:, k] = clf.coef_[0]
        bias[k] = clf.intercept_[0]
        z_val = clf.decision_function(x_val[va_idx])
        a, b = _fit_platt(z_val, y_va)
        calib_a[k], calib_b[k] = a, b
        prob = 1.0 / (1.0 + np.exp(-(a * z_val + b)))
        grid = np.round(np.arange(0.2, 0.81, 0.025), 3)
        f1s = [_per_source_macro_f1(y_va, prob, va_sources, float(t)) for t in grid]
        thresholds[label] = float(grid[int(np.argmax(f1s))])
        report[label] = {
            "C": c_best,
            "train_rows": len(tr_idx),
            "validation_rows": len(va_idx),
            "validation_mean_source_macro_f1": round(max(f1s), 4),
            "threshold": thresholds[label],
        }
        log(f"{label}: C={c_best:g} threshold={thresholds[label]} val F1={max(f1s):.4f}")

    specialists = train_specialists(train_rows, val_rows, x_train, x_val, log)
    if len(specialists) < len(SPECIALIST_ROWS):  # the detector reads both labels or neither
        specialists = {}
    extra = [f[0] for f in specialists.values()]
    weights = np.concatenate([weights, *(w[:, None] for w in extra)], axis=1)
    bias = np.concatenate([bias, np.array([f[1] for f in specialists.values()], dtype=np.float32)])
    calib_a = np.concatenate([calib_a, np.array([f[2] for f in specialists.values()], np.float32)])
    calib_b = np.concatenate([calib_b, np.array([f[3] for f in specialists.values()], np.float32)])
    for label in specialists:
        thresholds[label] = 0.5  # never a verdict's threshold: only blended into insult
        report[label] = {"family_specialist": SPECIALIST_ROWS[label][1]}

    version = dt.date.today().isoformat()
    model = LinearModel(
        labels=LABELS + tuple(specialists),
        weights=weights,
        idf=idf,
        bias=bias,
        calib_a=calib_a,
        calib_b=calib_b,
        manifest={
            "version": f"{name}+{version}",
            "thresholds": thresholds,
            "training": {
                "data_dir_files": sorted(p.name for p in (data_dir / "train").glob("*.jsonl")),
                "hand_written_negatives": {
                    src: sum(r.sources == (src,) for r in rows)
                    for src in (NEUTRAL_SOURCE, EVERYDAY_SOURCE)
                },
                "unlabeled_weak_negatives": "positive-sentiment rows, weight "
                f"{UNLABELED_NEGATIVE_WEIGHT}, train split only",
                "rows": {
                    s: sum(r.split == s for r in rows) for s in ("train", "validation", "test")
                },
                "split": "blake2b(split_key(text)) % 100: <10 test, <20 validation, else train; "
                "a text whose duplicates straddle splits is held out",
                "features": "hashed char 1-5-grams + word 1-2-grams, 2**20 buckets, idf, L2",
                "classifier": "LogisticRegression(liblinear), class-balanced per source",
                "labels": report,
                "seconds": round(time.perf_counter() - started, 1),
                "python": platform.python_version(),
            },
        },
    )
    # thresholds of the whole detector (lexicons and rules included), on the validation split
    from salama.detect.detector import Detector

    verdicts = Detector(model=model).check_batch([r.text for r in val_rows])
    category_thresholds = choose_category_thresholds([v.scores for v in verdicts], val_rows)
    model.manifest["category_thresholds"] = category_thresholds
    log(f"detector thresholds: {category_thresholds}")
    out = out_dir or Path(__file__).parent / "models"
    return model.save(out, name)


# The Darija specialist: two extra labels of the same model (same features, same file), which
# detector.py blends into the insult score. In the pooled ``abusive`` label, Darija is outweighed
# by the larger Standard and Gulf Arabic data, whose cues differ; ``abusive_ary`` is fitted on
# Darija rows (and the hand-written negatives) only, and ``darija`` (Darija vs the other Arabic
# dialects) says how much of it to take. Both are Platt-calibrated with the classes weighted
# equally, so that Darija data's base rate does not become a prior. A French/Latin-script
# specialist was tried the same way and dropped: on the two halves of the validation split its
# gain was +0.012 and -0.024 French macro-F1 (docs/quality.md).
_ARABIC = frozenset({"ary", "ar", "arq", "aeb", "apc"})

# Which rows each extra label is fitted and calibrated on, and how the manifest describes it, in
# the order the detector reads them (SPECIALIST_LABELS).
SPECIALIST_ROWS: dict[str, tuple[Callable[[TrainingRow], bool], str]] = dict(
    zip(
        SPECIALIST_LABELS,
        [
            (
                lambda r: r.lang == "ary" or r.lang == "any",
                "abusive, Darija rows only (+ hand-written negatives)",
            ),
            (
                lambda r: r.lang in _ARABIC,
                "Darija (1) vs other Arabic dialects (0), class-balanced",
            ),
        ],
        strict=True,
    )
)


def train_specialists(
    train_rows: Sequence[TrainingRow],
    val_rows: Sequence[TrainingRow],
    x_train: Any,
    x_val: Any,
    log: Callable[[str], None] = print,
) -> dict[str, tuple[npt.NDArray[np.float32], float, float, float]]:
    """Weights, bias and balanced Platt calibration (a, b) of each label of SPECIALIST_ROWS; a label
    without both classes in the train and validation rows is left out."""
    from sklearn.linear_model import LogisticRegression

    out: dict[str, tuple[npt.NDArray[np.float32], float, float, float]] = {}
    for label, (keep, _) in SPECIALIST_ROWS.items():
        tr = np.array([i for i, r in enumerate(train_rows) if keep(r)], dtype=np.int64)
        va = np.array([i for i, r in enumerate(val_rows) if keep(r)], dtype=np.int64)
        if label == "darija":  # a dialect label, from the rows' language: every Arabic row
            tr_idx, va_idx = tr, va
            y_tr = np.array([train_rows[i].lang == "ary" for i in tr], dtype=np.int64)
            y_va = np.array([val_rows[i].lang == "ary" for i in va], dtype=np.int64)
            w_tr = None
            clf = LogisticRegression(
                C=4.0, solver="liblinear", max_iter=200, class_weight="balanced"
            )
        else:  # abusive, weighted per source and class like the pooled label
            sub_idx, y_tr, w_tr = _label_rows([train_rows[i] for i in tr], "abusive")
            tr_idx = tr[sub_idx]
            va_sub = [i for i in va if "abusive" in val_rows[i].labels]
            va_idx = np.array(va_sub, dtype=np.int64)
            y_va = np.array([val_rows[i].labels["abusive"] for i in va_sub], dtype=np.int64)
            clf = LogisticRegression(C=4.0, solver="liblinear", max_iter=200)
        if len(set(y_tr.tolist())) < 2 or len(set(y_va.tolist())) < 2:
            log(f"{label}: skipped, no data with both classes (the detector then blends nothing)")
            continue
        clf.fit(x_train[tr_idx], y_tr, sample_weight=w_tr)
        a, b = _fit_platt(clf.decision_function(x_val[va_idx]), y_va, balanced=True)
        out[label] = (clf.coef_[0].astype(np.float32), float(clf.intercept_[0]), a, b)
        log(f"{label}: {len(tr_idx)} train, {len(va_idx)} validation rows, Platt {a:.3f} {b:.3f}")
    return out


# Category thresholds of the whole detector (model + lexicons + rules), chosen on validation.
CATEGORY_TASK = {
    "hate": "hate",
    "threat": "threat",
    "profanity": "profanity",
    "self_harm": "self_harm",
}
RECALL_FLOOR = {"self_harm": 0.9}
THRESHOLD_GRID = tuple(float(t) for t in np.round(np.arange(0.15, 0.91, 0.025), 3))


def choose_category_thresholds(
    scores: Sequence[dict[str, float]], rows: Sequence[TrainingRow]
) -> dict[str, float]:
    """For each category with a data task, the threshold that maximises the mean per-source
    macro-F1 of that task; then ``insult``'s, for the ``abusive`` task read as "any category
    over its threshold". Categories without data (sexual, sexual_minors) keep 0.5."""
    thresholds = {"sexual": 0.5, "sexual_minors": 0.5}
    for cat, task in CATEGORY_TASK.items():
        idx = [i for i, r in enumerate(rows) if task in r.labels]
        if not idx:
            thresholds[cat] = 0.5
            continue
        y = np.array([rows[i].labels[task] for i in idx], dtype=np.int64)
        p = np.array([scores[i][cat] for i in idx])
        src = [rows[i].sources[0] for i in idx]
        f1s = [_per_source_macro_f1(y, p, src, t) for t in THRESHOLD_GRID]
        if cat in RECALL_FLOOR:  # crisis language: missing a person costs more than a review
            f1s = [
                f if _recall(y, p >= t) >= RECALL_FLOOR[cat] else -1.0
                for f, t in zip(f1s, THRESHOLD_GRID, strict=True)
            ]
        thresholds[cat] = THRESHOLD_GRID[int(np.argmax(f1s))]
    idx = [i for i, r in enumerate(rows) if "abusive" in r.labels]
    if not idx:
        thresholds["insult"] = 0.5
        return thresholds
    y = np.array([rows[i].labels["abusive"] for i in idx], dtype=np.int64)
    others = np.array(
        [any(scores[i][c] >= thresholds[c] for c in thresholds if c != "self_harm") for i in idx]
    )
    insult = np.array([scores[i]["insult"] for i in idx])
    src = [rows[i].sources[0] for i in idx]
    f1s = []
    for t in THRESHOLD_GRID:
        # any other category over its threshold already counts; insult adds what it catches
        combined = np.where(others, 1.0, insult)
        f1s.append(_per_source_macro_f1(y, combined, src, t))
    thresholds["insult"] = THRESHOLD_GRID[int(np.argmax(f1s))]
    return thresholds


def _label_rows(
    rows: Sequence[TrainingRow], label: str
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], F64]:
    """Indices, targets and class-balanced weights of the rows that carry ``label``."""
    idx: list[int] = []
    y: list[int] = []
    groups: list[tuple[str, int]] = []
    weak: list[bool] = []
    for i, r in enumerate(rows):
        if label in r.labels:
            idx.append(i)
            y.append(r.labels[label])
            groups.append((r.sources[0], r.labels[label]))
            weak.append(False)
        elif label == "abusive" and "abusive_weak" in r.labels:
            idx.append(i)
            y.append(0)
            groups.append(("weak", 0))
            weak.append(True)
    counts: dict[tuple[str, int], int] = defaultdict(int)
    per_source: dict[str, int] = defaultdict(int)
    for g in groups:
        counts[g] += 1
        per_source[g[0]] += 1
    w = np.array([per_source[g[0]] / (2.0 * counts[g]) for g in groups], dtype=np.float64)
    w[np.array(weak, dtype=bool)] = UNLABELED_NEGATIVE_WEIGHT
    return np.array(idx, dtype=np.int64), np.array(y, dtype=np.int64), w


def _write_splits(
    data_dir: Path, splits_dir: Path, view: Callable[[str], str], log: Callable[[str], None]
) -> None:
    """Write validation/ and test/ files, one per source file, in the shape of the shared data."""
    import json

    for split in ("validation", "test"):
        (splits_dir / split).mkdir(parents=True, exist_ok=True)
    for path in sorted((data_dir / "train").glob("*.jsonl")):
        outs = {
            s: (splits_dir / s / path.name).open("w", encoding="utf-8")
            for s in ("validation", "test")
        }
        try:
            for rec in read_jsonl(path):
                split = split_of(split_key(rec.text))
                if split in outs:
                    obj = {
                        "text": rec.text,
                        "lang": rec.lang,
                        "source": rec.source,
                        "labels": rec.labels,
                    }
                    outs[split].write(json.dumps(obj, ensure_ascii=False) + "\n")
        finally:
            for f in outs.values():
                f.close()
    log(f"wrote validation and test splits under {splits_dir}")

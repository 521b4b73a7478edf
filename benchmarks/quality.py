"""Held-out quality of the shipped detector, per source, language, script and task.

    .venv/bin/python benchmarks/quality.py [--data ../shared/data] [--out benchmarks/results]

1. writes the validation and test splits that `salama train` used (never trained on) under
   OUT/splits/, one file per source;
2. scores the detector on the test split for every task a file carries, per file and pooled per
   language (Darija also per script), with the same metrics as `salama eval`;
3. scores the hand-written functional cases (tests/detect/functional_cases.py) per language and
   functionality;
4. prints markdown tables (pasted into docs/quality.md) and writes OUT/quality.json.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.detect.functional_cases

from salama import Detector  # noqa: E402
from salama.detect.data import default_data_dir, read_jsonl  # noqa: E402
from salama.detect.evaluate import macro_f1, precision_recall, roc_auc  # noqa: E402
from salama.detect.train import _model_view, _write_splits  # noqa: E402
from salama.detect.verdict import TASKS  # noqa: E402

LANG_GROUP = {
    "ary": "ary",
    "arq": "ar",
    "aeb": "ar",
    "apc": "ar",
    "ar": "ar",
    "fr": "fr",
    "en": "en",
}
LATIN = re.compile(r"[A-Za-z]")
ARABIC = re.compile(r"[\u0600-\u06ff]")


def _metrics(y: list[int], flagged: list[bool], scores: list[float]) -> dict[str, Any]:
    p, r = precision_recall(y, [int(f) for f in flagged])
    f1 = macro_f1(y, [int(f) for f in flagged])
    auc = roc_auc(y, scores)
    return {
        "n": len(y),
        "positives": int(sum(y)),
        "precision": None if p is None else round(p, 4),
        "recall": None if r is None else round(r, 4),
        "macro_f1": None if f1 is None else round(f1, 4),
        "roc_auc": None if auc is None else round(auc, 4),
    }


def held_out(detector: Detector, split_dir: Path) -> dict[str, Any]:
    per_file: dict[str, dict[str, Any]] = defaultdict(dict)
    pooled: dict[tuple[str, str], tuple[list[int], list[bool], list[float]]] = defaultdict(
        lambda: ([], [], [])
    )
    for path in sorted(split_dir.glob("*.jsonl")):
        records = list(read_jsonl(path))
        verdicts = detector.check_batch([r.text for r in records])
        for task in TASKS:
            rows = [(r, v) for r, v in zip(records, verdicts, strict=True) if task in r.labels]
            if not rows:
                continue
            y = [r.labels[task] for r, _ in rows]
            f = [v.flagged(task) for _, v in rows]
            s = [v.score(task) for _, v in rows]
            per_file[path.stem][task] = _metrics(y, f, s)
            for (r, v), yy in zip(rows, y, strict=True):
                group = LANG_GROUP.get(r.lang, r.lang)
                keys = [group]
                if group == "ary":
                    script = (
                        "Latn" if LATIN.search(r.text) and not ARABIC.search(r.text) else "Arab"
                    )
                    keys.append(f"ary/{script}")
                for key in keys:
                    bucket = pooled[(key, task)]
                    bucket[0].append(yy)
                    bucket[1].append(v.flagged(task))
                    bucket[2].append(v.score(task))
    per_lang = {f"{k}|{t}": _metrics(*v) for (k, t), v in sorted(pooled.items())}
    return {"per_file": per_file, "per_language": per_lang}


def functional(detector: Detector) -> dict[str, Any]:
    from tests.detect.functional_cases import CASES

    by_lang: dict[str, list[bool]] = defaultdict(list)
    by_func: dict[str, list[bool]] = defaultdict(list)
    wrong = []
    for case in CASES:
        ok = detector.check(case.text).flagged(case.task) == case.expected
        by_lang[case.lang].append(ok)
        by_func[case.functionality].append(ok)
        if not ok:
            wrong.append(
                {"lang": case.lang, "task": case.task, "functionality": case.functionality,
                 "expected": case.expected, "text": case.text}
            )  # fmt: skip
    return {
        "accuracy_by_language": {
            k: [round(float(np.mean(v)), 3), len(v)] for k, v in by_lang.items()
        },
        "accuracy_by_functionality": {
            k: [round(float(np.mean(v)), 3), len(v)] for k, v in sorted(by_func.items())
        },
        "failures": wrong,
    }


def _fmt(x: Any) -> str:
    return "-" if x is None else (f"{x:.3f}" if isinstance(x, float) else str(x))


def markdown(result: dict[str, Any]) -> str:
    lines = ["### Per language (test split, pooled)", ""]
    lines.append("| language | task | n | positives | precision | recall | macro-F1 | ROC AUC |")
    lines.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for key, m in result["held_out"]["per_language"].items():
        lang, task = key.split("|")
        cells = [m[k] for k in ("n", "positives", "precision", "recall", "macro_f1", "roc_auc")]
        lines.append(f"| {lang} | {task} | " + " | ".join(_fmt(c) for c in cells) + " |")
    lines += ["", "### Per source file (test split)", ""]
    lines.append("| file | task | n | precision | recall | macro-F1 | ROC AUC |")
    lines.append("| --- | --- | --- | --- | --- | --- | --- |")
    for stem, tasks in result["held_out"]["per_file"].items():
        for task, m in tasks.items():
            cells = [m[k] for k in ("n", "precision", "recall", "macro_f1", "roc_auc")]
            lines.append(f"| {stem} | {task} | " + " | ".join(_fmt(c) for c in cells) + " |")
    func = result["functional"]
    lines += ["", "### Functional cases (accuracy, n)", ""]
    lines.append("| language | accuracy | n |")
    lines.append("| --- | --- | --- |")
    for lang, (acc, n) in func["accuracy_by_language"].items():
        lines.append(f"| {lang} | {acc:.3f} | {n} |")
    lines += ["", "| functionality | accuracy | n |", "| --- | --- | --- |"]
    for name, (acc, n) in func["accuracy_by_functionality"].items():
        lines.append(f"| {name} | {acc:.3f} | {n} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    data = args.data or default_data_dir()
    splits = args.out / "splits"
    _write_splits(data, splits, _model_view, lambda m: print(m, file=sys.stderr))
    detector = Detector()
    result = {
        "model": detector.model.version,
        "held_out": held_out(detector, splits / "test"),
        "functional": functional(detector),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "quality.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

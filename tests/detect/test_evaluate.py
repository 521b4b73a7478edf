"""evaluate.py: metrics against hand-computed values and scikit-learn, file handling, the CLI."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salama.detect import evaluate
from salama.detect.evaluate import (
    evaluate_files,
    format_reports,
    macro_f1,
    precision_recall,
    rank_average,
    roc_auc,
)
from salama.detect.verdict import Verdict
from salama.errors import DataError, InputError

KEYWORDS = {"idiot": 0.9, "stupid": 0.7, "meh": 0.4}


class FakeDetector:
    """Deterministic keyword scores; 'insult' over 0.5 flags the text."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def check(self, text: str) -> Verdict:
        return self.check_batch([text])[0]

    def check_batch(self, texts: Sequence[str]) -> list[Verdict]:
        self.batches.append(len(texts))
        out = []
        for text in texts:
            words = text.lower().split()
            score = max((KEYWORDS.get(w, 0.1) for w in words), default=0.1)
            out.append(Verdict(scores={"insult": score}, thresholds={"insult": 0.5}))
        return out


def write_jsonl(path: Path, rows: Sequence[dict[str, object] | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- metrics --------------------------------------------------------------------------------


def test_metrics_by_hand() -> None:
    y = [1, 1, 0, 0, 1]
    p = [1, 0, 0, 1, 1]
    # tp=2 fp=1 fn=1 tn=1: positive F1 = 4/6, negative F1 = 2/4
    assert precision_recall(y, p) == pytest.approx((2 / 3, 2 / 3))
    assert macro_f1(y, p) == pytest.approx((2 / 3 + 1 / 2) / 2)


def test_undefined_metrics_are_none() -> None:
    assert precision_recall([1, 0], [0, 0]) == (None, 0.0)
    assert precision_recall([0, 0], [0, 1]) == (0.0, None)
    assert macro_f1([], []) is None
    assert macro_f1([1, 1], [1, 1]) == 1.0  # only the class present counts, as in sklearn
    assert roc_auc([1, 1], [0.2, 0.9]) is None
    assert roc_auc([], []) is None


def test_roc_auc_by_hand_with_ties() -> None:
    assert roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)
    assert roc_auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)
    # the positive ties with one negative: U = 1 (beats 0.2) + 0.5 (tie)
    assert roc_auc([0, 0, 1], [0.2, 0.5, 0.5]) == pytest.approx(0.75)
    assert roc_auc([1, 0], [0.9, 0.1]) == 1.0


def test_rank_average_matches_scipy() -> None:
    from scipy.stats import rankdata

    rng = np.random.default_rng(7)
    values = rng.integers(0, 6, size=200).astype(float)
    np.testing.assert_allclose(rank_average(values), rankdata(values))


def test_metric_input_errors() -> None:
    with pytest.raises(InputError):
        macro_f1([0, 2], [0, 1])
    with pytest.raises(InputError):
        roc_auc([0, 1], [0.1])
    with pytest.raises(InputError):
        roc_auc([0, 1], [0.1, float("nan")])


rows = st.lists(
    st.tuples(
        st.integers(0, 1),
        st.integers(0, 1),
        # few distinct values, so ties are common
        st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.5001, 0.9, 1.0]),
    ),
    min_size=1,
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(rows)
def test_metrics_match_sklearn(data: list[tuple[int, int, float]]) -> None:
    from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

    y = [d[0] for d in data]
    p = [d[1] for d in data]
    s = [d[2] for d in data]
    assert macro_f1(y, p) == pytest.approx(f1_score(y, p, average="macro", zero_division=0))
    precision, recall = precision_recall(y, p)
    if precision is not None:
        assert precision == pytest.approx(precision_score(y, p, zero_division=0))
    if recall is not None:
        assert recall == pytest.approx(recall_score(y, p, zero_division=0))
    if len(set(y)) == 2:
        assert roc_auc(y, s) == pytest.approx(roc_auc_score(y, s))
    else:
        assert roc_auc(y, s) is None


def test_metrics_match_sklearn_on_large_random_data() -> None:
    from sklearn.metrics import f1_score, roc_auc_score

    rng = np.random.default_rng(12345)
    y = rng.integers(0, 2, size=5_000)
    s = np.round(rng.random(5_000) * 0.5 + y * 0.3, 2)  # rounded: many ties
    p = (s >= 0.5).astype(int)
    assert macro_f1(y, p) == pytest.approx(f1_score(y, p, average="macro"))
    assert roc_auc(y, s) == pytest.approx(roc_auc_score(y, s))


# --- evaluate_files -------------------------------------------------------------------------


@pytest.fixture
def labeled(tmp_path: Path) -> Path:
    return write_jsonl(
        tmp_path / "mini.jsonl",
        [
            {"text": "you idiot", "labels": {"abusive": 1}},
            {"text": "so stupid", "labels": {"abusive": 1}},
            {"text": "meh whatever", "labels": {"abusive": 1}},  # missed
            {"text": "nice video", "labels": {"abusive": 0}},
            {"text": "idiot proof design", "labels": {"abusive": 0}},  # false alarm
            {"text": "thanks", "labels": {"abusive": 0}},
            {"text": "no label for this task", "labels": {"hate": 0}},
            {"text": "no labels at all"},
        ],
    )


def test_evaluate_files_shape_and_values(labeled: Path) -> None:
    result = evaluate_files(FakeDetector(), [labeled], "abusive")
    assert result["task"] == "abusive"
    assert list(result["files"]) == ["mini"]
    m = result["files"]["mini"]
    assert set(m) == {"n", "precision", "recall", "macro_f1", "roc_auc", "texts_per_s"}
    assert m["n"] == 6
    # tp=2 fp=1 fn=1 tn=2
    assert m["precision"] == round(2 / 3, 4)
    assert m["recall"] == round(2 / 3, 4)
    assert m["macro_f1"] == round((2 / 3 + 2 / 3) / 2, 4)
    # scores: positives 0.9, 0.7, 0.4; negatives 0.1, 0.9, 0.1 -> U = 2 + 1.5 + 2 + ... by hand
    expected_auc = (2.5 + 2 + 2) / 9  # 0.9 beats 2 and ties 1; 0.7 beats 2; 0.4 beats 2
    assert m["roc_auc"] == round(expected_auc, 4)
    assert m["texts_per_s"] > 0
    json.dumps(result)  # serialisable as is


def test_chunks_of_check_batch(labeled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evaluate, "CHUNK", 4)
    detector = FakeDetector()
    evaluate_files(detector, [labeled], "abusive")
    assert detector.batches == [4, 2]


def test_file_without_the_task(tmp_path: Path, labeled: Path) -> None:
    other = write_jsonl(tmp_path / "hate_only.jsonl", [{"text": "x", "labels": {"hate": 1}}])
    result = evaluate_files(FakeDetector(), [labeled, other], "abusive")
    assert result["files"]["hate_only"] == {
        "n": 0,
        "precision": None,
        "recall": None,
        "macro_f1": None,
        "roc_auc": None,
        "texts_per_s": None,
    }
    assert "hate_only" in format_reports(result)


def test_one_class_file_has_no_auc(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "pos.jsonl", [{"text": "idiot", "labels": {"abusive": 1}}])
    m = evaluate_files(FakeDetector(), [path], "abusive")["files"]["pos"]
    assert m["roc_auc"] is None
    assert m["recall"] == 1.0


def test_per_functionality(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "functional.jsonl",
        [
            {"text": "idiot", "labels": {"abusive": 1}, "meta": {"functionality": "slur"}},
            {"text": "meh", "labels": {"abusive": 1}, "meta": {"functionality": "slur"}},
            {"text": "hello", "labels": {"abusive": 0}, "meta": {"functionality": "neutral"}},
            {"text": "stupid", "labels": {"abusive": 1}},
        ],
    )
    m = evaluate_files(FakeDetector(), [path], "abusive")["files"]["functional"]
    assert m["per_functionality"] == {
        "neutral": {"n": 1, "accuracy": 1.0},
        "slur": {"n": 2, "accuracy": 0.5},
    }
    report = format_reports({"task": "abusive", "files": {"functional": m}})
    assert "accuracy per functionality" in report
    assert "slur" in report


def test_same_stem_twice_is_kept_apart(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    rows = [{"text": "idiot", "labels": {"abusive": 1}}]
    one = write_jsonl(tmp_path / "a" / "test.jsonl", rows)
    two = write_jsonl(tmp_path / "b" / "test.jsonl", rows)
    assert list(evaluate_files(FakeDetector(), [one, two], "abusive")["files"]) == [
        "test",
        "b/test",
    ]


def test_malformed_line_names_file_and_line(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "bad.jsonl",
        [{"text": "ok", "labels": {"abusive": 0}}, {"text": "ok 2"}, "{not json"],
    )
    with pytest.raises(DataError, match=r"bad\.jsonl:3"):
        evaluate_files(FakeDetector(), [path], "abusive")


def test_malformed_file_fails_before_the_detector_runs(tmp_path: Path, labeled: Path) -> None:
    bad = write_jsonl(tmp_path / "bad.jsonl", ['{"text": 3}'])
    detector = FakeDetector()
    with pytest.raises(DataError, match=r":1"):
        evaluate_files(detector, [labeled, bad], "abusive")
    assert detector.batches == []


def test_unknown_task_is_checked_up_front(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown task"):
        evaluate_files(FakeDetector(), [tmp_path / "missing.jsonl"], "spam")


def test_no_files() -> None:
    with pytest.raises(InputError):
        evaluate_files(FakeDetector(), [], "abusive")


def test_format_reports_table(labeled: Path) -> None:
    text = format_reports(evaluate_files(FakeDetector(), [labeled], "abusive"))
    lines = text.splitlines()
    assert lines[0] == "task: abusive"
    assert "macro_f1" in lines[1]
    assert lines[3].startswith("mini")
    assert "0.667" in lines[3]


# --- CLI ------------------------------------------------------------------------------------


@pytest.fixture
def fake_detector_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replace salama.detect.detector, whether or not the real one exists, with the fake."""
    module = types.ModuleType("salama.detect.detector")
    module.Detector = FakeDetector  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "salama.detect.detector", module)


def test_cli_eval_json(labeled: Path, fake_detector_module: None) -> None:
    from typer.testing import CliRunner

    from salama.cli import app

    result = CliRunner().invoke(app, ["eval", str(labeled), "--task", "abusive", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["task"] == "abusive"
    assert data["files"]["mini"]["n"] == 6
    assert set(data["files"]["mini"]) == {
        "n",
        "precision",
        "recall",
        "macro_f1",
        "roc_auc",
        "texts_per_s",
    }


def test_cli_eval_table(labeled: Path, fake_detector_module: None) -> None:
    from typer.testing import CliRunner

    from salama.cli import app

    result = CliRunner().invoke(app, ["eval", str(labeled)])
    assert result.exit_code == 0, result.output
    assert "mini" in result.stdout


def test_cli_eval_bad_path(tmp_path: Path, fake_detector_module: None) -> None:
    from typer.testing import CliRunner

    from salama.cli import app

    missing = tmp_path / "nope.jsonl"
    result = CliRunner().invoke(app, ["eval", str(missing), "--json"])
    assert result.exit_code == 2
    assert "nope.jsonl" in result.output
    assert "invalid_data" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_cli_eval_unknown_task(labeled: Path, fake_detector_module: None) -> None:
    from typer.testing import CliRunner

    from salama.cli import app

    result = CliRunner().invoke(app, ["eval", str(labeled), "--task", "spam"])
    assert result.exit_code == 2
    assert "unknown task" in result.output

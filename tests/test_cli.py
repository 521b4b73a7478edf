"""The CLI as a person uses it: output, and clear errors without a traceback."""

import json
from pathlib import Path

from typer.testing import CliRunner

from salama.cli import app

runner = CliRunner()


def test_check_json() -> None:
    result = runner.invoke(app, ["check", "--json", "nta wa7ed zamel"])
    assert result.exit_code == 0
    verdict = json.loads(result.stdout)
    assert "insult" in verdict["categories"]
    assert verdict["spans"][0]["text"] == "zamel"


def test_check_human_explains() -> None:
    result = runner.invoke(app, ["check", "je vais te retrouver"])
    assert result.exit_code == 0
    assert "threat" in result.stdout
    assert "lexicon:fr:threat" in result.stdout


def test_check_reads_stdin_with_bad_bytes() -> None:
    result = runner.invoke(app, ["check", "--json", "-"], input=b"\xff\xfe merci \xc3")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["categories"] == []


def test_eval_missing_file_is_a_message_not_a_trace(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "error [invalid_data]" in result.output
    assert "Traceback" not in result.output


def test_eval_unknown_task(tmp_path: Path) -> None:
    f = tmp_path / "a.jsonl"
    f.write_text('{"text": "x", "labels": {"abusive": 0}}\n')
    result = runner.invoke(app, ["eval", str(f), "--task", "spam"])
    assert result.exit_code == 2
    assert "unknown task" in result.output


def test_train_without_data_is_a_message(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", "--data", str(tmp_path), "--out", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert "no training files" in result.output

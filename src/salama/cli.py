"""The `salama` command: a thin face over the core. Errors become a message and exit code 2."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from salama.errors import SalamaError

app = typer.Typer(
    name="salama",
    help="Salama: youth-safety checks for text (Darija first, then Arabic, French, English).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DEMO_TEXTS = (
    "Bravo 3lik a khouya, video zwina bzaf!",
    "nta wa7ed mkl5 o 7mar, sir t9awd",
    "والله ما عندك حتى قيمة يا الزامل",
    "شحال فعمرك؟ صيفطي لي تصويرة فالواتساب وما تقولي لحتى واحد",
    "je vais te retrouver et te tuer",
    "Merci pour la vidéo, trop cool",
    "I don't want to live anymore, I want to end it all",
    "Great game last night!",
)


def _fail(exc: SalamaError) -> None:
    typer.echo(f"error [{exc.code}]: {exc.message}", err=True)
    raise typer.Exit(code=2)


def _emit(result: dict[str, Any], as_json: bool, human: Callable[[dict[str, Any]], str]) -> None:
    typer.echo(json.dumps(result, ensure_ascii=False) if as_json else human(result))


@app.command()
def check(
    text: Annotated[str, typer.Argument(help="The text to check ('-' reads standard input).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the Verdict as JSON.")] = False,
) -> None:
    """Check one text and explain the verdict."""
    from salama.detect.detector import Detector
    from salama.detect.report import format_verdict

    if text == "-":
        text = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    try:
        verdict = Detector().check(text)
    except SalamaError as exc:
        _fail(exc)
        return
    if as_json:
        typer.echo(json.dumps(verdict.to_dict(), ensure_ascii=False))
    else:
        typer.echo(format_verdict(text, verdict))


@app.command()
def demo() -> None:
    """Check a few sample texts in Darija, Arabizi, Arabic, French and English."""
    from salama.detect.detector import Detector
    from salama.detect.report import format_verdict

    detector = Detector()
    for text in DEMO_TEXTS:
        typer.echo(format_verdict(text, detector.check(text)))
        typer.echo("")
    typer.echo(
        "Try your own: .venv/bin/salama check 'your text'   (add --json for the full verdict)"
    )


@app.command()
def train(
    data: Annotated[
        Path | None, typer.Option(help="Data folder (default: $SALAMA_DATA_DIR or ../shared/data).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Where to write the model (default: the package).")
    ] = None,
    write_splits: Annotated[
        Path | None,
        typer.Option(help="Also write the validation and test splits here, one file per source."),
    ] = None,
) -> None:
    """Train the classifier on the labeled data and write the versioned model file."""
    from salama.detect.train import train_model

    try:
        manifest = train_model(data_dir=data, out_dir=out, splits_dir=write_splits, log=typer.echo)
    except SalamaError as exc:
        _fail(exc)
        return
    typer.echo(f"wrote {manifest}")


@app.command("eval")
def eval_(
    files: Annotated[list[Path], typer.Argument(help="JSON-lines files to score.")],
    task: Annotated[
        str, typer.Option(help="abusive | hate | threat | profanity | self_harm | grooming")
    ] = "abusive",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Score the detector on labeled files: precision, recall, macro-F1, ROC AUC, speed."""
    from salama.detect.detector import Detector
    from salama.detect.evaluate import evaluate_files, format_reports

    try:
        result = evaluate_files(Detector(), files, task)
    except SalamaError as exc:
        _fail(exc)
        return
    _emit(result, as_json, format_reports)


@app.command()
def bench(
    corpus: Annotated[
        list[Path] | None,
        typer.Option(
            help="JSON-lines files of real comments (default: every file of ../shared/data)."
        ),
    ] = None,
    n_texts: Annotated[int, typer.Option(help="Texts in the mixed corpus.")] = 10_000,
    compare: Annotated[
        bool, typer.Option(help="Also measure the TF-IDF and alt-profanity-check baselines.")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Measure speed and memory on one core: batch texts/s, single-check p50/p99, load, peak MB."""
    from salama.bench import format_bench, run_bench

    try:
        result = run_bench(
            corpus, n_texts=n_texts, compare=compare, log=lambda m: typer.echo(m, err=True)
        )
    except SalamaError as exc:
        _fail(exc)
        return
    _emit(result, as_json, format_bench)


def main() -> None:
    app()


if __name__ == "__main__":
    main()

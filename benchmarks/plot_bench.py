"""Draw docs/img/bench.png from a bench result: texts/s and single-check p99, Salama vs baselines.

    .venv/bin/python benchmarks/plot_bench.py [benchmarks/results/bench-DATE.json] [--out PNG]

Without a path it takes the newest benchmarks/results/bench-*.json. matplotlib is not a
dependency of Salama: when it is missing this script says how to get it and exits without error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_OUT = ROOT / "docs" / "img" / "bench.png"
COLOURS = {"salama": "#1b7f5f", "tfidf_lr": "#8a8a8a", "alt_profanity_check": "#b0b0b0"}


def systems(result: dict[str, Any]) -> list[tuple[str, float | None, float | None]]:
    """(label, texts/s, p99 ms) for Salama and every baseline that was measured."""
    rows = [("salama", result.get("texts_per_s"), result.get("p99_ms"))]
    for name, b in result.get("baselines", {}).items():
        if "skipped" in b or "error" in b:
            continue
        label = f"{name}\n(English only)" if name == "alt_profanity_check" else name
        rows.append((label, b.get("texts_per_s"), b.get("p99_ms")))
    return rows


def newest_result() -> Path | None:
    found = sorted(RESULTS.glob("bench-*.json"))
    return found[-1] if found else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result", type=Path, nargs="?", help="a bench JSON (default: newest)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    path = args.result or newest_result()
    if path is None or not path.exists():
        print("no bench result: run `python benchmarks/run_bench.py` first", file=sys.stderr)
        return 2
    result = json.loads(path.read_text("utf-8"))
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(
            "matplotlib is not installed (it is not a Salama dependency); to draw the chart:\n"
            "  .venv/bin/pip install matplotlib && .venv/bin/python benchmarks/plot_bench.py"
        )
        return 0

    rows = systems(result)
    labels = [r[0] for r in rows]
    colours = [COLOURS.get(r[0].split("\n")[0], "#b0b0b0") for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for ax, values, title, fmt in (
        (left, [r[1] or 0.0 for r in rows], "batch throughput, texts/s (higher is better)", ",.0f"),
        (right, [r[2] or 0.0 for r in rows], "single check p99, ms (lower is better)", ".2f"),
    ):
        bars = ax.bar(labels, values, color=colours)
        ax.set_title(title, fontsize=10)
        ax.bar_label(bars, labels=[format(v, fmt) for v in values], fontsize=9)
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(axis="x", labelsize=9)
    machine = result.get("machine", {})
    corpus = result.get("corpus", {})
    fig.suptitle(
        f"One core of {machine.get('cpu')}; {corpus.get('texts', 0):,} real comments "
        f"(mean {corpus.get('mean_chars')} chars); {result.get('date', '')[:10]}",
        fontsize=10,
    )
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Run `salama bench` and keep the result: benchmarks/results/bench-<date>.json.

    .venv/bin/python benchmarks/run_bench.py                 # 10,000 texts, with the baselines
    .venv/bin/python benchmarks/run_bench.py --no-compare --n-texts 2000
    .venv/bin/python benchmarks/plot_bench.py                # then draw docs/img/bench.png

Run it from the repository root with ../shared/data beside the checkout (or SALAMA_DATA_DIR set).
The JSON holds the machine, the pinning, the corpus and every number; commit it with the docs
that quote it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from salama.bench import format_bench, run_bench
from salama.errors import SalamaError

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append", help="JSON-lines file (repeat)")
    parser.add_argument("--n-texts", type=int, default=10_000)
    parser.add_argument("--no-compare", action="store_true", help="skip the baselines")
    parser.add_argument("--out", type=Path, help="default: benchmarks/results/bench-<date>.json")
    args = parser.parse_args(argv)
    try:
        result = run_bench(
            args.corpus,
            n_texts=args.n_texts,
            compare=not args.no_compare,
            log=lambda line: print(line, file=sys.stderr, flush=True),
        )
    except SalamaError as exc:
        print(f"error [{exc.code}]: {exc.message}", file=sys.stderr)
        return 2
    out = args.out or RESULTS / f"bench-{dt.date.today().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(format_bench(result))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

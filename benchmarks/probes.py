"""Run the shipped detector over probe files (``label|text`` lines) and print, per file, how
many it gets right (flagged for ``abusive`` or ``self_harm`` = label 1) and every miss with its
top scores. See benchmarks/probes/README.md.

    .venv/bin/python benchmarks/probes.py benchmarks/probes/*.txt
"""

from __future__ import annotations

import sys
from pathlib import Path

from salama import Detector


def main(paths: list[str]) -> int:
    detector = Detector()
    for path in paths:
        rows = [
            line.split("|", 1)
            for line in Path(path).read_text("utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ]
        misses = []
        for label, text in rows:
            verdict = detector.check(text)
            flagged = verdict.flagged("abusive") or verdict.flagged("self_harm")
            if flagged != (label == "1"):
                top = sorted(verdict.scores.items(), key=lambda kv: -kv[1])[:3]
                misses.append((label, text, [(k, round(v, 2)) for k, v in top]))
        print(f"{path}: {len(rows) - len(misses)}/{len(rows)} right")
        for miss in misses:
            print("   ", miss)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Reading labeled JSON-lines files (the shape of ``../shared/data``), and the held-out split.

One record a line: ``{"text": str, "lang"?: str, "source"?: str, "labels"?: {task: 0|1},
"meta"?: {...}}``. A malformed line raises DataError naming file:line; nothing is skipped silently.
"""

from __future__ import annotations

import hashlib
import json
import os
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salama.errors import DataError

__all__ = ["Record", "default_data_dir", "read_jsonl", "split_key", "split_of"]


@dataclass(frozen=True, slots=True)
class Record:
    text: str
    lang: str
    source: str
    labels: dict[str, int]
    meta: dict[str, Any] = field(default_factory=dict)


def default_data_dir() -> Path:
    """``$SALAMA_DATA_DIR``, else ``../shared/data`` beside the working directory."""
    env = os.environ.get("SALAMA_DATA_DIR")
    return Path(env) if env else Path.cwd().parent / "shared" / "data"


def read_jsonl(path: Path) -> Iterator[Record]:
    """Yield the records of one file; raises DataError on the first malformed line."""
    try:
        handle = path.open("r", encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{path}: cannot open: {exc.strerror}") from exc
    with handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{where}: not JSON: {exc.msg}") from exc
            except UnicodeDecodeError as exc:
                raise DataError(f"{where}: not UTF-8") from exc
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise DataError(f"{where}: a record needs a string 'text'")
            labels = obj.get("labels") or {}
            if not isinstance(labels, dict) or not all(
                isinstance(v, int | bool) and int(v) in (0, 1) for v in labels.values()
            ):
                raise DataError(f"{where}: 'labels' must map task names to 0 or 1")
            meta = obj.get("meta") or {}
            if not isinstance(meta, dict):
                raise DataError(f"{where}: 'meta' must be an object")
            yield Record(
                text=obj["text"],
                lang=str(obj.get("lang", "und")),
                source=str(obj.get("source", path.stem)),
                labels={str(k): int(v) for k, v in labels.items()},
                meta=meta,
            )


def split_key(text: str) -> str:
    """A fold of the text that decides its split: letters and digits only, case folded.

    Deliberately simpler than the model's normalisation and independent of it, so that changing
    the normaliser never moves a text from one split to another."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def split_of(key: str) -> str:
    """Deterministic split by the hash of ``split_key(text)``: 10% test, 10% validation."""
    bucket = int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()) % 100
    if bucket < 10:
        return "test"
    if bucket < 20:
        return "validation"
    return "train"

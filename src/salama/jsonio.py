"""One JSON encoder for what Salama writes out (API answers, JSON columns): orjson, compact
UTF-8 at a tenth of the CPU of ``json.dumps``; where orjson refuses (a lone surrogate in user
text, an integer over 64 bits, a non-string key), ``json.dumps`` with ASCII escapes, which takes
anything JSON can say."""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["dumps"]


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(value, separators=(",", ":")).encode("ascii")

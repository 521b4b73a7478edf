"""Salama: a self-hostable youth-safety and digital-wellbeing engine."""

from typing import TYPE_CHECKING, Any

from salama.detect.detector import Detector
from salama.detect.verdict import CATEGORIES, TASKS, Span, Verdict
from salama.errors import DataError, InputError, LexiconError, ModelError, SalamaError

if TYPE_CHECKING:
    from salama.client import Client

__all__ = [
    "CATEGORIES",
    "TASKS",
    "Client",
    "DataError",
    "Detector",
    "InputError",
    "LexiconError",
    "ModelError",
    "SalamaError",
    "Span",
    "Verdict",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # The HTTP client is loaded on first use: the detector alone needs no httpx or FastAPI.
    if name == "Client":
        from salama.client import Client

        return Client
    raise AttributeError(f"module 'salama' has no attribute {name!r}")

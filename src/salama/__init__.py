"""Salama: a self-hostable youth-safety and digital-wellbeing engine."""

from salama.detect.detector import Detector
from salama.detect.verdict import CATEGORIES, TASKS, Span, Verdict
from salama.errors import DataError, InputError, LexiconError, ModelError, SalamaError

__all__ = [
    "CATEGORIES",
    "TASKS",
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

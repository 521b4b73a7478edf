"""Text before detection: normalised views with offset maps, Arabizi, language and script."""

from salama.text.langid import LangGuess, identify
from salama.text.normalize import MAX_CHARS, Normalized, View, fold_term, model_view, normalize

__all__ = [
    "MAX_CHARS",
    "LangGuess",
    "Normalized",
    "View",
    "fold_term",
    "identify",
    "model_view",
    "normalize",
]

"""Salama's errors, one tree.

    SalamaError                 base; every error carries a machine-readable ``code``
     ├── InputError             bad input from a caller           code "invalid_input"
     ├── DataError              a data file that cannot be read    code "invalid_data"
     │    └── LexiconError      a lexicon file with errors         code "invalid_lexicon"
     ├── ModelError             a model file missing or corrupt    code "model_unavailable"
     ├── NotFoundError          no such row, or another tenant's   code "not_found"
     ├── ConflictError          a lost race or a uniqueness rule   code "conflict"
     └── StorageError           the database failed               code "storage_unavailable"

Faces (CLI, HTTP) turn these into a message or a status; the core only raises them.
"""

from __future__ import annotations

__all__ = [
    "ConflictError",
    "DataError",
    "InputError",
    "LexiconError",
    "ModelError",
    "NotFoundError",
    "SalamaError",
    "StorageError",
]


class SalamaError(Exception):
    """Base of every error Salama raises on purpose."""

    code = "salama_error"

    def __init__(self, message: str, *, details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, object] = details or {}


class InputError(SalamaError):
    """The caller gave something Salama cannot work with (wrong type, too large, bad task)."""

    code = "invalid_input"


class DataError(SalamaError):
    """A data file (JSON lines for eval or training) is malformed; the message names file:line."""

    code = "invalid_data"


class LexiconError(DataError):
    """A lexicon file has errors; ``details["errors"]`` lists every one as 'file:line: message'."""

    code = "invalid_lexicon"


class ModelError(SalamaError):
    """The shipped model file is missing, corrupt, or does not match its manifest hash."""

    code = "model_unavailable"


class NotFoundError(SalamaError):
    """The row does not exist, or belongs to another tenant (the two look the same)."""

    code = "not_found"


class ConflictError(SalamaError):
    """A write lost a race or broke a uniqueness rule (stale version, duplicate, two active)."""

    code = "conflict"


class StorageError(SalamaError):
    """The database failed (unreachable, locked past busy_timeout, disk full)."""

    code = "storage_unavailable"

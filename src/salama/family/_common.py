"""Checks shared by the family modules: ids, aware datetimes, ISO strings, JSON-safe details."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from salama.errors import InputError

MAX_ID_CHARS = 200  # user and tenant ids are the host's own: at most this long (store: String(200))


def require_id(value: object, name: str) -> str:
    """``value`` if it is a non-blank string of at most MAX_ID_CHARS characters."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID_CHARS:
        raise InputError(
            f"{name} must be a non-empty string of at most {MAX_ID_CHARS} characters",
            details={"code": "invalid_id", "field": name},
        )
    return value


def require_aware(value: object, name: str) -> datetime:
    """``value`` converted to UTC; refuses a naive datetime (its zone would be a guess)."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InputError(
            f"{name} must be a timezone-aware datetime",
            details={"code": "naive_datetime", "field": name},
        )
    return value.astimezone(UTC)


def iso(value: datetime) -> str:
    """An aware datetime as an ISO 8601 string in UTC."""
    return value.astimezone(UTC).isoformat()


def parse_datetime(value: object, name: str) -> datetime:
    """An ISO 8601 string with an offset (as :func:`iso` writes it), or an aware datetime."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InputError(
                f"{name} is not an ISO 8601 datetime: {value!r}",
                details={"code": "invalid_datetime", "field": name},
            ) from None
    return require_aware(value, name)


def optional_datetime(value: object, name: str) -> datetime | None:
    return None if value is None else parse_datetime(value, name)


def require_mapping(value: object, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(
            f"{name} must be an object", details={"code": "invalid_type", "field": name}
        )
    return value


def freeze_details(details: Mapping[str, object]) -> Mapping[str, object]:
    """A read-only copy of ``details``: lists become tuples, mappings read-only, recursively, so
    that ``from_dict(to_dict(x)) == x`` after a JSON round trip."""
    return MappingProxyType({str(k): _freeze(v) for k, v in details.items()})


def thaw(value: object) -> object:
    """The JSON form of a value frozen by :func:`freeze_details`."""
    if isinstance(value, Mapping):
        return {str(k): thaw(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [thaw(v) for v in value]
    return value


def _freeze(value: object) -> object:
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise InputError(
        f"event details must be JSON values, not {type(value).__name__}",
        details={"code": "invalid_details"},
    )

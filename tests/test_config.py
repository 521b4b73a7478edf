"""Settings: every field is documented, env variables are read, bad values are refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from salama.config import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_every_setting_is_documented_and_nothing_else() -> None:
    documented = set(re.findall(r"^\| `SALAMA_([A-Z_]+)` \|", DOCS.read_text("utf-8"), re.M))
    fields = {name.upper() for name in Settings.model_fields}
    assert documented == fields


def test_documented_defaults_match_the_code() -> None:
    rows = re.findall(r"^\| `SALAMA_([A-Z_]+)` \| (.+?) \|", DOCS.read_text("utf-8"), re.M)
    defaults = Settings.model_construct()
    for name, shown in rows:
        value = getattr(defaults, name.lower())
        if value is None:
            assert shown == "unset", name
        else:
            expected = str(value).lower() if isinstance(value, bool) else str(value)
            assert shown.strip("`") == expected.removesuffix(".0"), name


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALAMA_MAX_BATCH", "7")
    monkeypatch.setenv("SALAMA_REDIS_URL", "redis://127.0.0.1:6379/3")
    settings = Settings()
    assert settings.max_batch == 7 and settings.redis_url == "redis://127.0.0.1:6379/3"


@pytest.mark.parametrize(
    ("name", "value"),
    [("MAX_BATCH", "0"), ("PORT", "70000"), ("ENV", "staging"), ("DATABASE_URL", " ")],
)
def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(f"SALAMA_{name}", value)
    with pytest.raises(ValidationError):
        Settings()

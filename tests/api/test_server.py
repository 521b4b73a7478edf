"""The server's app factory (what each uvicorn worker runs)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from salama.api import server


def test_factory_builds_from_the_environment_and_settles_the_heap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALAMA_DATABASE_URL", f"sqlite:///{tmp_path}/s.db")
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        app = server.app()
        # what start-up built is out of the collector's sight: full collections stay short
        assert gc.get_freeze_count() > 10_000
        assert app.state.salama.settings.database_url.endswith("/s.db")
        app.state.salama.store.close()
    finally:
        gc.unfreeze()

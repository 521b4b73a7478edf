"""The package's face: a deliberate public API, and a pure core."""

from __future__ import annotations

import subprocess
import sys

import salama.family


def test_public_api_is_pinned() -> None:
    assert sorted(salama.family.__all__) == sorted(
        [
            "ADULT_AGE",
            "ALPHABET",
            "CODE_LENGTH",
            "EVENT_KINDS",
            "FIELDS",
            "INVITE_ATTEMPTS",
            "INVITE_TTL",
            "MAX_LIVE_INVITES",
            "MAX_PARENTS",
            "MIN_AGE",
            "TEEN_BANDS",
            "UNLOCK_ATTEMPTS",
            "Acceptance",
            "AgeBand",
            "AttemptLimit",
            "ControlView",
            "Controls",
            "ControlsState",
            "FamilyEvent",
            "Invite",
            "NewInvite",
            "Pairing",
            "Provenance",
            "SleepHours",
            "accept_invite",
            "adult_on",
            "age_band",
            "age_on",
            "aged_out",
            "apply_update",
            "create_invite",
            "drop_parent",
            "format_code",
            "hash_code",
            "invite_payload",
            "invite_qr_png",
            "local_today",
            "new_code",
            "normalize_code",
            "stricter_who",
            "teen_view",
            "unpair",
        ]
    )
    for name in salama.family.__all__:
        assert hasattr(salama.family, name), name


def test_the_core_imports_no_web_database_or_cache() -> None:
    code = (
        "import sys, salama.family; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'fastapi', 'starlette', 'sqlalchemy', 'alembic', 'redis', 'typer', 'httpx', 'pydantic'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

"""Migrations run on every backend and build exactly the models' schema."""

from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from salama.store import Store, make_engine, migrate
from salama.store.engine import alembic_config, downgrade
from salama.store.models import Base

TABLES = {
    "tenants",
    "api_keys",
    "decisions",
    "owner_settings",
    "policies",
    "review_items",
    "audit_log",
    "shadow_results",
    "users",
    "family_invites",
    "family_pairings",
    "family_controls",
    "family_attempts",
    "webhooks",
    "webhook_outbox",
    "usage_events",
    "usage_limits",
    "usage_unlocks",
    "unlock_requests",
    "usage_passcodes",
    "unlock_attempts",
    "user_zone_changes",
}


def _current(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


def test_migrate_creates_every_table_and_is_idempotent(fresh_url: Callable[[], str]) -> None:
    url = fresh_url()
    migrate(url)
    migrate(url)  # a second run is a no-op
    engine = make_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()
    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    assert heads and heads == _current(url)


def test_migrated_schema_matches_the_models(fresh_url: Callable[[], str]) -> None:
    url = fresh_url()
    migrate(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_downgrade_to_base_then_upgrade_again(fresh_url: Callable[[], str]) -> None:
    url = fresh_url()
    migrate(url)
    downgrade(url, "base")
    engine = make_engine(url)
    try:
        assert not TABLES & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    with Store.open(url) as store:
        assert store.tenants.create_tenant("again").name == "again"


def test_one_head(fresh_url: Callable[[], str]) -> None:
    """0006 merged the screen-time and family branches: a new migration has one parent."""
    url = fresh_url()
    assert len(ScriptDirectory.from_config(alembic_config(url)).get_heads()) == 1

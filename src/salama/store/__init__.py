"""Persistence: SQLAlchemy models, tenant-scoped repositories, Alembic migrations.

    store = Store.open("sqlite:///salama.db")        # or SALAMA_DATABASE_URL (PostgreSQL)
    tenant = store.tenants.create_tenant("Example app")
    record, secret = store.tenants.create_api_key(tenant.id)
    ...
    store.close()

``Store.open`` migrates the database to the newest schema first. Each repository is a narrow
interface (see ``repos.py``) returning frozen dataclasses; ORM rows never leave this package.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine

from salama.store.engine import DEFAULT_URL, make_engine, migrate
from salama.store.family import FamilyStore, SqlFamilyStore, SqlWebhookStore, WebhookStore
from salama.store.repos import (
    ApiKeyRecord,
    AuditEntry,
    AuditLog,
    ConflictError,
    Database,
    DecisionRecord,
    DecisionStore,
    NotFoundError,
    OwnerSettings,
    OwnerSettingsStore,
    PolicyStore,
    PolicyVersion,
    ReviewItem,
    ReviewStore,
    ShadowResult,
    ShadowStore,
    SqlAuditLog,
    SqlDecisionStore,
    SqlOwnerSettingsStore,
    SqlPolicyStore,
    SqlReviewStore,
    SqlShadowStore,
    SqlTenantStore,
    SqlUserStore,
    StorageError,
    Tenant,
    TenantStore,
    UserRecord,
    UserStore,
)
from salama.store.usage import SqlUsageStore, UsageStore

__all__ = [
    "DEFAULT_URL",
    "ApiKeyRecord",
    "AuditEntry",
    "AuditLog",
    "ConflictError",
    "DecisionRecord",
    "DecisionStore",
    "FamilyStore",
    "NotFoundError",
    "OwnerSettings",
    "OwnerSettingsStore",
    "PolicyStore",
    "PolicyVersion",
    "ReviewItem",
    "ReviewStore",
    "ShadowResult",
    "ShadowStore",
    "StorageError",
    "Store",
    "Tenant",
    "TenantStore",
    "UsageStore",
    "UserRecord",
    "UserStore",
    "WebhookStore",
    "make_engine",
    "migrate",
]


class Store:
    """Every repository over one engine: ``tenants``, ``decisions``, ``settings``, ``policies``,
    ``review``, ``audit``, ``shadows``, ``users``. Use as a context manager or call ``close()``
    (idempotent)."""

    tenants: TenantStore
    decisions: DecisionStore
    settings: OwnerSettingsStore
    policies: PolicyStore
    review: ReviewStore
    audit: AuditLog
    shadows: ShadowStore
    users: UserStore
    usage: UsageStore
    family: FamilyStore
    webhooks: WebhookStore

    def __init__(self, engine: Engine) -> None:
        """Wrap an engine whose database is already migrated (``Store.open`` does both)."""
        self.engine = engine
        db = Database(engine)
        self.tenants = SqlTenantStore(db)
        self.decisions = SqlDecisionStore(db)
        self.settings = SqlOwnerSettingsStore(db)
        self.policies = SqlPolicyStore(db)
        self.review = SqlReviewStore(db)
        self.audit = SqlAuditLog(db)
        self.shadows = SqlShadowStore(db)
        self.users = SqlUserStore(db)
        self.family = SqlFamilyStore(db)
        self.webhooks = SqlWebhookStore(db)
        self.usage = SqlUsageStore(db)
        self._closed = False

    @classmethod
    def open(cls, url: str = DEFAULT_URL) -> Store:
        """Connect to ``url``, upgrade its schema to the newest migration, return the Store.

        Raises StorageError when the database cannot be reached or migrated."""
        from sqlalchemy.exc import DBAPIError

        engine = make_engine(url)
        try:
            migrate(url, engine=engine)
        except DBAPIError as exc:
            engine.dispose()
            raise StorageError(f"cannot open the database: {exc.orig}") from exc
        return cls(engine)

    def ping(self) -> None:
        """Ask the database a trivial question. Raises StorageError when it does not answer."""
        from sqlalchemy import text
        from sqlalchemy.exc import DBAPIError

        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except DBAPIError as exc:
            raise StorageError(f"the database does not answer: {exc.orig}") from exc

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Release every connection. Idempotent: a second call does nothing."""
        if not self._closed:
            self._closed = True
            self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

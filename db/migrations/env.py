"""Alembic environment: uses the engine Winnow passes in, or ``sqlalchemy.url``.

The whole upgrade (every revision and the version stamp) is one transaction: SQLite's DDL is
transactional once the transaction is begun explicitly (``db.engine._on_begin``), so an upgrade
that is interrupted leaves the file at its old revision, untouched. On SQLite, foreign keys are
off for the upgrade (a table rebuild must not cascade deletes) and checked before it commits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from alembic import context
from alembic.runtime.migration import MigrationContext, MigrationInfo
from sqlalchemy import create_engine

from db.fileguard import APPLICATION_ID
from db.models import Base, Derived, postgresql_options
from db.times import store_times_as_numbers

config = context.config
target_metadata = [Base.metadata, Derived.metadata]


def _after_each_step(
    ctx: MigrationContext, step: MigrationInfo, heads: Collection[Any], run_args: Mapping[str, Any]
) -> None:
    """Tell whoever upgrades (db.migrate.upgrade_to_head's ``on_step``) which step is next."""
    tell = config.attributes.get("on_step")
    if tell is not None:
        tell(step)


def run_migrations() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
        store_times_as_numbers(engine)
    sqlite = engine.dialect.name == "sqlite"
    if engine.dialect.name == "postgresql":  # the partial indexes' predicates there
        for metadata in target_metadata:
            postgresql_options(metadata)
    with engine.connect() as connection:
        if sqlite:
            # a pragma that only takes effect outside a transaction: set it on the driver's
            # connection before SQLAlchemy begins one
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
            connection = connection.execution_options(sqlite_begin="IMMEDIATE")
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=True,
                compare_type=True,
                transactional_ddl=True,
                on_version_apply=_after_each_step,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                    if broken is not None:
                        raise RuntimeError(f"upgrade left a broken reference: {tuple(broken)}")
                    # mark the file as Winnow's, in the same transaction as the schema it holds
                    connection.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")
            if connection.in_transaction():
                connection.commit()
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


run_migrations()

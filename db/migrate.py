"""Alembic, driven from code: upgrade on open, refuse a database newer than this Winnow."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_to_head(engine: Engine, where: str = "the database", target: str = "head") -> None:
    """Bring the schema to ``target``; raise DatabaseTooNew for an unknown (newer) revision."""
    from alembic import command

    from db.engine import DatabaseTooNew

    script = ScriptDirectory.from_config(alembic_config())
    current = current_revision(engine)
    if current is not None:
        try:
            script.get_revision(current)
        except Exception as exc:
            raise DatabaseTooNew(
                f"{where} was written by a newer version of Winnow (schema {current}). "
                "Update Winnow to open it; the file was left untouched."
            ) from exc
    if target == "head" and current == script.get_current_head():
        return
    command.upgrade(alembic_config(engine), target)

"""Alembic, driven from code: upgrade on open, refuse a database newer than this Winnow."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def upgrade_to_head(
    engine: Engine,
    where: str = "the database",
    target: str = "head",
    on_step: Callable[[str], None] | None = None,
) -> None:
    """Bring the schema to ``target``; raise DatabaseTooNew for an unknown (newer) revision.

    ``on_step(text)`` hears, before each migration of an existing database, which one runs
    ("Upgrading … step 2 of 3: …"), for a window that shows the upgrade's progress."""
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
    cfg = alembic_config(engine)
    if on_step is not None and current is not None:
        steps = list(reversed(list(script.iterate_revisions(target, current))))
        cfg.attributes["on_step"] = _step_teller(steps, where, on_step)
        cfg.attributes["on_step"](None)
    command.upgrade(cfg, target)


def step_text(doc: str | None) -> str:
    """A migration's first paragraph as a user reads it: on one line, without the
    reStructuredText marks of its docstring (``contacts`` -> contacts)."""
    return re.sub(r"`{1,2}([^`]+)`{1,2}", r"\1", " ".join((doc or "").split()))


def _step_teller(
    steps: list[Any], where: str, on_step: Callable[[str], None]
) -> Callable[[object], None]:
    """What db/migrations/env.py calls before the first migration (None) and after each one
    (Alembic's ``on_version_apply``): it tells ``on_step`` which migration runs next."""
    done = [0]

    def tell(applied: object) -> None:
        if applied is not None:
            done[0] += 1
        if done[0] >= len(steps):
            on_step(f"Upgrading {where}: finishing…")
            return
        revision = steps[done[0]]
        what = step_text(revision.doc)
        text = f"Upgrading {where}: step {done[0] + 1} of {len(steps)}"
        on_step(f"{text} ({what})…" if what else f"{text}…")

    return tell

"""What the upgrade window and the CLI say of each migration: its first paragraph in plain
words, without the marks of a docstring."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from db.migrate import alembic_config, step_text


def test_every_migration_is_told_in_plain_words() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    told = {rev.revision: step_text(rev.doc) for rev in script.walk_revisions()}
    assert told and all(told.values())
    assert not {r: t for r, t in told.items() if "`" in t}


def test_step_text_drops_literal_marks_and_joins_lines() -> None:
    doc = "PostgreSQL: five indexes of ``contacts``\nno plan reads; `stats` too"
    assert step_text(doc) == "PostgreSQL: five indexes of contacts no plan reads; stats too"

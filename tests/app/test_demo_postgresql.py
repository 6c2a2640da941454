"""The demo into a new PostgreSQL store (issue 14's benchmark target): the B-tree indexes and
foreign keys are set aside while the rows go in and come back exactly as they were, the
table's settings too; a failed demo leaves the store as it was. On a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from app import demo
from app.contacts import ContactQuery, count
from app.demo import generate_demo
from db.engine import Database

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)

NOW = datetime(2026, 11, 30, 12, 0, 0)
TABLES = ("contacts", "stage_changes", "activities", "tasks", "bant_answers")


def _schema(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """The tables' indexes, constraints and settings, as PostgreSQL reports them."""
    named = ", ".join(f"'{t}'" for t in TABLES)
    with db.engine.connect() as conn:
        return {
            "indexes": sorted(
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT tablename, indexname, indexdef FROM pg_indexes"
                        f" WHERE schemaname = current_schema() AND tablename IN ({named})"
                    )
                )
            ),
            "constraints": sorted(
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid), k.convalidated"
                        " FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid"
                        f" WHERE c.relname IN ({named})"
                    )
                )
            ),
            "settings": sorted(
                (str(name), str(options))
                for name, options in conn.execute(
                    text(f"SELECT relname, reloptions FROM pg_class WHERE relname IN ({named})")
                )
            ),
        }


def test_a_new_store_gets_every_index_key_and_setting_back(db: Database) -> None:
    before = _schema(db)
    assert before["indexes"] and any(c[2].startswith("FOREIGN KEY") for c in before["constraints"])
    generate_demo(db, 400, seed=3, now=NOW)
    assert _schema(db) == before
    with db.engine.connect() as conn:
        # the full-text index (kept while the rows went in) finds them, accents folded
        expected = conn.execute(
            text("SELECT count(*) FROM contacts WHERE first_name = 'Jürgen'")
        ).scalar_one()
        assert expected
        assert count(db, ContactQuery(search="jurgen")) >= expected
        # every contact went in with its go-look columns and was scored once
        assert conn.execute(text("SELECT count(*) FROM contacts WHERE score IS NULL")).scalar() == 0
    # the foreign keys hold again
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO stage_changes (contact_id, to_stage_id, at, automatic)"
                " VALUES (-1, (SELECT min(id) FROM stages), now(), false)"
            )
        )


def test_a_failed_demo_leaves_a_new_store_as_it_was(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _schema(db)

    def broken(*_args: object, **_kwargs: object) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(demo, "write_demo_evidence", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        generate_demo(db, 120, seed=2, now=NOW)
    assert _schema(db) == before
    assert count(db, ContactQuery()) == 0


def test_a_store_with_contacts_keeps_its_indexes_throughout(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_demo(db, 50, seed=4, now=NOW)
    taken: list[Connection] = []
    real = demo.DeferredIndexes.take

    def take(conn: Connection, tables: Sequence[str]) -> demo.DeferredIndexes:
        taken.append(conn)
        return real(conn, tables)

    monkeypatch.setattr(demo.DeferredIndexes, "take", take)
    generate_demo(db, 50, seed=5, now=NOW)
    assert taken == [] and count(db, ContactQuery()) == 100

"""0022: on PostgreSQL the five contact indexes no plan there reads are not kept, and the
history's new pages keep room for their undo; the list's sorts by those columns read the same
pages either way; down again makes them as before. On SQLite nothing changes."""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any

from alembic import command
from sqlalchemy import Connection, text

from app import contacts, operations
from app.contacts import ContactQuery
from db.engine import Database, open_database
from db.migrate import alembic_config
from tests.db.builders import head_or_before_fixtures

MIGRATION = importlib.import_module("db.migrations.versions.0022_postgresql_fewer_contact_indexes")


# each test on both databases, at the head and taken down to the revision before 0022
backend, database = head_or_before_fixtures(MIGRATION)


def _indexes(conn: Connection) -> dict[str, str]:
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'contacts'")
        )
    else:
        rows = conn.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contacts'"
            )
        )
    return {str(name): str(sql) for name, sql in rows}


def _revision(conn: Connection) -> str:
    return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar())


def test_the_indexes_are_sqlites_alone(database: Database) -> None:
    with database.engine.connect() as conn:
        indexes = _indexes(conn)
        dropped = set(MIGRATION.DROPPED)
        if conn.dialect.name == "sqlite" or _revision(conn) == MIGRATION.down_revision:
            assert dropped <= set(indexes)
            for name, columns in MIGRATION.DROPPED.items():
                assert f"({', '.join(columns)})" in indexes[name]
        else:
            assert not dropped & set(indexes)
            assert "ix_contacts_id_name" not in indexes
            # the indexes every plan of the list and board reads are all still there
            assert {
                "ix_contacts_created",
                "ix_contacts_name",
                "ix_contacts_stage_created",
                "ix_contacts_stage_name",
                "ix_contacts_source",
                "ix_contacts_untriaged",
            } <= set(indexes)
        if conn.dialect.name == "postgresql":
            options = conn.execute(
                text("SELECT reloptions FROM pg_class WHERE relname = 'stage_changes'")
            ).scalar()
            at_head = _revision(conn) != MIGRATION.down_revision
            fill = [int(o.split("=")[1]) for o in options or [] if o.startswith("fillfactor=")]
            # 0022 leaves room on the history's pages (70 %); 0027 leaves more (50 %)
            assert (fill != [] and fill[0] <= 70) == at_head


def test_an_index_made_by_the_old_0018_goes(backend: str, db_url: str) -> None:
    """0018 made ``ix_contacts_id_name`` on PostgreSQL too before it became SQLite's alone: a
    database upgraded then loses it here."""
    db = open_database(db_url)
    config = alembic_config(db.engine)
    command.downgrade(config, MIGRATION.down_revision)
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("CREATE INDEX ix_contacts_id_name ON contacts (id, sort_name)"))
    command.upgrade(config, "head")
    with db.engine.connect() as conn:
        there = "ix_contacts_id_name" in _indexes(conn)
        assert there == (conn.dialect.name == "sqlite")
    db.close()


def _expected(rows: list[dict[str, Any]], column: str, descending: bool) -> list[int]:
    """SQLite's order: empty values first ascending (last descending), then by id."""
    full = [r for r in rows if r[column] is not None]
    empty = [r for r in rows if r[column] is None]
    full.sort(key=lambda r: (r[column], r["id"]), reverse=descending)
    empty.sort(key=lambda r: r["id"], reverse=descending)
    ordered = empty + full if not descending else full + empty
    return [r["id"] for r in ordered]


def test_sorts_by_those_columns_read_the_same_pages(database: Database) -> None:
    values: list[dict[str, Any]] = [
        {"company": "Brandt", "title": "CEO", "score": 40, "response_due_at": datetime(2026, 3, 1)},
        {"company": None, "title": "CTO", "score": None, "response_due_at": None},
        {"company": "Acme", "title": None, "score": 40, "response_due_at": datetime(2026, 2, 1)},
        {"company": "Brandt", "title": "CEO", "score": 90, "response_due_at": None},
        {"company": None, "title": None, "score": 10, "response_due_at": datetime(2026, 2, 1)},
        {"company": "Zeta", "title": "Buyer", "score": None, "response_due_at": None},
    ]
    rows: list[dict[str, Any]] = []
    for i, v in enumerate(values * 3):
        stage = "inquiry" if i % 2 else "suspect"
        cid = contacts.create_contact(
            database, stage=stage, name=f"P{i}", company=v["company"], title=v["title"]
        )
        with database.engine.begin() as conn:  # worked out, not typed: set as stored
            conn.execute(
                text("UPDATE contacts SET score = :s, response_due_at = :r WHERE id = :id"),
                {"s": v["score"], "r": v["response_due_at"], "id": cid},
            )
        rows.append({"id": cid, "stage": stage, **v})
    sorts = {"company": "company", "title": "title", "score": "score"}
    sorts["response_due"] = "response_due_at"
    for sort, column in sorts.items():
        for descending in (False, True):
            q = ContactQuery(sort=sort, descending=descending)
            assert contacts.query_ids(database, q) == _expected(rows, column, descending)
            assert contacts.query_ids(database, q, 0, 4) == _expected(rows, column, descending)[:4]
            # one stage (the board's columns); "score" is the board's "Highest score"
            q = ContactQuery(sort=sort, descending=descending, stage_keys=("inquiry",))
            mine = [r for r in rows if r["stage"] == "inquiry"]
            assert contacts.query_ids(database, q) == _expected(mine, column, descending)


def test_moves_undone_and_redone_on_the_roomier_history(database: Database) -> None:
    ids = [contacts.create_contact(database, name=f"C{i}") for i in range(300)]
    operations.move_contacts(database, ids, "mql")
    for step in (operations.undo_operation, operations.redo_operation, operations.undo_operation):
        step(database)
    stages = contacts.count_by_stage(database, ContactQuery())
    assert stages.get("suspect") == 300 and not stages.get("mql")
    with database.engine.connect() as conn:
        undone = conn.execute(
            text("SELECT count(*) FROM stage_changes WHERE undone_at IS NOT NULL")
        ).scalar()
    assert undone == 300

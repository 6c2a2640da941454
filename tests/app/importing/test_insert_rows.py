"""merge.insert_rows: a column NULL in every row is left out of the statement only where
leaving it out stores the same (no default of its own)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Integer, MetaData, Table, Text, select, text

from app.importing.merge import insert_rows
from db.engine import Database


def _table() -> Table:
    return Table(
        "insert_rows_probe",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("note", Text),
        Column("kind", Text, server_default=text("'given'")),
        Column("at", DateTime),
    )


def test_a_column_null_in_every_row_stays_null_even_with_a_default(db: Database) -> None:
    table = _table()
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with db.write_sessions() as s:
        conn = s.connection()
        table.create(conn)
        insert_rows(
            conn,
            table,
            ["note", "kind", "at"],
            [[None, None, at], [None, None, None], [None, None, at]],
        )
        insert_rows(conn, table, ["note", "kind", "at"], [["a", "b", None]])
        rows = conn.execute(select(table).order_by(table.c.id)).all()
        s.rollback()
    assert [(r.note, r.kind) for r in rows] == [(None, None)] * 3 + [("a", "b")]
    # the times bound as SQLAlchemy binds them, and read back as the same instants
    assert [r.at is not None for r in rows] == [True, False, True, False]
    assert rows[0].at == rows[2].at

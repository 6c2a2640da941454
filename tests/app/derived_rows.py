"""What the metrics tests read of the derived tables (``app.aggregates``) on either database:
the log's entries not yet taken, the rows themselves, whether the write lock is free, and a
connection of the plain start (``winnow stats`` read with the driver alone)."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import text

from db.engine import Database
from db.plain_open import plain_start

DERIVED = {
    "metric_days": "SELECT kind, day, source, max_pos, n, qualified, answered, decided, late, "
    "pending, amount FROM metric_days",
    "metric_contacts": "SELECT * FROM metric_contacts",
    "metric_stays": "SELECT * FROM metric_stays",
}


def logged(db: Database) -> int:
    """The log entries not yet taken into the derived rows."""
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM metric_dirty")).scalar_one())


def derived(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """The derived rows, in order; the sums of amounts to the cent (added up one change at a
    time, or all at once)."""
    found = {}
    with db.engine.connect() as conn:
        for table, sql in DERIVED.items():
            rows = [tuple(r) for r in conn.execute(text(sql))]
            if table == "metric_days":
                rows = [(*r[:-1], round(float(r[-1]), 2)) for r in rows]
            found[table] = sorted(rows, key=repr)
    return found


def lock_free(db: Database) -> bool:
    """Whether nobody holds the write lock (SQLite's, PostgreSQL's advisory lock)."""
    if db.is_sqlite:
        con = sqlite3.connect(str(db.engine.url.database), timeout=0)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            con.close()
    with db.engine.connect() as conn:
        held = "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'"
        return int(conn.execute(text(held)).scalar_one()) == 0


def plain_connection(db: Database, libpq: bool = True) -> Any:
    """A connection of the plain start: sqlite3; on PostgreSQL the one a ``winnow`` process
    makes, on psycopg's libpq layer (``db.plain_pg.LibpqConnection``: here, where psycopg is
    imported whole, on its ``pq``), or (not ``libpq``) psycopg's own."""
    from psycopg import pq

    from db.plain_pg import LibpqConnection, connect_args, plain_pg_start

    if db.is_sqlite:
        start = plain_start(db.url)
        assert start is not None
        return start.connect()
    if libpq:
        args = connect_args(db.url)
        assert args is not None
        return LibpqConnection(pq, args)
    found = plain_pg_start(db.url)
    assert found is not None
    return found.connect()

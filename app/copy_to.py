"""Move a Winnow database into another one: ``winnow copy-to URL`` (issue 14, item 7).

Typically the SQLite file of one laptop into the team's new PostgreSQL database. Every table
is copied as it is — contacts with their ids, history, activities, imports, the undo log,
settings, personas, go-look's cache — in one transaction on the target, which must hold no
contacts and no operations yet (its default stages and settings are replaced by the
source's). Afterwards the rows of every table are counted on both sides; the id sequences of
the target continue after the highest id ever used, so no id is handed out twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select, text

from app.errors import WinnowError
from db import bulk
from db.engine import Database, open_database
from db.models import Base, Contact, ImportChange, Operation, OperationRow, StageChange

CHUNK = 5_000


class CopyRefused(WinnowError):
    """The target already holds work, or the copy does not add up."""


@dataclass(frozen=True)
class CopyReport:
    target: str
    rows: dict[str, int]  # table -> rows copied (the same on both sides, checked)


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _count(conn: Connection, table: Table) -> int:
    return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def _highest_ids(conn: Connection) -> dict[str, int]:
    """Per table, the highest id ever handed out that may come back: the rows there, the rows
    the undo log can put back (deleted rows keep their ids), SQLite's AUTOINCREMENT marks, and
    for contacts also the ids their history names."""
    highest: dict[str, int] = {}
    for table in _tables():
        if "id" in table.c:
            highest[table.name] = int(conn.scalar(select(func.max(table.c.id))) or 0)
    log = _table(OperationRow)
    for name, key in conn.execute(select(log.c.table_name, log.c.row_key)):
        value = json.loads(key)
        ident = value.get("id") if isinstance(value, dict) else value
        if isinstance(ident, list) and ident:
            ident = ident[0]
        if isinstance(ident, int) and name in highest:
            highest[name] = max(highest[name], ident)
    for model in (StageChange, ImportChange, OperationRow):
        column = _table(model).c.contact_id
        highest["contacts"] = max(
            highest["contacts"], int(conn.scalar(select(func.max(column))) or 0)
        )
    if conn.dialect.name == "sqlite":  # AUTOINCREMENT's high-water marks
        for name, seq in conn.exec_driver_sql("SELECT name, seq FROM sqlite_sequence"):
            if name in highest:
                highest[name] = max(highest[name], int(seq or 0))
    return highest


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if bulk.is_postgresql(conn):
        bulk.copy_rows(conn, table, rows)
    else:
        conn.execute(insert(table), rows)


def _continue_sequences(conn: Connection, highest: dict[str, int]) -> None:
    """Each id sequence goes on after the highest id ever used (on SQLite, the tables with
    AUTOINCREMENT; the others take ``max(id) + 1`` as in the source)."""
    if not bulk.is_postgresql(conn):
        for name, value in highest.items():
            ddl = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
            ).scalar()
            if value and ddl and "AUTOINCREMENT" in ddl.upper():
                conn.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = ?", (name,))
                conn.exec_driver_sql(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (name, value)
                )
        return
    for name, value in highest.items():
        seq = conn.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": name})
        if seq is not None and value:
            conn.execute(text("SELECT setval(:s, :v)"), {"s": seq, "v": value})


def copy_to(
    source: Database, target_url: str, progress: Callable[[str, int], None] | None = None
) -> CopyReport:
    """Copy everything in ``source`` into the (new, empty) database at ``target_url``."""
    target = open_database(target_url)  # created and migrated to the same schema
    try:
        if target.url == source.url:
            raise CopyRefused("The target is the database being copied.")
        with target.engine.begin() as dst, source.engine.connect() as src:
            if src.dialect.name != "sqlite":  # one snapshot of every table (SQLite: BEGIN)
                src = src.execution_options(isolation_level="REPEATABLE READ")
            rows = {t.name: _count(src, t) for t in _tables()}
            if _count(dst, _table(Contact)) or _count(dst, _table(Operation)):
                raise CopyRefused(
                    f"{target.display_name} already holds contacts or work: nothing was copied. "
                    "Copy into a new, empty database."
                )
            for table in reversed(_tables()):  # the target's seeded defaults
                dst.execute(delete(table))
            for table in _tables():
                key = list(table.primary_key.columns) or list(table.columns)
                result = src.execution_options(yield_per=CHUNK).execute(
                    select(table).order_by(*key)
                )
                done = 0
                for part in result.mappings().partitions(CHUNK):
                    _insert(dst, table, [dict(r) for r in part])
                    done += len(part)
                    if progress:
                        progress(table.name, done)
            _continue_sequences(dst, _highest_ids(src))
        with target.engine.connect() as dst:
            copied = {t.name: _count(dst, t) for t in _tables()}
        if copied != rows:
            wrong = ", ".join(
                f"{name} {copied[name]} of {n}" for name, n in rows.items() if copied[name] != n
            )
            raise CopyRefused(f"The copy does not add up: {wrong}.")
        if target.engine.dialect.name == "postgresql":
            # the planner's statistics of the tables just filled: without them the first
            # reads (autovacuum comes by a minute or more later) are planned for empty tables
            with target.engine.connect() as dst:
                dst.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        return CopyReport(target=target.display_name, rows=rows)
    finally:
        target.close()

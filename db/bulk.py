"""Many rows in one statement on PostgreSQL.

psycopg's ``executemany`` sends one statement per row (pipelined): for the demo's, an
import's or a rescore's thousands of rows that is most of the time. Here the rows travel
together: inserts by ``COPY``, updates by id as one ``UPDATE … FROM unnest(arrays)``. Values
go through the columns' bind processors first, as SQLAlchemy would send them. SQLite keeps its
own driver-level ``executemany`` (``app.importing.merge.insert_many``, ``app.scoring``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table

from db.pgreads import begin_writing


def is_postgresql(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _processed(conn: Connection, table: Table, columns: Sequence[str]) -> list[Any]:
    dialect = conn.dialect
    return [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]


def copy_rows(conn: Connection, table: Table, records: Sequence[dict[str, Any]]) -> None:
    """INSERT ``records`` (dicts with the same keys) into ``table`` with one ``COPY``, in the
    transaction of ``conn``."""
    if not records:
        return
    given = list(records[0])
    copy_lists(conn, table, given, [[rec[c] for c in given] for rec in records])


def copy_lists(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT ``rows`` (the values of ``columns``, in that order) into ``table`` with one
    ``COPY``, in the transaction of ``conn`` (rows the caller built as lists need not become
    dicts on the way: 10,000 of an import's ~30 columns cost ~0.1 s)."""
    if not rows:
        return
    begin_writing(conn)  # a session that only read so far did so without a transaction
    # the columns' Python-side defaults, as an INSERT through SQLAlchemy would fill them in
    defaults: dict[str, Any] = {}
    for col in table.columns:
        default = col.default
        if col.name in columns or default is None or not hasattr(default, "arg"):
            continue
        arg = default.arg  # type: ignore[attr-defined]
        if getattr(default, "is_scalar", False):
            defaults[col.name] = arg
        elif getattr(default, "is_callable", False):
            defaults[col.name] = arg  # called per row below
    names = [*columns, *defaults]
    processors = _processed(conn, table, names)
    raw: Any = conn.connection.driver_connection
    quoted = ", ".join(f'"{c}"' for c in names)
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            values = list(row)
            for d in defaults.values():
                values.append(d(None) if callable(d) else d)
            copy.write_row(
                [
                    p(v) if p is not None and v is not None else v
                    for v, p in zip(values, processors, strict=True)
                ]
            )


def update_by_id(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """``UPDATE table SET columns… WHERE id = …`` for every row ``(value, …, id)``, as one
    statement over arrays (one array per column).

    The statement also bounds ``t.id`` by the rows' smallest and largest id: without it
    PostgreSQL matched the arrays (taken for a few thousand rows) to the table by hashing every
    row of it — a full-recompute chunk of 5,000 contacts read all 100,000 (80–260 ms a
    chunk, for each of the 20 chunks: the work grows with the square of the contacts) — where
    with it the primary key hands over the rows of that range (30–50 ms, ``EXPLAIN
    ANALYZE``). Callers
    write ids that lie together (chunks of ids in order); for scattered ids the range is wide
    and the plan as before."""
    if not rows:
        return
    dialect = conn.dialect
    names = [*columns, "id"]
    types = [table.c[c].type.compile(dialect=dialect) for c in names]
    processors = _processed(conn, table, names)
    arrays: list[list[Any]] = [[] for _ in names]
    for row in rows:
        for i, value in enumerate(row):
            p = processors[i]
            arrays[i].append(p(value) if p is not None and value is not None else value)
    sets = ", ".join(f'"{c}" = u."{c}"' for c in columns)
    unnest = ", ".join(f"%s::{t}[]" for t in types)
    alias = ", ".join(f'"{c}"' for c in names)
    ids = arrays[-1]
    conn.exec_driver_sql(
        f'UPDATE "{table.name}" AS t SET {sets} FROM unnest({unnest}) AS u({alias})'
        " WHERE t.id = u.id AND t.id BETWEEN %s AND %s",
        (*arrays, min(ids), max(ids)),
    )

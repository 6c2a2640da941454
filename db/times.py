"""Times on SQLite: seconds since 1970 (UTC), not text.

Winnow's times are naive UTC ``datetime`` values (``app.timeutil``). SQLAlchemy stores them on
SQLite as 26-character text (``2026-06-27 06:36:51.000000``); here they are stored as the
number of seconds since 1970-01-01 — an INTEGER (4 bytes for today's times, 6 after 2038)
when the time is a whole second, as every time Winnow makes is (``utcnow`` drops the
microseconds), else a REAL (8 bytes) with the fraction. Numbers order, compare and index the
same way the text did (SQLite compares an INTEGER with a REAL by value), so every ``ORDER
BY``, range and equality keeps its meaning; a million-contact demo store loses about a fifth
of its bytes (migration 0017 converts an existing file's times).

A REAL keeps the microseconds exactly for the years 1700-2241 (under 2**33 seconds from 1970
its rounding error is under half a microsecond); later ones read back within a microsecond or
two (Winnow takes times up to 2999, whole seconds but for typed ones).

It applies to every ``DateTime`` a SQLite engine of Winnow's binds or reads
(:func:`store_times_as_numbers` swaps the dialect's implementation of the generic type):
the models' columns, ``bindparam(..., type_=DateTime())`` and the datetimes passed to
``text()``, whose type SQLAlchemy infers from the value. The schema still declares the
columns ``DATETIME`` (numeric affinity), so neither the DDL nor an older file's columns
change. PostgreSQL keeps its native ``timestamp``.

A ``datetime`` that reaches SQLite's driver as it is — a parameter of ``text()`` SQL without
a type, a row of a driver-level ``executemany`` — is stored the same way too: the driver's
adapter for ``datetime`` is this module's (its default, ISO text, is deprecated since Python
3.12; a ``date`` keeps its ``YYYY-MM-DD``, as the ``Date`` columns hold it).

SQL that works on stored times by itself must say so: :func:`day_sql` (the UTC day as
``YYYY-MM-DD``), :func:`year_sql`, :func:`hours_between_sql`; values read past SQLAlchemy's types (``text()``
results, the driver's rows) go through :func:`reader`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.dialects.sqlite import DATETIME
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import sqltypes

from db.time_numbers import (
    EPOCH,
    day_sql,
    from_number,
    from_stored,
    hours_between_sql,
    to_number,
    year_sql,
)


def reader(dialect: Dialect | None = None) -> Callable[[Any], Any]:
    """Turns a time column's value as the driver returns it into a datetime (None stays)."""
    return from_stored


class NumericDateTime(DATETIME):
    """SQLite's ``DateTime``: seconds since 1970 (see the module's text). DDL: DATETIME."""

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any]:
        def process(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, date):
                return to_number(value)
            raise TypeError(
                "SQLite DateTime type only accepts Python datetime and date objects as input."
            )

        return process

    def literal_processor(self, dialect: Dialect) -> Callable[[Any], str]:
        process = self.bind_processor(dialect)

        def literal(value: Any) -> str:
            return repr(process(value))

        return literal

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any]:
        return from_stored


sqlite3.register_adapter(datetime, to_number)


def store_times_as_numbers(engine: Engine) -> None:
    """Make ``engine`` (SQLite; others are left alone) bind and read every ``DateTime`` as
    seconds since 1970. Call before the engine's first statement (SQLAlchemy remembers each
    type's implementation per dialect)."""
    dialect = engine.dialect
    if dialect.name != "sqlite":
        return
    dialect.colspecs = {**dialect.colspecs, sqltypes.DateTime: NumericDateTime}  # type: ignore[misc]


__all__ = [
    "EPOCH",
    "NumericDateTime",
    "day_sql",
    "from_number",
    "from_stored",
    "hours_between_sql",
    "reader",
    "store_times_as_numbers",
    "to_number",
    "year_sql",
]

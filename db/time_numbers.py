"""Winnow's stored times on SQLite as numbers — seconds since 1970, UTC (see :mod:`db.times`,
which applies them to SQLAlchemy's types) — with no SQLAlchemy here: the plain reads of the
window's first screen (:mod:`app.first_screen`) turn the driver's values with these."""

from __future__ import annotations

import math
import sys
from datetime import date, datetime, timedelta
from typing import Any

EPOCH = datetime(1970, 1, 1)


def to_number(value: datetime | date) -> int | float:
    """A time as stored on SQLite: whole seconds since 1970 as an int, a float otherwise.
    An aware time is stored by its own clock's fields (as SQLAlchemy's text did)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    elif value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    d = value - EPOCH
    whole = d.days * 86400 + d.seconds
    return whole if not d.microseconds else whole + d.microseconds / 1e6


if sys.version_info < (3, 12):  # at C speed (3.12 deprecates it, with a warning)
    _after_epoch = datetime.utcfromtimestamp
else:  # pragma: no cover - the project's Python is 3.11

    def _after_epoch(value: int) -> datetime:
        return EPOCH + timedelta(seconds=value)


def from_number(value: int | float) -> datetime:
    if isinstance(value, int):
        # a read of many times (a full rescore reads a million) spends most on this
        return _after_epoch(value) if value >= 0 else EPOCH + timedelta(seconds=value)
    whole = math.floor(value)
    micro = round((value - whole) * 1e6)
    return EPOCH + timedelta(seconds=whole, microseconds=micro)


def from_stored(value: Any) -> Any:
    """A stored time (number, or text an older Winnow or a hand-made row left) as a datetime;
    None stays None."""
    if type(value) is int:
        return _after_epoch(value) if value >= 0 else EPOCH + timedelta(seconds=value)
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, int | float):
        return from_number(value)
    return datetime.fromisoformat(str(value))


# SQL that works on stored times by itself (db.times re-exports these; SQLAlchemy-free so the
# plain reads of app.metrics can use them)


def day_sql(dialect_name: str, column: str) -> str:
    """SQL for the UTC day of a stored time, as ``YYYY-MM-DD`` text on SQLite (a ``date`` on
    PostgreSQL)."""
    if dialect_name == "sqlite":
        # of the whole second (floor): SQLite rounds to the millisecond, which would move a
        # time in the last half millisecond of a day to the next one
        whole = f"CAST({column} AS INTEGER)"
        return f"date({whole} - ({column} < {whole}), 'unixepoch')"
    return f"CAST({column} AS DATE)"


def year_sql(dialect_name: str, column: str) -> str:
    """SQL for the first day of the UTC year of a stored time (``YYYY-01-01`` on SQLite)."""
    if dialect_name == "sqlite":
        return f"substr({day_sql(dialect_name, column)}, 1, 4) || '-01-01'"
    return f"CAST(date_trunc('year', {column}) AS DATE)"


def hours_between_sql(dialect_name: str, later: str, earlier: str) -> str:
    """SQL for the hours from one stored time to another (a float)."""
    if dialect_name == "sqlite":
        return f"(({later} - {earlier}) / 3600.0)"
    return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 3600.0)"

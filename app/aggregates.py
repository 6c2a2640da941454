"""The metrics' derived tables (migration 0011), kept current so the dashboard and ``stats``
read them instead of scanning stage history.

- ``metric_contacts``: per contact that reached Inquiry, what ``app.metrics`` derives from its
  history, answers and follow-up times (the reference computation's per-contact rows, without
  a source or import filter: those are applied when read);
- ``metric_stays``: the completed stays in each stage of those contacts, in days;
- ``metric_days``: those rows summed per day, source and furthest stage (kinds ``i``, ``q``,
  ``c``, migration 0012), and the histograms the medians are read from (below).

The medians of a period or a source (days in each stage, hours to the first response) cannot be
summed per day; they are counted instead, in ``metric_days`` rows of their own kinds: the stays
per year and source (``y``, ``Y``) or per week (from a Monday, UTC) and source (``w``, ``W``) in
which their contact became an inquiry, the answered inquiries' hours to their first response
per year and source (``x``, ``X``) or per week and source (``v``, ``V``) of the inquiry: all time
reads the years (of the sources picked, or all), a period its whole weeks — and only the
contacts of the days around those one by one (until version 4 a period of every source read
rows per day, ``s``, ``S``, ``r``, ``R``: 214,000 of 445,000 rows at 1,000,000). Each value is counted in a bucket (:func:`bucket`: its
octave, split in 64) that ``max_pos`` holds (for a stay: its stage id × ``STAGE_SPAN`` + the
bucket); the lower-case kind counts whole octaves, the upper-case one each 64th of them. A
median is then found in the octaves' counts, then in its octave's 64ths, and only the values
of that one 64th are read and put in order (``app.metrics``).

Triggers append a contact's id to ``metric_dirty`` on every write that can change its rows,
whatever made it (operations, undo and redo, import chunks, deletes, BANT answers). Before the
metrics read, :func:`bring_up_to_date` derives the rows of the contacts named there again —
one set-based statement per table — and empties the log; when the stage positions or the
qualification criteria differ from those recorded in ``metric_meta`` (or nothing is recorded:
the first read after the upgrade), every row is derived again, once.

Everything here reads and writes only these four tables (and reads the store): the numbers
are identical to the reference computation's (``tests/app/test_aggregates.py`` compares both
on random histories, on SQLite and PostgreSQL).
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

from db import time_numbers as times
from db.errors import DatabaseError
from db.plain_open import BUSY_TIMEOUT_S

if TYPE_CHECKING:  # SQLAlchemy is imported when used: the plain reads (Plain) need none
    import logging

    from sqlalchemy import BindParameter, Connection, TextClause
    from sqlalchemy.orm import Session

    from db.engine import Database
    from db.plain_pg import PgReads


def _log() -> logging.Logger:
    """This module's logger (logging is imported when something is logged: the plain reads
    never log)."""
    import logging

    return logging.getLogger(__name__)


def text(sql: str) -> TextClause:
    """SQLAlchemy's ``text()``, imported when first used (the plain reads never do)."""
    from sqlalchemy import text as sql_text

    return sql_text(sql)


def bindparam(key: str, **kwargs: Any) -> BindParameter[Any]:
    """SQLAlchemy's ``bindparam()``, imported when first used."""
    from sqlalchemy import bindparam as sql_bindparam

    return sql_bindparam(key, **kwargs)


class Plain:
    """A ``sqlite3`` connection to a Winnow file at the head revision (``db.plain_open``),
    read through :func:`read` as a SQLAlchemy session or connection is: the same SQL text,
    its parameters turned as the engine turns them (a datetime into seconds since 1970, a date
    into ``YYYY-MM-DD``, a list expanded for ``IN``), the driver's values returned as they
    are (as ``text()`` returns them). ``winnow stats`` reads the derived rows so, without
    importing SQLAlchemy (issue 15); the dashboard's reads of them run so on the driver
    connection of their SQLAlchemy ``session`` (in its transaction), without SQLAlchemy's
    statement machinery for each read."""

    dialect = "sqlite"

    def __init__(self, con: sqlite3.Connection, session: Session | None = None) -> None:
        self.con = con
        self.session = session


class PlainPg(Plain):
    """A psycopg connection to a PostgreSQL database at the head revision
    (``db.plain_pg``), read through :func:`read` as :class:`Plain` reads SQLite: the same SQL
    text, its ``:name`` parameters turned into psycopg's (:func:`pg_sql`), values bound and
    returned as psycopg binds and returns them (as SQLAlchemy's psycopg dialect leaves them for
    ``text()``). ``winnow stats`` on PostgreSQL reads the derived rows so, without SQLAlchemy,
    and brings them up to date so when a few edits behind (:func:`plain_refresh`)."""

    dialect = "postgresql"

    def __init__(self, con: PgReads) -> None:
        # (typed as Plain's: what runs on it here is read() and plain SQL without parameters)
        super().__init__(cast(sqlite3.Connection, con))
        self.pg = con


def driver_reads(conn: Session | Connection) -> Session | Connection | Plain:
    """``conn``'s driver connection as :class:`Plain`, in ``conn``'s transaction (begun here,
    as every Winnow transaction: ``db.engine._on_begin``), on SQLite; ``conn`` itself on
    PostgreSQL."""
    if _dialect(conn) != "sqlite":
        return conn
    from sqlalchemy import orm  # the package first (tests/test_sqlalchemy_imports.py)

    if isinstance(conn, orm.Session):
        return Plain(conn.connection().connection.driver_connection, session=conn)  # type: ignore[arg-type]
    if not conn.in_transaction():
        conn.begin()
    return Plain(conn.connection.driver_connection)  # type: ignore[arg-type]


def _stored(value: Any) -> Any:
    if isinstance(value, datetime):
        return times.to_number(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def plain_sql(sql: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``sql`` and ``params`` as the driver takes them (what :func:`typed` binds)."""
    values: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, list | tuple):
            names = [f"{name}__{i}" for i in range(len(value))]
            listed = ", ".join(f":{n}" for n in names) or "SELECT NULL WHERE 0"
            sql = re.sub(rf":{name}\b", f"({listed})", sql)  # no backslash in it
            values |= {n: _stored(v) for n, v in zip(names, value, strict=True)}
        else:
            values[name] = _stored(value)
    return sql, values


# a ``:name`` parameter as SQLAlchemy's text() finds them (not ``::type``, not ``\\:``)
_BIND = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")


def pg_sql(sql: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``sql`` and ``params`` as psycopg takes them: ``%(name)s`` for ``:name`` (a ``%`` of
    the SQL itself doubled), a list expanded for ``IN``; times and dates bound as they are
    (psycopg sends them as timestamp and date, as the engine does)."""
    values: dict[str, Any] = {}

    def bind(m: re.Match[str]) -> str:
        name = m.group(1)
        value = params[name]
        if isinstance(value, list | tuple):
            names = [f"{name}__{i}" for i in range(len(value))]
            values.update(zip(names, value, strict=True))
            return "(" + (", ".join(f"%({n})s" for n in names) or "SELECT NULL WHERE false") + ")"
        values[name] = value
        return f"%({name})s"

    return _BIND.sub(bind, sql.replace("%", "%%")), values


def typed(sql: str, params: dict[str, Any]) -> TextClause:
    """A text() statement with its datetime parameters bound as DateTime, its date ones as Date
    and its lists expanded (the stored formats)."""
    from sqlalchemy import Date, DateTime

    binds: list[Any] = []
    for name, value in params.items():
        if isinstance(value, list):
            binds.append(bindparam(name, expanding=True))
        elif isinstance(value, datetime):
            binds.append(bindparam(name, type_=DateTime()))
        elif isinstance(value, date):
            binds.append(bindparam(name, type_=Date()))
    return text(sql).bindparams(*binds)


def read(
    conn: Session | Connection | Plain, sql: str, params: dict[str, Any] | None = None
) -> list[Any]:
    """The rows of ``sql`` (its ``:name`` parameters from ``params``), through SQLAlchemy or,
    for a :class:`Plain` connection, the driver alone."""
    params = params or {}
    if isinstance(conn, PlainPg):
        pg_text, pg_values = pg_sql(sql, params)
        return conn.pg.execute(pg_text, pg_values).fetchall()  # type: ignore[arg-type]
    if isinstance(conn, Plain):
        driver_sql, values = plain_sql(sql, params)
        return conn.con.execute(driver_sql, values).fetchall()
    return list(conn.execute(typed(sql, params), params))


def _run(
    s: Session | Plain,
    sql: str,
    params: dict[str, Any] | list[dict[str, Any]] | None = None,
    expanding: bool = False,
) -> Any:
    """Run one statement of the rows' upkeep: ``s.execute(text(sql), params)`` (a list of
    parameters: executemany; ``expanding``: its list parameters expanded for ``IN``), or on a
    :class:`Plain` connection the same through the driver (:func:`plain_refresh`). The result
    is iterated and has ``rowcount`` either way."""
    if isinstance(s, PlainPg):  # psycopg's parameters (pg_sql: a % doubled, lists expanded)
        if isinstance(params, list):  # (nobody reads an executemany's result)
            for one in params:
                s.pg.execute(*pg_sql(sql, one))
            return None
        return s.pg.execute(*pg_sql(sql, params or {}))
    if isinstance(s, Plain):
        if isinstance(params, list):
            if not params:
                return None
            driver_sql = plain_sql(sql, params[0])[0]
            return s.con.executemany(driver_sql, [plain_sql(sql, p)[1] for p in params])
        return s.con.execute(*plain_sql(sql, params or {}))
    clause = text(sql)
    if expanding and isinstance(params, dict):
        listed = [k for k, v in params.items() if isinstance(v, list)]
        clause = clause.bindparams(*(bindparam(k, expanding=True) for k in listed))
    return s.execute(clause) if params is None else s.execute(clause, params)


def _scalar(s: Session | Plain, sql: str, params: dict[str, Any] | None = None) -> Any:
    row = _run(s, sql, params).fetchone()
    return None if row is None else row[0]


SIGNATURE = "signature"
# what the derived rows hold, in the signature: a new version derives every row again once (2:
# the medians' histograms were added to metric_days; 3: hours worked out from times stored as
# seconds (migration 0017), exact where julianday's left noise that could tip a histogram bucket;
# 4: the histograms per week and source — migration 0023 derives those rows; 5: none per day
# (a period reads its weeks): a store derived under 4 only loses those rows, see DROPPED)
VERSION = 5
# what a version kept that the next does not: a store derived under it is brought up to date by
# deleting these rows (every other row is the same), not derived again
DROPPED = {4: ("s", "S", "r", "R")}


@dataclass(frozen=True)
class Definition:
    """What the derived rows depend on besides each contact's own rows: the positions of
    Inquiry, Customer and every non-side stage, and the criteria that decide "qualified"."""

    inquiry: int
    customer: int
    deciding: tuple[int, ...]
    stages: tuple[tuple[int, int, str], ...]  # id, position, kind

    def signature(self, version: int = VERSION) -> str:
        return json.dumps(
            [
                self.inquiry,
                self.customer,
                list(self.deciding),
                [list(s) for s in self.stages],
                version,
            ]
        )


def _dialect(s: Session | Connection | Plain) -> str:
    if isinstance(s, Plain):
        return s.dialect
    bound: Any = s  # a Connection has its dialect; a Session's is its bind's
    dialect = getattr(bound, "dialect", None) or bound.get_bind().dialect
    return str(dialect.name)


def _hours(s: Session | Plain, later: str, earlier: str) -> str:  # as app.metrics computes it
    return times.hours_between_sql(_dialect(s), later, earlier)


def _insert_contacts(s: Session | Plain, d: Definition, among: str) -> None:
    """Derive ``metric_contacts`` rows for the contacts ``among`` selects (SQL, or '')."""
    where_sc = f"AND sc.contact_id IN ({among})" if among else ""
    if d.deciding:
        ids = ", ".join(str(int(i)) for i in d.deciding)
        where_ba = f"AND ba.contact_id IN ({among})" if among else ""
        answers = f"""
            LEFT JOIN (
                SELECT ba.contact_id AS qcid, MAX(ba.updated_at) AS q_at
                FROM bant_answers ba
                WHERE ba.answer = 'yes' AND ba.criterion_id IN ({ids}) {where_ba}
                GROUP BY ba.contact_id HAVING COUNT(DISTINCT ba.criterion_id) = {len(d.deciding)}
            ) q ON q.qcid = r.cid"""
        became = "CASE WHEN q.qcid IS NULL THEN NULL ELSE COALESCE(q.q_at, r.inquiry_at) END"
    else:
        answers, became = "", "NULL"
    inquiry_at = (
        "CASE WHEN c.received_at IS NOT NULL AND c.received_at < r.inquiry_at "
        "THEN c.received_at ELSE r.inquiry_at END"
    )
    _run(
        s,
        f"""
        INSERT INTO metric_contacts (contact_id, source, history_inquiry_at, inquiry_at,
            qualified_at, customer_at, max_pos, received_at, due_at, first_at, amount,
            response_hours)
        SELECT r.cid, c.source, r.inquiry_at, {inquiry_at},
               CASE WHEN ({became}) < ({inquiry_at}) THEN ({inquiry_at}) ELSE ({became}) END,
               r.customer_at, r.max_pos, c.received_at, c.response_due_at,
               c.first_response_at, c.deal_amount,
               CASE WHEN c.first_response_at IS NOT NULL AND c.received_at IS NOT NULL
                    THEN {_hours(s, "c.first_response_at", "c.received_at")} END
        FROM (
            SELECT sc.contact_id AS cid,
                   MIN(CASE WHEN st.position >= :p_inq THEN sc.at END) AS inquiry_at,
                   MIN(CASE WHEN st.position >= :p_cust THEN sc.at END) AS customer_at,
                   MAX(st.position) AS max_pos
            FROM stage_changes sc JOIN stages st ON st.id = sc.to_stage_id
            WHERE sc.undone_at IS NULL AND st.kind <> 'side' {where_sc}
            GROUP BY sc.contact_id
        ) r JOIN contacts c ON c.id = r.cid {answers}
        WHERE r.inquiry_at IS NOT NULL
        """,
        {"p_inq": d.inquiry, "p_cust": d.customer},
    )


def _insert_stays(s: Session | Plain, among: str) -> None:
    """Derive ``metric_stays`` for the contacts of ``metric_contacts`` that ``among`` selects."""
    also = f"AND contact_id IN ({among})" if among else ""
    _run(
        s,
        f"""
        INSERT INTO metric_stays (change_id, contact_id, stage_id, days)
        SELECT id, contact_id, to_stage_id, {_hours(s, "next_at", "at")} / 24.0 FROM (
          SELECT sc.id AS id, sc.contact_id AS contact_id, sc.to_stage_id AS to_stage_id,
                 sc.at AS at,
                 LEAD(sc.at) OVER (PARTITION BY sc.contact_id ORDER BY sc.at, sc.id) AS next_at
          FROM stage_changes sc
          WHERE sc.undone_at IS NULL
                AND sc.contact_id IN (SELECT contact_id FROM metric_contacts WHERE 1 = 1 {also})
        ) x WHERE next_at IS NOT NULL
        """,
    )


MEASURES = ("n", "qualified", "answered", "decided", "late", "pending", "amount")


def day_sql(s: Session | Connection | Plain, column: str) -> str:
    """The UTC day of a stored time, as ``metric_days.day`` holds it."""
    return times.day_sql(_dialect(s), column)


def contributions_sql(
    s: Session | Connection | Plain, where: str = "1 = 1", only: dict[str, str] | None = None
) -> str:
    """SELECT kind, day, source, max_pos and the measures of ``metric_days`` for the rows of
    ``metric_contacts`` that ``where`` selects (and, per kind, ``only[kind]``)."""
    only = only or {}
    waiting = "due_at IS NOT NULL AND first_at IS NULL"
    parts = {
        "i": f"""
        SELECT 'i' AS kind, {day_sql(s, "inquiry_at")} AS day, source, max_pos, COUNT(*) AS n,
          SUM(CASE WHEN qualified_at IS NOT NULL THEN 1 ELSE 0 END) AS qualified,
          SUM(CASE WHEN first_at IS NOT NULL THEN 1 ELSE 0 END) AS answered,
          SUM(CASE WHEN due_at IS NOT NULL AND first_at IS NOT NULL THEN 1 ELSE 0 END)
            AS decided,
          SUM(CASE WHEN due_at IS NOT NULL AND first_at > due_at THEN 1 ELSE 0 END) AS late,
          SUM(CASE WHEN {waiting} THEN 1 ELSE 0 END) AS pending,
          0.0 AS amount
        FROM metric_contacts WHERE inquiry_at IS NOT NULL AND {where} AND {only.get("i", "1 = 1")}
        GROUP BY {day_sql(s, "inquiry_at")}, source, max_pos""",
        "q": f"""
        SELECT 'q', {day_sql(s, "qualified_at")}, source, -1, COUNT(*), 0, 0, 0, 0, 0, 0.0
        FROM metric_contacts WHERE qualified_at IS NOT NULL AND {where}
              AND {only.get("q", "1 = 1")}
        GROUP BY {day_sql(s, "qualified_at")}, source""",
        "c": f"""
        SELECT 'c', {day_sql(s, "customer_at")}, source, -1, COUNT(*), 0, 0, 0, 0, 0,
               SUM(COALESCE(amount, 0))
        FROM metric_contacts WHERE customer_at IS NOT NULL AND {where}
              AND {only.get("c", "1 = 1")}
        GROUP BY {day_sql(s, "customer_at")}, source""",
    }
    return " UNION ALL ".join(parts[k] for k in (only or parts) if k in parts)


# --- the medians' histograms -----------------------------------------------------------------

LOW, HIGH = -20, 20  # octaves [2**LOW, 2**(HIGH + 1)); one bucket below, one at or above
SUBS = 64  # each octave split in 64 equal parts
STAGE_SPAN = 4096  # a stay's max_pos: its stage id × STAGE_SPAN + its bucket (< 4096)
HISTOGRAMS = {  # kind: (what is counted, by year or week (and source), octaves or 64ths)
    "y": ("stays", "year", False),
    "Y": ("stays", "year", True),
    "w": ("stays", "week", False),
    "W": ("stays", "week", True),
    "x": ("responses", "year", False),
    "X": ("responses", "year", True),
    "v": ("responses", "week", False),
    "V": ("responses", "week", True),
}


def _code(octave: int, sub: int) -> int:
    return (octave + 32) * 64 + sub


def bucket(value: float) -> int:
    """The bucket of a value, as the SQL of :func:`bucket_sql` gives it (every step exact: a
    power of two scales a float without rounding): buckets in the order of their values."""
    if value < 2.0**LOW:
        return _code(LOW - 1, 0)
    if value >= 2.0 ** (HIGH + 1):
        return _code(HIGH + 1, 0)
    octave = math.frexp(value)[1] - 1
    return _code(octave, int((value / 2.0**octave - 1) * SUBS))


def octave_of(code: int) -> int:
    """The whole octave's bucket a bucket is in (its stage kept)."""
    return code - code % 64


def bounds(code: int, fine: bool = True) -> tuple[float | None, float | None]:
    """The values [low, high) of a bucket (or, not ``fine``, of its whole octave); None:
    unbounded."""
    code %= STAGE_SPAN
    octave, sub = code // 64 - 32, code % 64
    if octave < LOW:
        return None, 2.0**LOW
    if octave > HIGH:
        return 2.0 ** (HIGH + 1), None
    base = 2.0**octave
    if not fine:
        return base, 2 * base
    return base * (1 + sub / SUBS), base * (1 + (sub + 1) / SUBS)


def _below(column: str, octave: int) -> str:
    """``column < 2**octave``, exactly (an integer power of two as the literal)."""
    if octave < 0:
        return f"{column} * {2**-octave}.0 < 1"
    return f"{column} < {2**octave}.0"


def _scaled(column: str, octave: int) -> str:
    """``column / 2**octave``, exactly."""
    if octave < 0:
        return f"{column} * {2**-octave}.0"
    return f"{column} / {2**octave}.0"


def bucket_sql(s: Session | Connection | Plain, column: str) -> str:
    """:func:`bucket` in SQL: the octave by halving the range of octaves (six comparisons, not
    forty), then its 64th."""
    sqlite = _dialect(s) == "sqlite"

    def octaves(low: int, high: int) -> str:  # 2**low <= column < 2**high
        if high - low == 1:
            part = f"({_scaled(column, low)} - 1) * {SUBS}"
            sub = f"CAST({part} AS INTEGER)" if sqlite else f"CAST(FLOOR({part}) AS INTEGER)"
            return f"{_code(low, 0)} + {sub}"
        middle = (low + high) // 2
        return (
            f"CASE WHEN {_below(column, middle)} THEN {octaves(low, middle)} "
            f"ELSE {octaves(middle, high)} END"
        )

    return (
        f"(CASE WHEN {_below(column, LOW)} THEN {_code(LOW - 1, 0)} "
        f"WHEN {_below(column, HIGH + 1)} THEN {octaves(LOW, HIGH + 1)} "
        f"ELSE {_code(HIGH + 1, 0)} END)"
    )


def year_sql(s: Session | Plain, column: str) -> str:
    """The first day of the (UTC) year of a stored time, as ``metric_days.day`` holds it."""
    return times.year_sql(_dialect(s), column)


def week_sql(s: Session | Connection | Plain, column: str) -> str:
    """The Monday of the (UTC) week of a stored time, as ``metric_days.day`` holds it."""
    if _dialect(s) == "sqlite":
        return f"date({times.day_sql('sqlite', column)}, 'weekday 0', '-6 days')"
    return f"CAST(date_trunc('week', {column}) AS DATE)"


def histograms_sql(s: Session | Plain, where: str = "1 = 1") -> str:
    """SELECT kind, day, source, max_pos and the measures of ``metric_days`` for the medians'
    histograms of the rows of ``metric_contacts`` that ``where`` selects: each value's bucket
    computed once, the values counted once per year, week, source and bucket, and those counts
    summed for each kind."""
    values = {
        "stays": f"""
            SELECT {year_sql(s, "mc.h")} AS year, {week_sql(s, "mc.h")} AS week,
                   mc.src AS source,
                   ms.stage_id * {STAGE_SPAN} + {bucket_sql(s, "ms.days")} AS code
            FROM metric_stays ms JOIN (
                SELECT contact_id AS cid, source AS src, history_inquiry_at AS h
                FROM metric_contacts WHERE {where}) mc ON mc.cid = ms.contact_id""",
        "responses": f"""
            SELECT {year_sql(s, "inquiry_at")} AS year, {week_sql(s, "inquiry_at")} AS week,
                   source, {bucket_sql(s, "response_hours")} AS code
            FROM metric_contacts WHERE response_hours IS NOT NULL AND {where}""",
    }
    parts = []
    for kind, (counted, by, fine) in HISTOGRAMS.items():
        code = "code" if fine else "code - code % 64"
        parts.append(
            f"SELECT '{kind}' AS kind, {by} AS day, source, {code} AS max_pos, "
            f"SUM(n) AS n, 0 AS qualified, 0 AS answered, 0 AS decided, 0 AS late, "
            f"0 AS pending, 0.0 AS amount FROM {counted} GROUP BY {by}, {code}, source"
        )
    ctes = ", ".join(
        f"{name} AS (SELECT year, week, source, code, COUNT(*) AS n FROM ({sql}) v "
        "GROUP BY year, week, source, code)"
        for name, sql in values.items()
    )
    return f"WITH {ctes} " + " UNION ALL ".join(parts)


Key = tuple[str, Any, str | None, int]


def _contributions(s: Session | Plain, where: str) -> dict[Key, list[float]]:
    out: dict[Key, list[float]] = {}
    for sql in (contributions_sql(s, where), histograms_sql(s, where)):
        for kind, day, source, max_pos, *values in _run(s, sql):
            out[(str(kind), day, source, int(max_pos))] = [float(v or 0) for v in values]
    return out


BULK = 2000  # more changed keys than this: the rows' ids are read at once, not looked up each


def _apply(s: Session | Plain, old: dict[Key, list[float]], new: dict[Key, list[float]]) -> None:
    """Add ``new`` and take away ``old`` in ``metric_days``."""
    deltas: dict[Key, dict[str, Any]] = {}
    for key in old.keys() | new.keys():
        before = old.get(key, [0.0] * len(MEASURES))
        after = new.get(key, [0.0] * len(MEASURES))
        delta = [b - a for a, b in zip(before, after, strict=True)]
        if not any(delta):
            continue
        values: dict[str, Any] = {m: v for m, v in zip(MEASURES, delta, strict=True)}
        for m in MEASURES[:-1]:
            values[m] = int(values[m])
        deltas[key] = values
    if len(deltas) > BULK:
        _apply_bulk(s, deltas)
        return
    sets = ", ".join(f"{m} = {m} + :{m}" for m in MEASURES)
    fewer: set[tuple[str, Any]] = set()  # (kind, day) of the rows whose count went down
    for key, values in deltas.items():
        kind, day, source, max_pos = key
        if values["n"] < 0:
            fewer.add((kind, day))
        where = "kind = :kind AND day = :day AND max_pos = :max_pos AND " + (
            "source IS NULL" if source is None else "source = :source"
        )
        params = {"kind": kind, "day": day, "max_pos": max_pos, **values}
        if source is not None:
            params["source"] = source
        result: Any = _run(s, f"UPDATE metric_days SET {sets} WHERE {where}", params)
        if not result.rowcount:
            _run(
                s,
                "INSERT INTO metric_days (kind, day, source, max_pos, "
                f"{', '.join(MEASURES)}) VALUES (:kind, :day, :source, :max_pos, "
                f"{', '.join(':' + m for m in MEASURES)})",
                params | {"source": source},
            )
    if fewer:  # only a row whose count went down can have come to 0: those kinds' and days'
        # rows looked at by their index (every row of the table was: 9 ms of a 30 ms refresh
        # of one contact at 100,000 contacts, 80,000 rows; 446,000 at 1,000,000)
        _run(
            s,
            "DELETE FROM metric_days WHERE n = 0 AND kind IN :kinds AND day IN :days",
            {
                "kinds": sorted({kind for kind, _day in fewer}),
                "days": sorted({day for _kind, day in fewer}, key=str),
            },
            expanding=True,
        )


def _apply_bulk(s: Session | Plain, deltas: dict[Key, dict[str, Any]]) -> None:
    """:func:`_apply` for many keys (an import's contacts): the ids of the rows of their kinds
    read in one statement, then one executemany of updates and one of inserts."""
    kinds = sorted({key[0] for key in deltas})
    ids: dict[Key, int] = {}
    for row_id, kind, day, source, max_pos in _run(
        s,
        "SELECT id, kind, day, source, max_pos FROM metric_days WHERE kind IN :kinds",
        {"kinds": kinds},
        expanding=True,
    ):
        ids[(str(kind), day, source, int(max_pos))] = int(row_id)
    updates = [values | {"id": ids[key]} for key, values in deltas.items() if key in ids]
    inserts = [
        values | {"kind": key[0], "day": key[1], "source": key[2], "max_pos": key[3]}
        for key, values in deltas.items()
        if key not in ids
    ]
    if updates:
        sets = ", ".join(f"{m} = {m} + :{m}" for m in MEASURES)
        _run(s, f"UPDATE metric_days SET {sets} WHERE id = :id", updates)
    if inserts:
        _run(
            s,
            "INSERT INTO metric_days (kind, day, source, max_pos, "
            f"{', '.join(MEASURES)}) VALUES (:kind, :day, :source, :max_pos, "
            f"{', '.join(':' + m for m in MEASURES)})",
            inserts,
        )
    _run(s, "DELETE FROM metric_days WHERE n = 0")


def rebuild(s: Session, d: Definition, *, analyze: bool = True) -> None:
    """Derive every row again (in the caller's write transaction). ``analyze`` (PostgreSQL):
    the planner's statistics taken in that transaction; else the caller takes them after it
    commits (:func:`bring_up_to_date`, with its VACUUM)."""
    last = s.scalar(text("SELECT MAX(id) FROM metric_dirty"))
    s.execute(text("DELETE FROM metric_stays"))
    s.execute(text("DELETE FROM metric_contacts"))
    s.execute(text("DELETE FROM metric_days"))
    _insert_contacts(s, d, "")
    _insert_stays(s, "")
    for sql in (contributions_sql(s), histograms_sql(s)):
        s.execute(
            text(
                f"INSERT INTO metric_days (kind, day, source, max_pos, {', '.join(MEASURES)}) {sql}"
            )
        )
    if last is not None:
        s.execute(text("DELETE FROM metric_dirty WHERE id <= :last"), {"last": last})
    s.execute(text("DELETE FROM metric_meta WHERE key = :k"), {"k": SIGNATURE})
    s.execute(
        text("INSERT INTO metric_meta (key, value) VALUES (:k, :v)"),
        {"k": SIGNATURE, "v": d.signature()},
    )
    if analyze and _dialect(s) == "postgresql":
        # every row is new: the planner's statistics of these tables describe what was there
        # before (nothing, after an upgrade, a copy-to or a demo), and autovacuum analyzes
        # them a minute or more later. Until then the dashboard's reads of metric_days took
        # plans made for a handful of rows (its 64ths by a scan of every row of their kind:
        # 20-50 ms each instead of a few). Inside the transaction: it counts its own rows.
        # A role that does not own the tables is only warned (the reads stay correct).
        s.execute(text("ANALYZE metric_contacts, metric_stays, metric_days"))


def refresh(s: Session | Plain, d: Definition, *, analyze: bool = True) -> int:
    """Derive again the rows of the contacts named in ``metric_dirty`` (every row when the
    definition changed: -1, ``analyze`` as :func:`rebuild`'s); returns how many log entries
    were taken. On a :class:`Plain` connection the logged contacts' statements run through
    the driver; every row derived again, or an older version's kinds dropped, through its
    session (a Plain without one: :func:`plain_refresh`, which checks first, raises)."""
    stored = _scalar(s, "SELECT value FROM metric_meta WHERE key = :k", {"k": SIGNATURE})
    if stored != d.signature():
        session = s.session if isinstance(s, Plain) else s
        if session is None:
            raise sqlite3.OperationalError("the derived rows are of another definition")
        dropped = [kinds for v, kinds in DROPPED.items() if stored == d.signature(v)]
        if not dropped:
            rebuild(session, d, analyze=analyze)
            return -1
        _drop(session, d, dropped[0])
    last = _scalar(s, "SELECT MAX(id) FROM metric_dirty")
    if last is None:
        return 0
    among = f"SELECT contact_id FROM metric_dirty WHERE id <= {int(last)}"
    old = _contributions(s, f"contact_id IN ({among})")
    _run(s, f"DELETE FROM metric_stays WHERE contact_id IN ({among})")
    _run(s, f"DELETE FROM metric_contacts WHERE contact_id IN ({among})")
    _insert_contacts(s, d, among)
    _insert_stays(s, among)
    _apply(s, old, _contributions(s, f"contact_id IN ({among})"))
    result: Any = _run(s, f"DELETE FROM metric_dirty WHERE id <= {int(last)}")
    return int(result.rowcount or 0)


# the most log entries :func:`plain_refresh` takes (a few edits, a bulk move of a few hundred
# contacts: 475 entries ~0.12 s of CPU at 100,000, 950 ~0.36 s); more (an import, a big bulk
# move) are the usual opening's, as every row derived again is
PLAIN_REFRESH_MOST = 500


def plain_refreshable(s: Session | Plain, d: Definition) -> bool:
    """Whether the rows are of this definition and at most ``PLAIN_REFRESH_MOST`` log entries
    behind: what :func:`plain_refresh` brings up to date."""
    ((stored, logged),) = read(
        s,
        "SELECT (SELECT value FROM metric_meta WHERE key = :k), "
        "(SELECT COUNT(*) FROM (SELECT 1 FROM metric_dirty LIMIT :most) x)",
        {"k": SIGNATURE, "most": PLAIN_REFRESH_MOST + 1},
    )
    return bool(stored == d.signature() and int(logged) <= PLAIN_REFRESH_MOST)


def plain_refresh(con: sqlite3.Connection | PgReads, d: Definition) -> bool:
    """:func:`refresh` through the driver alone, in a write transaction of its own on ``con``
    (a connection of ``db.plain_open``, outside any transaction; on PostgreSQL one of
    ``db.plain_pg`` in autocommit: :func:`_plain_refresh_pg`), for a few logged contacts:
    the first ``winnow stats`` after an edit then needs no SQLAlchemy and no usual opening
    (issue 15: ~0.5-1.1 s of CPU, ~0.13 s without). The same statements as the usual path's.
    False, nothing written, when the usual path must do it: the write lock held by another
    connection (not waited for here: the usual opening waits and says so), more entries
    logged or rows of another definition, or any error of the driver's."""
    if not isinstance(con, sqlite3.Connection):
        return _plain_refresh_pg(con, d)
    con.execute("PRAGMA busy_timeout=0")
    try:
        con.execute("BEGIN IMMEDIATE")
    except sqlite3.Error:
        return False
    finally:
        con.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    try:
        s = Plain(con)
        if not plain_refreshable(s, d):
            con.execute("ROLLBACK")
            return False
        refresh(s, d)
        con.execute("COMMIT")
    except sqlite3.Error as exc:
        if con.in_transaction:
            con.execute("ROLLBACK")
        _log().info("metric aggregates not brought up to date through the driver: %s", exc)
        return False
    return True


def _plain_refresh_pg(con: PgReads, d: Definition) -> bool:
    """:func:`plain_refresh` on PostgreSQL through psycopg: a transaction begun as the usual
    path's write transactions are (the server's isolation level) that takes the write lock
    they begin with (``db.engine``'s write sessions: the advisory lock
    ``db.plain_pg.WRITE_LOCK_KEY``), without waiting for it (``pg_try_advisory_xact_lock``:
    while another writer holds it, the usual opening waits and says so); then :func:`refresh`'s
    statements as the usual path runs them there (``analyze=False``, as ``bring_up_to_date``:
    a few entries never derive every row again, nor reach ``VACUUM_AFTER``). A role that may
    not write, a connection lost: False, rolled back."""
    from psycopg import errors  # (the package made by db.plain_pg, or psycopg's whole)

    from db.plain_pg import WRITE_LOCK_KEY

    try:
        con.execute("BEGIN")
        try:
            row = con.execute(f"SELECT pg_try_advisory_xact_lock({WRITE_LOCK_KEY})").fetchone()
            s = PlainPg(con)
            if row is None or not row[0] or not plain_refreshable(s, d):
                con.execute("ROLLBACK")
                return False
            refresh(s, d, analyze=False)
            con.execute("COMMIT")
        except BaseException:
            with suppress(errors.Error):  # (a connection lost: nothing to roll back)
                con.execute("ROLLBACK")
            raise
    except (errors.Error, sqlite3.OperationalError) as exc:  # (refresh's: another definition)
        _log().info("metric aggregates not brought up to date through psycopg: %s", exc)
        return False
    return True


def _drop(s: Session, d: Definition, kinds: Sequence[str]) -> None:
    """Rows derived under an older version that kept these kinds besides this version's: the
    same rows without them."""
    s.execute(
        text("DELETE FROM metric_days WHERE kind IN :kinds").bindparams(
            bindparam("kinds", expanding=True)
        ),
        {"kinds": list(kinds)},
    )
    s.execute(
        text("UPDATE metric_meta SET value = :v WHERE key = :k"),
        {"k": SIGNATURE, "v": d.signature()},
    )


def is_current(s: Session | Plain, d: Definition) -> bool:
    """Whether the derived rows are up to date (nothing logged, same definition)."""
    ((stored, logged),) = read(
        s,
        "SELECT (SELECT value FROM metric_meta WHERE key = :k), (SELECT MAX(id) FROM metric_dirty)",
        {"k": SIGNATURE},
    )
    return bool(stored == d.signature() and logged is None)


def readable(s: Session, d: Definition) -> bool | None:
    """In a read transaction: whether the derived rows can be read as they are (True), the
    metrics must be computed from the store instead (False: an import is still being written,
    its contacts invisible until it is done), or the rows must be brought up to date first
    (None)."""
    from db.visibility import unfinished_batches

    if unfinished_batches(s):
        return False
    return True if is_current(s, d) else None


def bring_up_to_date(
    db: Database, d: Definition, known: bool | None = None, checked: bool = False
) -> bool:
    """Make the derived rows current; False when the metrics must be computed from the store
    instead: an import is still being written (its contacts are invisible until it is done),
    or the rows are out of date and this connection may not write (a read-only role, a
    damaged file, a write lock not had). ``checked``: the caller found ``known`` with
    :func:`readable` in a read transaction of its own (on PostgreSQL, one transaction less:
    its BEGIN, COMMIT and import check are round trips to the server)."""
    if not checked:
        with db.session() as s:
            known = readable(s, d)
    if known is not None:
        return known
    if not db.writable_now():
        return False
    start = time.perf_counter()
    postgresql = db.engine.dialect.name == "postgresql"
    try:
        with db.write_session() as s:
            # on SQLite the statements through the write session's driver connection, in its
            # transaction: a refresh after one move 11.5-12.9 -> 5.7-6.4 ms of CPU at 100,000;
            # on PostgreSQL every row derived again is analyzed after the commit, with the
            # VACUUM (vacuum_derived), not twice
            taken = refresh(cast("Session | Plain", driver_reads(s)), d, analyze=not postgresql)
    except (DatabaseError, sqlite3.Error) as exc:  # the driver's own errors: not translated
        _log().info("metric aggregates not brought up to date: %s", exc)
        return False
    _log().debug(
        "metric aggregates: %s in %.3f s",
        "rebuilt" if taken < 0 else f"{taken} log entries",
        time.perf_counter() - start,
    )
    if (taken < 0 or taken >= VACUUM_AFTER) and postgresql:
        vacuum_derived(db)
    return True


# log entries taken at once from which the tables are vacuumed on PostgreSQL (vacuum_derived)
VACUUM_AFTER = 10_000


def vacuum_derived(db: Database) -> None:
    """PostgreSQL, after every row was derived again or many log entries were taken (after a
    ``copy-to`` or an import): ``VACUUM (ANALYZE)`` of the four tables at once, in autocommit
    (it cannot run in a transaction), tables another VACUUM holds skipped.

    The entries taken are deleted rows that stay in the table and its index until a VACUUM:
    ``is_current``'s ``MAX(id)`` walked every one of them backwards through the index to find
    the log empty, visiting its row too (after a rebuild at 100,000 contacts, 293,000 entries:
    the next read's 70-190 ms instead of a few; then ~1-2 ms each read, the index's leaf pages
    still walked, until autovacuum came by, a minute or more later). The rows of
    ``metric_days`` are new, and until vacuumed its covering index cannot answer alone (a
    visit of the table's row for each). VACUUM removes only rows no transaction can see any
    more, takes no lock that holds up a write, and does not empty the log of entries
    committed meanwhile (the reason TRUNCATE was not used: performance log, 2026-12-02 22:37).
    It costs 70-90 ms for those 293,000 entries, after a rebuild of 3.5-5 s.

    Left to autovacuum, the same work came 14-15 s after a rebuild at 100,000 (VACUUM and
    ANALYZE of metric_contacts and metric_stays, ANALYZE of the other two: the rebuild's own
    ANALYZE ran before its rows were counted as changed), beside whatever read then — on two
    cores the dashboard's next reads (a 12 weeks' median 2.7x SQLite's in a full benchmark
    run). Done here, with the planner's statistics the rebuild then does not take, autovacuum
    finds nothing to do (none within 75 s). A role that may not vacuum them is only warned by
    the server; a failure is logged, nothing else."""
    from sqlalchemy import exc as sa_exc  # the package first (tests/test_sqlalchemy_imports.py)

    try:
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM (ANALYZE, SKIP_LOCKED) metric_dirty, metric_days, metric_contacts,"
                " metric_stays"
            )
    except sa_exc.DBAPIError as exc:
        _log().info("metric aggregates' tables not vacuumed: %s", exc)


def definition(
    inquiry: int, customer: int, deciding: Sequence[int], stages: Sequence[tuple[int, int, str]]
) -> Definition:
    return Definition(
        int(inquiry),
        int(customer),
        tuple(int(i) for i in deciding),
        tuple(sorted((int(i), int(p), str(k)) for i, p, k in stages)),
    )

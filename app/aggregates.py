"""The metrics' derived tables (migration 0011), kept current so the dashboard and ``stats``
read them instead of scanning stage history.

- ``metric_contacts``: per contact that reached Inquiry, what ``app.metrics`` derives from its
  history, answers and follow-up times (the reference computation's per-contact rows, without
  a source or import filter: those are applied when read);
- ``metric_stays``: the completed stays in each stage of those contacts, in days.

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
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from db.engine import Database
from db.errors import DatabaseError
from db.visibility import unfinished_batches

log = logging.getLogger(__name__)

SIGNATURE = "signature"


@dataclass(frozen=True)
class Definition:
    """What the derived rows depend on besides each contact's own rows: the positions of
    Inquiry, Customer and every non-side stage, and the criteria that decide "qualified"."""

    inquiry: int
    customer: int
    deciding: tuple[int, ...]
    stages: tuple[tuple[int, int, str], ...]  # id, position, kind

    def signature(self) -> str:
        return json.dumps(
            [self.inquiry, self.customer, list(self.deciding), [list(s) for s in self.stages]]
        )


def _dialect(s: Session) -> str:
    return s.get_bind().dialect.name


def _hours(s: Session, later: str, earlier: str) -> str:  # as app.metrics computes it
    if _dialect(s) == "sqlite":
        return f"((julianday({later}) - julianday({earlier})) * 24.0)"
    return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 3600.0)"


def _insert_contacts(s: Session, d: Definition, among: str) -> None:
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
    s.execute(
        text(f"""
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
        """),
        {"p_inq": d.inquiry, "p_cust": d.customer},
    )


def _insert_stays(s: Session, among: str) -> None:
    """Derive ``metric_stays`` for the contacts of ``metric_contacts`` that ``among`` selects."""
    also = f"AND contact_id IN ({among})" if among else ""
    s.execute(
        text(f"""
        INSERT INTO metric_stays (change_id, contact_id, stage_id, days)
        SELECT id, contact_id, to_stage_id, {_hours(s, "next_at", "at")} / 24.0 FROM (
          SELECT sc.id AS id, sc.contact_id AS contact_id, sc.to_stage_id AS to_stage_id,
                 sc.at AS at,
                 LEAD(sc.at) OVER (PARTITION BY sc.contact_id ORDER BY sc.at, sc.id) AS next_at
          FROM stage_changes sc
          WHERE sc.undone_at IS NULL
                AND sc.contact_id IN (SELECT contact_id FROM metric_contacts WHERE 1 = 1 {also})
        ) x WHERE next_at IS NOT NULL
        """)
    )


MEASURES = ("n", "qualified", "answered", "decided", "late", "pending", "amount")


def day_sql(s: Session, column: str) -> str:
    """The UTC day of a stored time, as ``metric_days.day`` holds it."""
    return f"date({column})" if _dialect(s) == "sqlite" else f"CAST({column} AS DATE)"


def contributions_sql(s: Session, where: str = "1 = 1", only: dict[str, str] | None = None) -> str:
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


Key = tuple[str, Any, str | None, int]


def _contributions(s: Session, where: str) -> dict[Key, list[float]]:
    out: dict[Key, list[float]] = {}
    for kind, day, source, max_pos, *values in s.execute(text(contributions_sql(s, where))):
        out[(str(kind), day, source, int(max_pos))] = [float(v or 0) for v in values]
    return out


def _apply(s: Session, old: dict[Key, list[float]], new: dict[Key, list[float]]) -> None:
    """Add ``new`` and take away ``old`` in ``metric_days``."""
    sets = ", ".join(f"{m} = {m} + :{m}" for m in MEASURES)
    for key in old.keys() | new.keys():
        before = old.get(key, [0.0] * len(MEASURES))
        after = new.get(key, [0.0] * len(MEASURES))
        delta = [b - a for a, b in zip(before, after, strict=True)]
        if not any(delta):
            continue
        kind, day, source, max_pos = key
        values: dict[str, Any] = {m: v for m, v in zip(MEASURES, delta, strict=True)}
        for m in MEASURES[:-1]:
            values[m] = int(values[m])
        where = "kind = :kind AND day = :day AND max_pos = :max_pos AND " + (
            "source IS NULL" if source is None else "source = :source"
        )
        params = {"kind": kind, "day": day, "max_pos": max_pos, **values}
        if source is not None:
            params["source"] = source
        result: Any = s.execute(text(f"UPDATE metric_days SET {sets} WHERE {where}"), params)
        if not result.rowcount:
            s.execute(
                text(
                    "INSERT INTO metric_days (kind, day, source, max_pos, "
                    f"{', '.join(MEASURES)}) VALUES (:kind, :day, :source, :max_pos, "
                    f"{', '.join(':' + m for m in MEASURES)})"
                ),
                params | {"source": source},
            )
    s.execute(text("DELETE FROM metric_days WHERE n = 0"))


def rebuild(s: Session, d: Definition) -> None:
    """Derive every row again (in the caller's write transaction)."""
    last = s.scalar(text("SELECT MAX(id) FROM metric_dirty"))
    s.execute(text("DELETE FROM metric_stays"))
    s.execute(text("DELETE FROM metric_contacts"))
    s.execute(text("DELETE FROM metric_days"))
    _insert_contacts(s, d, "")
    _insert_stays(s, "")
    s.execute(
        text(
            "INSERT INTO metric_days (kind, day, source, max_pos, "
            f"{', '.join(MEASURES)}) {contributions_sql(s)}"
        )
    )
    if last is not None:
        s.execute(text("DELETE FROM metric_dirty WHERE id <= :last"), {"last": last})
    s.execute(text("DELETE FROM metric_meta WHERE key = :k"), {"k": SIGNATURE})
    s.execute(
        text("INSERT INTO metric_meta (key, value) VALUES (:k, :v)"),
        {"k": SIGNATURE, "v": d.signature()},
    )


def refresh(s: Session, d: Definition) -> int:
    """Derive again the rows of the contacts named in ``metric_dirty`` (every row when the
    definition changed); returns how many log entries were taken."""
    stored = s.scalar(text("SELECT value FROM metric_meta WHERE key = :k"), {"k": SIGNATURE})
    if stored != d.signature():
        rebuild(s, d)
        return -1
    last = s.scalar(text("SELECT MAX(id) FROM metric_dirty"))
    if last is None:
        return 0
    among = f"SELECT contact_id FROM metric_dirty WHERE id <= {int(last)}"
    old = _contributions(s, f"contact_id IN ({among})")
    s.execute(text(f"DELETE FROM metric_stays WHERE contact_id IN ({among})"))
    s.execute(text(f"DELETE FROM metric_contacts WHERE contact_id IN ({among})"))
    _insert_contacts(s, d, among)
    _insert_stays(s, among)
    _apply(s, old, _contributions(s, f"contact_id IN ({among})"))
    result: Any = s.execute(text(f"DELETE FROM metric_dirty WHERE id <= {int(last)}"))
    return int(result.rowcount or 0)


def is_current(s: Session, d: Definition) -> bool:
    """Whether the derived rows are up to date (nothing logged, same definition)."""
    stored = s.scalar(text("SELECT value FROM metric_meta WHERE key = :k"), {"k": SIGNATURE})
    if stored != d.signature():
        return False
    return s.scalar(text("SELECT MAX(id) FROM metric_dirty")) is None


def bring_up_to_date(db: Database, d: Definition) -> bool:
    """Make the derived rows current; False when the metrics must be computed from the store
    instead: an import is still being written (its contacts are invisible until it is done),
    or the rows are out of date and this connection may not write (a read-only role, a
    damaged file, a write lock not had)."""
    with db.session() as s:
        if unfinished_batches(s):
            return False
        if is_current(s, d):
            return True
    if not db.writable_now():
        return False
    start = time.perf_counter()
    try:
        with db.write_session() as s:
            taken = refresh(s, d)
    except DatabaseError as exc:
        log.info("metric aggregates not brought up to date: %s", exc)
        return False
    log.debug(
        "metric aggregates: %s in %.3f s",
        "rebuilt" if taken < 0 else f"{taken} log entries",
        time.perf_counter() - start,
    )
    return True


def definition(
    inquiry: int, customer: int, deciding: Sequence[int], stages: Sequence[tuple[int, int, str]]
) -> Definition:
    return Definition(
        int(inquiry),
        int(customer),
        tuple(int(i) for i in deciding),
        tuple(sorted((int(i), int(p), str(k)) for i, p, k in stages)),
    )

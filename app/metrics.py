"""Lead-generation metrics exactly as seed 003 defines them, computed in SQL from stage history.

Definitions (changes that were undone do not count; side stages such as Nurture and
Disqualified are never "reached"):

- A contact *reached* stage X when a stage change took it to a pipeline or won stage at X's
  position or later. So a contact that skipped a stage, or was imported straight into a later
  stage, reached every stage before it too (reaching Sales qualified implies it was an inquiry);
  a contact that went back keeps what it reached.
- inquiries = contacts that reached Inquiry; the date it *became an inquiry* is the first such
  change, or its received time (the first inbound activity, an imported inquiry date) when
  that is earlier. The period (``since`` ≤ date < ``until``) selects contacts by that date.
- qualified (a qualified lead) = an inquiry that meets the qualification: every required BANT
  criterion answered yes (``app.qualification``); it *became qualified* when the last of those
  answers was given (not before it became an inquiry). By default (seed 003) the qualified
  leads are those that became qualified *during the period*, whenever they became inquiries;
  the cohort view (``cohort=True``, "by inquiry month") counts instead the period's inquiries
  that are qualified. ``Metrics.view`` names which.
- customers = the period's inquiries that reached Customer.
- qualification rate = qualified ÷ inquiries; conversion rate = customers ÷ qualified.
- pipeline value: the open pipeline is the sum of the deal amounts of the contacts now in
  Opportunity or a later pipeline stage (not won, not side); the won value is the sum of the
  amounts of the period's inquiries that reached Customer.
- response rate = responses ÷ prospects reached, only for sources whose reached count is
  recorded (an outbound campaign, ``winnow sources set-reached``); responses = inquiries from
  that source. Null when no such source.
- median hours to first response = median of (first response − received) over inquiries with
  both (see ``app.followup``).
- unanswered share = inquiries not answered within the SLA ÷ inquiries whose response is decided
  (answered, or past due); never-followed-up share = inquiries past due with no response at all
  ÷ the same. Inquiries still inside their response window count in neither.
- funnel: for each pipeline/won stage from Inquiry on, how many inquiries reached it; conversion
  to the next stage = next ÷ this, drop-off = 1 − conversion.
- median days in each stage: completed stays only (from a change into the stage to the next
  change), of the inquiries in the period.
- weeks (the dashboard's trend): per week, how many became inquiries and how many became
  qualified leads (the period view); months (the cohort view, by inquiry month): per month,
  how many became inquiries and how many of those are qualified leads now.

Every rate is null (None) when its denominator is 0. ``source`` matches like the list's source
filter: case-insensitive, any part of the name ("trade show" takes every trade show).
"""

from __future__ import annotations

import argparse
import sqlite3
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from app import aggregates
from app.aggregates import Plain, PlainPg, bindparam, read, text
from app.errors import UsageError
from app.timeutil import iso, parse_iso, utcnow
from db import time_numbers as times

if TYPE_CHECKING:  # SQLAlchemy, the models and the engine are imported where the ORM path
    # runs: ``winnow stats`` on a file at the head revision reads with the driver alone
    # (:func:`plain_stats`; tests/app/test_cli_imports.py)
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from db.engine import Database
    from db.plain_pg import PgReads

NO_SOURCE = "(no source)"
_TEMP = "winnow_reach"
_DEFAULT_SLA_HOURS = 24.0  # app.followup.DEFAULT_SLA_HOURS (a test holds them equal)


@dataclass(frozen=True)
class SourceFigures:
    source: str
    inquiries: int
    qualified: int
    customers: int
    reached: int | None
    qualification_rate: float | None
    conversion_rate: float | None
    response_rate: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "inquiries": self.inquiries,
            "qualified": self.qualified,
            "customers": self.customers,
            "qualification_rate": self.qualification_rate,
            "conversion_rate": self.conversion_rate,
            "reached": self.reached,
            "response_rate": self.response_rate,
        }


@dataclass(frozen=True)
class FunnelStep:
    stage: str  # key
    name: str
    count: int
    conversion_to_next: float | None
    drop_off: float | None  # 1 − conversion_to_next


@dataclass(frozen=True)
class WeekFigures:
    week_start: date  # a Monday
    inquiries: int  # became inquiries that week
    qualified: int  # reached Sales qualified that week


@dataclass(frozen=True)
class MonthFigures:
    month_start: date  # the first of the month
    inquiries: int  # became inquiries that month
    qualified: int  # of those, qualified leads now (the cohort view)


@dataclass(frozen=True)
class Metrics:
    since: datetime | None
    until: datetime | None
    source: str | None
    inquiries: int
    qualified: int
    customers: int
    qualification_rate: float | None
    conversion_rate: float | None
    response_rate: float | None
    median_first_response_hours: float | None
    unanswered_share: float | None
    never_followed_up_share: float | None
    funnel: tuple[FunnelStep, ...]
    by_source: tuple[SourceFigures, ...]
    median_days_in_stage: dict[str, float | None]
    answered: int = 0
    decided: int = 0
    unanswered: int = 0
    never_followed_up: int = 0
    weeks: tuple[WeekFigures, ...] = field(default_factory=tuple)
    view: str = "period"  # period | cohort: what "qualified" counts (see the module)
    open_pipeline_value: float = 0.0
    won_value: float = 0.0
    months: tuple[MonthFigures, ...] = field(default_factory=tuple)
    stage_names: dict[str, str] = field(default_factory=dict)  # key → name, in stage order
    open_deals: int = 0  # contacts counted in the open pipeline (with an amount)

    def stage_name(self, key: str) -> str:
        return self.stage_names.get(key, key)

    def as_json(self) -> dict[str, Any]:
        return {
            "period": {"since": iso(self.since), "until": iso(self.until), "source": self.source},
            "inquiries": self.inquiries,
            "qualified": self.qualified,
            "customers": self.customers,
            "qualification_rate": self.qualification_rate,
            "conversion_rate": self.conversion_rate,
            "response_rate": self.response_rate,
            "median_first_response_hours": self.median_first_response_hours,
            "unanswered_share": self.unanswered_share,
            "never_followed_up_share": self.never_followed_up_share,
            "funnel": [
                {
                    "stage": f.stage,
                    "name": f.name,
                    "count": f.count,
                    "conversion_to_next": f.conversion_to_next,
                    "drop_off": f.drop_off,
                }
                for f in self.funnel
            ],
            "by_source": {b.source: b.as_json() for b in self.by_source},
            "median_days_in_stage": self.median_days_in_stage,
            "qualification_view": VIEWS[self.view],
            "cohort": self.view == "cohort",
            "open_pipeline_value": self.open_pipeline_value,
            "won_value": self.won_value,
        }


VIEWS = {
    "period": "qualified during the period ÷ inquiries in the period (seed 003)",
    "cohort": "cohort by inquiry month: the period's inquiries that are qualified ÷ inquiries",
}


def rate(numerator: int | float, denominator: int | float) -> float | None:
    return None if not denominator else float(numerator) / float(denominator)


# --- dialect pieces (SQLite is the default store; PostgreSQL for teams) -------------------


def _hours(s: Session | Connection, later: str, earlier: str) -> str:
    return times.hours_between_sql(_dialect(s), later, earlier)


def _day(s: Session, column: str) -> str:
    return times.day_sql(_dialect(s), column)


_dialect = aggregates._dialect


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# --- the computation -------------------------------------------------------------------


@dataclass(frozen=True)
class _Anchors:
    inquiry: int
    qualified: int
    customer: int
    funnel: tuple[tuple[str, str, int], ...]  # key, name, position: pipeline/won from Inquiry
    names: dict[int, str]  # stage id → key
    deciding: tuple[int, ...] = ()  # criteria ids that decide "qualified"
    opportunity: int = 1 << 30
    stage_names: tuple[tuple[str, str], ...] = ()  # key, name in stage order
    layout: tuple[tuple[int, int, str], ...] = ()  # every stage: id, position, kind

    def definition(self) -> aggregates.Definition:
        """What the derived rows of ``app.aggregates`` depend on."""
        return aggregates.definition(self.inquiry, self.customer, self.deciding, self.layout)


_NEVER = 1 << 30


def derive_now(s: Session, *, every_contact: bool = False) -> None:
    """Bring the derived rows of ``app.aggregates`` up to date in the caller's write
    transaction: after a bulk write (the demo), so that the first dashboard or ``stats`` does
    not derive every contact it logged (15 s at 1,000,000). ``every_contact``: derive every
    row again, whatever the log names (a bulk write that kept its rows out of the log)."""
    definition = _anchors(s).definition()
    if every_contact:
        aggregates.rebuild(s, definition)
    else:
        aggregates.refresh(s, definition)


# the ORM's statements of _anchors and _reached as SQLAlchemy compiles them for SQLite (the
# plain reads run this text; tests/app/test_metrics_plain.py compiles them and compares)
STAGE_ROWS = (
    'SELECT stages.id, stages."key", stages.name, stages.position, stages.kind'
    " \nFROM stages ORDER BY stages.position, stages.id"
)
CRITERIA_ROWS = "SELECT bant_criteria.id, bant_criteria.required \nFROM bant_criteria"
REACHED = (
    "SELECT sources.name, sources.reached \nFROM sources"
    " \nWHERE sources.reached IS NOT NULL AND sources.reached > ?"
)
REACHED_LIKE = f"{REACHED} AND lower(sources.name) LIKE lower(?) ESCAPE '\\'"
# app.stages.stage_counts' statement (every stage, zero included, in stage order)
STAGE_COUNTS = (
    'SELECT stages."key", count(contacts.id) AS count_1 \nFROM stages LEFT OUTER JOIN contacts'
    " ON contacts.stage_id = stages.id GROUP BY stages.id ORDER BY stages.position"
)


# the same statements as SQLAlchemy compiles them for PostgreSQL (psycopg's parameters; the
# plain reads of app.metrics.plain_stats on PostgreSQL, tests/app/test_metrics_plain.py)
STAGE_ROWS_PG = (
    "SELECT stages.id, stages.key, stages.name, stages.position, stages.kind"
    " \nFROM stages ORDER BY stages.position, stages.id"
)
CRITERIA_ROWS_PG = "SELECT bant_criteria.id, bant_criteria.required \nFROM bant_criteria"
REACHED_PG = (
    "SELECT sources.name, sources.reached \nFROM sources \nWHERE sources.reached IS NOT NULL"
    " AND sources.reached > %(reached_1)s::INTEGER"
)
REACHED_LIKE_PG = f"{REACHED_PG} AND sources.name ILIKE %(name_1)s::VARCHAR ESCAPE '\\'"
# app.stages._stage_counts_pg's statement with no import being written
STAGE_COUNTS_PG = (
    "SELECT stages.key, (SELECT count(*) AS count_1 \nFROM contacts"
    " \nWHERE contacts.stage_id = stages.id) AS anon_1 \nFROM stages ORDER BY stages.position"
)


def _anchors(s: Session | Plain) -> _Anchors:
    criteria: Any
    if isinstance(s, PlainPg):
        rows: Any = s.pg.execute(STAGE_ROWS_PG).fetchall()
        criteria = s.pg.execute(CRITERIA_ROWS_PG).fetchall()
    elif isinstance(s, Plain):
        rows = s.con.execute(STAGE_ROWS).fetchall()
        criteria = s.con.execute(CRITERIA_ROWS).fetchall()
    else:
        from sqlalchemy import select

        from db.models import BantCriterion, Stage

        rows = s.execute(
            select(Stage.id, Stage.key, Stage.name, Stage.position, Stage.kind).order_by(
                Stage.position, Stage.id
            )
        ).all()
        criteria = s.execute(select(BantCriterion.id, BantCriterion.required)).all()
    pos = {key: position for _id, key, _n, position, _k in rows}
    won = [position for _id, _key, _n, position, kind in rows if kind == "won"]
    inquiry = pos.get("inquiry", _NEVER)
    customer = pos.get("customer", won[0] if won else _NEVER)
    funnel = tuple(
        (key, name, position)
        for _id, key, name, position, kind in rows
        if kind != "side" and position >= inquiry
    )
    deciding = tuple(int(i) for i, r in criteria if r) or tuple(int(i) for i, _r in criteria)
    return _Anchors(
        inquiry,
        pos.get("sql", _NEVER),
        customer,
        funnel,
        {i: k for i, k, *_r in rows},
        deciding,
        pos.get("opportunity", _NEVER),
        tuple((str(k), str(n)) for _i, k, n, _p, _k in rows),
        tuple((int(i), int(p), str(kind)) for i, _k, _n, p, kind in rows),
    )


def _unfinished(s: Session | Plain, column: str) -> str:
    """``db.visibility.unfinished_batches_sql``: '' on a plain read (its snapshot holds no
    import being written, :func:`plain_stats`)."""
    if isinstance(s, Plain):
        if s.session is None:
            return ""
        s = s.session  # the dashboard's reads on its session's driver connection
    from db.visibility import unfinished_batches_sql

    return unfinished_batches_sql(s, column)


def _like(source: str) -> str:
    escaped = source.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _build_reach(s: Session, a: _Anchors, source: str | None) -> None:
    """Per contact that reached Inquiry: when it became an inquiry / qualified / customer, the
    furthest stage reached, and its follow-up times — one pass over the stage history."""
    s.execute(text(f"DROP TABLE IF EXISTS {_TEMP}"))
    where_source = "AND lower(c.source) LIKE :pattern ESCAPE '\\'" if source else ""
    # when each contact became qualified: the last of its deciding yes answers
    if a.deciding:
        ids = ", ".join(str(int(i)) for i in a.deciding)
        answers = f"""
            LEFT JOIN (
                SELECT ba.contact_id AS qcid, MAX(ba.updated_at) AS q_at
                FROM bant_answers ba
                WHERE ba.answer = 'yes' AND ba.criterion_id IN ({ids})
                GROUP BY ba.contact_id HAVING COUNT(DISTINCT ba.criterion_id) = {len(a.deciding)}
            ) q ON q.qcid = r.cid"""
        became = "CASE WHEN q.qcid IS NULL THEN NULL ELSE COALESCE(q.q_at, r.inquiry_at) END"
    else:
        answers, became = "", "NULL"
    inquiry_at = (
        "CASE WHEN c.received_at IS NOT NULL AND c.received_at < r.inquiry_at "
        "THEN c.received_at ELSE r.inquiry_at END"
    )
    stmt = text(f"""
        CREATE TEMP TABLE {_TEMP} AS
        SELECT r.cid AS cid, c.source AS source, {inquiry_at} AS inquiry_at,
               CASE WHEN ({became}) < ({inquiry_at}) THEN ({inquiry_at}) ELSE ({became}) END
                 AS qualified_at,
               r.customer_at AS customer_at, r.max_pos AS max_pos,
               c.received_at AS received_at, c.response_due_at AS due_at,
               c.first_response_at AS first_at, c.deal_amount AS amount
        FROM (
            SELECT sc.contact_id AS cid,
                   MIN(CASE WHEN st.position >= :p_inq THEN sc.at END) AS inquiry_at,
                   MIN(CASE WHEN st.position >= :p_sql THEN sc.at END) AS qualified_at,
                   MIN(CASE WHEN st.position >= :p_cust THEN sc.at END) AS customer_at,
                   MAX(st.position) AS max_pos
            FROM stage_changes sc JOIN stages st ON st.id = sc.to_stage_id
            WHERE sc.undone_at IS NULL AND st.kind <> 'side'
            GROUP BY sc.contact_id
        ) r JOIN contacts c ON c.id = r.cid {answers}
        WHERE r.inquiry_at IS NOT NULL {where_source}
              {_unfinished(s, "c.import_batch_id")}
    """)
    params: dict[str, Any] = {"p_inq": a.inquiry, "p_sql": a.qualified, "p_cust": a.customer}
    if source:
        params["pattern"] = _like(source)
    s.execute(stmt, params)


def _period_sql(column: str, since: datetime | None, until: datetime | None) -> str:
    parts = ["1 = 1"]
    if since is not None:
        parts.append(f"{column} >= :since")
    if until is not None:
        parts.append(f"{column} < :until")
    return " AND ".join(parts)


def _bind(sql: str, **params: Any) -> Any:
    """A text() statement whose time parameters are bound as DateTime (stored format)."""
    from sqlalchemy import DateTime

    stmt = text(sql)
    names = [n for n in ("since", "until", "now") if f":{n}" in sql]
    return stmt.bindparams(*(bindparam(n, type_=DateTime()) for n in names))


def _compute(
    db: Database,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
    now: datetime,
    with_weeks: bool,
    cohort_view: bool = False,
    reference: bool = False,
) -> tuple[Metrics, list[str], float]:
    """All figures, read from the derived tables ``app.aggregates`` keeps current — or, with
    ``reference`` or when those cannot be brought up to date (an import still being written, a
    read-only role), computed from the stage history itself: the reference the tests compare
    them with. Also returns, with ``with_weeks`` (the dashboard), every source name (for its
    picker) and the response time (SLA).

    The stays in each stage are measured on a second connection at the same time (the driver
    releases the GIL while SQLite works)."""
    if not reference and db.engine.dialect.name == "sqlite":
        plain = _compute_plain(db, since, until, source, now, with_weeks, cohort_view)
        if plain is not None:
            return plain
    with db.session() as s:
        a = _anchors(s)
        known = None if reference else aggregates.readable(s, a.definition())
    derived = not reference and aggregates.bring_up_to_date(db, a.definition(), known, checked=True)
    medians_fn = _stage_medians_derived if derived else _stage_medians
    from concurrent.futures import ThreadPoolExecutor  # the ORM path's second connection

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="winnow-metrics") as pool:
        stays = pool.submit(medians_fn, db, a, since, until, source)
        with db.session() as s:
            if derived:
                _serially(s)
                table, extra = _derived_table(source)
            else:
                _build_reach(s, a, source)
                table, extra = _TEMP, {}
            try:
                metrics = _aggregate(
                    aggregates.driver_reads(s) if derived else s,
                    a,
                    since,
                    until,
                    source,
                    now,
                    with_weeks,
                    cohort_view,
                    table,
                    extra,
                )
            finally:
                if not derived:
                    s.execute(text(f"DROP TABLE IF EXISTS {_TEMP}"))
            names = _source_names(s) if with_weeks else []
            sla = _sla_hours(s) if with_weeks else _DEFAULT_SLA_HOURS
        medians = stays.result()
    return replace(metrics, median_days_in_stage=medians), names, sla


def _compute_plain(
    db: Database,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
    now: datetime,
    with_weeks: bool,
    cohort_view: bool,
) -> tuple[Metrics, list[str], float] | None:
    """:func:`_compute` on SQLite when the derived rows are current: every read through the
    driver (no SQLAlchemy statement, ORM query or second session around them) in one read
    transaction of a session's connection — the import check, the stages and criteria, the
    rows' currency, the numbers, the source names and the SLA, the same SQL as the ORM path
    and :func:`plain_stats` — with the stays' medians on a second connection meanwhile. None
    when an import is being written or the rows are not current (the usual path then hides
    the import's contacts, or brings the rows up to date)."""
    from concurrent.futures import ThreadPoolExecutor

    with db.session() as s:
        con = cast(Plain, aggregates.driver_reads(s)).con
        # no import being written in this snapshot: nothing to hide (_unfinished gives '')
        if con.execute(RUNNING_IMPORTS).fetchone() is not None:
            return None
        reader = Plain(con)
        a = _anchors(reader)
        if not aggregates.is_current(reader, a.definition()):
            return None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="winnow-metrics") as pool:
            stays = pool.submit(_stage_medians_derived, db, a, since, until, source)
            table, extra = _derived_table(source)
            metrics = _aggregate(
                reader, a, since, until, source, now, with_weeks, cohort_view, table, extra
            )
            names = [str(n) for (n,) in con.execute(SOURCE_NAMES)] if with_weeks else []
            sla = _plain_sla_hours(con) if with_weeks else _DEFAULT_SLA_HOURS
            medians = stays.result()
    return replace(metrics, median_days_in_stage=medians), names, sla


def _plain_sla_hours(con: sqlite3.Connection) -> float:
    """:func:`_sla_hours` through the driver (``app.settings.read_setting``'s statement)."""
    import json

    from app import followup

    row = con.execute(SLA_SETTING_ROW, (followup.SLA_SETTING,)).fetchone()
    raw = followup.DEFAULT_SLA_HOURS if row is None or row[0] is None else json.loads(row[0])
    return followup.clean_sla(raw)


def _sla_hours(s: Session) -> float:
    """The response time (SLA) the dashboard shows, read in its transaction (on PostgreSQL a
    transaction of its own cost three more round trips to the server)."""
    from app import followup, settings

    return followup.clean_sla(
        settings.read_setting(s, followup.SLA_SETTING, followup.DEFAULT_SLA_HOURS)
    )


def _serially(conn: Session | Connection | Plain) -> None:
    """PostgreSQL: this transaction's reads without parallel workers. The dashboard's reads
    of the derived rows are index seeks of a few milliseconds, and their cost summed over
    several seeks (the 64ths of seven stages in one statement) made the planner start two
    workers: processes started for each read, 20-40 ms later on a busy machine."""
    if _dialect(conn) == "postgresql" and not isinstance(conn, Plain):
        conn.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


# every contact's source, in order: one seek into the index on ``contacts.source`` per name,
# each the first one after the last (a DISTINCT walked the whole index: 1,000,000 entries for
# a handful of names)
SOURCE_NAMES = """
    WITH RECURSIVE names(name) AS (
      SELECT MIN(source) FROM contacts
      UNION ALL
      SELECT (SELECT MIN(c.source) FROM contacts c WHERE c.source > names.name)
      FROM names WHERE names.name IS NOT NULL
    )
    SELECT name FROM names WHERE name IS NOT NULL
    """
# app.settings.read_setting's statement as SQLAlchemy compiles it for SQLite
SLA_SETTING_ROW = 'SELECT settings.value \nFROM settings \nWHERE settings."key" = ?'


def _source_names(s: Session) -> list[str]:
    """Every contact's source, in order (:data:`SOURCE_NAMES`)."""
    return [str(n) for n in s.scalars(text(SOURCE_NAMES))]


def _derived_table(source: str | None) -> tuple[str, dict[str, Any]]:
    """``metric_contacts`` as the reference's per-contact table (the source filter applied)."""
    if not source:
        return "metric_contacts", {}
    return (
        "(SELECT * FROM metric_contacts WHERE lower(source) LIKE :pattern ESCAPE '\\') mc",
        {"pattern": _like(source)},
    )


def _aggregate(
    s: Any,  # a Session, or (the derived rows only) Plain
    a: _Anchors,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
    now: datetime,
    with_weeks: bool,
    cohort_view: bool = False,
    table: str = _TEMP,
    extra: dict[str, Any] | None = None,
) -> Metrics:
    cohort = _period_sql("inquiry_at", since, until)
    if cohort_view:  # the period's inquiries that are qualified
        qualified_sql = f"({cohort}) AND qualified_at IS NOT NULL"
    else:  # seed 003: qualified during the period, whenever they became inquiries
        qualified_sql = "qualified_at IS NOT NULL AND " + _period_sql("qualified_at", since, until)
    won_sql = "customer_at IS NOT NULL AND " + _period_sql("customer_at", since, until)
    times = {"since": since, "until": until, "now": now}
    used = {k: v for k, v in times.items() if v is not None} | (extra or {})
    days: dict[Any, list[int]] | None = None
    rows: Any
    if table == _TEMP:
        rows = s.execute(
            _bind(f"""
            SELECT source, max_pos,
              SUM(CASE WHEN {cohort} THEN 1 ELSE 0 END),
              SUM(CASE WHEN {qualified_sql} THEN 1 ELSE 0 END),
              SUM(CASE WHEN ({cohort}) AND due_at IS NOT NULL
                            AND (first_at IS NOT NULL OR due_at < :now) THEN 1 ELSE 0 END),
              SUM(CASE WHEN ({cohort}) AND due_at IS NOT NULL
                            AND ((first_at IS NULL AND due_at < :now) OR first_at > due_at)
                       THEN 1 ELSE 0 END),
              SUM(CASE WHEN ({cohort}) AND due_at IS NOT NULL AND first_at IS NULL
                            AND due_at < :now THEN 1 ELSE 0 END),
              SUM(CASE WHEN ({cohort}) AND first_at IS NOT NULL THEN 1 ELSE 0 END),
              SUM(CASE WHEN {won_sql} THEN COALESCE(amount, 0) ELSE 0 END)
            FROM {table} WHERE ({cohort}) OR ({qualified_sql}) OR ({won_sql})
            GROUP BY source, max_pos
            """),
            used,
        ).all()
    else:
        rows, days, future = _derived_rows(
            s, a, since, until, source, now, cohort_view, extra or {}, with_weeks
        )
    per_source: dict[str, list[int]] = {}
    by_pos: dict[int, int] = {}
    decided = late = never = answered = 0
    if days is not None:  # still waiting, not yet due: neither decided, late nor never answered
        decided = late = never = -future
    won_value = 0.0
    for src, max_pos, n, q, dec, lt, nv, ans, won in rows:
        key = src if src is not None else NO_SOURCE
        agg = per_source.setdefault(key, [0, 0, 0])
        n = int(n or 0)
        agg[0] += n
        agg[1] += int(q or 0)
        if max_pos >= a.customer:
            agg[2] += n
        if n:
            by_pos[max_pos] = by_pos.get(max_pos, 0) + n
        decided += int(dec or 0)
        late += int(lt or 0)
        never += int(nv or 0)
        answered += int(ans or 0)
        won_value += float(won or 0)
    reached = _reached(s, source)
    for name in reached:
        per_source.setdefault(name, [0, 0, 0])
    by_source = tuple(
        SourceFigures(
            name,
            n,
            q,
            c,
            reached.get(name),
            rate(q, n),
            rate(c, q),
            rate(n, reached[name]) if name in reached else None,
        )
        for name, (n, q, c) in sorted(per_source.items(), key=lambda kv: (-kv[1][0], kv[0]))
    )
    inquiries = sum(v[0] for v in per_source.values())
    qualified = sum(v[1] for v in per_source.values())
    customers = sum(v[2] for v in per_source.values())
    responses = sum(per_source[name][0] for name in reached)
    funnel_counts = [
        (key, name, sum(n for p, n in by_pos.items() if p >= position))
        for key, name, position in a.funnel
    ]
    funnel = []
    for i, (key, name, count) in enumerate(funnel_counts):
        conv = rate(funnel_counts[i + 1][2], count) if i + 1 < len(funnel_counts) else None
        funnel.append(FunnelStep(key, name, count, conv, None if conv is None else 1.0 - conv))
    if days is not None:  # derived: from the histograms
        median_hours = _histogram_medians(s, _histogram(s, since, until, source, False)).get(0)
    else:
        median_hours = s.execute(
            _bind(f"""
            SELECT AVG(h) FROM (
              SELECT h, ROW_NUMBER() OVER (ORDER BY h) AS rn, COUNT(*) OVER () AS n FROM (
                SELECT {_hours(s, "first_at", "received_at")} AS h FROM {table}
                WHERE {cohort} AND first_at IS NOT NULL AND received_at IS NOT NULL
              ) x
            ) y WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
            """),
            {k: v for k, v in used.items() if k != "now"},
        ).scalar()
    weeks = _weeks(s, since, until, used, table, days) if with_weeks else ()
    months = _months(s, since, until, used, table, days) if with_weeks else ()
    open_value, open_deals = _open_pipeline(s, a, source, derived=days is not None)
    return Metrics(
        since=since,
        until=until,
        source=source,
        inquiries=inquiries,
        qualified=qualified,
        customers=customers,
        qualification_rate=rate(qualified, inquiries),
        conversion_rate=rate(customers, qualified),
        response_rate=rate(responses, sum(reached.values())) if reached else None,
        median_first_response_hours=_round(median_hours),
        unanswered_share=rate(late, decided),
        never_followed_up_share=rate(never, decided),
        funnel=tuple(funnel),
        by_source=by_source,
        median_days_in_stage={},
        answered=answered,
        decided=decided,
        unanswered=late,
        never_followed_up=never,
        weeks=weeks,
        view="cohort" if cohort_view else "period",
        open_pipeline_value=open_value,
        won_value=round(won_value, 2),
        months=months,
        stage_names=dict(a.stage_names),
        open_deals=open_deals,
    )


def _day_bounds(
    where: list[str], params: dict[str, Any], lo: date | None, hi: date | None, name: str = ""
) -> None:
    """The conditions on ``day`` for whole days ``lo`` ≤ day < ``hi`` (None: unbounded), added
    to ``where`` with their parameters (``name`` added to theirs); an empty range matches
    nothing."""
    if lo is not None:
        where.append(f"day >= :lo{name}")
        params[f"lo{name}"] = lo
    if hi is not None:
        where.append(f"day < :hi{name}")
        params[f"hi{name}"] = hi
    if lo is not None and hi is not None and lo >= hi:
        where.append("1 = 0")


def _whole_days(
    since: datetime | None, until: datetime | None
) -> tuple[date | None, date | None, list[tuple[datetime | None, datetime | None]]]:
    """The period's whole (UTC) days, ``lo`` ≤ day < ``hi`` (None: unbounded), and the part-days
    around them as time ranges [start, end). ``lo`` is None and ``hi`` the first day when no day
    is whole."""
    lo = None if since is None else since.date() + timedelta(days=0 if _midnight(since) else 1)
    hi = None if until is None else until.date()
    if lo is not None and hi is not None and lo >= hi:  # within one or two part-days
        return hi, hi, [(since, until)]
    parts: list[tuple[datetime | None, datetime | None]] = []
    if since is not None and lo is not None and not _midnight(since):
        parts.append((since, datetime.combine(lo, datetime.min.time())))
    if until is not None and hi is not None and not _midnight(until):
        parts.append((datetime.combine(hi, datetime.min.time()), until))
    return lo, hi, parts


def _midnight(at: datetime) -> bool:
    return at == datetime.combine(at.date(), datetime.min.time())


def _derived_rows(
    s: Session | Plain,
    a: _Anchors,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
    now: datetime,
    cohort_view: bool,
    extra: dict[str, Any],
    with_days: bool = True,
) -> tuple[list[tuple[Any, ...]], dict[Any, list[int]], int]:
    """The reference's per (source, furthest stage) sums, read from ``metric_days`` for the
    period's whole days and from ``metric_contacts`` for its part-days; and per day the
    inquiries, the qualified leads of the period and the inquiries qualified now (weeks and
    months). Whether a response is decided or late depends on "now": the inquiries still
    waiting whose due time has not come are counted by their index (returned third: the
    caller takes them away from the totals of decided, late and never answered)."""
    lo, hi, parts = _whole_days(since, until)
    by_source = "lower(source) LIKE :pattern ESCAPE '\\'" if source else "1 = 1"
    params: dict[str, Any] = dict(extra)
    whole = [by_source, "kind IN ('i', 'q', 'c')"]
    _day_bounds(whole, params, lo, hi)
    ranges: dict[str, str] = {}
    for kind, column in (("i", "inquiry_at"), ("q", "qualified_at"), ("c", "customer_at")):
        conds = []
        for i, (start, end) in enumerate(parts):
            one = []
            if start is not None:
                one.append(f"{column} >= :part{i}s")
                params[f"part{i}s"] = start
            if end is not None:
                one.append(f"{column} < :part{i}e")
                params[f"part{i}e"] = end
            conds.append("(" + " AND ".join(one or ["1 = 1"]) + ")")
        ranges[kind] = "(" + " OR ".join(conds) + ")" if conds else "1 = 0"
    stored = " AND ".join(whole)
    measures_of = ", ".join(f"SUM({m})" for m in aggregates.MEASURES)
    nothing = ", ".join(["NULL"] * (len(aggregates.MEASURES) - 2))
    # in one statement (a round trip each on PostgreSQL): the stored days' rows summed per
    # source and furthest stage, and per day (the weeks and months) — on their own, so the
    # per-day sums follow the index on (kind, day, …) with no sort; the part-days' rows once,
    # as they are (a few hundred at most), added to both in Python
    reads = [
        f"SELECT 'sums' AS what, kind, NULL AS day, source, max_pos, {measures_of} "
        f"FROM metric_days WHERE {stored} GROUP BY kind, source, max_pos"
    ]
    if with_days:
        reads.append(
            f"SELECT 'days', kind, day, NULL, NULL, SUM(n), SUM(qualified), {nothing} "
            f"FROM metric_days WHERE {stored} AND kind IN ('i', 'q') GROUP BY kind, day"
        )
    if parts:
        reads.append(
            "SELECT 'part', kind, day, source, max_pos, "
            f"{', '.join(aggregates.MEASURES)} FROM ("
            f"{aggregates.contributions_sql(s, by_source, ranges)}) part"
        )
    # waiting for a response whose due time is still to come: not decided yet (only their
    # number: decided, late and never answered are summed over every source)
    cohort = _period_sql("inquiry_at", since, until)
    reads.append(f"""
        SELECT 'future', NULL, NULL, NULL, NULL, COUNT(*), NULL, {nothing} FROM metric_contacts
        WHERE first_at IS NULL AND due_at IS NOT NULL AND due_at >= :now AND {cohort}
              AND {by_source}""")
    params |= {"now": now} | {
        k: v for k, v in (("since", since), ("until", until)) if v is not None
    }
    # the times bound as DateTime, the days as Date (aggregates.typed, by their values)
    sums: dict[tuple[str, Any, int], list[float]] = {}
    days: dict[Any, list[int]] = {}
    dates: dict[Any, date] = {}  # each day's text as a date, once (a day has two kinds)
    future = 0
    for what, kind, day, src, max_pos, *values in read(s, " UNION ALL ".join(reads), params):
        if what == "future":
            future = int(values[0] or 0)
            continue
        if what != "days":  # a source's sums, or a part-day's row (added to them)
            key = (str(kind), src, int(max_pos))
            found = [float(v or 0) for v in values]
            if key in sums:
                sums[key] = [x + y for x, y in zip(sums[key], found, strict=True)]
            else:
                sums[key] = found
            if what == "sums" or not with_days or kind not in ("i", "q"):
                continue
        on = dates.get(day)
        if on is None:
            on = dates[day] = _as_date(day)
        slot = days.setdefault(on, [0, 0, 0])
        if kind == "i":
            slot[0] += int(values[0])
            slot[2] += int(values[1] or 0)
        else:
            slot[1] += int(values[0])
    rows: list[tuple[Any, ...]] = []
    for (kind, src, max_pos), v in sums.items():
        n, qualified, answered, decided, late, pending, amount = v
        if kind == "i":
            past = int(pending)  # the future ones taken away from the totals by the caller
            q = int(qualified) if cohort_view else 0
            rows.append((src, max_pos, int(n), q, int(decided) + past, int(late) + past, past,
                         int(answered), 0.0))  # fmt: skip
        elif kind == "q" and not cohort_view:
            rows.append((src, max_pos, 0, int(n), 0, 0, 0, 0, 0.0))
        elif kind == "c":
            rows.append((src, max_pos, 0, 0, 0, 0, 0, 0, amount))
    return rows, days, future


def _open_pipeline(
    s: Session | Plain, a: _Anchors, source: str | None, derived: bool = False
) -> tuple[float, int]:
    """The deal amounts of the contacts now in Opportunity or a later open pipeline stage
    (and how many contacts have one). ``derived``: the derived rows are current, and on SQLite
    a contact's source is read from ``metric_contacts`` where it has a row there (a small row
    beside the deal's index entry, not the contact's own row: at 1,000,000 contacts 50,000
    of those read for one source). PostgreSQL reads the contact's row for the COALESCE anyway
    (no lazy read of a column), and the join made it hash every row of ``metric_contacts``
    (the source's LIKE guessed at 10 contacts, not 885): there, the contact's source."""
    where_source = "AND lower(c.source) LIKE :pattern ESCAPE '\\'" if source else ""
    join = ""
    if source and derived and _dialect(s) == "sqlite":
        join = "LEFT JOIN metric_contacts mc ON mc.contact_id = c.id"
        where_source = "AND lower(COALESCE(mc.source, c.source)) LIKE :pattern ESCAPE '\\'"
    params: dict[str, Any] = {"p_opp": a.opportunity}
    if source:
        params["pattern"] = _like(source)
    ((total, deals),) = read(
        s,
        f"""
        SELECT SUM(c.deal_amount), COUNT(*) FROM contacts c JOIN stages st ON st.id = c.stage_id
        {join} WHERE st.kind = 'pipeline' AND st.position >= :p_opp AND c.deal_amount IS NOT NULL
              {where_source} {_unfinished(s, "c.import_batch_id")}
        """,
        params,
    )
    return round(float(total or 0), 2), int(deals or 0)


def _reached(s: Session | Plain, source: str | None) -> dict[str, int]:
    if isinstance(s, PlainPg):
        params: dict[str, Any] = {"reached_1": 0}
        if source:
            params["name_1"] = _like(source)
        rows = s.pg.execute(REACHED_LIKE_PG if source else REACHED_PG, params)
        return {name: int(n or 0) for name, n in rows}
    if isinstance(s, Plain):
        found = s.con.execute(
            REACHED_LIKE if source else REACHED, (0, _like(source)) if source else (0,)
        )
        return {name: int(n or 0) for name, n in found}
    from sqlalchemy import select

    from db.models import Source

    stmt = select(Source.name, Source.reached).where(
        Source.reached.is_not(None), Source.reached > 0
    )
    if source:
        stmt = stmt.where(Source.name.ilike(_like(source), escape="\\"))
    return {name: int(n or 0) for name, n in s.execute(stmt)}


def source_reach(db: Database) -> dict[str, int]:
    """How many prospects each outbound campaign reached, as recorded (sources with none left
    out): the response rate's denominators."""
    with db.session() as s:
        return _reached(s, None)


def _stage_medians(
    db: Database,
    a: _Anchors,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
) -> dict[str, float | None]:
    """Median completed stay per stage for the period's inquiries, on its own connection.

    The stays go into a temporary table with an index on (stage, days); each median is then
    one offset lookup, cheaper than ranking every stay."""
    stays = f"{_TEMP}_stays"
    period = (
        " AND ".join(
            p for p, v in (("MIN(c2.at) >= :since", since), ("MIN(c2.at) < :until", until)) if v
        )
        or "1 = 1"
    )
    by_source = (
        "AND c2.contact_id IN (SELECT id FROM contacts WHERE lower(source) LIKE :pattern "
        "ESCAPE '\\')"
        if source
        else ""
    )
    params: dict[str, Any] = {"p_inq": a.inquiry}
    if since is not None:
        params["since"] = since
    if until is not None:
        params["until"] = until
    if source:
        params["pattern"] = _like(source)
    found: dict[str, float | None] = {}
    with db.engine.connect() as conn:
        days = _hours(conn, "next_at", "at")
        conn.execute(text(f"DROP TABLE IF EXISTS {stays}"))
        conn.execute(
            _bind(f"""
            CREATE TEMP TABLE {stays} AS
            SELECT to_stage_id AS stage_id, {days} / 24.0 AS d FROM (
              SELECT sc.to_stage_id AS to_stage_id, sc.at AS at,
                     LEAD(sc.at) OVER (PARTITION BY sc.contact_id ORDER BY sc.at, sc.id)
                       AS next_at
              FROM stage_changes sc
              WHERE sc.undone_at IS NULL AND sc.contact_id IN (
                SELECT c2.contact_id FROM stage_changes c2
                JOIN stages st ON st.id = c2.to_stage_id
                WHERE c2.undone_at IS NULL AND st.kind <> 'side' AND st.position >= :p_inq
                      {by_source}
                GROUP BY c2.contact_id HAVING {period})
            ) x WHERE next_at IS NOT NULL
            """),
            params,
        )
        try:
            conn.execute(text(f"CREATE INDEX {stays}_ix ON {stays} (stage_id, d)"))
            counts = conn.execute(text(f"SELECT stage_id, COUNT(*) FROM {stays} GROUP BY stage_id"))
            for stage_id, n in counts.all():
                middle = [
                    float(v)
                    for v in conn.scalars(
                        text(
                            f"SELECT d FROM {stays} WHERE stage_id = :sid ORDER BY d "
                            "LIMIT :k OFFSET :skip"
                        ),
                        {"sid": stage_id, "k": 2 - n % 2, "skip": (n - 1) // 2},
                    )
                ]
                found[a.names.get(stage_id, str(stage_id))] = _round(sum(middle) / len(middle))
        finally:
            conn.execute(text(f"DROP TABLE IF EXISTS {stays}"))
            conn.rollback()
    return {key: found.get(key) for key in a.names.values()}


def _stage_medians_derived(
    db: Database,
    a: _Anchors,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
) -> dict[str, float | None]:
    """:func:`_stage_medians` read from the histograms of ``metric_days``
    (:func:`_histogram_medians`)."""
    with db.engine.connect() as conn:
        _serially(conn)
        medians = _derived_medians(aggregates.driver_reads(conn), a, since, until, source)
        conn.rollback()
    return medians


def _derived_medians(
    conn: Session | Connection | Plain,
    a: _Anchors,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
) -> dict[str, float | None]:
    found: dict[str, float | None] = {}
    for stage_id, value in _histogram_medians(
        conn, _histogram(conn, since, until, source, True)
    ).items():
        found[a.names.get(stage_id, str(stage_id))] = _round(value)
    return {key: found.get(key) for key in a.names.values()}


# --- medians from the derived histograms (``app.aggregates``) -----------------------------


_typed = aggregates.typed


@dataclass
class _Histogram:
    """What to count and read for the medians of one filter: ``parts``, the rows of
    ``metric_days`` summed (1) or taken away (-1) — their kinds (octaves, 64ths), the condition
    on their rows and its parameters (named apart from every other part's); ``extra``, values
    counted besides them (the contacts of the days around a period's whole days or weeks:
    group, bucket, count — taken away where negative); ``refine([(group, low, high, count),
    …])``, the values of each of those buckets that the filter selects (every one, the
    part-days' too), read in one statement."""

    parts: list[tuple[tuple[str, str], str, dict[str, Any], int]]
    extra: list[tuple[int, int, int]]
    refine: Any


def _histogram_medians(conn: Session | Connection | Plain, h: _Histogram) -> dict[int, float]:
    """Per group (a stage id; 0 for the responses), the median of the values the histogram
    counts: the octave holding each middle rank from the octaves' counts (summed in SQL), then
    its 64th from that octave's counts, then the values of that 64th alone, in order. Each
    step reads every part and group at once, in one statement (three in all): on PostgreSQL
    a statement is a round trip to the server's process, and a period's stays in seven
    stages took twenty."""
    span = aggregates.STAGE_SPAN
    octaves: dict[int, dict[int, int]] = {}
    keys: dict[int, list[tuple[Any, Any]]] = {}  # part → the (day, source) its rows name
    for j, max_pos, n, day, source in _part_rows(conn, h.parts):
        if max_pos is None:
            keys.setdefault(j, []).append((day, source))
            continue
        code, sign = int(max_pos), h.parts[j][3]
        slot = octaves.setdefault(code // span, {})
        slot[code % span] = slot.get(code % span, 0) + sign * int(n)
    # per part: its 64ths' kind, the rows' condition with the weeks (or years) and sources
    # its octaves' rows name (the 64ths read by their index, a seek for each), and its sign
    fine_reads: list[tuple[str, str, dict[str, Any], int]] = []
    for j, named in sorted(keys.items()):
        (_coarse, fine), _where, _params, sign = h.parts[j]
        days = sorted({d for d, _s in named}, key=str)
        sources = sorted({s for _d, s in named if s is not None})
        if sources:
            i = len(fine_reads)
            fine_reads.append(
                (fine, f"source IN :sources{i}", {f"days{i}": days, f"sources{i}": sources}, sign)
            )
        if any(s is None for _d, s in named):
            i = len(fine_reads)
            fine_reads.append((fine, "source IS NULL", {f"days{i}": days}, sign))
    extra: dict[int, dict[int, int]] = {}  # group → bucket → count
    for group, code, k in h.extra:
        extra.setdefault(group, {})[code] = extra.get(group, {}).get(code, 0) + k
        slot = octaves.setdefault(group, {})
        slot[aggregates.octave_of(code)] = slot.get(aggregates.octave_of(code), 0) + k
    # each group's middle ranks, and the octave holding each (with how many come before it)
    middles: dict[int, list[tuple[int, int, int]]] = {}
    for group, counts in octaves.items():
        n = sum(counts.values())
        if n:
            middles[group] = [(r, *_locate(counts, r)) for r in sorted({(n - 1) // 2, n // 2})]
    read: dict[tuple[int, int], dict[int, int]] = {  # (group, octave) → its 64ths' counts
        (group, octave): {} for group, ranks in middles.items() for _r, octave, _b in ranks
    }
    for max_pos, k in _sixty_fourths(conn, fine_reads, sorted(g * span + o for g, o in read)):
        group, code = divmod(max_pos, span)
        subs = read[(group, aggregates.octave_of(code))]
        subs[code] = subs.get(code, 0) + k
    for (group, octave), subs in read.items():
        for code, k in extra.get(group, {}).items():
            if aggregates.octave_of(code) == octave:
                subs[code] = subs.get(code, 0) + k
    # each middle rank's 64th, and the values of every such 64th
    located: dict[tuple[int, int], tuple[int, int]] = {}  # (group, rank) → 64th, before it
    asked: dict[tuple[int, int], int] = {}  # (group, 64th) → its count
    for group, ranks in middles.items():
        for rank, octave, before in ranks:
            subs = read[(group, octave)]
            sub, skip = _locate(subs, rank - before)
            located[(group, rank)] = sub, before + skip
            asked[(group, sub)] = subs[sub]
    order = list(asked)
    values = h.refine([(g, *aggregates.bounds(sub), asked[(g, sub)]) for g, sub in order])
    in_order = {key: dict(found_in) for key, found_in in zip(order, values, strict=True)}
    found: dict[int, float] = {}
    for group, ranks in middles.items():
        middle = []
        for rank, _octave, _before in ranks:
            sub, before = located[(group, rank)]
            middle.append(_locate(in_order[(group, sub)], rank - before)[0])
        found[group] = sum(middle) / len(middle)
    return found


def _part_rows(
    conn: Session | Connection | Plain,
    parts: list[tuple[tuple[str, str], str, dict[str, Any], int]],
) -> list[tuple[int, Any, Any, Any, Any]]:
    """For every part, in one statement: its octaves' counts summed in SQL (part, max_pos,
    count, None, None), and the weeks (or years) and sources its rows name (part, None, None,
    day, source)."""
    branches: list[str] = []
    params: dict[str, Any] = {}
    for j, ((coarse, _fine), where, named, _sign) in enumerate(parts):
        params |= named | {f"kind{j}": coarse}
        rows = f"FROM metric_days WHERE kind = :kind{j} AND {where}"
        branches.append(
            f"SELECT {j} AS part, max_pos, SUM(n) AS n, NULL AS day, NULL AS source {rows} "
            "GROUP BY max_pos"
        )
        branches.append(f"SELECT {j}, NULL, NULL, day, source {rows} GROUP BY day, source")
    if not branches:
        return []
    sql = " UNION ALL ".join(branches)
    return [(int(j), *rest) for j, *rest in read(conn, sql, params)]


def _sixty_fourths(
    conn: Session | Connection | Plain,
    fine_reads: list[tuple[str, str, dict[str, Any], int]],
    octaves: list[int],
) -> list[tuple[int, int]]:
    """The counts of the 64ths (max_pos, count; signed) of the octaves that begin at these
    max_pos, summed over the parts' rows ``fine_reads`` names: one statement, a seek for each
    week (or year), source and octave as before."""
    branches: list[str] = []
    params: dict[str, Any] = {}
    for i, (fine, by, keyed, _sign) in enumerate(fine_reads):
        params |= keyed | {f"fine{i}": fine}
        for o, low in enumerate(octaves):
            params |= {f"low{o}": low, f"high{o}": low + 64}
            branches.append(
                f"SELECT {i} AS part, max_pos, SUM(n) FROM metric_days WHERE kind = :fine{i} "
                f"AND day IN :days{i} AND {by} AND max_pos >= :low{o} AND max_pos < :high{o} "
                "GROUP BY max_pos"
            )
    if not branches:
        return []
    sql = " UNION ALL ".join(branches)
    return [(int(max_pos), fine_reads[i][3] * int(k)) for i, max_pos, k in read(conn, sql, params)]


def _locate(counts: dict[Any, int], rank: int) -> tuple[Any, int]:
    """The bucket (or value) holding the value of this rank (from 0, in order) and how many
    values come before it."""
    before = 0
    for code in sorted(counts):
        if rank < before + counts[code]:
            return code, before
        before += counts[code]
    raise AssertionError("rank beyond the counts")  # the counts and the values disagree


def _range_sql(
    column: str, low: float | None, high: float | None, suffix: str = ""
) -> tuple[str, dict[str, Any]]:
    parts, params = [f"{column} IS NOT NULL"], {}
    if low is not None:
        parts.append(f"{column} >= :low{suffix}")
        params[f"low{suffix}"] = low
    if high is not None:
        parts.append(f"{column} < :high{suffix}")
        params[f"high{suffix}"] = high
    return " AND ".join(parts), params


def _histogram(
    conn: Session | Connection | Plain,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
    stays: bool,
) -> _Histogram:
    """The histogram of the stays (``stays``) or the answered inquiries' hours of a period and
    the sources ``source`` matches (None: every contact): all time by the years of those
    sources, a period by their weeks."""
    if since is None and until is None:
        return _source_histogram(conn, source, stays)
    return _period_histogram(conn, since, until, source, stays)


def _one_by_one(
    conn: Session | Connection | Plain,
    stays: bool,
    start: datetime | None,
    end: datetime | None,
    by_source: str,
    params: dict[str, Any],
) -> list[tuple[int, int, int]]:
    """(group, bucket, count) of the contacts that became inquiries in [start, end) and that
    ``by_source`` selects, read one by one: a stay's contact by the time it became an inquiry
    in the history (``history_inquiry_at``: by the index of ``inquiry_at`` where the two are
    the same, by its own partial index where they differ), an answer's by ``inquiry_at``."""
    bounds = params | {"ps": start or datetime.min, "pe": end or datetime.max}
    if stays:
        each = _each(
            conn, "metric_stays ms", "ms.contact_id = e.contact_id", "ms.stage_id, ms.days"
        )
        sql = f"""
            SELECT ms.stage_id, {aggregates.bucket_sql(conn, "ms.days")} AS code, COUNT(*)
            FROM (
              SELECT contact_id FROM metric_contacts
              WHERE inquiry_at >= :ps AND inquiry_at < :pe AND history_inquiry_at = inquiry_at
                    AND {by_source}
              UNION ALL
              SELECT contact_id FROM metric_contacts
              WHERE history_inquiry_at <> inquiry_at
                    AND history_inquiry_at >= :ps AND history_inquiry_at < :pe AND {by_source}
            ) e {each}
            GROUP BY ms.stage_id, code"""
    else:
        sql = f"""
            SELECT 0, {aggregates.bucket_sql(conn, "response_hours")} AS code, COUNT(*)
            FROM metric_contacts WHERE response_hours IS NOT NULL
              AND inquiry_at >= :ps AND inquiry_at < :pe AND {by_source}
            GROUP BY code"""
    return [(int(g), int(c), int(k)) for g, c, k in read(conn, sql, bounds)]


def _each(
    conn: Session | Connection | Plain, table: str, on: str, columns: str = "1 AS one"
) -> str:
    """A join to the rows of ``table`` (with its alias) that ``on`` finds for each row before
    it, in that order: each row's look-up by the index of ``table``, whatever the planner
    estimates. SQLite keeps a CROSS JOIN's order; PostgreSQL a LATERAL subquery's (OFFSET 0: not
    merged into the join). Left to its estimates PostgreSQL read the period's contacts' stays
    by hashing all 91,000 stays at 100,000 contacts (or in parallel workers, ~27 ms to start
    on a busy machine), and a stage's values of one source from the 16,000 contacts of that
    source (its LIKE '%…%' guessed at 5), where the few hundred values of the bucket are read."""
    if _dialect(conn) == "sqlite":
        return f"CROSS JOIN {table} ON {on}"
    alias = table.split()[-1]
    return f"CROSS JOIN LATERAL (SELECT {columns} FROM {table} WHERE {on} OFFSET 0) {alias}"


def _period_cond(stays: bool, period: dict[str, Any]) -> str:
    """The condition on ``metric_contacts mc`` of a period (its ``since`` and ``until``)."""
    column = "mc.history_inquiry_at" if stays else "mc.inquiry_at"
    return " AND ".join(
        [f"{column} >= :since"] * ("since" in period) + [f"{column} < :until"] * ("until" in period)
    )


def _whole_weeks(
    since: datetime | None, until: datetime | None
) -> tuple[date | None, date | None, list[tuple[datetime | None, datetime | None, int]]]:
    """The weeks (UTC, from a Monday) read whole for a period, ``lo`` ≤ week < ``hi`` (None:
    unbounded), and the time ranges [start, end) counted one by one with them: added (1), or,
    where the period begins or ends nearer the other end of its week, that week read whole and
    the part of it outside the period taken away (-1) — at most half a week at each end. With
    no week to read, ``lo`` = ``hi`` and the period itself."""
    lo = hi = None
    parts: list[tuple[datetime | None, datetime | None, int]] = []
    if since is not None:
        monday = since.date() - timedelta(days=since.date().weekday())
        start, end = _at_midnight(monday), _at_midnight(monday + timedelta(days=7))
        if since - start <= end - since:
            lo = monday
            parts += [(start, since, -1)] * (start < since)
        else:
            lo = monday + timedelta(days=7)
            parts.append((since, end, 1))
    if until is not None:
        monday = until.date() - timedelta(days=until.date().weekday())
        start, end = _at_midnight(monday), _at_midnight(monday + timedelta(days=7))
        if until - start <= end - until:
            hi = monday
            parts += [(start, until, 1)] * (start < until)
        else:
            hi = monday + timedelta(days=7)
            parts.append((until, end, -1))
    if lo is not None and hi is not None and lo >= hi:
        return hi, hi, [(since, until, 1)]
    return lo, hi, parts


def _at_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time())


def _period_histogram(
    conn: Session | Connection | Plain,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
    stays: bool,
) -> _Histogram:
    """The histogram of a period and the sources ``source`` matches (None: every contact): the
    period's whole weeks from the rows by week and source, the contacts of the days around
    them (at most three and a half at each end, added or taken away) read one by one."""
    lo, hi, parts = _whole_weeks(since, until)
    by_source = "1 = 1"
    pattern: dict[str, Any] = {}
    cond = ""
    if source:
        by_source = "lower(source) LIKE :pattern ESCAPE '\\'"
        pattern["pattern"] = _like(source)
        cond = " AND lower(mc.source) LIKE :pattern ESCAPE '\\'"
    extra: list[tuple[int, int, int]] = []
    for start, end, sign in parts:
        counted = _one_by_one(conn, stays, start, end, by_source, pattern)
        extra += [(g, c, sign * k) for g, c, k in counted]
    period = {"since": since, "until": until}
    period = {k: v for k, v in period.items() if v is not None}
    return _Histogram(
        _week_parts(conn, stays, lo, hi, by_source, pattern),
        extra,
        partial(_refine, conn, stays, _period_cond(stays, period) + cond, period | pattern),
    )


def _week_parts(
    conn: Session | Connection | Plain,
    stays: bool,
    lo: date | None,
    hi: date | None,
    by_source: str,
    pattern: dict[str, Any],
) -> list[tuple[tuple[str, str], str, dict[str, Any], int]]:
    """The rows of ``metric_days`` that count the weeks ``lo`` ≤ week < ``hi`` (None:
    unbounded) of the sources ``by_source`` selects: those weeks' rows, or, when fewer weeks
    with rows lie outside them, every year's rows with the weeks outside taken away (26 weeks
    or this year of a store half a year old: a week or none to take away, not 26 to add)."""
    weeks = ("w", "W") if stays else ("v", "V")

    def part(
        kinds: tuple[str, str], low: date | None, high: date | None, sign: int, name: str = ""
    ) -> Any:
        where, params = [by_source], dict(pattern)
        _day_bounds(where, params, low, high, name)
        return kinds, " AND ".join(where), params, sign

    inside = [part(weeks, lo, hi, 1)]
    if lo is not None and hi is not None and lo >= hi:
        return inside
    ((first, last),) = read(
        conn,  # two seeks: MIN and MAX together walk every row of the kind
        "SELECT (SELECT MIN(day) FROM metric_days WHERE kind = :kind), "
        "(SELECT MAX(day) FROM metric_days WHERE kind = :kind)",
        {"kind": weeks[0]},
    )
    if first is None:
        return inside
    first, end = _as_date(first), _as_date(last) + timedelta(days=7)
    low, high = max(lo or first, first), min(hi or end, end)
    before = max(0, ((lo or first) - first).days)
    after = max(0, (end - (hi or end)).days)
    if before + after >= max(0, (high - low).days):
        return inside
    outside = [part(weeks, None, lo, -1, "_before")] * (before > 0) + [
        part(weeks, hi, None, -1, "_after")
    ] * (after > 0)
    return [part(("y", "Y") if stays else ("x", "X"), None, None, 1), *outside]


def _source_histogram(
    conn: Session | Connection | Plain, source: str | None, stays: bool
) -> _Histogram:
    """The histogram of the sources that ``source`` matches (None: every contact, with a
    source or not), all time (by year and source)."""
    kinds = ("y", "Y") if stays else ("x", "X")
    if not source:
        return _Histogram([(kinds, "1 = 1", {}, 1)], [], partial(_refine, conn, stays, "", {}))
    cond = "lower(mc.source) LIKE :pattern ESCAPE '\\'"
    params = {"pattern": _like(source)}
    return _Histogram(
        [(kinds, "lower(source) LIKE :pattern ESCAPE '\\'", params, 1)],
        [],
        partial(_refine, conn, stays, cond, params),
    )


def _refine(
    conn: Session | Connection | Plain,
    stays: bool,
    cond: str,
    params: dict[str, Any],
    asked: list[tuple[int, float | None, float | None, int]],
) -> list[list[tuple[float, int]]]:
    """For each bucket asked (group, low, high, count), the values in [low, high) that
    ``cond`` selects (``count`` of them), each with how many times it occurs, in order: the
    stays in a stage (``group``) by its index on (stage, days), or the answered inquiries'
    hours by their index — every bucket in one statement. The least value of a bucket is
    found at the start of its index range and only the values above it are read: the least
    one has the rest of the count (a whole hour begins its bucket: 56,000 answers of 3.0 hours
    at 1,000,000 are not read one by one for the few of 3.01; a bucket of one value reads
    none)."""
    if not asked:
        return []
    also = ""
    if stays:
        column, table = "ms.days", "metric_stays ms"
        join = (
            " " + _each(conn, "metric_contacts mc", f"mc.contact_id = ms.contact_id AND {cond}")
            if cond
            else ""
        )
    else:
        column, join = "mc.response_hours", ""
        table = "metric_contacts mc" + (
            " INDEXED BY ix_metric_contacts_response" if _dialect(conn) == "sqlite" else ""
        )
        also = f" AND {cond}" if cond else ""
    branches, values = [], dict(params)
    for i, (group, low, high, _count) in enumerate(asked):
        rng, named = _range_sql(column, low, high, str(i))
        if stays:
            rng = f"ms.stage_id = :sid{i} AND {rng}"
            named[f"sid{i}"] = group
        values |= named
        least = f"(SELECT MIN({column}) FROM {table} WHERE {rng})"
        branches.append(f"SELECT {i} AS bucket, {least} AS value, NULL AS n")
        branches.append(
            f"SELECT {i}, {column}, COUNT(*) FROM {table}{join} "
            f"WHERE {rng} AND {column} > {least}{also} GROUP BY {column}"
        )
    least_of: dict[int, float] = {}
    above: dict[int, list[tuple[float, int]]] = {}
    for i, value, n in read(conn, " UNION ALL ".join(branches), values):
        if n is None:
            if value is not None:
                least_of[int(i)] = float(value)
        else:
            above.setdefault(int(i), []).append((float(value), int(n)))
    out: list[list[tuple[float, int]]] = []
    for i, (_group, _low, _high, count) in enumerate(asked):
        if i not in least_of:
            out.append([])  # no value in the bucket
            continue
        found = sorted(above.get(i, []))
        rest = count - sum(k for _v, k in found)
        out.append([(least_of[i], rest)] * (rest > 0) + found)
    return out


def _round(value: float | None, digits: int = 4) -> float | None:
    """Round away floating-point noise from julianday arithmetic (19.99999999 h → 20.0)."""
    return None if value is None else round(float(value), digits)


def _weeks(
    s: Session,
    since: datetime | None,
    until: datetime | None,
    used: dict[str, Any],
    table: str = _TEMP,
    days: dict[Any, list[int]] | None = None,
) -> tuple[WeekFigures, ...]:
    params = {k: v for k, v in used.items() if k != "now"}
    counts: dict[date, list[int]] = {}
    for column, slot in (("inquiry_at", 0), ("qualified_at", 1)):
        if days is not None:  # read with the derived rows: per day, [inquiries, qualified, …]
            found: Any = [(day, v[slot]) for day, v in days.items() if v[slot]]
        else:
            period = _period_sql(column, since, until)
            found = s.execute(
                _bind(
                    f"SELECT {_day(s, column)} AS d, COUNT(*) FROM {table} "
                    f"WHERE {column} IS NOT NULL AND {period} GROUP BY d"
                ),
                params,
            ).all()
        for day, n in found:
            d = day if type(day) is date else _as_date(day)  # the derived rows' days are dates
            monday = d - timedelta(days=d.weekday())
            counts.setdefault(monday, [0, 0])[slot] += int(n)
    if not counts:
        return ()
    first, last = min(counts), max(counts)
    if since is not None:
        first = min(first, since.date() - timedelta(days=since.date().weekday()))
    if until is not None:
        end = (until - timedelta(seconds=1)).date()
        last = max(last, end - timedelta(days=end.weekday()))
    out = []
    week = first
    while week <= last:
        n_inq, n_q = counts.get(week, (0, 0))
        out.append(WeekFigures(week, n_inq, n_q))
        week += timedelta(days=7)
    return tuple(out)


def _months(
    s: Session,
    since: datetime | None,
    until: datetime | None,
    used: dict[str, Any],
    table: str = _TEMP,
    days: dict[Any, list[int]] | None = None,
) -> tuple[MonthFigures, ...]:
    """Per inquiry month (the cohort view): inquiries, and of those the qualified leads."""
    params = {k: v for k, v in used.items() if k != "now"}
    period = _period_sql("inquiry_at", since, until)
    counts: dict[date, list[int]] = {}
    found = (
        [(day, v[0], v[2]) for day, v in days.items() if v[0]]
        if days is not None
        else s.execute(
            _bind(
                f"SELECT {_day(s, 'inquiry_at')} AS d, COUNT(*), "
                f"SUM(CASE WHEN qualified_at IS NOT NULL THEN 1 ELSE 0 END) FROM {table} "
                f"WHERE {period} GROUP BY d"
            ),
            params,
        ).all()
    )
    for day, n, q in found:
        d = day if type(day) is date else _as_date(day)
        slot = counts.setdefault(d.replace(day=1), [0, 0])
        slot[0] += int(n)
        slot[1] += int(q or 0)
    if not counts:
        return ()
    first, last = min(counts), max(counts)
    if since is not None:
        first = min(first, since.date().replace(day=1))
    out = []
    month = first
    while month <= last:
        n_inq, n_q = counts.get(month, (0, 0))
        out.append(MonthFigures(month, n_inq, n_q))
        month = (month + timedelta(days=32)).replace(day=1)
    return tuple(out)


def compute_metrics(
    db: Database,
    since: datetime | None = None,
    until: datetime | None = None,
    source: str | None = None,
    now: datetime | None = None,
    cohort: bool = False,
    reference: bool = False,
) -> Metrics:
    """The seed-003 metrics for inquiries that became inquiries in [since, until) (naive UTC)
    and whose source matches ``source``; qualified leads of the period, or (``cohort``) the
    period's inquiries that are qualified. ``reference``: computed from the stage history, not
    read from the derived tables (the tests' yardstick)."""
    clean = (source or "").strip() or None
    return _compute(db, since, until, clean, now or utcnow(), False, cohort, reference)[0]


@dataclass(frozen=True)
class Dashboard:
    metrics: Metrics
    sla_hours: float
    sources: tuple[str, ...]  # every source name, for the picker


def dashboard_data(
    db: Database,
    since: datetime | None = None,
    until: datetime | None = None,
    source: str | None = None,
    now: datetime | None = None,
    cohort: bool = False,
    reference: bool = False,
) -> Dashboard:
    """Everything the dashboard shows, in one read (run it on a worker)."""
    clean = (source or "").strip() or None
    metrics, names, sla = _compute(
        db, since, until, clean, now or utcnow(), True, cohort, reference
    )
    return Dashboard(metrics, sla, tuple(names))


# --- CLI -------------------------------------------------------------------------------


def parse_bound(value: str | None, end: bool) -> datetime | None:
    """A --since/--until value: a date means that whole local day (``until`` includes it)."""
    if value is None or not value.strip():
        return None
    raw = value.strip()
    try:
        at = parse_iso(raw)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if end and len(raw) <= 10:  # a date only: through the end of that day
        at = _local_midnight_utc(date.fromisoformat(raw) + timedelta(days=1))
    return at


def _local_midnight_utc(day: date) -> datetime:
    """00:00 local on ``day`` as naive UTC (``app.followup.local_midnight_utc`` in the system's
    zone, which imports SQLAlchemy; a test holds the two equal)."""
    return datetime.combine(day, time(0)).astimezone().astimezone(UTC).replace(tzinfo=None)


def stats_options(
    args: argparse.Namespace,
) -> tuple[datetime | None, datetime | None, str | None, bool]:
    """``winnow stats``' period, source and view: (since, until, source, cohort)."""
    since = parse_bound(getattr(args, "since", None), end=False)
    until = parse_bound(getattr(args, "until", None), end=True)
    if since is not None and until is not None and until <= since:
        raise UsageError("--until must be after --since")
    source = (getattr(args, "source", None) or "").strip() or None
    return since, until, source, bool(getattr(args, "cohort", False))


def stats_extension(db: Database, args: argparse.Namespace) -> dict[str, Any]:
    """``winnow stats --json`` keys (STATS_EXTENSIONS)."""
    since, until, source, cohort = stats_options(args)
    return compute_metrics(db, since, until, source, cohort=cohort).as_json()


# db.visibility.unfinished_batches' own driver SQL
RUNNING_IMPORTS = "SELECT id FROM import_batches WHERE state = 'running'"


def plain_stats(
    con: sqlite3.Connection | PgReads,
    since: datetime | None = None,
    until: datetime | None = None,
    source: str | None = None,
    now: datetime | None = None,
    cohort: bool = False,
) -> tuple[dict[str, Any], dict[str, str]] | None:
    """``winnow stats`` read with the driver alone (issue 15: the process without SQLAlchemy
    and the models, ~0.4 s of its CPU), on a connection to a file ``db.plain_open.plain_start``
    found at the head revision: the data ``--json`` prints (``total``, ``stages``, then the
    keys of :func:`stats_extension`, as ``app.commands.core._cmd_stats`` makes them) and the
    stage names (key → name, in stage order). The same SQL as the ORM path's, in one read
    transaction. Derived rows a few edits behind are brought up to date first, through the
    driver too (``app.aggregates.plain_refresh``), and read again. None when only the ORM path
    can answer: an import being written (its contacts hidden), or derived rows that the driver
    does not bring up to date (many edits behind, another definition, the write lock held:
    ``app.aggregates.bring_up_to_date``).

    ``con`` a psycopg connection (``db.plain_pg``, autocommit): the same on PostgreSQL, every
    read in one read-only transaction at REPEATABLE READ (one snapshot, as SQLite's read
    transaction) without parallel workers (as the usual path's reads, :func:`_serially`); the
    running imports', the stages' and the stage counts' statements as SQLAlchemy compiles them
    for PostgreSQL (``*_PG``); the rows brought up to date under the usual write lock, not
    waited for (``app.aggregates.plain_refresh``)."""
    source = (source or "").strip() or None
    now = now or utcnow()
    reader: Plain
    if isinstance(con, sqlite3.Connection):
        reader, begin, end, stage_counts = Plain(con), ["BEGIN"], "COMMIT", STAGE_COUNTS
    else:
        reader, end, stage_counts = PlainPg(con), "ROLLBACK", STAGE_COUNTS_PG
        begin = [
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            "SET LOCAL max_parallel_workers_per_gather = 0",
        ]
    refreshed = False
    while True:
        con.execute(begin[0])
        try:
            for statement in begin[1:]:
                con.execute(statement)
            if con.execute(RUNNING_IMPORTS).fetchone() is not None:
                return None
            a = _anchors(reader)
            definition = a.definition()
            current = aggregates.is_current(reader, definition)
            if not current and (refreshed or not aggregates.plain_refreshable(reader, definition)):
                return None
            if current:
                counts = {str(key): int(n) for key, n in con.execute(stage_counts)}
                table, extra = _derived_table(source)
                metrics = _aggregate(
                    reader, a, since, until, source, now, False, cohort, table, extra
                )
                medians = _derived_medians(reader, a, since, until, source)
        finally:
            con.execute(end)
        if current:
            break
        if not aggregates.plain_refresh(con, definition):
            return None
        refreshed = True
    data: dict[str, Any] = {"total": sum(counts.values()), "stages": counts}
    data.update(replace(metrics, median_days_in_stage=medians).as_json())
    return data, dict(a.stage_names)

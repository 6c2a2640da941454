"""The window's first screen read with the driver alone (issue 15's start without SQLAlchemy,
step 4): the stages and which are shown, the settings read at start, the criteria's names,
what Edit ▸ Undo/Redo would say and who is working, the list's first page in its sort with
its rows, BANT marks and count, the sidebar's counts and the board's column headers.

Each function takes a ``sqlite3`` connection to a file :func:`db.plain_open.plain_start` found
at the head revision (``PlainStart.connect``) and returns the values the ORM path returns —
the same dataclasses (:mod:`app.values`), times turned as :mod:`db.times` turns them, flags as
booleans, a page's keys raw as :mod:`app.paging` keeps them. The SQL is written here as
SQLAlchemy compiles the ORM's statements for SQLite (same text, so SQLite plans them the same);
``tests/app/test_first_screen.py`` compiles those statements and compares the text, and runs
both paths on real files for the values. Reads meant to agree run in one :func:`snapshot`.

No SQLAlchemy and no Qt here (a test imports it in a process of its own).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from app.values import (
    ContactRow,
    Deal,
    Key,
    LogEntry,
    StageInfo,
    UndoState,
    marks_in_order,
    os_user,
)
from db.handle import DatabaseOpening
from db.plain_open import PlainStart
from db.time_numbers import from_stored, to_number


class NotPlain(Exception):
    """The file holds what only the ORM path reads correctly (an import started since the
    plain start's check: its contacts are hidden from every view, ``db.visibility``)."""


# db.visibility.unfinished_batches' own driver SQL
RUNNING_IMPORTS = "SELECT id FROM import_batches WHERE state = 'running'"


@contextmanager
def snapshot(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One read transaction on ``con`` (autocommit, as ``PlainStart.connect`` sets it); raises
    :class:`NotPlain` when an import is running."""
    con.execute("BEGIN")
    try:
        if con.execute(RUNNING_IMPORTS).fetchone() is not None:
            raise NotPlain("an import is running")
        yield con
    finally:
        con.execute("COMMIT")


# --- stages, settings, criteria ----------------------------------------------------------

STAGES = (
    'SELECT stages.id, stages."key", stages.name, stages.color, stages.position, stages.kind'
    " \nFROM stages ORDER BY stages.position, stages.id"
)
SETTING = 'SELECT settings.value \nFROM settings \nWHERE settings."key" = ?'
CRITERIA = (
    "SELECT bant_criteria.id, bant_criteria.name \nFROM bant_criteria"
    " ORDER BY bant_criteria.position, bant_criteria.id"
)
HIDDEN_SETTING = "stages.hidden"  # app.stage_visibility.HIDDEN_SETTING


def stages(con: sqlite3.Connection) -> list[StageInfo]:
    """Every stage in display order (``app.stages.list_stages``)."""
    return [StageInfo(int(i), k, n, c, int(p), kind) for i, k, n, c, p, kind in con.execute(STAGES)]


def setting(con: sqlite3.Connection, key: str, default: Any = None) -> Any:
    """A stored setting's value (``app.settings.get_setting``)."""
    row = con.execute(SETTING, (key,)).fetchone()
    return default if row is None or row[0] is None else json.loads(row[0])


def hidden_keys(con: sqlite3.Connection) -> frozenset[str]:
    """The hidden stages' keys (``app.stage_visibility.hidden_keys``)."""
    value = setting(con, HIDDEN_SETTING, [])
    return frozenset(str(k) for k in value) if isinstance(value, list) else frozenset()


def shown_stages(con: sqlite3.Connection, all_stages: Sequence[StageInfo]) -> list[StageInfo]:
    """The stages the window offers (``app.stage_visibility.shown_stages``)."""
    hidden = hidden_keys(con)
    return [st for st in all_stages if st.key not in hidden]


def criterion_names(con: sqlite3.Connection) -> list[str]:
    """The BANT criteria's names in display order (``app.qualification.list_criteria``)."""
    return [str(name) for _id, name in con.execute(CRITERIA)]


# --- the undo log and who is working ---------------------------------------------------------

_OPERATION = (
    "SELECT operations.id, operations.kind, operations.label, operations.at,"
    " operations.contact_count, operations.state, operations.undone_at, operations.created_by"
    " \nFROM operations \nWHERE operations.state = ?"
)
UNDO = f"{_OPERATION} ORDER BY operations.id DESC\n LIMIT ? OFFSET ?"
REDO = f"{_OPERATION} ORDER BY operations.undone_at DESC, operations.id ASC\n LIMIT ? OFFSET ?"


def _entry(row: Sequence[Any] | None) -> LogEntry | None:
    if row is None:
        return None
    i, kind, label, at, n, state, undone_at, actor = row
    return LogEntry(
        int(i), kind, label, from_stored(at), int(n), state, from_stored(undone_at), actor
    )


def undo_state(con: sqlite3.Connection) -> UndoState:
    """What Undo and Redo would do now (``app.operations.undo_state``)."""
    undo = con.execute(UNDO, ("done", 1, 0)).fetchone()
    redo = con.execute(REDO, ("undone", 1, 0)).fetchone()
    return UndoState(_entry(undo), _entry(redo))


def actor() -> str:
    """Who is working (``app.identity.current_actor``): on SQLite the operating-system user.
    The role may write (``app.access.write_refusal`` is None on a SQLite file the plain start
    opened: one it cannot write is not a plain start, and the integrity check comes later)."""
    return os_user()


# --- the list: first page, rows, marks, count ------------------------------------------------

# datetime(9999, 12, 31) as stored: "due" puts undated contacts last (app.contacts._DUE)
UNDATED = 253402214400
_DUE = (
    "coalesce(CASE WHEN (contacts.first_response_at IS NULL) THEN contacts.response_due_at END,"
    " contacts.next_action_at, ?)"
)


@dataclass(frozen=True)
class SortSql:
    """A sort of ``app.contacts.SORT_COLUMNS`` as SQL: its expression, whether it may be
    empty (read as two runs, the empty values first ascending, last descending) and whether
    it reads ``stages``."""

    expression: str
    nullable: bool
    stage: bool = False
    label: str = ""  # the label SQLAlchemy gives the column
    # an ORDER BY … NULLS clause (app.contacts.order_by: a sort column that may be empty as
    # SQLAlchemy sees it; "due" is never empty, but an expression is not known to be so)
    nulls: bool | None = None


SORTS: dict[str, SortSql] = {
    "name": SortSql("contacts.sort_name", False, label="sort_name"),
    "company": SortSql("contacts.company", True, label="company"),
    "title": SortSql("contacts.title", True, label="title"),
    "email": SortSql("contacts.email_key", True, label='"contacts.email_key"'),
    "stage": SortSql("stages.position", False, stage=True, label="position"),
    "source": SortSql("contacts.source", True, label="source"),
    "created": SortSql("contacts.created_at", False, label="created_at"),
    "created_at": SortSql("contacts.created_at", False, label="created_at"),
    "score": SortSql("contacts.score", True, label="score"),
    "next_action": SortSql("contacts.next_action_at", True, label="next_action_at"),
    "response_due": SortSql("contacts.response_due_at", True, label="response_due_at"),
    "domain_class": SortSql("contacts.domain_class", True, label="domain_class"),
    "due": SortSql(_DUE, False, label="coalesce_1", nulls=True),
}
FIRST_PAGE = 200  # ui.contact_table.ContactTableModel.PAGE


def page_sql(sort: str, descending: bool, run: str = "", stage: bool = False) -> str:
    """The statement of one run of a first page (``run``: "" for a sort never empty, else
    "IS NOT NULL" or "IS NULL"; ``stage``: one stage's contacts, a board column's),
    parameters: the due date (sort "due"), the stage's key (``stage``), the due date again,
    the limit, 0."""
    s = SORTS[sort]
    way = "DESC" if descending else "ASC"
    stated = s.nullable if s.nulls is None else s.nulls
    nulls = (" NULLS LAST" if descending else " NULLS FIRST") if stated else ""
    joined = s.stage or stage
    source = "contacts JOIN stages ON contacts.stage_id = stages.id" if joined else "contacts"
    conditions = ['stages."key" IN (?)'] if stage else []
    if run:
        conditions.append(f"{s.expression} {run}")
    where = " AND ".join(conditions) or "1 = 1"
    return (
        f"SELECT contacts.id, {s.expression} AS {s.label} \nFROM {source} \nWHERE {where}"
        f" ORDER BY {s.expression} {way}{nulls}, contacts.id {way}\n LIMIT ? OFFSET ?"
    )


def first_page(
    con: sqlite3.Connection,
    sort: str = "created",
    descending: bool = True,
    limit: int = FIRST_PAGE,
    stage_key: str | None = None,
) -> list[Key]:
    """The list's first page with no filter, in the sort (``app.paging.keys_between(db,
    ContactQuery(sort=…, descending=…), limit=…)``), or one stage's (``stage_key``: a board
    column's, ``ContactQuery(stage_keys=(stage_key,), …)``): each contact's sort value as
    stored and its id. Raises KeyError for an unknown sort."""
    s = SORTS[sort]
    runs = [""] if not s.nullable else ["IS NOT NULL", "IS NULL"]
    if not descending:
        runs.reverse()
    due = (UNDATED,) if sort == "due" else ()
    stage = (stage_key,) if stage_key is not None else ()
    out: list[Key] = []
    for run in runs:
        want = limit - len(out)
        if want <= 0:
            break
        sql = page_sql(sort, descending, run, stage_key is not None)
        rows = con.execute(sql, (*due, *stage, *due, want, 0)).fetchall()
        out.extend(Key(value, int(cid)) for cid, value in rows)
    return out


COUNT = "SELECT count(*) AS count_1 \nFROM contacts"


def count(con: sqlite3.Connection) -> int:
    """How many contacts the unfiltered list has (``app.contacts.count(db, ContactQuery())``)."""
    return int(con.execute(COUNT).fetchone()[0])


ROWS = (
    "SELECT contacts.id, contacts.name, contacts.email, contacts.company, contacts.title,"
    ' stages."key", contacts.source, contacts.created_at, contacts.score,'
    " contacts.domain_class, contacts.sales_ready, contacts.response_due_at,"
    " contacts.first_response_at, contacts.next_action_at, contacts.persona_name,"
    " contacts.persona_fit, contacts.version \nFROM contacts JOIN stages ON contacts.stage_id"
    " = stages.id WHERE contacts.id IN "
)
_TIMES = (7, 11, 12, 13)  # the row's columns that are times


def rows(con: sqlite3.Connection, ids: Sequence[int]) -> dict[int, ContactRow]:
    """The list's rows of these contacts (``app.contacts.load_rows``; missing ids absent)."""
    out: dict[int, ContactRow] = {}
    wanted = list(ids)
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        marks = ",".join("?" * len(chunk))
        for r in con.execute(f"{ROWS}({marks})", chunk).fetchall():
            values = list(r)
            for index in _TIMES:
                values[index] = from_stored(values[index])
            values[10] = bool(values[10])
            out[r[0]] = ContactRow(*values)
    return out


MARKS = "SELECT contact_id, criterion_id, answer FROM bant_answers WHERE contact_id IN "
_CRITERIA_ORDER = (
    "SELECT bant_criteria.id \nFROM bant_criteria ORDER BY bant_criteria.position, bant_criteria.id"
)


def bant_marks(con: sqlite3.Connection, contact_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """Per contact, its answers in criterion order; contacts with no answer left out
    (``app.qualification.bant_marks``)."""
    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    order = [int(r[0]) for r in con.execute(_CRITERIA_ORDER)]
    rows: list[Any] = []
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        marks = ",".join("?" * len(chunk))
        rows += con.execute(f"{MARKS}({marks})", chunk).fetchall()
    return marks_in_order(order, rows)


# --- the sidebar's counts and the board's headers --------------------------------------------

BY_STAGE = (
    "SELECT contacts.stage_id, count(*) AS count_1 \nFROM contacts GROUP BY contacts.stage_id"
)
SOURCES = (
    "SELECT contacts.source, count(*) AS count_1 \nFROM contacts \nWHERE contacts.source IS NOT"
    " NULL GROUP BY contacts.source ORDER BY count(*) DESC"
)
SOURCES_SHOWN = 12  # the sidebar lists the largest twelve (ui.main_window)


def counts_by_stage(con: sqlite3.Connection, all_stages: Sequence[StageInfo]) -> dict[str, int]:
    """Contacts per stage key, stages with none left out (``app.contacts.count_by_stage(db,
    ContactQuery())``)."""
    keys = {st.id: st.key for st in all_stages}
    return {keys[i]: int(n) for i, n in con.execute(BY_STAGE) if i in keys}


def sources(con: sqlite3.Connection) -> list[tuple[str, int]]:
    """Every source with its contacts, the largest first (``app.contacts.distinct_sources``)."""
    return [(str(src), int(n)) for src, n in con.execute(SOURCES)]


# the queues' constants (app.scoring, app.triage; the tests hold them equal)
THRESHOLD_SETTING = "scoring.threshold"
DEFAULT_THRESHOLD = 60
TARGET_STAGE = "sql"
PROPOSED_STAGE = "mql"
UNTRIAGED_STAGES = ("suspect", "inquiry")

_PIPELINE = "SELECT stages.id \nFROM stages \nWHERE stages.kind = 'pipeline'"
_UNANSWERED = "contacts.response_due_at IS NOT NULL AND contacts.first_response_at IS NULL"


def _pipeline_before(key: str) -> str:
    return (
        f"{_PIPELINE} AND stages.position < (SELECT stages.position \nFROM stages"
        f" \nWHERE stages.\"key\" = '{key}')"
    )


# each sidebar queue's label, in the sidebar's order (app.queues.QUEUES)
QUEUE_LABELS: dict[str, str] = {
    "awaiting": "Awaiting response",
    "overdue": "Overdue",
    "today": "Today",
    "sales-ready": "Sales-ready",
    "marketing-ready": "Marketing-ready",
    "untriaged": "Untriaged",
}

# each sidebar queue's condition (app.queues.QUEUES), its times bound as stored
QUEUE_CONDITIONS: dict[str, str] = {
    "awaiting": f"{_UNANSWERED} AND contacts.stage_id IN ({_PIPELINE})",
    "overdue": (
        f"{_UNANSWERED} AND contacts.response_due_at < :now AND contacts.stage_id IN"
        f" ({_PIPELINE}) OR contacts.next_action_at IS NOT NULL"
        " AND contacts.next_action_at < :today"
    ),
    "today": "contacts.next_action_at IS NOT NULL AND contacts.next_action_at < :tomorrow",
    "sales-ready": (
        f"contacts.sales_ready IS 1 AND contacts.stage_id IN ({_pipeline_before(TARGET_STAGE)})"
    ),
    "marketing-ready": (
        "contacts.sales_ready IS 0 AND contacts.score >= coalesce(CAST((SELECT settings.value"
        f" \nFROM settings \nWHERE settings.\"key\" = '{THRESHOLD_SETTING}') AS INTEGER),"
        f" {DEFAULT_THRESHOLD}) AND contacts.stage_id IN ({_pipeline_before(PROPOSED_STAGE)})"
    ),
    "untriaged": (
        "contacts.triaged_at IS NULL AND contacts.stage_id IN (SELECT stages.id \nFROM stages"
        ' \nWHERE stages."key" IN ({}))'.format(", ".join(f"'{k}'" for k in UNTRIAGED_STAGES))
    ),
}
_COUNTED = "SELECT count(*) AS count_1 \nFROM contacts \nWHERE "


def queue_times(now: datetime) -> dict[str, int | float]:
    """The queues' times as stored: now, the start of today and of tomorrow (local days, as
    ``app.followup.local_midnight_utc`` and ``app.todo`` reckon them)."""
    today = now.replace(tzinfo=UTC).astimezone(None).date()
    return {
        "now": to_number(now),
        "today": to_number(_local_midnight_utc(today)),
        "tomorrow": to_number(_local_midnight_utc(today + timedelta(days=1))),
    }


def _local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0)).astimezone().astimezone(UTC).replace(tzinfo=None)


def queue_count(con: sqlite3.Connection, queue: str, now: datetime) -> int:
    """How many contacts a sidebar queue holds at ``now`` (naive UTC) —
    ``app.contacts.count(db, ContactQuery(queue=…))``."""
    sql = _COUNTED + QUEUE_CONDITIONS[queue]
    return int(con.execute(sql, queue_times(now)).fetchone()[0])


OWNED = "SELECT count(*) AS count_1 \nFROM contacts \nWHERE contacts.owner = ?"
UNOWNED = "SELECT count(*) AS count_1 \nFROM contacts \nWHERE contacts.owner IS NULL"


def owned_count(con: sqlite3.Connection, owner: str) -> int:
    """``app.contacts.count(db, ContactQuery(owner=owner))`` ("" for nobody's)."""
    row = con.execute(OWNED, (owner,)) if owner else con.execute(UNOWNED)
    return int(row.fetchone()[0])


@dataclass(frozen=True)
class SidebarCounts:
    """What the window's counting reads (``MainWindow.refresh_counts``' ``count_all``)."""

    stages: dict[str, int]  # every stage's key, in display order: its contacts
    queues: dict[str, int]  # each queue of app.queues: its contacts
    sources: list[tuple[str, int]]  # the largest sources first (SOURCES_SHOWN)
    all: int  # every contact
    owned: int  # the contacts of the person working


def sidebar_counts(
    con: sqlite3.Connection, all_stages: Sequence[StageInfo], owner: str, now: datetime
) -> SidebarCounts:
    by_stage = counts_by_stage(con, all_stages)
    return SidebarCounts(
        stages={st.key: by_stage.get(st.key, 0) for st in all_stages},
        queues={q: queue_count(con, q, now) for q in QUEUE_CONDITIONS},
        sources=sources(con)[:SOURCES_SHOWN],
        all=sum(by_stage.values()),
        owned=owned_count(con, owner),
    )


def board_columns(
    con: sqlite3.Connection, all_stages: Sequence[StageInfo]
) -> list[tuple[StageInfo, int]]:
    """The board's columns with no filter: each shown stage (its header's name and colour)
    and its count (``app.contacts.count_by_stage`` over ``shown_stages``)."""
    by_stage = counts_by_stage(con, all_stages)
    return [(st, by_stage.get(st.key, 0)) for st in shown_stages(con, all_stages)]


# --- the board's first cards -------------------------------------------------------------------

DEALS = (
    "SELECT contacts.id, contacts.deal_amount, contacts.expected_close_at \nFROM contacts"
    " \nWHERE contacts.id IN ({}) AND (contacts.deal_amount IS NOT NULL"
    " OR contacts.expected_close_at IS NOT NULL)"
)


def deal_marks(con: sqlite3.Connection, contact_ids: Sequence[int]) -> dict[int, Deal]:
    """The deals of these contacts (those with an amount or a close date), for the board's
    cards (``app.deals.deal_marks``)."""
    ids = list(contact_ids)
    out: dict[int, Deal] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        sql = DEALS.format(", ".join("?" * len(chunk)))
        for cid, amount, close in con.execute(sql, chunk).fetchall():
            out[int(cid)] = Deal(int(cid), amount, from_stored(close))
    return out


@dataclass(frozen=True)
class BoardCards:
    """The board's columns' first pages with no filter, and the first cards of each."""

    keys: dict[str, list[Key]]  # per stage key: its first page
    rows: dict[int, ContactRow]  # the first ``per_column`` cards of each column
    bant: dict[int, tuple[str, ...]]  # their BANT marks (contacts with an answer)
    deals: dict[int, Deal]  # their deals (contacts with one)


def board_cards(
    con: sqlite3.Connection,
    stage_keys: Sequence[str],
    sort: str,
    descending: bool,
    page: int,
    per_column: int,
) -> BoardCards:
    """Each of these stages' first ``page`` keys in the sort, with no filter, and the rows
    and marks of the first ``per_column`` of each (``ui.kanban.read_ahead.read_first_cards``
    over the database: ``app.paging.keys_between`` per column, ``app.contacts.load_rows``,
    ``app.qualification.bant_marks``, ``app.deals.deal_marks``)."""
    keys = {key: first_page(con, sort, descending, page, key) for key in stage_keys}
    wanted = [k.id for key in stage_keys for k in keys[key][:per_column]]
    found = rows(con, wanted) if wanted else {}
    read = list(found)
    return BoardCards(
        keys,
        found,
        bant_marks(con, read) if read else {},
        deal_marks(con, read) if read else {},
    )


# where the undo log and the live notices stand (``app.live.SqliteWatcher`` follows both):
# any operation done, undone or redone, or a notice sent, changes it
LOG_MARK = (
    "SELECT count(*), max(id), count(undone_at), max(undone_at),"
    " total(CASE state WHEN 'done' THEN id ELSE 0 END),"
    " (SELECT value FROM settings WHERE \"key\" = 'live.notices') FROM operations"
)


def log_mark(con: sqlite3.Connection) -> tuple[object, ...]:
    """Where the undo log and the live notices stand (:data:`LOG_MARK`)."""
    return tuple(con.execute(LOG_MARK).fetchone())


class PlainReads:
    """A window's start on a file :func:`db.plain_open.plain_start` found: what it shows first
    is read here with the driver while the :class:`~db.engine.Database` is opened later
    (``opening``, begun once the window is usable), which everything else waits for.

    :meth:`reads` is the GUI thread's (one connection, kept until :meth:`close`); a worker
    takes a connection of its own (:meth:`worker_reads`). Both raise :class:`NotPlain` when
    an import is running: the caller then takes the usual path."""

    def __init__(self, start: PlainStart, opening: DatabaseOpening) -> None:
        self.start = start
        self.opening = opening
        self._con: sqlite3.Connection | None = None
        # where the undo log and the live notices stood at the first read (what other
        # Winnows tell each other by; :meth:`changed_since_first_read`)
        self._log_at_first_read: tuple[object, ...] | None = None

    @property
    def ready(self) -> bool:
        """Whether the Database is open (from then on the usual path reads)."""
        return self.opening.done.is_set()

    @contextmanager
    def reads(self) -> Iterator[sqlite3.Connection]:
        """One read transaction on the GUI thread's connection."""
        if self._con is None:
            self._con = self.start.connect()
        with snapshot(self._con) as con:
            if self._log_at_first_read is None:
                self._log_at_first_read = log_mark(con)
            yield con

    def changed_since_first_read(self) -> bool:
        """Whether an operation was done, undone or redone, or a live notice sent (what
        other Winnows on the file go by) since the first screen was read: the window's live
        feed, started later, did not see it. False before any read, or after :meth:`close`."""
        if self._con is None or self._log_at_first_read is None:
            return False
        try:
            with snapshot(self._con) as con:
                return log_mark(con) != self._log_at_first_read
        except sqlite3.Error:  # the file went meanwhile: read everything again to find out
            return True

    @contextmanager
    def worker_reads(self) -> Iterator[sqlite3.Connection]:
        """One read transaction on a connection of its own (closed after)."""
        con = self.start.connect()
        try:
            with snapshot(con):
                yield con
        finally:
            con.close()

    def close(self) -> None:
        """The GUI thread's connection closed (the opening is left as it is)."""
        if self._con is not None:
            self._con.close()
            self._con = None

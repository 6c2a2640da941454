"""The sidebar's counts — every stage, each follow-up queue, the largest sources, the user's own
contacts and all of them — read with plain ``sqlite3``: groundwork for a window start that reads
its first screen before SQLAlchemy is imported (issue 15; importing SQLAlchemy, its ORM and the
models is ~0.4 s of the ~1 s start). The window does not read its counts here yet.

On SQLite :func:`read_plain` runs, in one read transaction, the statements SQLAlchemy makes of
``app.contacts.count``, ``count_by_stage`` and ``distinct_sources`` (written the same, so SQLite
plans them the same); :func:`sidebar_counts` lends it one of the engine's connections. Elsewhere
(PostgreSQL), for a queue without a statement here, or after an error of the driver,
:func:`read_general` answers through ``app.contacts`` (the window's own count today).
tests/app/test_sidebar_counts.py holds both to the same answers on random contacts.

Measured in the window's start at 100,000 contacts (load 13-16, alternating with the code
before): the counting thread's CPU ~80 -> ~50-58 ms. Not wired in yet: the benchmark's board,
clicked the moment the window is usable, then cost more (``spine``'s
usable_to_board_shown_cpu_s 0.21-0.30 -> 0.32-0.59 s), with the domain lists' warm-up (1 s after
the counts) and the board's read-ahead falling inside that click at a high load; likely the
benchmark's timing rather than work added, not proven (docs/performance-log.md, 2026-12-02).
Its helpers (the queues' constants, the local day, stored times, the actor) still come from
modules that import SQLAlchemy; they are imported when the counts are read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from db.engine import Database

# how many sources the sidebar lists (the largest)
SOURCES_SHOWN = 12


@dataclass(frozen=True)
class SidebarCounts:
    """What the sidebar shows beside its entries."""

    stages: dict[str, int]  # every stage's key, in display order: its contacts
    queues: dict[str, int]  # each queue asked for: its contacts
    sources: list[tuple[str, int]]  # the largest sources first (at most SOURCES_SHOWN)
    owned: int  # the contacts of the person working (``app.identity.current_actor``)
    total: int  # every contact


def sidebar_counts(db: Database, queues: Sequence[str]) -> SidebarCounts:
    """The sidebar's counts on ``db`` (the queues named in ``queues``): plain SQLite where it
    can (:func:`read_plain`), the general path otherwise (:func:`read_general`)."""
    from app.identity import current_actor
    from app.timeutil import utcnow

    owner = current_actor(db)
    if db.is_sqlite and all(q in queue_conditions() for q in queues):
        # one of the engine's own connections, lent and given back: the pages the counts read
        # stay in its cache for the reads after them (the board's, the list's). A connection
        # of its own, closed after the counts, left the board reading them again: ~0.1 s more
        # of the GUI thread's CPU and 0.15 s of its read-ahead's on the click after usable
        lent = db.engine.raw_connection()
        try:
            conn = lent.driver_connection
            if isinstance(conn, sqlite3.Connection):
                return read_plain(conn, queues, owner, utcnow())
        except sqlite3.Error:
            pass  # the general path says what is wrong, as it always has
        finally:
            lent.close()
    return read_general(db, queues, owner)


def read_general(db: Database, queues: Sequence[str], owner: str) -> SidebarCounts:
    """The counts through ``app.contacts`` (SQLAlchemy), on any database."""
    from app import contacts
    from app.contacts import ContactQuery
    from app.stages import list_stages

    by_stage = contacts.count_by_stage(db, ContactQuery())
    return SidebarCounts(
        stages={st.key: by_stage.get(st.key, 0) for st in list_stages(db)},
        queues={q: contacts.count(db, ContactQuery(queue=q)) for q in queues},
        sources=contacts.distinct_sources(db)[:SOURCES_SHOWN],
        owned=contacts.count(db, ContactQuery(owner=owner)),
        total=sum(by_stage.values()),
    )


# --- plain SQLite ------------------------------------------------------------------------
# Each queue's condition on ``contacts`` as SQLAlchemy renders app.followup's and app.triage's
# (``:now``, ``:today`` and ``:tomorrow`` bound as stored times); a queue added there needs its
# statement here, else the sidebar counts through the general path (and the test fails).

_PIPELINE = "SELECT stages.id FROM stages WHERE stages.kind = 'pipeline'"


def _pipeline_before(stage_key: str) -> str:
    return (
        "SELECT stages.id FROM stages WHERE stages.kind = 'pipeline' AND stages.position < "
        f"(SELECT stages.position FROM stages WHERE stages.\"key\" = '{stage_key}')"
    )


@cache
def queue_conditions() -> dict[str, str]:
    """Each queue's condition, by name."""
    from app.scoring import DEFAULT_THRESHOLD, PROPOSED_STAGE, TARGET_STAGE, THRESHOLD_SETTING
    from app.triage import UNTRIAGED_STAGES

    unanswered = "contacts.response_due_at IS NOT NULL AND contacts.first_response_at IS NULL"
    untriaged = ", ".join(f"'{key}'" for key in UNTRIAGED_STAGES)
    return {
        "awaiting": f"{unanswered} AND contacts.stage_id IN ({_PIPELINE})",
        "overdue": (
            f"{unanswered} AND contacts.response_due_at < :now AND contacts.stage_id IN "
            f"({_PIPELINE}) OR contacts.next_action_at IS NOT NULL "
            "AND contacts.next_action_at < :today"
        ),
        "today": "contacts.next_action_at IS NOT NULL AND contacts.next_action_at < :tomorrow",
        "sales-ready": (
            f"contacts.sales_ready IS 1 AND contacts.stage_id IN ({_pipeline_before(TARGET_STAGE)})"
        ),
        "marketing-ready": (
            "contacts.sales_ready IS 0 AND contacts.score >= coalesce(CAST((SELECT "
            f"settings.value FROM settings WHERE settings.\"key\" = '{THRESHOLD_SETTING}') "
            f"AS INTEGER), {int(DEFAULT_THRESHOLD)}) AND contacts.stage_id IN "
            f"({_pipeline_before(PROPOSED_STAGE)})"
        ),
        "untriaged": (
            "contacts.triaged_at IS NULL AND contacts.stage_id IN "
            f'(SELECT stages.id FROM stages WHERE stages."key" IN ({untriaged}))'
        ),
    }


def read_plain(
    conn: sqlite3.Connection, queues: Sequence[str], owner: str, now: datetime
) -> SidebarCounts:
    """The counts with ``sqlite3`` alone on ``conn`` (in autocommit mode, outside any
    transaction), in one read transaction of their own; the contacts of an unfinished import
    left out, as ``db.visibility`` leaves them out of every query."""
    conn.execute("BEGIN")
    try:
        hidden = [int(r[0]) for r in conn.execute(_RUNNING_IMPORTS)]
        visible = ""
        if hidden:
            listed = ", ".join(str(i) for i in hidden)
            visible = (
                f"(contacts.import_batch_id IS NULL OR contacts.import_batch_id NOT IN ({listed}))"
            )
        keys = dict(conn.execute('SELECT stages.id, stages."key" FROM stages').fetchall())
        by_stage: dict[str, int] = {}
        grouped = "SELECT contacts.stage_id, count(*) AS count_1 FROM contacts"
        for stage_id, n in conn.execute(_where(grouped, visible) + " GROUP BY contacts.stage_id"):
            if stage_id in keys:
                by_stage[str(keys[stage_id])] = int(n)
        shown = conn.execute(
            'SELECT stages."key" FROM stages ORDER BY stages.position, stages.id'
        ).fetchall()
        times = _times(now)
        counted = "SELECT count(*) AS count_1 FROM contacts"
        conditions = queue_conditions()
        queue_counts = {
            q: int(
                conn.execute(_where(counted, f"({conditions[q]})", visible), times).fetchone()[0]
            )
            for q in queues
        }
        sources = conn.execute(
            _where(
                "SELECT contacts.source, count(*) AS count_1 FROM contacts",
                "contacts.source IS NOT NULL",
                visible,
            )
            + " GROUP BY contacts.source ORDER BY count(*) DESC"
        ).fetchall()
        mine = "contacts.owner = :owner" if owner else "contacts.owner IS NULL"
        owned = conn.execute(_where(counted, mine, visible), {"owner": owner}).fetchone()[0]
    finally:
        conn.execute("COMMIT")  # a read: nothing to keep or undo
    return SidebarCounts(
        stages={str(k): by_stage.get(str(k), 0) for (k,) in shown},
        queues=queue_counts,
        sources=[(str(src), int(n)) for src, n in sources[:SOURCES_SHOWN]],
        owned=int(owned),
        total=sum(by_stage.values()),
    )


_RUNNING_IMPORTS = "SELECT id FROM import_batches WHERE state = 'running'"


def _where(statement: str, *conditions: str) -> str:
    wanted = [c for c in conditions if c]
    return f"{statement} WHERE {' AND '.join(wanted)}" if wanted else statement


def _times(now: datetime) -> dict[str, int | float]:
    """The queues' times as SQLite stores them: now, the start of today and of tomorrow
    (local days, as ``app.followup`` and ``app.todo`` reckon them)."""
    from app.followup import local_midnight_utc, local_now
    from db.times import to_number

    today = local_now(now).date()
    return {
        "now": to_number(now),
        "today": to_number(local_midnight_utc(today)),
        "tomorrow": to_number(local_midnight_utc(today + timedelta(days=1))),
    }

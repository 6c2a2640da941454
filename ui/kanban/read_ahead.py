"""The board's first cards, read on a worker as soon as the window is usable.

In the application's window the board's widgets are built a second after the window is
usable (``KanbanFeature.prebuild``); a click on Board before that builds them on the click,
and read each column's first page and the cards in sight on the GUI thread (eight statements,
the cards' rows and two kinds of marks: ~15 ms of its CPU at 100,000 contacts, more wall time
on a busy disk). Those are read here instead, on a worker, the moment the window is usable:
the board built on the click takes them when nothing has changed since (no change notice,
the same filters and sort) and reads nothing itself; otherwise it reads as before. The same
worker then imports the board's own modules (``ui.kanban.board`` and what it imports: ~15 ms
the click did before, on the GUI thread).

On a plain start (``app.first_screen``: the window shown before its database is open) the
same values are read with the driver alone while the database is not open yet — on the
worker, or on the GUI thread by a board built before the read ahead is in — so that neither
waits for the opening (:func:`read_first_cards_plain`, :func:`read_cards_plain`). Nothing here
imports SQLAlchemy at its top: the board's modules load without it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from threading import Event
from typing import TYPE_CHECKING, Any

from app.board import board_sort
from app.values import ContactQuery, ContactRow, Key, StageInfo
from ui.api import WindowApi
from ui.kanban.column_model import FIRST_PAGE, MarkLoader, assemble_cards, bound_reader, read_cards

if TYPE_CHECKING:
    from app.first_screen import PlainReads
    from db.engine import Database


# what the cards draw besides the contact's row (ui.kanban.card_delegate); the domain's
# readers (SQLAlchemy's) imported as first used, on the thread that reads
def _bant_marks(db: Database, ids: Sequence[int]) -> dict[int, Any]:
    from app.qualification import bant_marks

    return bant_marks(db, ids)


def _deal_marks(db: Database, ids: Sequence[int]) -> dict[int, Any]:
    from app.deals import deal_marks

    return deal_marks(db, ids)


CARD_MARKS: dict[str, MarkLoader] = {"bant": _bant_marks, "deal": _deal_marks}


def board_order(stages: list[StageInfo]) -> list[StageInfo]:
    """Pipeline and won stages in their order, then the side stages."""
    return [s for s in stages if not s.is_side] + [s for s in stages if s.is_side]


def board_query(window: ContactQuery, sort_key: str) -> ContactQuery:
    """The window's filters with the board's sort (``sort_key``); each column adds its stage."""
    s = board_sort(sort_key)
    return replace(window, stage_keys=(), ids=None, sort=s.sort, descending=s.descending)


def saved_board_query(api: WindowApi) -> ContactQuery:
    """The query the board will show when built now (the sort it was last shown with)."""
    return board_query(api.current_query(), str(api.settings.value("board/sort", "newest")))


@dataclass(frozen=True)
class FirstCards:
    """Every column's first page and the cards a column shows first, read for ``query``."""

    query: ContactQuery
    stages: list[StageInfo]  # the board's columns, in the board's order
    keys: Mapping[str, list[Key]]  # per stage key: the first page
    rows: Mapping[int, ContactRow]
    marks: Mapping[int, Mapping[str, Any]]  # per contact: its marks by name (none: {})
    # each column's count, when read with the pages (the driver's read: no filter)
    counts: Mapping[str, int] | None = None


def read_first_cards(
    db: Database, query: ContactQuery, per_column: int, stop: Event | None = None
) -> FirstCards | None:
    """The columns' first pages under ``query`` and the first ``per_column`` cards of each
    (their rows and marks), in one read transaction. Runs on a worker; None once ``stop``
    is set (the board was built meanwhile: it read them itself)."""
    from app.paging import keys_between
    from app.stage_visibility import shown_stages

    stop = stop or Event()
    stages = board_order(shown_stages(db))
    keys: dict[str, list[Key]] = {}
    with db.reading():
        for s in stages:
            if stop.is_set():
                return None
            keys[s.key] = keys_between(db, replace(query, stage_keys=(s.key,)), limit=FIRST_PAGE)
        wanted = [k.id for s in stages for k in keys[s.key][:per_column]]
        if stop.is_set():
            return None
        rows, marks = read_cards(db, wanted, CARD_MARKS)
    by_contact = {cid: {n: m[cid] for n, m in marks.items() if cid in m} for cid in rows}
    return FirstCards(query, stages, keys, rows, by_contact)


def read_ahead_for_board(
    db: Database, query: ContactQuery, per_column: int, stop: Event | None = None
) -> FirstCards | None:
    """:func:`read_first_cards`, then the board's modules imported here, on the worker (a
    click on Board then only builds it). Their top level makes no widget: only classes and
    value types (colours, alignments), which may be made off the GUI thread."""
    first = read_first_cards(db, query, per_column, stop)
    import ui.kanban.board  # noqa: F401  (imported for the click, not used here)

    return first


# --- the driver alone, before the database is open (a plain start: app.first_screen) ------------


def plain_query(query: ContactQuery) -> bool:
    """Whether the board's ``query`` is read with the driver alone before the database is
    open: it filters nothing (only its sort is the board's, a sort ``app.first_screen``
    knows)."""
    from app.first_screen import SORTS

    none = ContactQuery()
    bare = replace(query, sort=none.sort, descending=none.descending, search=query.search or None)
    return bare == none and query.sort in SORTS


def read_first_cards_plain(
    con: sqlite3.Connection, query: ContactQuery, per_column: int, with_counts: bool = True
) -> FirstCards:
    """:func:`read_first_cards` with the driver alone, in one snapshot (``con``: inside
    ``PlainReads.reads`` or ``worker_reads``), for a ``query`` :func:`plain_query` accepts:
    the columns with their counts (``app.first_screen.board_columns``; not with
    ``with_counts`` false: the sidebar's, read beside it, are the board's), each one's first
    page and its first ``per_column`` cards. The same values as the database's reads
    (tested)."""
    from app import first_screen

    counts: dict[str, int] | None = None
    if with_counts:
        columns = first_screen.board_columns(con, first_screen.stages(con))
        stages = board_order([st for st, _n in columns])
        counts = {st.key: n for st, n in columns}
    else:
        stages = board_order(first_screen.shown_stages(con, first_screen.stages(con)))
    cards = first_screen.board_cards(
        con, [s.key for s in stages], query.sort, query.descending, FIRST_PAGE, per_column
    )
    marks: dict[str, Mapping[int, Any]] = {"bant": cards.bant, "deal": cards.deals}
    by_contact = {cid: {n: m[cid] for n, m in marks.items() if cid in m} for cid in cards.rows}
    return FirstCards(query, stages, cards.keys, cards.rows, by_contact, counts)


def read_cards_plain(
    con: sqlite3.Connection,
    ids: Sequence[int],
    names: Sequence[str],
    known: Mapping[int, Mapping[str, Any]] | None = None,
    rows_read: Mapping[int, ContactRow] | None = None,
) -> tuple[dict[int, ContactRow], dict[str, dict[int, Any]]]:
    """:func:`~ui.kanban.column_model.read_cards` with the driver alone: the rows of these
    contacts and their marks of ``names`` (of :data:`CARD_MARKS`)."""
    from app import first_screen

    readers: dict[str, Any] = {"bant": first_screen.bant_marks, "deal": first_screen.deal_marks}
    return assemble_cards(
        ids,
        lambda rest: first_screen.rows(con, rest),
        {name: bound_reader(readers[name], con) for name in names},
        known,
        rows_read,
        guarded=False,
    )


def read_ahead_plain(
    first: PlainReads, query: ContactQuery, per_column: int, stop: Event | None = None
) -> FirstCards | None:
    """:func:`read_ahead_for_board` on a plain start, before the database is open: the
    columns and first cards read with the driver on the worker's own connection (raises
    ``app.first_screen.NotPlain`` when an import is running), then the board's modules
    imported there."""
    with first.worker_reads() as con:
        ahead = read_first_cards_plain(con, query, per_column)
    import ui.kanban.board  # noqa: F401  (imported for the click, not used here)

    return None if stop is not None and stop.is_set() else ahead


def read_first_cards_at_start(
    first: PlainReads, query: ContactQuery, per_column: int, stop: Event | None = None
) -> FirstCards | None:
    """:func:`read_ahead_plain` as the window is being built (``KanbanFeature.read_ahead``
    at start): the read alone, the board's modules left to the GUI thread, which imports them
    at the window's first paint (here they took the interpreter from the window's building),
    and without the columns' counts: the sidebar's, read beside it, are the board's (a
    grouping of every contact, ~0.1 s at 1,000,000, read twice at once before)."""
    with first.worker_reads() as con:
        ahead = read_first_cards_plain(con, query, per_column, with_counts=False)
    return None if stop is not None and stop.is_set() else ahead


def import_board_domain(db: object) -> None:
    """The domain's modules the board reads through once the database is open (its columns'
    next pages, counts, change notices), imported on a worker after a plain read ahead, not
    by the board's first use of them on the GUI thread (~0.1-0.2 s of CPU). Given the window's
    database (unused) so that the task runner begins it once that is open: SQLAlchemy is then
    imported, by the opening alone (``ui.tasks``)."""
    import app.contacts
    import app.deals
    import app.paging
    import app.qualification
    import app.stage_visibility  # noqa: F401  (imported for later use, not used here)

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
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from threading import Event
from typing import Any

from app import deals
from app.board import board_sort
from app.contacts import ContactQuery, ContactRow
from app.paging import Key, keys_between
from app.qualification import bant_marks
from app.stage_visibility import shown_stages
from app.stages import StageInfo
from db.engine import Database
from ui.api import WindowApi
from ui.kanban.column_model import FIRST_PAGE, MarkLoader, read_cards

# what the cards draw besides the contact's row (ui.kanban.card_delegate)
CARD_MARKS: dict[str, MarkLoader] = {"bant": bant_marks, "deal": deals.deal_marks}


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


def read_first_cards(
    db: Database, query: ContactQuery, per_column: int, stop: Event | None = None
) -> FirstCards | None:
    """The columns' first pages under ``query`` and the first ``per_column`` cards of each
    (their rows and marks), in one read transaction. Runs on a worker; None once ``stop``
    is set (the board was built meanwhile: it read them itself)."""
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

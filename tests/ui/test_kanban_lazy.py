"""The board reads what it shows: shown, each column holds a first page of ids and the cards in
sight, read for every column in one read transaction; a move updates the two columns in place
and reads the moved card with the notice (not again as it is painted); scrolling a long column
pages in the rest, each card once and in order."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from sqlalchemy import event

from app import contacts
from app.contacts import ContactQuery
from db.engine import Database
from tests.ui.board_helpers import board, board_of
from tests.ui.conftest import settle
from ui.contact_table import encode_ids
from ui.kanban.column_model import FIRST_PAGE

pytestmark = pytest.mark.gui
__all__ = ["board"]  # fixture used by the tests below


@contextmanager
def board_transactions(db: Database) -> Iterator[list[set[str]]]:
    """The read transactions the board's own code begins on the GUI thread: for each, the
    board's functions on the stack ("board.py:reload", "column_model.py:_load"…)."""
    begun: list[set[str]] = []

    def begin(_conn: Any) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        frames = {
            f"{f.filename.rsplit('/', 1)[-1]}:{f.name}"
            for f in traceback.extract_stack()
            if "/ui/kanban/" in f.filename
        }
        if frames:
            begun.append(frames)

    event.listen(db.engine, "begin", begin)
    try:
        yield begun
    finally:
        event.remove(db.engine, "begin", begin)


def _db_counts(db: Database) -> dict[str, int]:
    return contacts.count_by_stage(db, ContactQuery())


def test_shown_the_board_reads_a_first_page_and_the_cards_in_sight_at_once(
    window: Any, qtbot: Any
) -> None:
    with board_transactions(window.db) as begun:
        window.show_view("kanban")
        board = board_of(window)
        for column in board.columns:
            column.view.viewport().repaint()
        qtbot.wait(50)  # anything painted late (a second paint after the cards were fitted)
    # the columns' stages read as the board starts its columns; then counts, first pages and
    # cards in sight in one read transaction: no column reads its own cards as it paints
    assert [b for b in begun if "board.py:start_columns" not in b] == [
        b for b in begun if "board.py:reload" in b
    ], begun
    assert len([b for b in begun if "board.py:reload" in b]) == 1, begun
    counts = _db_counts(window.db)
    for column in board.columns:
        model, total = column.model, counts.get(column.stage_key, 0)
        assert model.total == total and column.count_text == f"{total:,}"
        if column.collapsed:  # folded for room: its count only, its cards read as it opens
            assert model.unread and model.rowCount() == 0, column.stage_key
            continue
        assert model.rowCount() == min(total, FIRST_PAGE), "a first page, not the whole column"
        top = column.view.rowAt(0)
        shown = [
            r
            for r in range(model.rowCount())
            if column.view.visualRect(model.index(r)).intersects(column.view.viewport().rect())
        ]
        assert top == 0 and shown, column.stage_key
        # the cards in sight were read with the board: painting them read nothing more
        assert all(model._pager.cached(model.contact_id(r)) is not None for r in shown)


def _counted_by_stage_on_gui_thread(monkeypatch: pytest.MonkeyPatch) -> list[ContactQuery]:
    """The board's own counts per stage, read on the GUI thread, from now on."""
    counted: list[ContactQuery] = []
    real = contacts.count_by_stage

    def count(db: Database, q: ContactQuery) -> dict[str, int]:
        if threading.current_thread() is threading.main_thread():
            counted.append(q)
        return real(db, q)

    monkeypatch.setattr(contacts, "count_by_stage", count)
    return counted


def test_shown_without_filters_the_board_takes_the_sidebars_current_counts(
    window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    qtbot.waitUntil(window.counts_shown, timeout=5000)
    counted = _counted_by_stage_on_gui_thread(monkeypatch)
    window.show_view("kanban")
    board = board_of(window)
    assert counted == [], "the sidebar counted them already"
    counts = _db_counts(window.db)
    assert {c.stage_key: c.model.total for c in board.columns} == {
        c.stage_key: counts.get(c.stage_key, 0) for c in board.columns
    }
    assert all(c.count_text == f"{c.model.total:,}" for c in board.columns)


def test_counts_a_change_made_since_the_sidebars_count_the_board_counts_itself(
    window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.moves import move_to_stage
    from app.operations import Changes

    qtbot.waitUntil(window.counts_shown, timeout=5000)
    monkeypatch.setattr(window, "refresh_counts", lambda: None)  # no recount after the change
    ids = contacts.query_ids(window.db, ContactQuery(stage_keys=("suspect",)), 0, 3)
    move_to_stage(window.db, ids, "nurture")
    window.ops.announce(Changes.of(contacts=ids, stages=["suspect", "nurture"]))
    assert window.stage_counts() is None, "out of date: a change came after the count"
    counted = _counted_by_stage_on_gui_thread(monkeypatch)
    window.show_view("kanban")
    board = board_of(window)
    assert len(counted) == 1
    counts = _db_counts(window.db)
    assert board.column("suspect").model.total == counts["suspect"]
    assert board.column("nurture").model.total == counts["nurture"]
    # with a filter the sidebar's counts are not the columns': the board counts them
    window.search.setText("a")
    qtbot.waitUntil(lambda: len(counted) == 2, timeout=5000)


def test_the_sidebar_recounts_after_a_moves_notice_not_beside_it(
    board: Any, window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The moved card is placed and painted before the sidebar's count starts on its worker
    (started with the notice it ran beside them on the other core); the counts follow."""
    from ui.sidebar import SidebarFilter

    qtbot.waitUntil(window.counts_shown, timeout=5000)
    started: list[bool] = []  # whether the board had followed the notice when it started
    real = window.refresh_counts
    src, dst = board.column("suspect"), board.column("inquiry")
    cid = src.model.contact_id(0)

    def refresh_counts() -> None:
        started.append(dst.model.contains(cid))
        real()

    monkeypatch.setattr(window, "refresh_counts", refresh_counts)
    before = window._sidebar_counts[SidebarFilter("stage", "inquiry")]
    assert dst.model.dropMimeData(
        encode_ids([cid]), Qt.DropAction.MoveAction, -1, -1, QModelIndex()
    )
    settle(qtbot, window)
    qtbot.waitUntil(lambda: started == [True], timeout=5000)
    qtbot.waitUntil(
        lambda: window._sidebar_counts[SidebarFilter("stage", "inquiry")] == before + 1,
        timeout=5000,
    )
    assert window.stage_counts() == _db_counts(window.db) | {
        k: 0 for k in window.stage_counts() or {} if k not in _db_counts(window.db)
    }


def test_a_moved_card_leaves_one_column_and_joins_the_other_read_with_the_notice(
    board: Any, window: Any, qtbot: Any
) -> None:
    src, dst = board.column("suspect"), board.column("inquiry")
    cid = src.model.contact_id(1)
    before = _db_counts(board.db)
    rows_before = (src.model.rowCount(), dst.model.rowCount())
    with board_transactions(board.db) as begun:
        assert dst.model.dropMimeData(
            encode_ids([cid]), Qt.DropAction.MoveAction, -1, -1, QModelIndex()
        )
        settle(qtbot, window)
        for column in (src, dst):
            column.view.viewport().repaint()
    assert not src.model.contains(cid) and dst.model.contains(cid)
    assert (src.model.rowCount(), dst.model.rowCount()) == (rows_before[0] - 1, rows_before[1] + 1)
    card = dst.model._pager.cached(cid)
    assert card is not None and card.row.stage_key == "inquiry", "read with the move's notice"
    # one read transaction for both columns and the moved card; none as they are painted
    assert len(begun) == 1 and "board.py:on_operation" in begun[0], begun
    # the counts follow at once (what came and went), and agree with the database
    assert src.count_text == f"{before['suspect'] - 1:,}"
    assert dst.count_text == f"{before['inquiry'] + 1:,}"
    after = _db_counts(board.db)
    assert (after["suspect"], after["inquiry"]) == (before["suspect"] - 1, before["inquiry"] + 1)
    qtbot.waitUntil(
        lambda: all(c.model.total == after.get(c.stage_key, 0) for c in board.columns),
        timeout=5000,
    )
    assert sorted(board.selected_ids()) == [cid], "selected where it landed"


def test_scrolling_a_long_column_pages_in_the_rest_once_and_in_order(
    board: Any, qtbot: Any
) -> None:
    column = board.column("suspect")
    model, view = column.model, column.view
    assert model.total > FIRST_PAGE and model.rowCount() == FIRST_PAGE
    bar = view.verticalScrollBar()
    for _ in range(50):  # as a user drags the scroll bar down: the view asks for more
        bar.setValue(bar.maximum())
        qtbot.wait(1)
        if model.rowCount() == model.total:
            break
    assert model.rowCount() == model.total
    expected = contacts.query_ids(
        board.db, ContactQuery(stage_keys=("suspect",), sort="created", descending=True)
    )
    assert model.loaded_ids() == expected, "every card once, in the column's order"
    qtbot.wait(20)  # the view takes in the last page's rows, then goes to the end
    bar.setValue(bar.maximum())
    view.viewport().repaint()
    last = model.rowCount() - 1
    assert view.visualRect(model.index(last)).intersects(view.viewport().rect())
    card = model.card(last)
    assert card is not None and card.row.id == expected[-1]
    assert column.count_text == f"{model.total:,}"

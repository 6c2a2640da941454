"""A column's cards (ui.kanban.card_list): an item view that places its rows itself, each as
tall as its card. Where a row is drawn, where a click lands and what the scroll bar covers
agree; a card keeps its height when rows come, go or change places; mouse and keyboard
select as in any list (click, Ctrl+click, Shift+click, Down, Page Down, End); the header
paints the column's name, count and sum and says what each part is."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from tests.ui.board_helpers import board
from ui.kanban.style import board_colors
from ui.theme import current_palette

pytestmark = pytest.mark.gui
__all__ = ["board"]  # fixtures used by the tests below

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
LEFT = Qt.MouseButton.LeftButton


def _column(board: Any, key: str = "suspect") -> Any:
    column = board.column(key)
    board.open_column(column)
    settle_board(board)
    return column


def settle_board(board: Any) -> None:
    for column in board.columns:
        column.view.viewport().repaint()


def test_rows_are_placed_by_their_cards_heights(board: Any) -> None:
    view = _column(board).view
    model = view.model()
    assert model.rowCount() > 20
    heights = [view.rowHeight(r) for r in range(model.rowCount())]
    assert len(set(heights[:8])) > 1, "cards of different heights in sight (demo names wrap)"
    top = view.rowViewportPosition(0)
    for row in range(12):
        rect = view.visualRect(model.index(row, 0))
        assert rect.top() == top and rect.height() == heights[row]
        assert view.rowAt(rect.top()) == row and view.rowAt(rect.bottom()) == row
        assert view.indexAt(rect.center()).row() == row
        top += heights[row]
    # the scroll bar covers every loaded row, the last one fully shown at its end
    bar = view.verticalScrollBar()
    assert bar.maximum() == sum(heights) - view.viewport().height()
    last = model.rowCount() - 1
    bar.setValue(bar.maximum())  # (the view may fetch the next page then: rows below)
    rect = view.visualRect(model.index(last, 0))
    assert rect.intersects(view.viewport().rect()), "the last loaded card in sight"
    assert view.rowAt(rect.top()) == last


def test_a_card_keeps_its_height_when_rows_come_go_and_change_places(board: Any) -> None:
    view = _column(board).view
    model = view.model()
    ids = model.loaded_ids()
    tall = {cid: view.rowHeight(r) for r, cid in enumerate(ids[:8])}
    # rows removed above (the model's contacts_left: moved to another stage elsewhere)
    model.contacts_left(ids[:2])
    assert model.rowCount() == len(ids) - 2
    for cid, height in list(tall.items())[2:]:
        assert view.rowHeight(model.row_for_id(cid)) == height
    # rows changing places in one layout change: each card keeps its own height
    pager = model._pager
    target = list(pager.ids)
    target[0:6] = reversed(target[0:6])
    pager._relayout(target)
    for cid, height in list(tall.items())[2:]:
        assert view.rowHeight(model.row_for_id(cid)) == height
    # a reset (new sort) starts every row at the smallest card's height until measured
    board.sort_combo.setCurrentIndex(board.sort_combo.findData("name"))
    settle_board(board)
    rows = model.rowCount()
    assert all(view.rowHeight(r) > 0 for r in range(rows))
    assert sum(view.rowHeight(r) for r in range(rows)) == view.content_height()


def test_mouse_and_keys_select_as_in_a_list(board: Any, qtbot: Any) -> None:
    view = _column(board).view
    model = view.model()
    port = view.viewport()

    def click(row: int, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        QTest.mouseClick(port, LEFT, mods, view.visualRect(model.index(row, 0)).center())

    click(1)
    assert [i.row() for i in view.selectionModel().selectedRows()] == [1]
    click(3, CTRL)
    assert sorted(i.row() for i in view.selectionModel().selectedRows()) == [1, 3]
    click(0)
    click(2, SHIFT)
    assert sorted(i.row() for i in view.selectionModel().selectedRows()) == [0, 1, 2]
    assert view.selected_ids() == model.loaded_ids()[:3]
    QTest.keyClick(view, Qt.Key.Key_Down)
    assert view.currentIndex().row() == 3
    assert [i.row() for i in view.selectionModel().selectedRows()] == [3]
    QTest.keyClick(view, Qt.Key.Key_PageDown)
    row = view.currentIndex().row()
    assert row > 4, "a page down moves by a screen of cards"
    rect = view.visualRect(model.index(row, 0))
    assert rect.intersects(port.rect()), "the current card is scrolled into sight"
    QTest.keyClick(view, Qt.Key.Key_Home)
    assert view.currentIndex().row() == 0 and view.verticalScrollBar().value() == 0


def test_the_header_paints_the_count_and_says_what_each_part_is(board: Any, qtbot: Any) -> None:
    column = _column(board, "nurture")
    header = column.header
    total = column.model.total
    assert header.count_text == f"{total:,}"
    assert header.tip_at(header.pill_rect().center()) == (
        f"{total:,} contacts in {column.model.stage.name}"
    )
    assert header.tip_at(header.collapse_rect().center()) == "Collapse this column"
    # the pill is drawn where it is said to be, in the count's colours
    image = header.grab().toImage()
    ratio = image.devicePixelRatio()
    pill = header.pill_rect()
    fill = QColor(board_colors(current_palette())["count_fill"])
    inside = image.pixelColor(int((pill.left() + 3) * ratio), int(pill.center().y() * ratio))
    assert inside == fill
    # a click on the button collapses the column; the strip shows name and count
    QTest.mouseClick(header, LEFT, pos=header.collapse_rect().center())
    assert column.collapsed
    QTest.mouseClick(column, LEFT, pos=QPoint(10, 100))
    assert not column.collapsed


def test_assistive_technology_sees_a_list_of_the_cards(board: Any) -> None:
    from PySide6.QtGui import QAccessible

    view = _column(board).view
    model = view.model()
    shown = QAccessible.queryAccessibleInterface(view)
    assert shown is not None and shown.role() == QAccessible.Role.List
    assert shown.childCount() == model.rowCount()
    first = shown.child(0)
    assert first.text(QAccessible.Text.Name) == model.index(0, 0).data(
        Qt.ItemDataRole.AccessibleTextRole
    )
    assert first.rect().intersects(
        view.viewport().rect().translated(view.viewport().mapToGlobal(QPoint(0, 0)))
    )

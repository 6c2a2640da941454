"""Drag a card with the mouse on the offscreen board.

The press and the moves are real mouse events on the column's viewport: they select the card
and make Qt start the drag (``startDrag``). The offscreen platform has no drag-and-drop
session (its ``QDrag.exec`` returns at once without delivering anything), so the second half
is delivered as the window system would: a real QDragEnterEvent, QDragMoveEvent and
QDropEvent carrying the drag's own data, sent to the target column's viewport. Everything
after that — the column accepting or refusing, the move on the window's writer thread, history,
undo — is the app's code.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app import contacts, moves
from tests.ui.board_helpers import board_of
from tests.ui.conftest import _shown_window, settle
from tests.ui.gate_helpers import move_anyway
from ui.contact_table import encode_ids

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot: Any, demo_db: Any) -> Iterator[Any]:
    """The real main window, offscreen, over a 300-contact demo database."""
    yield from _shown_window(qtbot, demo_db)


MOVE = Qt.DropAction.MoveAction
LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier


def _drag_from(qtbot: Any, view: Any, row: int) -> list[int]:
    """Press on a card and move the mouse far enough: returns the ids the drag carries."""
    started: list[list[int]] = []
    view.drag_started.connect(started.append)
    rect = view.visualRect(view.model().index(row, 0))
    start = rect.center()
    viewport = view.viewport()
    QTest.mousePress(viewport, LEFT, NONE, start)
    step = QApplication.startDragDistance() + 2
    for dx in (2, step, 2 * step, 4 * step):
        QTest.mouseMove(viewport, start + QPoint(dx, dx // 2))
    qtbot.waitUntil(lambda: bool(started), timeout=3000)
    QTest.mouseRelease(viewport, LEFT, NONE, start + QPoint(4 * step, 2 * step))
    return started[0]


def _deliver_drop(viewport: Any, ids: list[int]) -> tuple[bool, bool]:
    """Enter, move over and drop on ``viewport``: (accepted on enter, accepted on drop)."""
    mime = encode_ids(ids)
    pos = QPoint(viewport.width() // 2, 40)
    enter = QDragEnterEvent(pos, MOVE, mime, LEFT, NONE)
    QApplication.sendEvent(viewport, enter)
    if not enter.isAccepted():
        return False, False
    move = QDragMoveEvent(pos, MOVE, mime, LEFT, NONE)
    QApplication.sendEvent(viewport, move)
    drop = QDropEvent(pos, MOVE, mime, LEFT, NONE)
    QApplication.sendEvent(viewport, drop)
    return True, drop.isAccepted()


def test_drag_a_card_to_another_column_with_the_mouse(window: Any, qtbot: Any) -> None:
    window.show_view("kanban")
    board = board_of(window)
    source = board.column("suspect").view
    qtbot.waitUntil(lambda: source.model().rowCount() > 3, timeout=5000)
    cid = source.model().contact_id(2)

    carried = _drag_from(qtbot, source, 2)
    assert carried == [cid], "the pressed card is the one being dragged"
    assert board.selected_ids() == [cid]

    # over its own column the drag is refused (forbidden cursor), nothing moves
    assert _deliver_drop(source.viewport(), carried) == (False, False)
    assert contacts.get_contact(window.db, cid).stage_key == "suspect"

    target = board.column("mql")
    entered, dropped = _deliver_drop(target.view.viewport(), carried)
    assert entered and dropped
    qtbot.waitUntil(lambda: target.model.contains(cid), timeout=3000)
    settle(qtbot, window)
    assert contacts.get_contact(window.db, cid).stage_key == "mql"
    assert not board.column("suspect").model.contains(cid)
    last = moves.history(window.db, cid)[-1]
    assert (last.from_key, last.to_key) == ("suspect", "mql")
    assert board.selected_ids() == [cid], "the card is selected where it landed"
    assert target.count_text == f"{target.model.total:,}"

    window.undo_action.trigger()
    settle(qtbot, window)
    assert board.column("suspect").model.contains(cid) and not target.model.contains(cid)


def test_drag_several_selected_cards(window: Any, qtbot: Any) -> None:
    window.show_view("kanban")
    board = board_of(window)
    source = board.column("inquiry").view
    qtbot.waitUntil(lambda: source.model().rowCount() > 3, timeout=5000)
    model = source.model()
    first, third = model.contact_id(0), model.contact_id(2)
    QTest.mouseClick(source.viewport(), LEFT, NONE, source.visualRect(model.index(0, 0)).center())
    QTest.mouseClick(
        source.viewport(),
        LEFT,
        Qt.KeyboardModifier.ControlModifier,
        source.visualRect(model.index(2, 0)).center(),
    )
    carried = _drag_from(qtbot, source, 2)
    assert sorted(carried) == sorted([first, third])
    entered, dropped = _deliver_drop(board.column("sql").view.viewport(), carried)
    assert entered and dropped
    asked = move_anyway(qtbot, "both asked for a quote at the booth")  # not qualified
    assert len(asked) == 2 and all("not qualified" in line for line in asked)
    qtbot.waitUntil(lambda: board.column("sql").model.contains(first), timeout=3000)
    settle(qtbot, window)
    assert {contacts.get_contact(window.db, c).stage_key for c in (first, third)} == {"sql"}
    assert window.undo_action.text() == "&Undo move of 2 contacts to Sales qualified"
    assert sorted(board.selected_ids()) == sorted([first, third]), "selected where they landed"

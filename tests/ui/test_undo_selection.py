"""After Ctrl+Z and Ctrl+Shift+Z the status bar says what was undone or redone (not the move
before it), and the selection stays on the contact the undo changed — in the list and on the
board, where the card moved back must not leave its neighbour selected."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app import contacts
from tests.ui.board_helpers import board_of
from tests.ui.conftest import settle

pytestmark = pytest.mark.gui

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _status(window: Any) -> str:
    return str(window.statusBar().currentMessage())


def test_board_undo_and_redo_keep_the_card_selected_and_say_so(window: Any, qtbot: Any) -> None:
    window.show_view("kanban")
    board = board_of(window)
    qtbot.waitUntil(lambda: board.column("suspect").model.rowCount() > 2, timeout=5000)
    view = board.column("suspect").view
    view.setFocus()
    sel = view.selectionModel()
    sel.setCurrentIndex(view.model().index(1, 0), sel.SelectionFlag.ClearAndSelect)
    cid = view.model().contact_id(1)
    QTest.keyClick(view, Qt.Key.Key_Right, CTRL)  # the card goes to Inquiry
    settle(qtbot, window)
    assert contacts.get_contact(window.db, cid).stage_key == "inquiry"
    assert _status(window) == "Moved 1 to Inquiry"
    QTest.keyClick(window.focusWidget(), Qt.Key.Key_Z, CTRL)
    settle(qtbot, window)
    assert contacts.get_contact(window.db, cid).stage_key == "suspect"
    assert _status(window).startswith("Undid move of 1 contact to Inquiry")
    qtbot.waitUntil(lambda: board.selected_ids() == [cid], timeout=3000)
    qtbot.waitUntil(lambda: window.detail.contact_id == cid, timeout=3000)
    assert board.column("suspect").view.hasFocus()
    QTest.keyClick(window.focusWidget(), Qt.Key.Key_Z, CTRL_SHIFT)
    settle(qtbot, window)
    assert contacts.get_contact(window.db, cid).stage_key == "inquiry"
    assert _status(window).startswith("Redid move of 1 contact to Inquiry")
    qtbot.waitUntil(lambda: board.selected_ids() == [cid], timeout=3000)
    assert board.active is board.column("inquiry")


def test_list_undo_selects_the_contact_it_brought_back(window: Any, qtbot: Any) -> None:
    from ui.main_window import replace_query

    replace_query(window, stage_keys=("suspect",))
    window.list_view.setFocus()
    window.select_contact(window.model.contact_id(2))
    cid = window.selected_ids()[0]
    assert window.move_contacts([cid], "mql")  # it leaves the filtered list
    settle(qtbot, window)
    assert window.model.row_for_id(cid) is None
    assert _status(window) == "Moved 1 to Marketing qualified"
    QTest.keyClick(window.list_view, Qt.Key.Key_Z, CTRL)
    settle(qtbot, window)
    assert _status(window).startswith("Undid move of 1 contact to Marketing qualified")
    qtbot.waitUntil(lambda: window.selected_ids() == [cid], timeout=3000)
    assert window.detail.contact_id == cid


def test_board_undo_into_a_folded_column_opens_it_and_selects_the_card(
    window: Any, qtbot: Any
) -> None:
    from app.contacts import ContactQuery

    window.show_view("kanban")
    board = board_of(window)
    (cid,) = contacts.query_ids(window.db, ContactQuery(stage_keys=("nurture",)), 0, 1)
    board.column("nurture").set_collapsed(True, auto=True)  # folded for room
    window.move_contacts([cid], "inquiry")
    settle(qtbot, window)
    assert contacts.get_contact(window.db, cid).stage_key == "inquiry"
    board.column("nurture").set_collapsed(True, auto=True)
    window.undo()
    settle(qtbot, window)
    assert contacts.get_contact(window.db, cid).stage_key == "nurture"
    qtbot.waitUntil(lambda: not board.column("nurture").collapsed, timeout=3000)
    qtbot.waitUntil(lambda: board.selected_ids() == [cid], timeout=3000)

"""One undo stack for the whole app: moves (single, bulk, disqualify, from any view), edits and
deletes; the Edit menu names the action; undone moves stay in the history, marked undone."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QTest

from app import activities, contacts, moves
from app.contacts import ContactQuery
from db import engine
from tests.ui.board_helpers import answer_next_dialog, board_of, warnings_shown
from ui.contact_table import encode_ids

pytestmark = pytest.mark.gui
__all__ = ["warnings_shown"]


def _stage(window: Any, cid: int) -> str:
    return contacts.get_contact(window.db, cid).stage_key


def test_undo_and_redo_of_a_single_move_from_the_board(window: Any, qtbot: Any) -> None:
    window.show_view("kanban")
    board = board_of(window)
    cid = board.column("suspect").model.contact_id(0)
    board.column("sql").model.dropMimeData(
        encode_ids([cid]), Qt.DropAction.MoveAction, -1, -1, QModelIndex()
    )
    assert window.undo_action.text() == "&Undo move of 1 contact to Sales qualified"
    window.undo_action.trigger()
    assert _stage(window, cid) == "suspect"
    assert board.column("suspect").model.contains(cid)
    assert not board.column("sql").model.contains(cid)
    history = moves.history(window.db, cid)
    assert history[-1].to_key == "sql" and history[-1].undone_at is not None
    assert window.redo_action.text() == "&Redo move of 1 contact to Sales qualified"
    window.redo_action.trigger()
    assert _stage(window, cid) == "sql" and board.column("sql").model.contains(cid)
    history = moves.history(window.db, cid)
    assert [(h.to_key, h.undone_at is None) for h in history[-2:]] == [
        ("sql", False),
        ("sql", True),
    ]


def test_undo_of_a_bulk_move_puts_each_contact_back_where_it_was(window: Any) -> None:
    ids = contacts.query_ids(window.db, ContactQuery(sort="created"), 0, 40)
    before = {cid: _stage(window, cid) for cid in ids}
    assert len(set(before.values())) > 2, "the contacts come from several stages"
    assert window.move_contacts(ids, "opportunity")
    moved = [cid for cid in ids if before[cid] != "opportunity"]
    assert window.undo_stack.undoText() == "move of 40 contacts to Opportunity"
    window.undo_stack.undo()
    assert {cid: _stage(window, cid) for cid in ids} == before
    for cid in moved:
        assert moves.history(window.db, cid)[-1].undone_at is not None
    window.undo_stack.redo()
    assert {_stage(window, cid) for cid in ids} == {"opportunity"}


def test_undo_of_a_disqualify_keeps_the_reason_in_the_history(window: Any) -> None:
    cid = contacts.query_ids(window.db, ContactQuery(stage_keys=("mql",)), 0, 1)[0]
    answer_next_dialog(lambda d: QTest.keyClick(d, Qt.Key.Key_4))
    assert window.move_contacts([cid], "disqualified")
    window.undo_stack.undo()
    assert _stage(window, cid) == "mql"
    last = moves.history(window.db, cid)[-1]
    assert (last.to_key, last.reason) == ("disqualified", "Wrong industry or size")
    assert last.undone_at is not None
    window.list_view.clearSelection()
    window.select_contact(cid)
    item = window.detail.history_list.topLevelItem(0)
    assert "undone" in item.text(2) and item.font(1).strikeOut()
    window.undo_stack.redo()
    assert _stage(window, cid) == "disqualified"
    assert moves.history(window.db, cid)[-1].reason == "Wrong industry or size"


def test_undo_of_a_move_from_the_detail_panel(window: Any) -> None:
    window.list_view.selectRow(0)
    cid = window.model.contact_id(0)
    before = _stage(window, cid)
    target = "nurture" if before != "nurture" else "inquiry"
    window.detail.move_requested.emit([cid], target)
    assert _stage(window, cid) == target
    window.undo_action.trigger()
    assert _stage(window, cid) == before


def test_delete_is_undoable_with_history_and_activities_intact(
    window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = contacts.query_ids(window.db, ContactQuery(stage_keys=("inquiry",)), 0, 2)
    activities.log_activity(window.db, ids[0], "call", note="Left a message")
    histories = {cid: moves.history(window.db, cid) for cid in ids}
    acts = activities.list_activities(window.db, ids[0])
    total = window.model.total
    window.perform_delete(ids)
    assert contacts.contact_exists(window.db, ids) == ids
    assert window.model.total == total - 2
    assert window.undo_action.text() == "&Undo deletion of 2 contacts"
    window.undo_action.trigger()
    assert contacts.contact_exists(window.db, ids) == []
    assert {cid: moves.history(window.db, cid) for cid in ids} == histories
    assert activities.list_activities(window.db, ids[0]) == acts
    assert window.model.total == total
    window.redo_action.trigger()
    assert contacts.contact_exists(window.db, ids) == ids


def test_move_then_delete_then_undo_both(window: Any) -> None:
    cid = contacts.query_ids(window.db, ContactQuery(stage_keys=("suspect",)), 0, 1)[0]
    window.move_contacts([cid], "mql")
    window.perform_delete([cid])
    window.undo_stack.undo()  # the contact is back, with the move in its history
    window.undo_stack.undo()  # and the move is undone
    assert _stage(window, cid) == "suspect"
    assert moves.history(window.db, cid)[-1].undone_at is not None


def test_field_edit_undo_through_the_same_stack(window: Any) -> None:
    window.list_view.selectRow(0)
    cid = window.model.contact_id(0)
    old = contacts.get_contact(window.db, cid).title
    window.edit_contact(cid, {"title": "Head of maintenance"})
    assert contacts.get_contact(window.db, cid).title == "Head of maintenance"
    assert window.undo_stack.undoText().startswith("edit of ")
    window.undo_stack.undo()
    assert contacts.get_contact(window.db, cid).title == old


def test_an_undo_that_cannot_be_written_is_reported_and_dropped(
    window: Any,
    monkeypatch: pytest.MonkeyPatch,
    warnings_shown: list[tuple[str, str]],
    db_path: Path,
) -> None:
    cid = contacts.query_ids(window.db, ContactQuery(stage_keys=("suspect",)), 0, 1)[0]
    window.move_contacts([cid], "inquiry")
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_S", 0.2)
    window.db.engine.dispose()  # new connections wait 0.2 s for a lock instead of 5 s
    other = sqlite3.connect(db_path, timeout=0.1)
    other.execute("BEGIN EXCLUSIVE")
    try:
        window.undo_action.trigger()
    finally:
        other.rollback()
        other.close()
    assert warnings_shown and warnings_shown[-1][0] == "Could not undo"
    assert "locked" in warnings_shown[-1][1] and "move of 1 contact" in warnings_shown[-1][1]
    assert _stage(window, cid) == "inquiry", "nothing was undone…"
    assert window.undo_stack.count() == 0, "…and the stack does not pretend it was"


def test_move_failure_message_is_the_database_reason(
    window: Any, warnings_shown: list[tuple[str, str]]
) -> None:
    assert not window.move_contacts([999_999], "inquiry")
    assert warnings_shown[-1][0] == "Move failed"
    assert "no contact with id 999999" in warnings_shown[-1][1]
    assert "Python override" not in warnings_shown[-1][1]
    assert window.undo_stack.count() == 0

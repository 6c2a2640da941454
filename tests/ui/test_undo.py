"""One undo log for the whole app, kept in the database: moves (single, bulk, disqualify, from
any view), edits and deletes run on the window's writer; the Edit menu names the operation;
undone moves stay in the history, marked undone; an undo that would overwrite later work asks
first; the log survives a restart and the CLI sees the same entries."""

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
from tests.ui.conftest import settle
from tests.ui.gate_helpers import move_anyway, qualify
from ui.contact_table import encode_ids

pytestmark = pytest.mark.gui
__all__ = ["warnings_shown"]


def _stage(window: Any, cid: int) -> str:
    return contacts.get_contact(window.db, cid).stage_key


def undo(window: Any) -> None:
    window.undo_action.trigger()
    settle(window.qtbot, window)


def redo(window: Any) -> None:
    window.redo_action.trigger()
    settle(window.qtbot, window)


@pytest.fixture(autouse=True)
def _bot(window: Any, qtbot: Any) -> None:
    window.qtbot = qtbot  # the helpers above wait for the writer with it


def test_undo_and_redo_of_a_single_move_from_the_board(window: Any, qtbot: Any) -> None:
    window.show_view("kanban")
    board = board_of(window)
    cid = board.column("suspect").model.contact_id(0)
    board.column("sql").model.dropMimeData(
        encode_ids([cid]), Qt.DropAction.MoveAction, -1, -1, QModelIndex()
    )
    settle(qtbot, window)
    move_anyway(qtbot, "met at the booth, wants a call")  # not qualified: the window asks
    settle(qtbot, window)
    assert window.undo_action.text() == "&Undo move of 1 contact to Sales qualified"
    undo(window)
    assert _stage(window, cid) == "suspect"
    assert board.column("suspect").model.contains(cid)
    assert not board.column("sql").model.contains(cid)
    history = moves.history(window.db, cid)
    assert history[-1].to_key == "sql" and history[-1].undone_at is not None
    assert window.redo_action.text() == "&Redo move of 1 contact to Sales qualified"
    redo(window)
    assert _stage(window, cid) == "sql" and board.column("sql").model.contains(cid)
    history = moves.history(window.db, cid)
    # redo brings the same history entry back to life: the chain stays one move long
    assert [(h.to_key, h.undone_at is None) for h in history[-2:]] == [
        ("suspect", True),
        ("sql", True),
    ]


def test_undo_of_a_bulk_move_puts_each_contact_back_where_it_was(window: Any) -> None:
    ids = contacts.query_ids(window.db, ContactQuery(sort="created"), 0, 40)
    before = {cid: _stage(window, cid) for cid in ids}
    assert len(set(before.values())) > 2, "the contacts come from several stages"
    qualify(window.db, ids)  # the gates let them through
    assert window.move_contacts(ids, "opportunity")
    settle(window.qtbot, window)
    moved = [cid for cid in ids if before[cid] != "opportunity"]
    assert window.undo_action.text() == f"&Undo move of {len(moved)} contacts to Opportunity"
    undo(window)
    assert {cid: _stage(window, cid) for cid in ids} == before
    for cid in moved:
        assert moves.history(window.db, cid)[-1].undone_at is not None
    redo(window)
    assert {_stage(window, cid) for cid in ids} == {"opportunity"}


def test_undo_of_a_disqualify_keeps_the_reason_in_the_history(window: Any) -> None:
    cid = contacts.query_ids(window.db, ContactQuery(stage_keys=("mql",)), 0, 1)[0]
    answer_next_dialog(lambda d: QTest.keyClick(d, Qt.Key.Key_4))
    assert window.move_contacts([cid], "disqualified")
    settle(window.qtbot, window)
    undo(window)
    assert _stage(window, cid) == "mql"
    last = moves.history(window.db, cid)[-1]
    assert (last.to_key, last.reason) == ("disqualified", "Wrong industry or size")
    assert last.undone_at is not None
    window.list_view.clearSelection()
    window.select_contact(cid)
    item = window.detail.history_list.topLevelItem(0)
    assert "undone" in item.text(2) and item.font(1).strikeOut()
    redo(window)
    assert _stage(window, cid) == "disqualified"
    assert moves.history(window.db, cid)[-1].reason == "Wrong industry or size"


def test_undo_of_a_move_from_the_detail_panel(window: Any) -> None:
    window.list_view.selectRow(0)
    cid = window.model.contact_id(0)
    before = _stage(window, cid)
    target = "nurture" if before != "nurture" else "inquiry"
    window.detail.move_requested.emit([cid], target)
    settle(window.qtbot, window)
    assert _stage(window, cid) == target
    undo(window)
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
    settle(window.qtbot, window)
    assert contacts.contact_exists(window.db, ids) == ids
    assert window.model.total == total - 2
    assert window.undo_action.text() == "&Undo deletion of 2 contacts"
    undo(window)
    assert contacts.contact_exists(window.db, ids) == []
    assert {cid: moves.history(window.db, cid) for cid in ids} == histories
    assert activities.list_activities(window.db, ids[0]) == acts
    assert window.model.total == total
    redo(window)
    assert contacts.contact_exists(window.db, ids) == ids


def test_move_then_delete_then_undo_both(window: Any) -> None:
    cid = contacts.query_ids(window.db, ContactQuery(stage_keys=("suspect",)), 0, 1)[0]
    window.move_contacts([cid], "mql")
    window.perform_delete([cid])
    settle(window.qtbot, window)
    undo(window)  # the contact is back, with the move in its history
    undo(window)  # and the move is undone
    assert _stage(window, cid) == "suspect"
    assert moves.history(window.db, cid)[-1].undone_at is not None


def test_field_edit_undo_through_the_same_stack(window: Any) -> None:
    window.list_view.selectRow(0)
    cid = window.model.contact_id(0)
    old = contacts.get_contact(window.db, cid).title
    window.edit_contact(cid, {"title": "Head of maintenance"})
    settle(window.qtbot, window)
    assert contacts.get_contact(window.db, cid).title == "Head of maintenance"
    assert window.undo_action.text().startswith("&Undo edit of ")
    undo(window)
    assert contacts.get_contact(window.db, cid).title == old


def test_an_undo_that_cannot_be_written_is_reported_and_kept(
    window: Any,
    monkeypatch: pytest.MonkeyPatch,
    warnings_shown: list[tuple[str, str]],
    db_path: Path,
) -> None:
    cid = contacts.query_ids(window.db, ContactQuery(stage_keys=("suspect",)), 0, 1)[0]
    window.move_contacts([cid], "inquiry")
    settle(window.qtbot, window)
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_S", 0.2)
    window.db.engine.dispose()  # new connections wait 0.2 s for a lock instead of 5 s
    other = sqlite3.connect(db_path, timeout=0.1)
    other.execute("BEGIN EXCLUSIVE")
    try:
        undo(window)
    finally:
        other.rollback()
        other.close()
    assert warnings_shown and warnings_shown[-1][0] == "Could not undo"
    assert "locked" in warnings_shown[-1][1]
    assert _stage(window, cid) == "inquiry", "nothing was undone…"
    assert window.undo_action.text() == "&Undo move of 1 contact to Inquiry", "…so it still can be"
    undo(window)
    assert _stage(window, cid) == "suspect"


def test_move_failure_message_is_the_database_reason(
    window: Any, warnings_shown: list[tuple[str, str]]
) -> None:
    before = window.undo_action.text()
    window.move_contacts([999_999], "inquiry")
    settle(window.qtbot, window)
    assert warnings_shown[-1][0] == "Move failed"
    assert "no contact with id 999999" in warnings_shown[-1][1]
    assert "Python override" not in warnings_shown[-1][1]
    assert window.undo_action.text() == before


def test_undo_of_work_changed_since_asks_and_can_undo_the_rest(
    window: Any, warnings_shown: list[tuple[str, str]]
) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    ids = contacts.query_ids(window.db, ContactQuery(stage_keys=("suspect",)), 0, 3)
    qualify(window.db, ids)  # the gates let them through
    window.move_contacts(ids, "mql")
    settle(window.qtbot, window)
    # one of them moves on outside this window's log (e.g. by an older Winnow)
    moves.move_to_stage(window.db, ids[:1], "sql")

    def choose_the_rest() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QMessageBox) and w.isVisible() and "moved" in w.text():
                assert "1 contact of this operation was moved" in w.text()
                rest = next(b for b in w.buttons() if "the rest" in b.text())
                rest.click()
                return
        raise AssertionError("no question was asked")

    QTimer.singleShot(300, choose_the_rest)
    undo(window)  # asks: ids[0] was moved since
    window.qtbot.waitUntil(lambda: _stage(window, ids[1]) == "suspect")
    settle(window.qtbot, window)
    assert [_stage(window, c) for c in ids] == ["sql", "suspect", "suspect"]
    history = moves.history(window.db, ids[0])
    assert [(h.to_key, h.undone_at is None) for h in history[-2:]] == [("mql", True), ("sql", True)]


def test_the_undo_log_survives_a_restart_and_is_the_clis(
    window: Any, qtbot: Any, demo_db: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main
    from ui.main_window import MainWindow

    cid = contacts.query_ids(window.db, ContactQuery(stage_keys=("suspect",)), 0, 1)[0]
    qualify(window.db, [cid])  # the gates let it through
    window.move_contacts([cid], "opportunity")
    settle(qtbot, window)
    window.close()
    again = MainWindow(demo_db)
    qtbot.addWidget(again)
    assert again.undo_action.text() == "&Undo move of 1 contact to Opportunity"
    assert main(["--db", demo_db.url, "history"]) == 0
    assert "move of 1 contact to Opportunity" in capsys.readouterr().out
    assert main(["--db", demo_db.url, "undo"]) == 0
    assert _stage(again, cid) == "suspect"
    again.ops.wait()

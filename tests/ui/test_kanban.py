"""The kanban board: columns per stage with live counts, drops and keyboard moves that go
through the one move operation on the window's writer (history, undo), refused drops, filters,
file drops; the board refreshes only the columns a change notice names."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QModelIndex, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app import contacts, deals, moves, operations
from app.contacts import ContactQuery
from app.names import sort_key
from app.operations import Changes
from app.stages import list_stages
from db import engine
from db.engine import open_database
from tests.ui.board_helpers import (
    answer_next_dialog,
    board,
    board_of,
    warnings_shown,
    writes_by_thread,
)
from tests.ui.conftest import settle
from tests.ui.gate_helpers import qualify
from ui.contact_table import encode_ids
from ui.kanban import board as kanban_board
from ui.kanban.column_model import KanbanColumnModel

pytestmark = pytest.mark.gui
__all__ = ["board", "warnings_shown"]  # fixtures used by the tests below

MOVE = Qt.DropAction.MoveAction


def _ids_in(board: Any, key: str) -> list[int]:
    return board.column(key).model.loaded_ids()


def _undo_text(window: Any) -> str:
    return str(window.undo_action.text())


def test_the_window_keeps_the_board_feature(window: Any) -> None:
    assert window.kanban.board is board_of(window)


def test_a_column_per_stage_in_order_side_stages_last_and_narrower(board: Any) -> None:
    stages = list_stages(board.db)
    assert [c.stage_key for c in board.columns] == [
        *[s.key for s in stages if s.kind != "side"],
        *[s.key for s in stages if s.kind == "side"],
    ]
    counts = contacts.count_by_stage(board.db, ContactQuery())
    for column in board.columns:
        assert column.count_text == f"{counts.get(column.stage_key, 0):,}"
        assert column.header.name == column.model.stage.name
    widths = {c.stage_key: c.width() for c in board.columns}
    assert widths["nurture"] < widths["suspect"] and widths["disqualified"] < widths["mql"]
    assert not board.column("suspect").collapsible and board.column("nurture").collapsible


def test_column_models_pass_the_model_tester(board: Any, qtmodeltester: Any) -> None:
    for column in board.columns:
        qtmodeltester.check(column.model)
    suspects = board.column("suspect").model
    while suspects.canFetchMore(QModelIndex()):
        suspects.fetchMore(QModelIndex())
    qtmodeltester.check(suspects)


def test_a_fresh_model_pages_in_ids_and_refreshes_in_place(
    demo_db: Any, qtmodeltester: Any
) -> None:
    stage = next(s for s in list_stages(demo_db) if s.key == "suspect")
    model = KanbanColumnModel(demo_db, stage, ContactQuery(), mover=None)
    model._pager.PAGE = model._pager.FIRST_PAGE = 20
    model.reload()
    total = contacts.count(demo_db, ContactQuery(stage_keys=("suspect",)))
    assert model.total == total and model.rowCount() == 20
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 40
    qtmodeltester.check(model)
    gone = model.contact_id(3)
    moves.move_to_stage(demo_db, [gone], "inquiry")
    removed: list[tuple[int, int]] = []
    model.rowsRemoved.connect(lambda _p, first, last: removed.append((first, last)))
    model.refresh([gone])
    assert removed == [(3, 3)] and not model.contains(gone)
    assert model.total == total - 1
    qtmodeltester.check(model)
    assert not model.canDropMimeData(encode_ids([gone]), MOVE, -1, -1, QModelIndex()), (
        "a column without a mover refuses drops"
    )


def test_drop_of_card_data_moves_the_contacts_and_records_history(
    board: Any, window: Any, qtbot: Any
) -> None:
    ids = _ids_in(board, "suspect")[:2]
    inquiry = board.column("inquiry").model
    before = inquiry.total
    assert inquiry.canDropMimeData(encode_ids(ids), MOVE, -1, -1, QModelIndex())
    assert inquiry.dropMimeData(encode_ids(ids), MOVE, -1, -1, QModelIndex())
    settle(qtbot, window)
    for cid in ids:
        assert contacts.get_contact(board.db, cid).stage_key == "inquiry"
        last = moves.history(board.db, cid)[-1]
        assert (last.from_key, last.to_key, last.undone_at) == ("suspect", "inquiry", None)
        assert cid not in _ids_in(board, "suspect")
        assert inquiry.contains(cid)
    assert inquiry.total == before + 2
    assert board.column("inquiry").count_text == f"{before + 2:,}"
    assert _undo_text(window) == "&Undo move of 2 contacts to Inquiry"
    assert sorted(board.selected_ids()) == sorted(ids), "the moved cards are selected there"


def test_invalid_drops_are_refused(board: Any) -> None:
    suspects = board.column("suspect").model
    own = _ids_in(board, "suspect")[:1]
    assert not suspects.canDropMimeData(encode_ids(own), MOVE, -1, -1, QModelIndex())
    assert not suspects.dropMimeData(encode_ids(own), MOVE, -1, -1, QModelIndex())
    foreign = QMimeData()
    foreign.setText("12,13")
    assert not suspects.canDropMimeData(foreign, MOVE, -1, -1, QModelIndex())
    assert operations.history(board.db) == []
    # the view shows the forbidden cursor: it does not accept the drag
    view = board.column("inquiry").view
    enter = QDragEnterEvent(
        QPoint(20, 20),
        Qt.DropAction.MoveAction,
        foreign,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view.viewport(), enter)
    assert not enter.isAccepted()


def test_ctrl_arrows_move_the_selected_cards_to_the_next_and_previous_stage(
    board: Any, window: Any, qtbot: Any
) -> None:
    view = board.column("suspect").view
    view.setFocus()
    first = view.model().index(0, 0)
    view.selectionModel().setCurrentIndex(first, view.selectionModel().SelectionFlag.ClearAndSelect)
    cid = view.model().contact_id(0)
    QTest.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert contacts.get_contact(board.db, cid).stage_key == "inquiry"
    inquiry_view = board.column("inquiry").view
    assert board.selected_ids() == [cid], "the selection follows the card"
    qtbot.waitUntil(inquiry_view.hasFocus, timeout=2000)
    QTest.keyClick(inquiry_view, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert contacts.get_contact(board.db, cid).stage_key == "mql"
    QTest.keyClick(board.column("mql").view, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert contacts.get_contact(board.db, cid).stage_key == "inquiry"
    assert [h.to_key for h in moves.history(board.db, cid)][-3:] == ["inquiry", "mql", "inquiry"]


def test_arrows_move_the_focus_between_columns_and_enter_opens_the_detail(
    board: Any, qtbot: Any
) -> None:
    board.api.toggle_detail.setChecked(False)
    view = board.column("suspect").view
    view.setFocus()
    view.selectionModel().setCurrentIndex(
        view.model().index(1, 0), view.selectionModel().SelectionFlag.ClearAndSelect
    )
    QTest.keyClick(view, Qt.Key.Key_Right)
    inquiry = board.column("inquiry").view
    qtbot.waitUntil(inquiry.hasFocus, timeout=2000)
    assert inquiry.currentIndex().isValid()
    QTest.keyClick(inquiry, Qt.Key.Key_Down)
    cid = inquiry.model().contact_id(inquiry.currentIndex().row())
    QTest.keyClick(inquiry, Qt.Key.Key_Return)
    assert board.api.detail.isVisible() and board.api.detail.contact_id == cid
    QTest.keyClick(inquiry, Qt.Key.Key_Left)
    qtbot.waitUntil(view.hasFocus, timeout=2000)


def test_disqualify_asks_for_a_reason_and_cancel_leaves_the_card(
    board: Any, window: Any, qtbot: Any
) -> None:
    cid = _ids_in(board, "mql")[0]
    target = board.column("disqualified").model
    answer_next_dialog(lambda d: d.reject())
    assert not target.dropMimeData(encode_ids([cid]), MOVE, -1, -1, QModelIndex())
    settle(qtbot, window)
    assert contacts.get_contact(board.db, cid).stage_key == "mql"
    assert cid in _ids_in(board, "mql")
    assert operations.history(board.db) == []

    answer_next_dialog(lambda d: QTest.keyClick(d, Qt.Key.Key_2))
    assert target.dropMimeData(encode_ids([cid]), MOVE, -1, -1, QModelIndex())
    settle(qtbot, window)
    last = moves.history(board.db, cid)[-1]
    assert (last.to_key, last.reason) == ("disqualified", "No need")
    # the card is in its new column (read as the column opens, if it was folded)
    board.open_column(board.column("disqualified"))
    assert target.contains(cid)


def test_a_failing_commit_leaves_the_card_and_says_why(
    tmp_path: Path,
    qtbot: Any,
    monkeypatch: pytest.MonkeyPatch,
    warnings_shown: list[tuple[str, str]],
) -> None:
    from app.demo import generate_demo
    from ui.application import make_app
    from ui.main_window import MainWindow

    monkeypatch.setattr(engine, "BUSY_TIMEOUT_S", 0.2)
    path = tmp_path / "locked.sqlite"
    db = open_database(path)
    generate_demo(db, 80, seed=3)
    make_app()
    win = MainWindow(db)
    qtbot.addWidget(win)
    win.show()
    win.show_view("kanban")
    board = board_of(win)
    qtbot.waitUntil(lambda: bool(_ids_in(board, "suspect")), timeout=5000)
    cid = _ids_in(board, "suspect")[0]
    other = sqlite3.connect(path, timeout=0.1)
    other.execute("BEGIN EXCLUSIVE")  # another program holds the write lock
    try:
        # queued on the writer, which gives up after the busy timeout
        assert board.column("inquiry").model.dropMimeData(
            encode_ids([cid]), MOVE, -1, -1, QModelIndex()
        )
        settle(qtbot, win)
    finally:
        other.rollback()
        other.close()
    assert contacts.get_contact(db, cid).stage_key == "suspect"
    assert cid in _ids_in(board, "suspect") and not board.column("inquiry").model.contains(cid)
    assert warnings_shown and "locked" in warnings_shown[-1][1]
    assert "Error calling Python override" not in warnings_shown[-1][1]
    assert operations.history(db) == [], "a failed move leaves nothing to undo"
    assert not win.undo_action.isEnabled()
    # the lock is gone: the same drop works now
    assert board.column("inquiry").model.dropMimeData(
        encode_ids([cid]), MOVE, -1, -1, QModelIndex()
    )
    settle(qtbot, win)
    assert contacts.get_contact(db, cid).stage_key == "inquiry"
    assert board.column("inquiry").model.contains(cid)
    win.tasks.wait(10000)
    win.close()
    db.close()


def test_search_and_filters_apply_to_the_board(board: Any, qtbot: Any) -> None:
    window = board.api
    window.domain_filter.setCurrentIndex(window.domain_filter.findText("Branded"))
    expected = contacts.count_by_stage(board.db, ContactQuery(domain_classes=("branded",)))
    for column in board.columns:
        assert column.model.total == expected.get(column.stage_key, 0)
    assert board.filter_label.isVisible() and "Branded" in board.filter_label.text()
    window.search.setText("zzzz-no-such-name")
    window.apply_filters()
    assert all(c.model.total == 0 for c in board.columns)
    assert board.columns[0].view.empty_title == "No matches"


def test_a_stage_in_the_sidebar_opens_its_column_without_hiding_the_others(
    board: Any, qtbot: Any
) -> None:
    from ui.sidebar import SidebarFilter

    board.api.sidebar.select_filter(SidebarFilter("stage", "disqualified"))
    assert board.column("suspect").model.total > 0
    column = board.column("disqualified")
    assert not column.collapsed and column.view.isVisible()
    viewport = board.columns_area.viewport()

    def in_sight() -> bool:  # and the board does not scroll sideways
        right = column.mapTo(viewport, QPoint(column.width(), 0)).x()
        return column.width() >= 168 and 0 < right <= viewport.width()

    qtbot.waitUntil(in_sight, timeout=2000)
    assert not board.columns_area.horizontalScrollBar().isVisible()


def test_sort_choice_orders_every_column(board: Any) -> None:
    board.sort_combo.setCurrentIndex(board.sort_combo.findData("name"))
    for column in board.columns:
        model = column.model
        names = [sort_key(model.card(r).row.name) for r in range(min(30, model.rowCount()))]
        assert names == sorted(names), column.stage_key
    board.sort_combo.setCurrentIndex(board.sort_combo.findData("score"))
    model = board.column("suspect").model
    scores = [model.card(r).row.score for r in range(30)]
    assert scores == sorted(scores, key=lambda s: -1_000 if s is None else s, reverse=True)


def test_side_columns_collapse_and_still_take_drops(board: Any, qtbot: Any) -> None:
    column = board.column("nurture")
    if column.collapsed:  # the board collapsed it for want of room: the user opens it first
        assert column.auto_collapsed
        qtbot.mouseClick(column, Qt.MouseButton.LeftButton, pos=QPoint(20, 100))
        assert not column.collapsed
    header = column.header
    qtbot.mouseClick(header, Qt.MouseButton.LeftButton, pos=header.collapse_rect().center())
    assert column.collapsed and column.width() < 60 and not column.view.isVisible()
    cid = _ids_in(board, "inquiry")[0]
    mime = encode_ids([cid])
    enter = QDragEnterEvent(
        QPoint(10, 100), MOVE, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(column, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPoint(10, 100), MOVE, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(column, drop)
    qtbot.waitUntil(
        lambda: contacts.get_contact(board.db, cid).stage_key == "nurture", timeout=3000
    )
    assert board.api.settings.value("board/collapsed") in (["nurture"], "nurture")
    qtbot.mouseClick(column, Qt.MouseButton.LeftButton, pos=QPoint(20, 100))
    assert not column.collapsed


def test_a_file_dropped_on_the_board_goes_to_the_import(
    board: Any, window: Any, tmp_path: Path
) -> None:
    received: list[Path] = []
    window.set_import_handler(received.append)
    file = tmp_path / "cards.csv"
    file.write_text("name,email\nAnna,anna@example.org\n", encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(file))])
    viewport = board.column("suspect").view.viewport()
    enter = QDragEnterEvent(
        QPoint(30, 30),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted(), "the window takes the file even over a column"
    drop = QDropEvent(
        QPoint(30, 30),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, drop)
    assert received == [file]


def _watch_columns(board: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Per column: what its model was asked to do and which row signals it sent."""
    seen: dict[str, list[str]] = {c.stage_key: [] for c in board.columns}
    for column in board.columns:
        model, log = column.model, seen[column.stage_key]
        for name in ("refresh", "contacts_changed", "contacts_removed", "contacts_left", "reload"):
            real = getattr(model, name)
            monkeypatch.setattr(
                model, name, lambda *a, _r=real, _n=name, _l=log, **k: (_l.append(_n), _r(*a, **k))
            )
        for signal in ("modelReset", "rowsInserted", "rowsRemoved", "rowsMoved", "layoutChanged"):
            getattr(model, signal).connect(lambda *_a, _n=signal, _l=log: _l.append(_n))
    return seen


def test_a_move_refreshes_only_the_two_columns_it_touched(
    board: Any, window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = _ids_in(board, "suspect")[0]
    qualify(board.db, [cid])  # the gates let it through
    seen = _watch_columns(board, monkeypatch)
    window.move_contacts([cid], "sql")  # e.g. from the list's menu: the board hears the notice
    settle(qtbot, window)
    assert cid in _ids_in(board, "sql") and cid not in _ids_in(board, "suspect")
    # the card's row, read once, says where it is: the column it left lets it go without
    # asking the database, the one it joined places it under the sort
    assert seen["suspect"] == ["contacts_left", "rowsRemoved"], seen["suspect"]
    assert seen["sql"][0] == "contacts_changed" and "rowsInserted" in seen["sql"]
    assert seen["sql"].count("contacts_changed") == 1, seen["sql"]
    for key in ("suspect", "sql"):  # no reload, no reset
        assert not {"reload", "contacts_removed", "modelReset"} & set(seen[key]), seen[key]
    untouched = {key: log for key, log in seen.items() if key not in ("suspect", "sql")}
    assert untouched == {key: [] for key in untouched}, "other columns are neither asked nor reset"
    counts = contacts.count_by_stage(board.db, ContactQuery())
    qtbot.waitUntil(
        lambda: all(c.model.total == counts.get(c.stage_key, 0) for c in board.columns),
        timeout=5000,
    )


def test_a_moved_card_keeps_its_marks_and_reads_only_its_row(
    board: Any, window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = _ids_in(board, "suspect")[0]
    qualify(board.db, [cid])
    deals.set_deal(board.db, cid, 12500.0, None)
    window.ops.announce(Changes.of(contacts=[cid]))  # the card read again, with its marks
    settle(qtbot, window)
    before = board.column("suspect").model
    marks = before.card(before.row_for_id(cid)).marks
    assert marks["bant"] == ("yes",) * len(marks["bant"]) and marks["deal"].amount == 12500
    asked: list[int] = []

    def recorded(loader: Any) -> Any:
        def load(db: Any, ids: Any) -> Any:
            asked.extend(ids)
            return loader(db, ids)

        return load

    for name, loader in list(kanban_board.CARD_MARKS.items()):
        monkeypatch.setitem(kanban_board.CARD_MARKS, name, recorded(loader))
    mql = board.column("mql").model
    assert mql.dropMimeData(encode_ids([cid]), MOVE, -1, -1, QModelIndex())
    settle(qtbot, window)
    card = mql.card(mql.row_for_id(cid))
    assert card is not None and card.row.stage_key == "mql"
    assert card.marks == marks, "the card shows the same BANT answers and deal"
    assert cid not in asked, "a move changes neither: they are not read again"


def test_an_edit_refreshes_only_the_column_showing_the_card(
    board: Any, window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = _ids_in(board, "mql")[0]
    seen = _watch_columns(board, monkeypatch)
    window.edit_contact(cid, {"title": "Head of Purchasing"})
    settle(qtbot, window)
    assert seen["mql"] and seen["mql"][0] == "contacts_changed"
    assert all(not log for key, log in seen.items() if key != "mql")
    model = board.column("mql").model
    card = model.card(model.row_for_id(cid))
    assert card is not None and card.row.title == "Head of Purchasing"


def test_while_hidden_the_board_keeps_the_notices_for_when_it_is_shown(
    board: Any, window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = _ids_in(board, "suspect")[0]
    window.show_view("list")
    seen = _watch_columns(board, monkeypatch)
    window.move_contacts([cid], "mql")
    settle(qtbot, window)
    assert all(not log for log in seen.values()), "nothing is read while the board is hidden"
    window.show_view("kanban")
    assert board.column("mql").model.contains(cid) and cid not in _ids_in(board, "suspect")
    assert {k for k, log in seen.items() if log} == {"suspect", "mql"}


def test_a_new_stage_rebuilds_the_columns(board: Any, window: Any, qtbot: Any) -> None:
    window.ops.run(lambda: operations.add_stage(board.db, "demo", "Demo booked"))
    settle(qtbot, window)
    assert board.column("demo") is not None
    assert board.column("demo").header.name == "Demo booked"


def test_a_board_move_writes_nothing_on_the_gui_thread(board: Any, window: Any, qtbot: Any) -> None:
    ids = _ids_in(board, "suspect")[:3]
    qualify(board.db, ids)  # the gates let them through
    with writes_by_thread(board.db) as writes:
        assert board.column("mql").model.dropMimeData(encode_ids(ids), MOVE, -1, -1, QModelIndex())
        settle(qtbot, window)
        view = board.column("mql").view
        view.setFocus()
        QTest.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
        settle(qtbot, window)
        window.undo_action.trigger()
        settle(qtbot, window)
    assert writes.workers, "the moves and the undo were written (on the writer thread)"
    assert writes.gui == []
    assert {contacts.get_contact(board.db, c).stage_key for c in ids} == {"mql"}


def test_delete_key_on_the_board_deletes_the_selected_cards(
    board: Any, window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from ui import message_box

    monkeypatch.setattr(message_box, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    view = board.column("mql").view
    cid = view.model().contact_id(0)
    view.setFocus()
    view.selectionModel().setCurrentIndex(
        view.model().index(0, 0), view.selectionModel().SelectionFlag.ClearAndSelect
    )
    window.list_view.selectRow(0)  # a selection in the hidden list must not be what goes
    listed = window.model.contact_id(0)
    window.delete_selected()
    settle(qtbot, window)
    assert contacts.contact_exists(board.db, [cid]) == [cid]
    assert contacts.contact_exists(board.db, [listed]) == [] or listed == cid
    assert not board.column("mql").model.contains(cid)


def test_cards_show_their_bant_answers(board: Any, window: Any, qtbot: Any) -> None:
    cid = _ids_in(board, "mql")[0]
    answers = {"budget": "yes", "authority": "unknown", "need": "no", "timeframe": "yes"}
    window.ops.run(lambda: operations.set_bant(board.db, cid, answers))
    settle(qtbot, window)
    model = board.column("mql").model
    card = model.card(model.row_for_id(cid))
    assert card is not None and card.marks["bant"] == ("yes", "unknown", "no", "yes")


def test_cards_mark_overdue_follow_ups(board: Any) -> None:
    from app.timeutil import utcnow

    now = utcnow()
    model = board.column("inquiry").model
    cards = [model.card(r) for r in range(model.rowCount())]
    overdue = [c for c in cards if c is not None and c.overdue]
    assert overdue, "the demo data has unanswered inquiries past due"
    for card in overdue:
        assert card.row.first_response_at is None and card.row.response_due_at < now
    side = board.column("nurture").model
    assert not any(side.card(r).overdue for r in range(side.rowCount())), (
        "a nurtured contact is no longer waiting for an answer"
    )

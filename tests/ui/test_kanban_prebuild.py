"""Opening the board: painted once, laid out (the column headers aligned, the deal-sum line's
room kept) before its first paint; and in the application's window (``prebuild_views``) built
hidden as soon as its worker has read the columns' first pages and cards ahead (once the
window is usable), so that the click on Board reads nothing and only lays the board out and
paints it; clicked before that, the board takes what the worker read ahead."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject

from app import contacts
from app.contacts import ContactQuery
from app.moves import move_to_stage
from app.operations import Changes
from app.paging import keys_between
from db.engine import Database
from tests.ui.conftest import _shown_window
from tests.ui.test_kanban_lazy import board_transactions
from ui.kanban.board import KanbanBoard, KanbanColumn

pytestmark = pytest.mark.gui


@pytest.fixture
def app_window(qtbot: Any, demo_db: Database) -> Iterator[Any]:
    """The main window as the application makes it: views built beforehand."""
    yield from _shown_window(qtbot, demo_db, prebuild_views=True)


class _Layouts(QObject):
    """Where each column's cards start, how wide they are (a scroll bar or not) and how tall
    its header is, at every paint of a column (a change between paints is the board jumping
    under the user's eyes)."""

    def __init__(self, window: Any) -> None:
        super().__init__()
        self.window = window
        self.seen: list[tuple[tuple[int, int, int, bool], ...]] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and isinstance(watched, KanbanColumn):
            board = self.window.findChild(KanbanBoard)
            layout = tuple(
                (
                    c.view.geometry().top(),
                    c.view.viewport().width(),
                    c.header.height(),
                    c.collapsed,
                )
                if not c.collapsed
                # a folded column shows its strip: its card view (if made) is not on screen
                else (0, 0, c.header.height(), True)
                for c in board.columns
            )
            if not self.seen or self.seen[-1] != layout:
                self.seen.append(layout)
        return False


def _db_counts(db: Database) -> dict[str, int]:
    return contacts.count_by_stage(db, ContactQuery())


def _shown_and_settled(window: Any, qtbot: Any) -> tuple[KanbanBoard, list[Any]]:
    """Show the board; wait for its deal sums (read on a worker after the counts): the
    column layouts seen at each paint meanwhile."""
    from PySide6.QtWidgets import QApplication

    layouts = _Layouts(window)
    app = QApplication.instance()
    assert app is not None
    app.installEventFilter(layouts)
    try:
        window.show_view("kanban")
        board = window.findChild(KanbanBoard)
        qtbot.waitUntil(
            lambda: any(c.model.value is not None for c in board.columns), timeout=10000
        )
        qtbot.wait(150)  # anything laid out again after the sums (a 0 ms timer, a request)
    finally:
        app.removeEventFilter(layouts)
    return board, layouts.seen


def test_the_board_is_laid_out_before_its_first_paint(window: Any, qtbot: Any) -> None:
    """Headers aligned and the sum line's room kept at the first paint: the cards do not move
    when the headers are aligned or when the sums arrive (at 1400 px the long stage names
    wrap onto two lines in some columns only)."""
    board, seen = _shown_and_settled(window, qtbot)
    assert seen, "the columns were painted"
    assert len(seen) == 1, f"the board was painted in {len(seen)} layouts: {seen}"
    opened = [c for c in board.columns if not c.collapsed]
    assert len({c.view.geometry().top() for c in opened}) == 1, "cards start at one height"
    assert any(c.header.value_shown for c in opened)


def test_without_sums_last_time_no_room_is_kept_until_they_come(window: Any, qtbot: Any) -> None:
    """The sum line's room follows what the board showed last: told there were no sums, the
    first paint has no room for them; the sums then arrive and take it (once), and the board
    remembers it for the next time."""
    from ui.kanban.board import VALUES_KEY

    window.settings.setValue(VALUES_KEY, False)
    board, seen = _shown_and_settled(window, qtbot)
    assert len(seen) == 2, seen  # before and after the sum line appeared
    assert seen[1][0][0] > seen[0][0][0], "the cards moved down for the sum line"
    assert str(window.settings.value(VALUES_KEY)).lower() == "true"
    assert board.columns


def test_the_application_window_builds_the_board_hidden_once_usable(
    app_window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = app_window
    qtbot.waitUntil(
        lambda: (b := window.findChild(KanbanBoard)) is not None and b.prebuilt, timeout=10000
    )
    board = window.findChild(KanbanBoard)
    assert window.current_view_key() == "list" and not board.isVisible()
    counts = _db_counts(window.db)
    assert {c.stage_key: c.model.total for c in board.columns} == {
        c.stage_key: counts.get(c.stage_key, 0) for c in board.columns
    }
    window.tasks.wait(10000)  # the deal sums
    qtbot.wait(10)
    opened = [c for c in board.columns if not c.collapsed and c.model.rowCount()]
    assert opened and all(c.delegate._pixmaps for c in opened), "cards drawn beforehand"
    drawn: list[tuple[str, Any]] = []  # (column, card rect) of each card drawn anew

    def counted(column: KanbanColumn) -> Any:
        real = column.delegate.paint_card

        def paint_card(p: Any, rect: Any, *args: Any, **kwargs: Any) -> None:
            drawn.append((column.stage_key, rect))
            real(p, rect, *args, **kwargs)

        return paint_card

    for column in board.columns:
        monkeypatch.setattr(column.delegate, "paint_card", counted(column))
    with board_transactions(window.db) as begun:
        board2, seen = _shown_and_settled(window, qtbot)
        for column in board.columns:
            column.view.viewport().repaint()
    assert board2 is board and board.isVisible()
    assert begun == [], "shown, the prebuilt board read nothing on the GUI thread"
    assert len(seen) == 1, seen
    assert drawn == [], "shown at the size it was laid out at: no card drawn again"
    for column in board.columns:
        model = column.model
        assert column.count_text == f"{model.total:,}"
        if column.collapsed or not model.rowCount():
            continue
        view = column.view
        shown = [
            r
            for r in range(model.rowCount())
            if view.visualRect(model.index(r)).intersects(view.viewport().rect())
        ]
        assert shown and all(model._pager.cached(model.contact_id(r)) for r in shown)


def test_the_board_is_built_beforehand_as_soon_as_its_first_cards_are_read(
    qtbot: Any, demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a second after the window became usable (that timer held off here): once the
    worker has read the columns' first pages and cards, the board is built with them, hidden,
    and reads nothing itself on the GUI thread."""
    import ui.kanban

    monkeypatch.setattr(ui.kanban, "PREBUILD_AFTER_MS", 600_000)
    with board_transactions(demo_db) as begun:
        shown = _shown_window(qtbot, demo_db, prebuild_views=True)
        window = next(shown)
        qtbot.waitUntil(  # however busy the machine (its steps wait for the event loop)
            lambda: (b := window.findChild(KanbanBoard)) is not None and b.prebuilt, timeout=30000
        )
    board = window.findChild(KanbanBoard)
    ahead = window.kanban.first_cards
    assert ahead is not None and window.current_view_key() == "list" and not board.isVisible()
    assert begun == [], "built with what was read ahead"
    assert [c.stage_key for c in board.columns] == [s.key for s in ahead.stages]
    for column in board.columns:
        first = [k.id for k in ahead.keys[column.stage_key]]
        assert column.model.loaded_ids()[: len(first)] == first
    next(shown, None)  # the window's workers drained


def test_a_change_made_while_the_prebuilt_board_is_hidden_shows_when_opened(
    app_window: Any, qtbot: Any
) -> None:
    window = app_window
    qtbot.waitUntil(
        lambda: (b := window.findChild(KanbanBoard)) is not None and b.prebuilt, timeout=10000
    )
    board = window.findChild(KanbanBoard)
    cid = board.column("suspect").model.contact_id(0)
    move_to_stage(window.db, [cid], "nurture")
    window.ops.announce(Changes.of(contacts=[cid], stages=["suspect", "nurture"]))
    assert board.column("suspect").model.contains(cid), "hidden: applied when shown"
    window.show_view("kanban")
    assert not board.column("suspect").model.contains(cid)
    assert board.column("nurture").model.contains(cid)
    # and filters chosen while it was hidden: the board reloads for them as it is shown
    window.show_view("list")
    window.search.setText("a")
    qtbot.wait(400)
    window.show_view("kanban")
    assert board.base_query().search == "a" and board._base == board.base_query()


def test_a_board_shown_before_its_prebuild_is_not_built_again(app_window: Any, qtbot: Any) -> None:
    window = app_window
    window.show_view("kanban")
    board = window.findChild(KanbanBoard)
    columns = list(board.columns)
    qtbot.wait(1500)  # the prebuild's time has come and gone
    assert board.columns == columns and not board.prebuilt
    assert window.findChildren(KanbanBoard) == [board]


def test_a_board_shown_halfway_through_its_prebuild_is_finished_as_it_is_shown(
    window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The prebuild builds a column a step: a click in between builds the rest at once, and
    the steps left do nothing (no column twice, no second load)."""
    from app.stage_visibility import shown_stages

    window.kanban.prebuild()  # the board, its columns begun: the rest on later steps
    board = window.findChild(KanbanBoard)
    assert board is not None and not board.isVisible()
    build_next_column = board.build_next_column

    def a_slow_step() -> bool:  # a column takes ~1 ms: slowed to be seen between two steps
        time.sleep(0.03)
        return build_next_column()

    monkeypatch.setattr(board, "build_next_column", a_slow_step)
    stages = shown_stages(window.db)
    qtbot.waitUntil(lambda: 0 < len(board.columns) < len(stages), timeout=5000)
    window.show_view("kanban")
    assert [c.stage_key for c in board.columns] == [s.key for s in stages if not s.is_side] + [
        s.key for s in stages if s.is_side
    ]
    counts = _db_counts(window.db)
    assert all(c.model.total == counts.get(c.stage_key, 0) for c in board.columns)
    loaded = [c.model.loaded_ids() for c in board.columns]
    qtbot.wait(300)  # the prebuild's steps left come round
    assert len(board.columns) == len(stages) and not board.prebuilt
    assert [c.model.loaded_ids() for c in board.columns] == loaded
    assert len(board.strip.findChildren(KanbanColumn)) == len(stages)


@pytest.fixture
def early_window(qtbot: Any, demo_db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The application's window clicked on Board before it built the board beforehand (held
    off here): only what its worker read ahead once it was usable."""
    import ui.kanban

    monkeypatch.setattr(ui.kanban, "PREBUILD_AFTER_MS", 600_000)
    monkeypatch.setattr(ui.kanban, "PREBUILD_AFTER_READ_MS", 600_000)
    yield from _shown_window(qtbot, demo_db, prebuild_views=True)


def test_a_click_before_the_prebuild_reads_nothing_on_the_gui_thread(
    early_window: Any, qtbot: Any
) -> None:
    window = early_window
    qtbot.waitUntil(lambda: window.kanban.first_cards is not None, timeout=10000)
    assert window.findChild(KanbanBoard) is None, "not built yet"
    with board_transactions(window.db) as begun:
        window.show_view("kanban")
        board = window.findChild(KanbanBoard)
        for column in board.columns:
            column.view.viewport().repaint()
    assert begun == [], "the first pages and cards were read ahead on a worker"
    counts = _db_counts(window.db)
    for column in board.columns:
        model = column.model
        assert model.total == counts.get(column.stage_key, 0)
        query = replace(model.query, ids=None)
        assert model.loaded_ids() == [
            k.id for k in keys_between(window.db, query, limit=len(model.loaded_ids()))
        ]
        if not column.collapsed and model.rowCount():
            view = column.view
            shown = [
                r
                for r in range(model.rowCount())
                if view.visualRect(model.index(r)).intersects(view.viewport().rect())
            ]
            assert shown and all(model.cached_card(r) is not None for r in shown)


def test_a_click_before_the_prebuild_works_out_no_colour(
    qtbot: Any, demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The board's colours (each text made legible on what it sits on) are worked out as the
    window becomes usable, with the read ahead: the click only uses them."""
    import ui.kanban
    from ui.kanban import style

    monkeypatch.setattr(ui.kanban, "PREBUILD_AFTER_MS", 600_000)
    monkeypatch.setattr(ui.kanban, "PREBUILD_AFTER_READ_MS", 600_000)
    monkeypatch.setattr(style, "_KEPT", {})  # none worked out yet (another test's palette)
    worked_out: list[object] = []
    real = style._board_colors

    def counted(palette: Any) -> dict[str, str]:
        worked_out.append(palette)
        return real(palette)

    monkeypatch.setattr(style, "_board_colors", counted)
    shown = _shown_window(qtbot, demo_db, prebuild_views=True)
    window = next(shown)
    qtbot.waitUntil(lambda: window.kanban.first_cards is not None, timeout=10000)
    assert len(worked_out) == 1
    window.show_view("kanban")
    window.findChild(KanbanBoard).repaint()
    assert len(worked_out) == 1, "worked out again on the click"
    next(shown, None)  # the window's workers drained


def test_a_change_before_the_click_drops_what_was_read_ahead(early_window: Any, qtbot: Any) -> None:
    window = early_window
    qtbot.waitUntil(lambda: window.kanban.first_cards is not None, timeout=10000)
    first = window.kanban.first_cards.keys["suspect"][0].id
    move_to_stage(window.db, [first], "nurture")
    window.ops.announce(Changes.of(contacts=[first], stages=["suspect", "nurture"]))
    assert window.kanban.first_cards is None
    window.show_view("kanban")
    board = window.findChild(KanbanBoard)
    assert not board.column("suspect").model.contains(first)
    nurture = board.column("nurture")
    board.open_column(nurture)  # read as it opens, if it was folded for room
    assert nurture.model.contains(first)

"""The kanban board view: install with ``"ui.kanban:install"`` in FEATURE_INSTALLERS."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def install(window: MainWindow) -> None:
    from ui.kanban.board import KanbanBoard
    from ui.screenshot import SCREENSHOTS

    board = KanbanBoard(window)
    window.add_view("kanban", "Board", board)
    SCREENSHOTS["kanban"] = _prepare_screenshot


def _prepare_screenshot(window: MainWindow) -> None:
    from ui.kanban.board import KanbanBoard

    window.toggle_detail.setChecked(False)
    window.show_view("kanban")
    board = window.findChild(KanbanBoard)
    if board is not None:
        board.view_shown()
        for column in board.columns:
            column.view.clearSelection()
        board.columns_area.horizontalScrollBar().setValue(0)

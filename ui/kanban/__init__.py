"""The kanban board view: the window builds it with :func:`install` (View ▸ Board)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QMenu

from ui.api import WindowApi
from ui.kanban.board import KanbanBoard


@dataclass(frozen=True)
class KanbanFeature:
    """What the window keeps of the board feature."""

    api: WindowApi
    board: KanbanBoard

    def prepare_screenshot(self) -> None:
        """The board alone (no detail panel), scrolled to its first column, nothing selected."""
        self.api.set_detail_visible(False)
        self.api.show_view("kanban")
        self.board.view_shown()
        for column in self.board.columns:
            column.view.clearSelection()
        self.board.columns_area.horizontalScrollBar().setValue(0)


def install(api: WindowApi) -> KanbanFeature:
    board = KanbanBoard(api)
    api.add_view("kanban", "Board", board)

    def deal_entry(menu: QMenu, ids: list[int]) -> None:  # the list's context menu
        if len(ids) == 1:
            menu.addAction("Deal value…", lambda: board.edit_deal(ids[0]))

    api.add_list_menu_extension(deal_entry)
    return KanbanFeature(api, board)

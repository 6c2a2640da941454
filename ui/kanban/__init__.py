"""The kanban board view: the window builds it with :func:`install` (View ▸ Board)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtWidgets import QMenu, QWidget

from ui.api import WindowApi

if TYPE_CHECKING:
    from ui.kanban.board import KanbanBoard


class KanbanFeature:
    """What the window keeps of the board feature. The board itself is built when it is
    first shown or asked for (``board``): the window's start builds only the list."""

    def __init__(self, api: WindowApi, board: Callable[[], QWidget]) -> None:
        self.api = api
        self._board = board

    @property
    def board(self) -> KanbanBoard:
        return cast("KanbanBoard", self._board())

    def prepare_screenshot(self) -> None:
        """The board alone (no detail panel), scrolled to its first column, nothing selected."""
        self.api.set_detail_visible(False)
        self.api.show_view("kanban")
        board = self.board
        board.view_shown()
        for column in board.columns:
            column.view.clearSelection()
        board.columns_area.horizontalScrollBar().setValue(0)


def install(api: WindowApi) -> KanbanFeature:
    def build() -> QWidget:
        from ui.kanban.board import KanbanBoard

        return KanbanBoard(api)

    feature = KanbanFeature(api, api.add_lazy_view("kanban", "Board", build))

    def deal_entry(menu: QMenu, ids: list[int]) -> None:  # the list's context menu
        if len(ids) == 1:
            menu.addAction("Deal value…", lambda: _edit_deal(api, ids[0]))

    api.add_list_menu_extension(deal_entry)
    return feature


def _edit_deal(api: WindowApi, contact_id: int) -> None:
    from ui.kanban.deal_dialog import edit_deal

    edit_deal(api, contact_id)

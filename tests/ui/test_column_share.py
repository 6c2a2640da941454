"""Columns that wrap share a table's width by their text (ui.column_share.share_by_content)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QAbstractTableModel, Qt
from PySide6.QtWidgets import QApplication, QTableView

from ui.column_share import share_by_content
from ui.importing.widgets import ColumnSharer


def test_a_mostly_empty_column_leaves_the_width_to_the_texts_that_wrap() -> None:
    # 16 rows: long stored fields, shorter extra fields, one problem in the last row
    texts = [[1000] * 16, [600] * 16, [0] * 15 + [300]]
    widths = share_by_content(texts, [100, 100, 90], [1010, 610, 310], 1000, pad=10)
    assert sum(widths) == 1000
    assert widths[2] < widths[1] < widths[0], widths
    assert widths[2] <= 160, widths  # not a fifth (200 px) for one problem


@given(
    st.lists(st.lists(st.integers(0, 2000), min_size=5, max_size=5), min_size=1, max_size=4),
    st.integers(0, 3000),
)
def test_the_widths_fill_the_room_within_their_bounds(texts: list[list[int]], room: int) -> None:
    least = [60] * len(texts)
    most = [max(60, max(t) + 10) for t in texts]
    widths = share_by_content(texts, least, most, room, pad=10)
    assert all(w >= low for w, low in zip(widths, least, strict=True))
    if room >= sum(least):
        assert sum(widths) == room
    if room <= sum(most):
        assert all(w <= high for w, high in zip(widths, most, strict=True))


def test_a_short_text_in_every_row_stays_on_one_line_beside_a_long_one() -> None:
    """Import history: a file name beside a long source, too little room for both on one
    line: the file name whole, the source wraps (both broke over two lines)."""
    texts = [[250] * 5, [190] * 5]
    widths = share_by_content(texts, [80, 80], [260, 200], 420, pad=10)
    assert widths == [220, 200], widths


class _Texts(QAbstractTableModel):
    """Rows of texts that wrap, counting the rows whose text is read."""

    def __init__(self, rows: list[list[str]]) -> None:
        super().__init__()
        self.rows = rows
        self.read: list[int] = []

    def rowCount(self, parent: Any = None) -> int:
        return len(self.rows)

    def columnCount(self, parent: Any = None) -> int:
        return len(self.rows[0])

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        self.read.append(index.row())
        return self.rows[index.row()][index.column()]

    def set_text(self, row: int, column: int, text: str) -> None:
        self.rows[row][column] = text
        self.dataChanged.emit(self.index(row, column), self.index(row, column))


@pytest.mark.gui
def test_a_resize_shares_the_texts_out_again_without_reading_them(qtbot: Any) -> None:
    """A long table (Import history: hundreds of batches) is measured once per change of its
    content, not on every resize (each resize read and measured 200 rows, ~40 ms)."""
    words = ["Trade show", "Hannover Messe 2026", "badge scanner, day two", "Halle 27"]
    rows = [
        [f"{words[(r + c) % 4]} {r} " * (1 + (r * 7 + c) % 4) for c in range(4)] for r in range(200)
    ]
    model = _Texts(rows)
    view = QTableView()
    view.setModel(model)
    sharer = ColumnSharer(view, {0: 1.0, 1: 1.0, 2: 1.0, 3: 1.0})
    qtbot.addWidget(view)
    view.resize(700, 400)
    view.show()
    qtbot.waitExposed(view)
    QApplication.processEvents()
    assert any(r >= 100 for r in model.read), "the rows past those in sight were measured"
    widths = []
    for width in (900, 1200, 640, 1000):
        model.read.clear()
        view.resize(width, 400)
        QApplication.processEvents()
        widths.append([view.columnWidth(c) for c in range(4)])
        # the rows in sight are read to paint them and fit their heights; none further down
        assert [r for r in model.read if r >= 100] == [], f"measured again at {width} px"
    assert len({tuple(w) for w in widths}) == 4, "the columns share each width anew"
    # a change of a text far down is measured again at the next resize
    model.set_text(150, 1, "a much longer text than any other in this column " * 3)
    model.read.clear()
    view.resize(1100, 400)
    QApplication.processEvents()
    assert 150 in model.read
    assert sharer.need(1) > max(sharer.need(c) for c in (0, 2, 3))

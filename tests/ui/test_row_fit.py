"""Rows as tall as their wrapped text (ui.row_fit): measured while the table is shown; a table
hidden behind another view (the list behind the board) is measured once it is shown again,
not as it is resized meanwhile."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QStackedWidget, QTableView, QWidget

from ui.row_fit import VisibleRowFitter

pytestmark = pytest.mark.gui

LONG = "a name long enough to wrap onto a second line in a narrow column " * 4


def _table(rows: int) -> tuple[QStackedWidget, QTableView, QWidget]:
    model = QStandardItemModel(rows, 2)
    for row in range(rows):
        model.setItem(row, 0, QStandardItem(LONG if row % 2 else "short"))
    stack = QStackedWidget()
    table = QTableView()
    table.setModel(model)
    table.horizontalHeader().setStretchLastSection(True)
    table.setColumnWidth(0, 600)
    table.verticalHeader().setDefaultSectionSize(24)
    other = QWidget()  # the view shown instead of the table (the board instead of the list)
    stack.addWidget(table)
    stack.addWidget(other)
    table.fitter = VisibleRowFitter(table, min_height=24)  # type: ignore[attr-defined]
    return stack, table, other


def test_rows_wrap_to_their_text_and_a_hidden_table_is_measured_when_shown(qtbot: Any) -> None:
    stack, table, other = _table(8)
    qtbot.addWidget(stack)
    stack.resize(900, 400)
    stack.show()
    qtbot.waitUntil(lambda: table.rowHeight(1) > table.rowHeight(0) >= 24, timeout=3000)
    wide, short = table.rowHeight(1), table.rowHeight(0)

    stack.setCurrentWidget(other)  # the table hidden behind another view
    # its column narrower meanwhile (the list's columns fitted again while the board shows):
    # its long texts would need more lines
    table.setColumnWidth(0, 200)
    qtbot.wait(50)  # the fitter's timer has come round
    assert not table.isVisible()
    assert table.rowHeight(1) == wide, "a hidden table measured its rows as its column was resized"

    stack.setCurrentWidget(table)  # shown again: measured at its new width
    qtbot.waitUntil(lambda: table.rowHeight(1) > wide, timeout=3000)
    assert table.rowHeight(0) == short, "a short text stays on one line"


def _ink(table: QTableView, row: int) -> int:
    """How much text the cell in ``row`` (column 0) shows: the darkness of its pixels against
    the cell's background, summed, as painted."""
    image = table.viewport().grab(table.visualRect(table.model().index(row, 0))).toImage()
    light = [
        image.pixelColor(x, y).lightness()
        for y in range(image.height())
        for x in range(image.width())
    ]
    background = max(light)
    return sum(background - v for v in light if v < background - 8)


@pytest.mark.parametrize(
    "text",
    [
        # three lines at word boundaries; wrapped anywhere two ("Antriebstech|nik GmbH"):
        # measured as two, the row showed "Falk / Antriebstechnik" and lost "GmbH"
        "Falk Antriebstechnik GmbH",
        # one word wider than the column: broken where it must, not cut at the right edge
        "Falk Antriebstechnik max.mustermann.vertrieb@antriebstechnik",
    ],
)
def test_a_wrapped_cell_shows_all_its_text_at_its_fitted_height(qtbot: Any, text: str) -> None:
    model = QStandardItemModel(2, 1)
    model.setItem(0, 0, QStandardItem(text))
    table = QTableView()
    qtbot.addWidget(table)
    table.setModel(model)
    table.setShowGrid(False)
    table.horizontalHeader().setStretchLastSection(False)
    table.verticalHeader().setDefaultSectionSize(24)
    table.fitter = VisibleRowFitter(table, min_height=24)  # type: ignore[attr-defined]
    fm = table.fontMetrics()
    table.resize(600, 400)
    table.show()
    # the whole text on one line: all its ink
    table.setColumnWidth(0, fm.horizontalAdvance(text) + 60)
    qtbot.waitUntil(lambda: table.rowHeight(0) == 24, timeout=3000)
    whole = _ink(table, 0)
    assert whole > 0
    # a column where "Antriebstechnik" fits on a line but not with a word beside it
    table.setColumnWidth(0, fm.horizontalAdvance("Antriebstechnik") + 24)
    qtbot.waitUntil(lambda: table.rowHeight(0) > 24, timeout=3000)
    qtbot.wait(20)  # the fitter's last pass
    shown = _ink(table, 0)
    # the same glyphs wrapped (within antialiasing's few per cent), none cut off
    assert shown >= 0.95 * whole, f"the fitted row shows {shown / whole:.0%} of its text"


def test_a_column_sized_to_its_contents_shows_its_words_whole(qtbot: Any) -> None:
    """A column as wide as its contents (the import summary's What: "Warning", "Skipped")
    is as wide as its words on one line, however narrow it was before: measured broken at
    the narrow width it asked for no more ("Warnin / g")."""
    model = QStandardItemModel(2, 2)
    for row, (what, reason) in enumerate([("Warning", "invalid e-mail address"), ("Skip", "")]):
        model.setItem(row, 0, QStandardItem(what))
        model.setItem(row, 1, QStandardItem(reason))
    table = QTableView()
    qtbot.addWidget(table)
    table.setModel(model)
    table.horizontalHeader().setStretchLastSection(True)
    table.fitter = VisibleRowFitter(table)  # type: ignore[attr-defined]
    table.resize(600, 300)
    table.show()
    table.setColumnWidth(0, 30)  # narrow first (the header's width, say)
    qtbot.wait(20)
    table.resizeColumnToContents(0)
    qtbot.wait(20)  # the fitter measures the rows again
    assert table.columnWidth(0) > table.fontMetrics().horizontalAdvance("Warning")
    assert table.rowHeight(0) == table.rowHeight(1), "'Warning' wrapped in its own column"

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

"""A column's header is aligned as its cells (ui.header_align): headers were centred over
figures aligned right — "Size" in the middle of the backups table's stretched column with
"1.7 MB" at its right edge, "Qualification rate" over the middle of a 270 px column on the
dashboard at 2560 px with its rates hugging the column's right edge."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QHeaderView, QTableView, QWidget

from db.engine import Database
from tests.app.test_metrics import build_history
from tests.ui.test_dashboard_layout import _dashboard
from tests.ui.test_layout import show_at, sized_window
from tests.ui.test_line_breaks import look_at_dialogs
from ui.header_align import CellAlignedHeader

pytestmark = pytest.mark.gui
__all__ = ["sized_window"]  # fixture used by the tests below


def _ink_right(header: QHeaderView, section: int) -> int:
    """The x of the rightmost text pixel of ``section``, from the section's right edge."""
    image = QImage(header.size(), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    header.render(image, QPoint(0, 0))
    left = header.sectionViewportPosition(section)
    right = left + header.sectionSize(section) - 1
    ground = QColor(image.pixel(right - 2, 2))
    for x in range(right - 2, left, -1):
        for y in range(3, header.height() - 3):
            if abs(QColor(image.pixel(x, y)).lightness() - ground.lightness()) > 80:
                return right - x
    return header.sectionSize(section)


def test_the_dashboard_tables_figure_headers_sit_over_their_figures(
    qtbot: Any, db: Database
) -> None:
    build_history(db)
    view = _dashboard(qtbot, db, (2560, 1440))
    table = view.table
    header = table.horizontalHeader()
    model = table.model()
    figures = [
        c
        for c in range(model.columnCount())
        if int(model.index(0, c).data(Qt.ItemDataRole.TextAlignmentRole) or 0)
        & int(Qt.AlignmentFlag.AlignRight)
    ]
    assert len(figures) >= 5
    for c in figures:
        assert header.sectionSize(c) > 150  # wide: where a centred header is far off
        # centred it was 110-128 px from the right edge
        assert _ink_right(header, c) <= 16, model.headerData(c, Qt.Orientation.Horizontal)
    assert isinstance(header, CellAlignedHeader)


def _misaligned(top: QWidget) -> list[str]:
    """Tables with figures aligned right whose header does not follow its cells."""
    found = []
    for table in top.findChildren(QTableView):
        model = table.model()
        if model is None or model.rowCount() == 0:
            continue
        right = any(
            int(model.index(0, c).data(Qt.ItemDataRole.TextAlignmentRole) or 0)
            & int(Qt.AlignmentFlag.AlignRight)
            for c in range(model.columnCount())
        )
        if right and not isinstance(table.horizontalHeader(), CellAlignedHeader):
            found.append(table.objectName() or type(table).__name__)
    return found


def test_every_table_of_figures_in_the_dialogs_aligns_its_headers(
    qtbot: Any, sized_window: Any
) -> None:
    window = sized_window
    show_at(qtbot, window, (1440, 900))
    looked = look_at_dialogs(qtbot, window, _misaligned)
    assert {"dialog-backups", "dialog-scoring-rules"} <= set(looked)
    assert {name: found for name, found in looked.items() if found} == {}

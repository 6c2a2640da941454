"""Issue 13, File ▸ Import history's size: the dialog is as tall as its two tables' rows (it was
a fixed 980×560 with the tables at a 3:2 split: one batch left both tables mostly empty), up to
most of the window it opens over, where the tables scroll; the line between them moves; an
import with nothing to report says so in a line instead of an empty table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QTableView

from app.contacts import create_contact
from app.importing.service import import_file
from db.engine import Database
from tests.app.importing.service_fixtures import BADGE_HEADERS, write_csv
from tests.ui.test_import_history import SOURCE, _file
from ui.importing.history import (
    SHARE_OF_WINDOW,
    WIDTH,
    WIDTH_SHARE,
    ImportHistoryDialog,
    natural_width,
)

pytestmark = pytest.mark.gui
SIZES = [(1024, 700), (1440, 900), (2560, 1440)]


def _open(window: Any, qtbot: Any, size: tuple[int, int], issues: bool = True) -> Any:
    window.resize(*size)
    QApplication.processEvents()
    dialog: ImportHistoryDialog = window.importing.open_history()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0, timeout=10000)
    if issues:
        qtbot.waitUntil(lambda: dialog.issues_model.rowCount() > 0, timeout=10000)
    else:
        qtbot.waitUntil(lambda: dialog.no_issues.isVisible(), timeout=10000)
    for _ in range(5):  # the rows are measured, then the dialog and the split follow
        qtbot.wait(10)
        QApplication.processEvents()
    return dialog


def _rows_bottom(view: QTableView) -> int:
    """The bottom of the last row in the viewport (0: no rows)."""
    rows = view.model().rowCount()
    if rows == 0:
        return 0
    return view.rowViewportPosition(rows - 1) + view.rowHeight(rows - 1)


def _empty_below(view: QTableView) -> int:
    return view.viewport().height() - _rows_bottom(view)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_one_batch_no_empty_space(
    empty_window: Any, qtbot: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    db: Database = empty_window.db
    create_contact(db, name="Anna Köhler", email="anna@koehler-technik.de", company="Köhler")
    import_file(db, _file(tmp_path), source=SOURCE)
    dialog = _open(empty_window, qtbot, size)
    assert dialog.width() <= size[0] and dialog.height() <= size[1] * SHARE_OF_WINDOW + 1
    for view in (dialog.table, dialog.issues):
        assert not view.verticalScrollBar().isVisible(), f"{view.objectName()} scrolls"
        # every row in sight, and no band of empty table under them
        assert 0 <= _empty_below(view) <= 6, (view.objectName(), _empty_below(view), size)
    assert dialog.issues.isVisible() and not dialog.no_issues.isVisible()


def test_many_batches_share_the_room(empty_window: Any, qtbot: Any, tmp_path: Path) -> None:
    """More rows than the window has room for: the dialog stops at most of the window's height
    and both tables scroll, each with several rows in sight."""
    db: Database = empty_window.db
    path = _file(tmp_path)
    for n in range(14):
        import_file(db, path, source=f"{SOURCE} #{n}")
    dialog = _open(empty_window, qtbot, (1024, 700))
    assert dialog.height() <= int(700 * SHARE_OF_WINDOW) + 1
    assert dialog.height() >= int(700 * SHARE_OF_WINDOW) - 1, "room left unused"
    upper, lower = dialog.splitter.sizes()
    assert upper > 150 and lower > 150, (upper, lower)
    assert dialog.table.verticalScrollBar().isVisible()
    assert _empty_below(dialog.table) <= 0  # rows reach the bottom (they scroll on)

    # the user moves the line: the split stays where it was put when another batch is chosen
    dialog.splitter.moveSplitter(upper - 60, 1)
    QApplication.processEvents()
    moved = dialog.splitter.sizes()
    assert moved[0] == upper - 60
    report = dialog.issues_model.items
    dialog.table.selectRow(3)
    qtbot.waitUntil(lambda: dialog.issues_model.items is not report, timeout=10000)
    qtbot.wait(20)
    assert dialog.splitter.sizes() == moved


def test_an_import_without_issues_says_so(empty_window: Any, qtbot: Any, tmp_path: Path) -> None:
    db: Database = empty_window.db
    clean = write_csv(
        tmp_path / "clean.csv",
        BADGE_HEADERS,
        [["Jürgen", "Weißmann", "jw@acme-maschinen.de", "ACME", "Werkleiter", "", "Hannover"]],
    )
    import_file(db, clean, source="Web form")
    dialog = _open(empty_window, qtbot, (1440, 900), issues=False)
    assert not dialog.issues.isVisible(), "an empty table under the batch"
    label = dialog.no_issues
    assert label.isVisible() and label.height() >= label.heightForWidth(label.width())
    qtbot.waitUntil(lambda: 0 <= _empty_below(dialog.table) <= 6, timeout=3000)
    # the dialog is no taller than its parts: the line under the table ends it
    bottom = label.mapTo(dialog, label.rect().bottomLeft()).y()
    assert dialog.height() - bottom <= 80, dialog.height() - bottom


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_a_long_source_reads_on_one_line_where_the_window_has_room(
    empty_window: Any, qtbot: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    """The dialog was 980 px wide in any window: at 2560×1440 the trade show's name and the
    file wrapped onto two lines each, and so did the reasons. Now it is as wide as they need
    on one line, up to most of the window; never under 980 px (where the window has them)."""
    db: Database = empty_window.db
    create_contact(db, name="Anna Köhler", email="anna@koehler-technik.de", company="Köhler")
    import_file(db, _file(tmp_path), source=SOURCE)
    dialog = _open(empty_window, qtbot, size)
    assert dialog.width() <= size[0] * WIDTH_SHARE + 1
    assert dialog.width() >= min(WIDTH, int(size[0] * WIDTH_SHARE))
    table, issues = dialog.table, dialog.issues
    fm = table.fontMetrics()
    texts = {c: str(table.model().index(0, c).data()) for c in (1, 2)}
    assert texts[1] == SOURCE
    reasons = [str(issues.model().index(r, 2).data()) for r in range(issues.model().rowCount())]
    on_one_line = all(
        fm.horizontalAdvance(text) < table.columnWidth(c) for c, text in texts.items()
    ) and all(fm.horizontalAdvance(r) < issues.columnWidth(2) for r in reasons)
    wanted = max(natural_width(table), natural_width(issues))
    if wanted <= size[0] * WIDTH_SHARE - 40:  # the window has the room: every text whole
        assert on_one_line, (dialog.width(), wanted)
    if size[0] >= 2560:
        assert on_one_line

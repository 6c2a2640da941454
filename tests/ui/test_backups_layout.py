"""Issue 13, File ▸ Backups… as it opens: as tall as its list of backups (a fixed 620×420 left
one backup over a table of empty space), growing with each copy up to most of the window, where
the list scrolls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QTableView

from app import backups
from db.engine import Database
from tests.ui.test_backups import _dialog, open_window

pytestmark = pytest.mark.gui
__all__ = ["open_window"]  # fixture used below


def _empty_below(view: QTableView) -> int:
    rows = view.model().rowCount()
    bottom = view.rowViewportPosition(rows - 1) + view.rowHeight(rows - 1) if rows else 0
    return view.viewport().height() - bottom


def _settled(qtbot: Any, dialog: Any, rows: int) -> None:
    qtbot.waitUntil(lambda: dialog.model.rowCount() == rows, timeout=10000)
    for _ in range(3):
        qtbot.wait(5)
        QApplication.processEvents()


def test_the_dialog_is_as_tall_as_its_backups(
    qtbot: Any, demo_db: Database, open_window: Any, db_path: Path
) -> None:
    backups.make_backup(db_path)  # so that no daily backup is due
    win = open_window(demo_db)
    win.resize(1024, 700)
    qtbot.waitUntil(lambda: not win.tasks.active, timeout=20000)
    dialog = _dialog(qtbot, win)
    _settled(qtbot, dialog, 1)
    row = dialog.table.rowHeight(0)
    assert 0 <= _empty_below(dialog.table) <= row, _empty_below(dialog.table)
    one = dialog.height()

    with qtbot.waitSignal(win.safety.backup_finished, timeout=20000):
        dialog.back_up_button.click()
    _settled(qtbot, dialog, 2)
    assert dialog.height() > one, "the dialog does not grow with its list"
    assert 0 <= _empty_below(dialog.table) <= row
    assert not dialog.table.verticalScrollBar().isVisible()
    assert dialog.height() <= 700 * 0.9 + 1
    dialog.close()

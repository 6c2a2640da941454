"""A window closed before its check on open has ended starts no daily backup afterwards: it
would run beside the next window's on the same file (the second one's prune then deleted the
first one's copy of the day as it was described: FileNotFoundError in the error dialog)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from app import backups
from db.engine import Database

pytestmark = pytest.mark.gui


def test_a_closed_window_starts_no_daily_backup(
    qtbot: Any, demo_db: Database, db_path: Path
) -> None:
    from ui.application import make_app
    from ui.main_window import MainWindow

    make_app()
    win = MainWindow(demo_db, persist_state=False)
    qtbot.addWidget(win)
    started: list[str] = []
    win.tasks.task_started.connect(lambda task: started.append(task.label))
    win.show()
    win.close()  # before the check's verdict has come back (it arrives by a queued signal)
    for _ in range(50):
        QApplication.processEvents()
        qtbot.wait(10)
    win.tasks.wait(10000)
    QApplication.processEvents()
    assert "Backing up" not in started
    assert backups.list_backups(db_path) == []

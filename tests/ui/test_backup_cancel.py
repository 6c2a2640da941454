"""File ▸ Backups… while a backup is under way (issue 15, item 5): the dialog shows how far it
is and cancels it (the window's own progress is behind the modal dialog)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app import backups
from db import backup as files

pytestmark = pytest.mark.gui


def test_the_dialog_shows_progress_and_cancels_the_backup(
    qtbot: Any, window: Any, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.backups import BackupsDialog

    qtbot.waitUntil(lambda: not window.tasks.active, timeout=20000)  # check, daily backup
    before = [b.path for b in backups.list_backups(db_path)]
    monkeypatch.setattr(files, "STEP_PAGES", 8)
    first, go = threading.Event(), threading.Event()
    real = backups._copy_progress

    def held(progress: Any, src: Path) -> Callable[[int, int], None] | None:
        report = real(progress, src)
        assert report is not None

        def step(done: int, total: int) -> None:
            report(done, total)
            if not first.is_set():  # after the first step, wait for the test
                first.set()
                go.wait(20)

        return step

    monkeypatch.setattr(backups, "_copy_progress", held)
    action = next(a for a in window.menu_file.actions() if a.text() == "&Backups…")
    action.trigger()
    dialog = window.findChild(BackupsDialog)
    assert dialog is not None and not dialog.cancel_button.isVisible()
    dialog.back_up_button.click()
    try:
        qtbot.waitUntil(first.is_set, timeout=10000)
        qtbot.waitUntil(lambda: dialog.progress.maximum() > 0, timeout=5000)
        assert dialog.progress.isVisible() and dialog.cancel_button.isVisible()
        assert 0 < dialog.progress.value() < dialog.progress.maximum()
        assert dialog.status.text().startswith("Backing up… ") and " of " in dialog.status.text()
        assert not dialog.back_up_button.isEnabled()
        with qtbot.waitSignal(window.safety.backup_finished, timeout=20000) as finished:
            qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
            go.set()
    finally:
        go.set()
    assert str(finished.args[0]) == "The backup was cancelled."
    assert dialog.status.text() == "No backup was made: The backup was cancelled."
    assert not dialog.progress.isVisible() and not dialog.cancel_button.isVisible()
    assert [b.path for b in backups.list_backups(db_path)] == before
    assert not list(files.backup_dir(db_path).glob("*.partial*"))
    qtbot.waitUntil(dialog.back_up_button.isEnabled, timeout=5000)
    dialog.close()

"""Helpers for the board, triage and undo tests: find the views, answer dialogs, record
message boxes (ui.message_box.warning, a modal box, would block an offscreen test)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QMessageBox
from sqlalchemy import event

from db.engine import Database
from ui import message_box


def board_of(window: Any) -> Any:
    """The window's board (built when first shown or asked for, as here)."""
    from ui.kanban.board import KanbanBoard

    board = window.kanban.board
    assert window.findChild(KanbanBoard) is board, "the board is installed in the window"
    return board


def triage_of(window: Any) -> Any:
    """The window's triage view (built when first shown or asked for, as here)."""
    from ui.triage.view import TriageView

    view = window.triage.view
    assert window.findChild(TriageView) is view, "triage mode is installed in the window"
    return view


@pytest.fixture
def board(window: Any, qtbot: Any) -> Any:
    """The window's board, shown, its first column loaded."""
    window.show_view("kanban")
    b = board_of(window)
    qtbot.waitUntil(lambda: b.columns and b.columns[0].model.rowCount() > 0, timeout=5000)
    return b


@pytest.fixture
def warnings_shown(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Warnings the app shows, recorded instead of blocking."""
    shown: list[tuple[str, str]] = []

    def warning(_parent: Any, title: str, text: str, *_a: Any, **_k: Any) -> Any:
        shown.append((title, text))
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(message_box, "warning", warning)
    return shown


_answered: set[int] = set()


def answer_next_dialog(action: Callable[[QDialog], None]) -> None:
    """When the next modal dialog opens, do ``action`` with it (pick a reason, cancel…).

    Dialogs answered before are skipped: offscreen, a closed dialog that was not deleted can
    still be reported as the active modal widget."""

    def poll() -> None:
        fresh = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QDialog) and w.isModal() and w.isVisible() and id(w) not in _answered
        ]
        if fresh and QApplication.activeWindow() is fresh[-1]:
            dialog = fresh[-1]
            _answered.add(id(dialog))
            action(dialog)
            return
        if fresh:  # keys must go to the dialog, as they do when a real window manager runs
            fresh[-1].activateWindow()
        QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)


@dataclass
class Writes:
    """INSERT/UPDATE/DELETE statements seen, by the thread that ran them."""

    gui: list[str] = field(default_factory=list)
    workers: list[str] = field(default_factory=list)


@contextmanager
def writes_by_thread(db: Database) -> Iterator[Writes]:
    """Record every write statement on ``db``'s engine with the thread it ran on (the GUI
    thread is the main thread)."""
    seen = Writes()

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        if verb in ("INSERT", "UPDATE", "DELETE", "REPLACE"):
            on_gui = threading.current_thread() is threading.main_thread()
            (seen.gui if on_gui else seen.workers).append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def button_texts(dialog: QDialog) -> list[str]:
    return [b.text() for b in dialog.findChildren(QAbstractButton) if b.isVisible()]


def click_button(dialog: QDialog, text: str) -> None:
    """Click the dialog's button whose text starts with ``text``."""
    buttons = [
        b
        for b in dialog.findChildren(QAbstractButton)
        if b.isVisible() and b.text().startswith(text)
    ]
    assert buttons, button_texts(dialog)
    buttons[0].click()

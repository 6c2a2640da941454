"""Opening a database off the GUI thread, with a progress window when it takes a while.

The usual opening takes a few hundredths of a second and shows nothing. An upgrade of an
existing file (a backup first, then the migrations; minutes for a million contacts) or a slow
server shows a small window saying what is being done, step by step, until the database is
open; the upgrade cannot be stopped half-way (it commits whole or not at all), so the window
has no Cancel and stays until it is done.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QProgressBar, QVBoxLayout, QWidget

from db.handle import DatabaseOpening
from ui.line_breaks import WrappedLabel

if TYPE_CHECKING:
    from db.engine import Database


# an opening that takes longer than this shows the progress window
SHOW_AFTER_S = 0.4
# how often the interpreter switches threads while a database opens beside the window in use
# (``db.handle.DatabaseOpening``): the window's thread has it back within 0.1 ms, not 5
BESIDE_THE_WINDOW_SWITCH_S = 0.0001
POLL_MS = 50

NOTE = (
    "The window opens when this is done. If it is interrupted, the file stays as it was "
    "(an upgrade is written whole or not at all), and the backup is kept beside it."
)


class OpeningDialog(QDialog):
    """What the opening is doing, with a busy bar; it cannot be closed (nothing to cancel)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("openingDialog")
        self.setWindowTitle("Opening the database")
        self.setWindowFlags(
            Qt.WindowType.Dialog | Qt.WindowType.CustomizeWindowHint | Qt.WindowType.WindowTitleHint
        )
        self.step = WrappedLabel("Opening the database…")
        self.step.setObjectName("openingStep")
        self.step.setWordWrap(True)
        self.step.setTextFormat(Qt.TextFormat.PlainText)
        bar = QProgressBar()
        bar.setRange(0, 0)  # busy: a migration does not say how far it is
        bar.setTextVisible(False)
        note = WrappedLabel(NOTE)
        note.setWordWrap(True)
        note.setEnabled(False)  # the palette's quieter text
        layout = QVBoxLayout(self)
        layout.addWidget(self.step)
        layout.addWidget(bar)
        layout.addWidget(note)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)

    def reject(self) -> None:  # Esc: the opening goes on; there is nothing to cancel
        return

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()


def open_with_progress(path_or_url: str | os.PathLike[str] | None) -> Database:
    """:func:`app.store.open_store` on a thread of its own; a progress window if it takes
    longer than :data:`SHOW_AFTER_S`. Raises what the opening raised."""
    return wait_with_progress(start_opening(path_or_url))


def start_opening(path_or_url: str | os.PathLike[str] | None) -> DatabaseOpening:
    """:func:`app.store.open_store` begun on a thread of its own (``winnow-open``)."""
    return opening_of(path_or_url).start()


def opening_of(
    path_or_url: str | os.PathLike[str] | None, *, beside_the_window: bool = False
) -> DatabaseOpening:
    """:func:`app.store.open_store` to run on a thread of its own, not begun yet.
    ``beside_the_window``: opened while the window is in use (a plain start): the interpreter
    switches threads every :data:`BESIDE_THE_WINDOW_SWITCH_S` meanwhile, and the opening steps
    aside while the window says it is busy (``DatabaseOpening.window_busy``)."""

    def opener(on_step: Callable[[str], None]) -> Database:
        # (SQLAlchemy: not before a database is opened.) With the store, the modules that add
        # listeners to every Session (the stage key's check, the reference data's cache), here
        # before anyone has the database: imported by a worker while another worker's session
        # ran a statement, the listeners changed under it ("RuntimeError: deque mutated during
        # iteration": the day's first due-task check failed so beside the score check's
        # imports, an error dialog at start)
        import app.reference
        import app.stages  # noqa: F401  (imported for their listeners)
        from app.store import open_store

        return open_store(path_or_url, on_step=on_step)

    interval = BESIDE_THE_WINDOW_SWITCH_S if beside_the_window else None
    return DatabaseOpening(opener, switch_interval_s=interval, steps_aside=beside_the_window)


def wait_with_progress(opening: DatabaseOpening) -> Database:
    """The database once ``opening`` is done, with a progress window if it takes longer than
    :data:`SHOW_AFTER_S` from now. Raises what the opening raised."""
    if not opening.wait(SHOW_AFTER_S):
        _wait_with_dialog(opening.done, opening.steps)
    return opening.database()


def _wait_with_dialog(done: threading.Event, steps: queue.SimpleQueue[str]) -> None:
    dialog = OpeningDialog()
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(POLL_MS)

    def poll() -> None:
        latest = None
        while not steps.empty():
            latest = steps.get_nowait()
        if latest is not None:
            dialog.step.setText(latest)
            dialog.adjustSize()  # a longer step's text gets its lines
        if done.is_set():
            loop.quit()

    timer.timeout.connect(poll)
    poll()
    dialog.show()
    timer.start()
    if not done.is_set():
        loop.exec()
    timer.stop()
    dialog.hide()
    dialog.deleteLater()

"""UI fixtures: a real main window over a real database file, offscreen."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from db.engine import Database


@pytest.fixture(autouse=True)
def _theme_comes_back() -> Iterator[None]:
    """Whatever palette and style sheet a test sets on the application, the next test starts
    with the ones it found: a test that leaves the dark palette behind would make every later
    colour check depend on the order the tests run in.

    ``make_app`` styles the application once and marks it so (``winnowStyled``); the mark comes
    back with the style sheet. Taking the sheet away and leaving the mark made every later
    ``make_app`` in the process a no-op: the first test of a file run alone had Winnow's style,
    the next ones Qt's bare one (a 20 px table header, not 33), so a layout test passed or
    failed by its place in the run."""
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if not isinstance(app, QApplication):
        yield
        return
    before, sheet = QPalette(app.palette()), app.styleSheet()
    styled, font = app.property("winnowStyled"), app.font()
    yield
    if app.palette() != before:
        app.setPalette(before)
    if app.styleSheet() != sheet:
        app.setStyleSheet(sheet)
    if app.font() != font:
        app.setFont(font)
    if app.property("winnowStyled") != styled:
        app.setProperty("winnowStyled", styled)


def settle(qtbot: Any, window: Any, timeout: int = 10000) -> None:
    """Wait until every queued operation has committed and its change notice reached the
    views (operations run on the window's writer thread; results arrive by queued signals),
    and the list's recount after it (run on the list's worker) has arrived."""
    qtbot.waitUntil(lambda: not window.ops.busy, timeout=timeout)
    qtbot.wait(1)  # deliver what the last one queued
    counter = getattr(getattr(window, "model", None), "counter", None)
    if counter is not None:
        qtbot.waitUntil(lambda: not counter.pending, timeout=timeout)


def _shown_window(
    qtbot: Any,
    db: Database,
    *,
    size: tuple[int, int] | None = (1400, 860),
    persist_state: bool = True,
    tasks_ms: int = 10000,
    prebuild_views: bool = False,
) -> Iterator[Any]:
    """A main window on ``db``, shown at ``size`` (None: as it opens); its writer and workers
    drained after (the workers given ``tasks_ms``)."""
    from ui.application import make_app
    from ui.main_window import MainWindow

    make_app()
    win = MainWindow(db, persist_state=persist_state, prebuild_views=prebuild_views)
    qtbot.addWidget(win)
    if size is not None:
        win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    # what the start waits to do until the window is usable (the file's check, the day's backup,
    # the scores' daily check) done before the test acts: its notices would otherwise rebuild
    # what a test holds (a triage card's tasks box) at any moment of the test
    qtbot.waitUntil(lambda: win._after_usable is None, timeout=20000)
    qtbot.waitUntil(lambda: not win.tasks.active, timeout=20000)
    yield win
    win.ops.wait(10000)
    win.tasks.cancel_all()
    win.tasks.wait(tasks_ms)


@pytest.fixture
def window(qtbot: Any, demo_db: Database) -> Iterator[Any]:
    """The main window on the demo database."""
    yield from _shown_window(qtbot, demo_db)


@pytest.fixture
def empty_window(qtbot: Any, db: Database) -> Iterator[Any]:
    """The main window on an empty database (each test adds what it needs)."""
    yield from _shown_window(qtbot, db)

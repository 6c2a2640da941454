"""UI fixtures: a real main window over a real database file, offscreen."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from db.engine import Database


def settle(qtbot: Any, window: Any, timeout: int = 10000) -> None:
    """Wait until every queued operation has committed and its change notice reached the
    views (operations run on the window's writer thread; results arrive by queued signals),
    and the list's recount after it (run on the list's worker) has arrived."""
    qtbot.waitUntil(lambda: not window.ops.busy, timeout=timeout)
    qtbot.wait(1)  # deliver what the last one queued
    counter = getattr(getattr(window, "model", None), "counter", None)
    if counter is not None:
        qtbot.waitUntil(lambda: not counter.pending, timeout=timeout)


@pytest.fixture
def window(qtbot, demo_db: Database) -> Iterator[object]:  # type: ignore[no-untyped-def]
    from ui.application import make_app
    from ui.main_window import MainWindow

    make_app()
    win = MainWindow(demo_db)
    qtbot.addWidget(win)
    win.resize(1400, 860)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.ops.wait(10000)
    win.tasks.cancel_all()
    win.tasks.wait(10000)

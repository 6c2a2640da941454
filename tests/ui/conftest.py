"""UI fixtures: a real main window over a real database file, offscreen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from db.engine import Database


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
    win.tasks.cancel_all()
    win.tasks.wait(10000)

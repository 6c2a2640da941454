"""``winnow screenshot`` takes each picture once the views' background reads are in: the
board's deal sums start on a timer after its cards and arrive from a worker, and a picture
taken before them showed folded column strips without their sums. Here the timer is made
long and the worker slow, so a picture that does not wait for them misses them for sure."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QPixmap

import ui.kanban.board as board_module
from app import deals
from db.engine import Database
from ui.kanban.board import KanbanBoard
from ui.main_window import MainWindow
from ui.tasks import TaskRunner

pytestmark = pytest.mark.gui


def test_the_board_picture_has_every_column_s_deal_sum(
    demo_db: Database, tmp_path: Path, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.screenshot import render_screenshots

    real = deals.board_values
    expected = real(demo_db, board_module.ContactQuery())

    def slow_sums(*args: Any, **kwargs: Any) -> dict[str, float]:
        time.sleep(0.8)
        return real(*args, **kwargs)

    # the sums start 1.5 s after the board's cards (250 ms in the application) and take
    # 0.8 s more: any picture taken without waiting for them is taken before
    monkeypatch.setattr(board_module, "VALUES_AFTER_MS", 1500)
    monkeypatch.setattr(deals, "board_values", slow_sums)
    seen: list[dict[str, tuple[float | None, bool]]] = []
    grab = MainWindow.grab

    def grab_and_look(window: MainWindow, *args: Any) -> QPixmap:
        boards = [b for b in window.findChildren(KanbanBoard) if b.isVisible()]
        if boards:  # what the board's columns show as its picture is taken
            seen.append({c.stage_key: (c.model.value, c.collapsed) for c in boards[0].columns})
        return grab(window, *args)

    monkeypatch.setattr(MainWindow, "grab", grab_and_look)
    written = render_screenshots(demo_db, tmp_path / "shots")
    assert {"kanban.png", "kanban-detail.png"} <= {p.name for p in written}
    assert len(seen) == 2  # the board, and the board with a card opened
    for shown in seen:
        assert {key: value for key, (value, _) in shown.items() if value is not None} == expected
    # the case seen: a strip folded for want of room (with the detail panel open), with a sum
    assert any(folded and value is not None for s in seen for value, folded in s.values())


def test_the_runner_is_busy_while_a_deferred_read_waits(qtbot: Any) -> None:
    """``TaskRunner.idle``: false while a task runs or a timer that starts one is active."""
    from PySide6.QtCore import QTimer

    runner = TaskRunner()
    timer = runner.defer(QTimer(runner))
    timer.setSingleShot(True)
    started: list[bool] = []

    def read() -> None:
        time.sleep(0.3)

    def start() -> None:
        started.append(True)
        runner.run(read)

    timer.timeout.connect(start)
    assert runner.idle
    timer.start(100)
    assert not runner.idle  # nothing runs yet, but a read is about to start
    qtbot.waitUntil(lambda: bool(started), timeout=3000)
    assert not runner.idle  # it runs
    qtbot.waitUntil(lambda: runner.idle, timeout=3000)
    assert not runner.active

"""Export in the window (issue 15, item 5): it runs on a worker with progress in the status bar,
and its Cancel stops it between pages, leaving no file and saying so (no error box)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.exporting import records


@pytest.fixture
def held_export(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[threading.Event, threading.Event]]:
    """Exports read pages of 20 contacts; after the first page the worker waits for ``go``
    (``first`` says it got there), so the test can press Cancel while it is under way."""
    first, go = threading.Event(), threading.Event()
    real = records.iter_pages

    def held(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for n, page in enumerate(real(*args, **kwargs)):
            yield page  # back here once the page is written
            if n == 0:
                first.set()
                go.wait(20)

    monkeypatch.setattr(records, "PAGE", 20)
    monkeypatch.setattr(records, "iter_pages", held)
    yield first, go
    go.set()


def _action(win: Any, text: str) -> Any:
    return next(a for a in win.menu_file.actions() if a.text() == text)


def test_cancel_stops_the_export_and_leaves_no_file(  # type: ignore[no-untyped-def]
    window, qtbot, tmp_path: Path, held_export
) -> None:
    first, go = held_export
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "everyone.csv"
    window.importing.ask_save_path = lambda *_a: str(out)
    messages: list[str] = []
    window.statusBar().messageChanged.connect(messages.append)
    progress = window.progress
    _action(window, "&Export…").trigger()
    qtbot.waitUntil(first.is_set, timeout=10000)
    # the status bar's progress belongs to the export, with its Cancel button
    assert progress._task is not None and progress._task.label == "Export…"
    qtbot.waitUntil(progress.isVisible, timeout=5000)
    assert progress.cancel_button.isVisible() and progress.cancel_button.isEnabled()
    qtbot.mouseClick(progress.cancel_button, Qt.MouseButton.LeftButton)
    assert "cancelling" in progress.label.text()
    go.set()
    qtbot.waitUntil(lambda: any("cancelled" in m for m in messages), timeout=10000)
    assert "Export cancelled; no file was written." in messages
    assert list(folder.iterdir()) == []
    assert window.importing.last_export is None
    qtbot.waitUntil(lambda: not progress.isVisible(), timeout=5000)


def test_progress_counts_the_pages_then_the_file_is_written(  # type: ignore[no-untyped-def]
    window, qtbot, tmp_path: Path, held_export
) -> None:
    first, go = held_export
    out = tmp_path / "everyone.csv"
    window.importing.ask_save_path = lambda *_a: str(out)
    texts: list[str] = []
    window.tasks.task_progress.connect(
        lambda task, _d, _t, text: texts.append(text) if task.label == "Export…" else None
    )
    _action(window, "&Export…").trigger()
    qtbot.waitUntil(first.is_set, timeout=10000)
    go.set()
    qtbot.waitUntil(lambda: window.importing.last_export is not None, timeout=20000)
    assert texts[0] == "Exported 20 of 300 contacts"
    assert texts[-1] == "Exported 300 of 300 contacts"
    assert window.importing.last_export.written == 300 and out.exists()

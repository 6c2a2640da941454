"""``winnow screenshot DIR``: render each main view of the current database to DIR/NAME.png."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from db.engine import Database

# name -> fn(window) preparing the window for that picture; features append theirs
SCREENSHOTS: dict[str, Callable[..., None]] = {}


def _settle(app: QApplication, rounds: int = 6) -> None:
    for _ in range(rounds):
        app.processEvents()


def _prepare_list(window) -> None:  # type: ignore[no-untyped-def]
    window.show_view("list")
    window.list_view.clearSelection()
    window.detail.show_contact(None)
    window.toggle_detail.setChecked(False)  # the list alone, full width


def _prepare_detail(window) -> None:  # type: ignore[no-untyped-def]
    window.toggle_detail.setChecked(True)
    window.show_view("list")
    if window.model.rowCount() > 0:
        window.list_view.selectRow(min(2, window.model.rowCount() - 1))


SCREENSHOTS["list"] = _prepare_list
SCREENSHOTS["detail"] = _prepare_detail


def render_screenshots(
    db: Database, out_dir: Path, size: tuple[int, int] = (1440, 900)
) -> list[Path]:
    """Open the window offscreen and save one PNG per registered view."""
    from ui.application import make_app
    from ui.main_window import MainWindow

    app = make_app()
    out_dir.mkdir(parents=True, exist_ok=True)
    window = MainWindow(db, persist_state=False)
    window.resize(*size)
    window.show()
    _settle(app)
    window.tasks.wait(20000)
    _settle(app)
    written = []
    pictures: list[tuple[str, Callable[[], None]]] = [
        ("list", lambda: _prepare_list(window)),
        ("detail", lambda: _prepare_detail(window)),
        ("dashboard", window.dashboard.prepare_screenshot),
        ("kanban", window.kanban.prepare_screenshot),
        ("triage", window.triage.prepare_screenshot),
    ]
    named = {name for name, _ in pictures}
    pictures += [  # features that still register a picture of their own
        (name, partial(prepare, window))
        for name, prepare in SCREENSHOTS.items()
        if name not in named
    ]
    for name, prepare in pictures:
        prepare()
        _settle(app)
        window.tasks.wait(20000)
        _settle(app)
        path = out_dir / f"{name}.png"
        window.grab().save(str(path))
        written.append(path)
    from ui.importing.screens import render_import_screenshots  # the wizard: its own window

    written += render_import_screenshots(window, out_dir)
    window.close()
    _settle(app)
    return written

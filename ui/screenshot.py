"""``winnow screenshot DIR [--size WxH] [--scale F] [--dark]``: every view and dialog of the
current database, rendered offscreen to DIR/NAME.png at a given window size (in screen pixels)
and scale factor (2: a 200 % display; set before the application starts: :func:`prepare_scale`),
in the light palette or (``--dark``) in the dark one a dark desktop gets.

The views: the list alone, the list with the detail panel, the board, the board with the
panel opened (Enter on a card), triage and the dashboard; then the list with the panel in
three states a user meets in team mode: a save refused because someone changed the contact
meanwhile, a role that may not write, and the server out of reach (each put back after its
picture; nothing is written). The dialogs: the import wizard's
pages and history, new contact, settings, backups, duplicates, merge, personas, scoring rules,
keyboard shortcuts (when the Help menu has them) and About. A dialog is opened the way
a user opens it (its menu entry), pictured and cancelled.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDialog, QMenu, QWidget

from db.engine import Database

if TYPE_CHECKING:
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)

# name -> fn(window) preparing the window for that picture; features append theirs
SCREENSHOTS: dict[str, Callable[..., None]] = {}

DEFAULT_SIZE = (1440, 900)

# the longest a picture waits for its views' background reads (then it is taken as it is)
READY_WITHIN_S = 30.0

# (file name, menu entry that opens it: its text without "&", as shown in the menu)
DIALOG_ENTRIES: list[tuple[str, str]] = [
    ("dialog-new-contact", "New contact…"),
    ("dialog-settings", "Settings…"),
    ("dialog-backups", "Backups…"),
    ("dialog-personas", "Personas…"),
    ("dialog-scoring-rules", "Scoring rules…"),
    ("dialog-shortcuts", "Keyboard shortcuts"),
    ("dialog-about", "About Winnow"),
]


def prepare_scale(scale: float) -> None:
    """Ask Qt for a scale factor (before the QApplication exists; later it has no effect)."""
    if scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = f"{scale:g}"


def _settle(app: QApplication, rounds: int = 6) -> None:
    for _ in range(rounds):
        app.processEvents()
        # widgets a view replaced (deleteLater) go now, as the event loop would take them
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def wait_ready(app: QApplication, window: MainWindow, within: float = READY_WITHIN_S) -> bool:
    """Run the event loop until the window has nothing pending: no background read running
    or still to deliver its result, none held back on a timer about to start one (the board's
    deal sums 250 ms after its cards, its counts, triage's, the list's: ``TaskRunner.idle``)
    and no change being written (``ops.busy``); then once more for what the last result asked
    for (a layout, a paint). At most ``within`` seconds: False (and a warning) when something
    was still pending then; the picture is taken as it is."""
    deadline = time.monotonic() + within
    while True:
        _settle(app)
        if window.tasks.idle and not window.ops.busy:
            _settle(app)
            if window.tasks.idle and not window.ops.busy:
                return True
        left = deadline - time.monotonic()
        if left <= 0:
            log.warning(
                "screenshot: taken with background work still pending after %.0f s: %s",
                within,
                ", ".join(
                    t.label or getattr(t.fn, "__qualname__", "?") for t in window.tasks.active
                )
                or "a read about to start",
            )
            return False
        if window.tasks.active:  # until the running ones end (their results are then queued)
            window.tasks.wait(max(1, int(min(left, 0.05) * 1000)))
        else:  # a timer about to start one: a short nap
            time.sleep(min(left, 0.005))


def _prepare_list(window: MainWindow) -> None:
    window.show_view("list")
    window.list_view.clearSelection()
    window.detail.show_contact(None)
    window.set_detail_visible(False)  # the list alone, full width


def _prepare_detail(window: MainWindow) -> None:
    window.show_view("list")
    window.set_detail_visible(True)
    rows = window.model.rowCount()
    if rows > 0:
        # a contact with a company address shows the most evidence (mail host, website)
        branded = (
            r
            for r in range(min(rows, 60))
            if (row := window.model.contact_row(r)) is not None and row.domain_class == "branded"
        )
        window.list_view.selectRow(next(branded, min(2, rows - 1)))


def _prepare_board_detail(window: MainWindow) -> None:
    """The board with a card opened (what Enter on a card does)."""
    window.kanban.prepare_screenshot()
    for column in window.kanban.board.columns:
        if column.model.rowCount() > 0:
            column.view.setFocus()
            column.view.setCurrentIndex(column.model.index(0, 0))
            window.kanban.board.open_contact(column.model.contact_id(0))
            break


def _prepare_conflict(window: MainWindow) -> None:
    """The panel after a save that someone else's change beat (team mode): the contact as it
    is now with the user's edit on top, and the message saying who changed what. The refusal
    is the one the operation raises (``StaleVersion``), made here: nothing is written."""
    from datetime import datetime

    from app.versions import LaterChange, StaleVersion

    _prepare_detail(window)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    wait_ready(app, window)
    detail = window.detail
    shown = detail.contact
    if shown is None:
        return
    change = LaterChange(0, "carol", f"edit of {shown.name}", datetime.now(), ("Phone",))
    stale = StaleVersion(shown.id, shown.name, shown.version, shown.version + 1, "carol", [change])
    detail.edit_failed(stale, {"title": "Head of purchasing"})
    wait_ready(app, window)
    detail.reveal(detail.save_button)  # the message above it: where the user saved


def _after_conflict(window: MainWindow) -> None:
    window.detail.revert()
    window.detail.reveal(None)


ROLE_REASON = "Read-only: your role carol cannot change this database"


def _prepare_read_only(window: MainWindow) -> None:
    """A role that may not write (team mode): every edit greyed out, and why."""
    _prepare_detail(window)
    window.read_only.set_role_reason(ROLE_REASON)


def _after_read_only(window: MainWindow) -> None:
    window.read_only.set_role_reason(None)


def _prepare_offline(window: MainWindow) -> None:
    """The server out of reach (team mode): read only until it is back."""
    _prepare_detail(window)
    window.live.set_online(False, "could not connect to server: Connection refused")


def _after_offline(window: MainWindow) -> None:
    window.live.set_online(True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    wait_ready(app, window)  # every view read again, as after a reconnection
    window.statusBar().clearMessage()  # "Server reachable again" is not the next picture's


SCREENSHOTS["list"] = _prepare_list
SCREENSHOTS["detail"] = _prepare_detail


def menu_action(window: QWidget, text: str) -> QAction | None:
    """The menu entry shown as ``text`` (mnemonics ignored; "shortcuts" matches any entry
    containing the word)."""

    def walk(menu: QMenu) -> QAction | None:
        for action in menu.actions():
            label = action.text().replace("&", "")
            if label == text or (text == "Keyboard shortcuts" and "shortcut" in label.lower()):
                return action
            sub = action.menu()
            if isinstance(sub, QMenu):
                found = walk(sub)
                if found is not None:
                    return found
        return None

    for menu in window.findChildren(QMenu):
        if menu.parent() is window.menuBar():  # type: ignore[attr-defined]
            found = walk(menu)
            if found is not None:
                return found
    return None


def grab_dialog(
    window: MainWindow, open_it: Callable[[], object], path: Path, max_size: tuple[int, int]
) -> bool:
    """Open a dialog with ``open_it`` (which may block in ``exec()``), save its picture, and
    cancel it. False when no dialog came up."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = {id(w) for w in app.topLevelWidgets() if w.isVisible()}
    state = {"done": False, "tries": 0}

    def catch() -> None:
        dialogs = [
            w
            for w in app.topLevelWidgets()
            if isinstance(w, QDialog) and w.isVisible() and id(w) not in before
        ]
        if not dialogs:
            state["tries"] += 1
            if state["tries"] < 40:
                QTimer.singleShot(50, catch)
            else:
                state["done"] = True
            return
        dialog = dialogs[-1]
        width = min(dialog.width(), max_size[0])
        height = min(dialog.height(), max_size[1])
        if (width, height) != (dialog.width(), dialog.height()):
            dialog.resize(width, height)
        wait_ready(app, window)
        dialog.grab().save(str(path))
        state["done"] = True
        dialog.reject()

    QTimer.singleShot(0, catch)
    open_it()
    deadline = time.monotonic() + 10
    while not state["done"] and time.monotonic() < deadline:
        _settle(app, 2)
        time.sleep(0.01)
    _settle(app)
    return path.exists()


def render_screenshots(
    db: Database,
    out_dir: Path,
    size: tuple[int, int] = DEFAULT_SIZE,
    scale: float | None = None,
    dark: bool = False,
) -> list[Path]:
    """Open the window offscreen at ``size`` screen pixels and save one PNG per view and
    dialog. ``scale``: the factor the application runs at (default: what Qt was started
    with); the window gets ``size / scale`` of Qt's device-independent pixels. ``dark``: in
    Winnow's dark palette (what a dark desktop without a palette of its own gets)."""
    from ui.application import make_app
    from ui.main_window import MainWindow
    from ui.theme import DARK, apply_theme, make_palette

    app = make_app()
    if dark:
        apply_theme(app, make_palette(DARK))
    if scale is None:
        scale = float(os.environ.get("QT_SCALE_FACTOR", "1") or 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    window = MainWindow(db, persist_state=False)
    logical = (round(size[0] / scale), round(size[1] / scale))
    window.resize(*logical)
    window.show()
    wait_ready(app, window)
    written: list[Path] = []
    pictures: list[tuple[str, Callable[[], None]]] = [
        ("list", lambda: _prepare_list(window)),
        ("detail", lambda: _prepare_detail(window)),
        ("dashboard", window.dashboard.prepare_screenshot),
        ("kanban", window.kanban.prepare_screenshot),
        ("kanban-detail", lambda: _prepare_board_detail(window)),
        ("triage", window.triage.prepare_screenshot),
        ("detail-conflict", lambda: _prepare_conflict(window)),
        ("detail-read-only", lambda: _prepare_read_only(window)),
        ("detail-offline", lambda: _prepare_offline(window)),
    ]
    # what puts the window back after a picture of a passing state
    afterwards: dict[str, Callable[[], None]] = {
        "detail-conflict": lambda: _after_conflict(window),
        "detail-read-only": lambda: _after_read_only(window),
        "detail-offline": lambda: _after_offline(window),
    }
    named = {name for name, _ in pictures}
    pictures += [  # features that still register a picture of their own
        (name, partial(prepare, window))
        for name, prepare in SCREENSHOTS.items()
        if name not in named
    ]
    for name, prepare in pictures:
        prepare()
        wait_ready(app, window)
        if window.size().width() != logical[0] or window.size().height() != logical[1]:
            window.resize(*logical)  # a view asked for more room than the screen has
            wait_ready(app, window)
        path = out_dir / f"{name}.png"
        window.grab().save(str(path))
        written.append(path)
        if name in afterwards:
            afterwards[name]()
            wait_ready(app, window)
    _prepare_list(window)
    _settle(app)
    written += _render_dialogs(window, out_dir, logical)
    from ui.importing.screens import render_import_screenshots  # the wizard: its own window

    written += render_import_screenshots(window, out_dir)
    window.close()
    _settle(app)
    return written


def _render_dialogs(window: MainWindow, out_dir: Path, size: tuple[int, int]) -> list[Path]:
    written: list[Path] = []
    for name, entry in DIALOG_ENTRIES:
        action = menu_action(window, entry)
        if action is None or not action.isEnabled():
            continue
        path = out_dir / f"{name}.png"
        if grab_dialog(window, action.trigger, path, size):
            written.append(path)
    # duplicates, then the merge dialog for the first likely pair
    leads = getattr(window, "leads", None)
    if leads is not None:
        found: list[QDialog] = []
        path = out_dir / "dialog-duplicates.png"

        def open_duplicates() -> None:
            found.append(leads.find_duplicates())

        if grab_dialog(window, open_duplicates, path, size):
            written.append(path)
        try:
            pairs = list(getattr(found[0], "pairs", [])) if found else []
        except RuntimeError:  # the dialog is gone with its pairs
            pairs = []
        ids = list(pairs[0].ids) if pairs else window.model.loaded_ids()[:2]
        if len(ids) >= 2:
            path = out_dir / "dialog-merge.png"
            if grab_dialog(window, lambda: leads.merge(ids), path, size):
                written.append(path)
    return written

"""Starting the GUI: the application object, the style, opening the database with clear errors."""

from __future__ import annotations

import gc
import logging
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QFont, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.logfile import HeldLines, hold_log_lines
from db.errors import DatabaseError, DatabaseLocked
from ui.errors import install_error_hooks
from ui.message_box import MessageBox
from ui.opening import open_with_progress
from ui.theme import apply_theme, resource_file, system_palette
from ui.wheel_guard import install_wheel_guard

if TYPE_CHECKING:
    from app.first_screen import PlainReads
    from db.engine import Database
    from db.plain_open import PlainStart
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)


def make_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication with Winnow's names, font and style sheet (created once)."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    if app.property("winnowStyled"):
        return app  # styling again would re-polish every widget alive (and costs time)
    app.setProperty("winnowStyled", True)
    app.setApplicationName("Winnow")
    app.setOrganizationName("Winnow")
    app.setApplicationDisplayName("Winnow")
    desktop = app.palette()  # before Fusion replaces it with its own light one
    # Fusion, whose polishing guards every spin box and combo box: the wheel scrolls forms, it
    # never changes a field
    install_wheel_guard(app)
    font = QFont("DejaVu Sans")
    font.setPointSizeF(9.5)
    app.setFont(font)
    apply_theme(app, system_palette(desktop))  # light or dark, as the desktop asks
    icon_path = resource_file("winnow.svg")
    if icon_path.is_file():
        app.setWindowIcon(QIcon(str(icon_path)))
    return app


# platforms with no screen for anybody to answer a dialog on (tests, benchmarks, CI)
UNANSWERED_PLATFORMS = ("offscreen", "minimal")


def open_with_dialogs(path_or_url: str | None) -> Database | None:
    """Open a database, telling the user what is wrong; a locked file can be retried. The
    terminal hears of it too (``winnow: ...`` on stderr, as the commands say it); with no
    screen to answer a dialog on (``QT_QPA_PLATFORM=offscreen``) only the terminal does, and
    None comes back at once: a modal dialog there waited for ever."""
    unanswered = QApplication.platformName() in UNANSWERED_PLATFORMS
    while True:
        try:
            return open_with_progress(path_or_url)
        except DatabaseLocked as exc:
            print(f"winnow: {exc}", file=sys.stderr)
            if unanswered:
                return None
            box = MessageBox(
                QMessageBox.Icon.Warning,
                "Database locked",
                str(exc),
                QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Cancel,
            )
            box.setTextFormat(Qt.TextFormat.PlainText)
            if box.exec() != QMessageBox.StandardButton.Retry:
                return None
        except DatabaseError as exc:
            print(f"winnow: {exc}", file=sys.stderr)
            if unanswered:
                return None
            box = MessageBox(QMessageBox.Icon.Critical, "Cannot open the database", str(exc))
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.exec()
            return None


def missing_display(
    environ: Mapping[str, str] | None = None, platform: str = sys.platform
) -> str | None:
    """One line on how to start the window when there is no screen to show it on, else None.

    On Linux without an X11 or Wayland session (and no Qt platform chosen with
    ``QT_QPA_PLATFORM``), Qt would abort (exit 134) with its raw plugin text."""
    env = os.environ if environ is None else environ
    if not platform.startswith("linux"):
        return None
    if any(env.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        return None
    return (
        "winnow: no display to open the window on; start it from a desktop session, "
        "or in a virtual one with: xvfb-run winnow (the commands work without one: winnow --help)"
    )


def qt_messages_to_log() -> None:
    """Qt's own remarks (a platform plugin's "This plugin does not support
    propagateSizeHints()", Wayland's notes) go to the log file, not the terminal; its critical
    and fatal messages to both."""
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.INFO,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }
    qt_log = logging.getLogger("qt")

    def handler(kind: QtMsgType, _context: object, message: str) -> None:
        qt_log.log(levels.get(kind, logging.INFO), "%s", message)

    qInstallMessageHandler(handler)


def run_gui(path_or_url: str | None = None, plain: PlainStart | None = None) -> int:
    """``winnow`` with no subcommand: open the window on the database.

    ``plain``: the file, found by :func:`db.plain_open.plain_start` to need nothing done (the
    caller asked before importing the database layer): the window is built from what it
    shows first read with the driver alone (``app.first_screen``), and the database is
    opened once the window is usable; whatever needs it before waits for it on the worker
    that runs it. Without: the database is opened first, as always."""
    problem = missing_display()
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    # the terminal hears of problems only; the log file keeps the rest (INFO and up)
    terminal = logging.StreamHandler()
    terminal.setLevel(logging.WARNING)
    terminal.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[terminal])
    # the log file's lines held until the window is usable, then written to it (an error's at
    # once): the rotating file's modules and the data folder's look-up come after usable
    log_file = hold_log_lines()
    qt_messages_to_log()
    app = make_app()
    # only here, not in make_app(): under pytest, pytest-qt's hook must keep catching errors
    errors = install_error_hooks(app, lambda: log_file.path)
    first = _plain_reads(plain) if plain is not None else None
    db = first_db(first) if first is not None else open_with_dialogs(path_or_url)
    if db is None:
        return 1
    from ui.main_window import MainWindow

    # what the imports made lives as long as the process: kept out of the collections' walks
    # (the full collection once the window is shown walked all of it, 0.1-0.3 s before the
    # window was usable); the young garbage collected first
    gc.collect(1)
    gc.freeze()
    windows: list[MainWindow] = []

    def show(database: Database, first: PlainReads | None = None) -> None:
        # no collections while the window is built and reads its first page and counts (each
        # walked the young objects the building makes, and a full one did before usable):
        # once it is usable, one full collection, what is alive frozen, the collector on again
        gc.disable()
        try:
            window = MainWindow(database, prebuild_views=True, first=first)
        except BaseException:
            gc.enable()
            raise
        if first is not None:  # the database opened once the window is usable
            # what the opening imports and builds (SQLAlchemy, the models and their mappers)
            # lives as long as the process, as start-up's did: frozen as it opens, or each
            # later full collection walks it again (65-75 ms at 100,000 contacts)
            first.opening.when_open(freeze_what_opening_built)
            window.after_usable(first.opening.start)

        def switch(path: str) -> None:
            new_db = open_with_dialogs(path)
            if new_db is None:
                return
            window.close()
            window.close_database()
            window.safety.database_closed()
            show(new_db)

        window.database_switch_requested.connect(switch)
        # the file started on a thread of its own, not the window's (its modules and the data
        # folder's look-up: ~7-10 ms of CPU, 25-50 ms of the window's time beside the opening)
        window.after_usable(lambda: _start_log_file(log_file))
        _bench_window_size(window)
        window.show()
        windows.append(window)
        settle = _once(leave_start_up_out_of_collections)
        window.after_usable(settle)
        QTimer.singleShot(COLLECTIONS_WAIT_MAX_MS, window, settle)  # the counts never came
        if os.environ.get("WINNOW_EXIT_WHEN_SHOWN"):  # used by benchmarks/bench_spine.py
            QTimer.singleShot(0, lambda: _report_shown(app, window))

    show(db, first)
    code = app.exec()
    errors.uninstall()
    for w in windows:
        w.close_database()
        w.safety.database_closed()
    return int(code)


def _start_log_file(log_file: HeldLines) -> None:
    """Start the log file (``HeldLines.start_file``) on a thread of its own."""
    import threading

    threading.Thread(target=log_file.start_file, name="winnow-log", daemon=True).start()


def _plain_reads(plain: PlainStart) -> PlainReads:
    """The window's first reads on a plain start, and its database's opening (not begun)."""
    from app.first_screen import PlainReads
    from ui.opening import opening_of

    return PlainReads(plain, opening_of(plain.url, beside_the_window=True))


def first_db(first: PlainReads) -> Database:
    """What the window holds as its database on a plain start: the database being opened,
    waited for by whatever asks for it (a worker; on the GUI thread it is logged)."""
    import threading
    from typing import cast

    from db.handle import DatabaseLater

    def on_wait(attribute: str) -> None:
        if threading.current_thread() is threading.main_thread():
            log.info("the GUI thread waits for the database (%s)", attribute)

    later = DatabaseLater(first.opening, first.start.url, str(first.start.path), on_wait)
    return cast("Database", later)


# the garbage collector, off while the window starts, is on again at the latest this long after
COLLECTIONS_WAIT_MAX_MS = 20_000


def _once(fn: Callable[[], None]) -> Callable[[], None]:
    done: list[bool] = []

    def call() -> None:
        if not done:
            done.append(True)
            fn()

    return call


def freeze_what_opening_built(_database: object) -> None:
    """Keep what a database opened after usable built out of the collections' walks."""
    gc.freeze()


def leave_start_up_out_of_collections() -> None:
    """Keep what the window built at start-up out of Python's garbage-collection walks.

    A window holds hundreds of thousands of long-lived objects (Qt wrappers, SQLAlchemy's
    compiled statements, modules); each time the oldest generation grows by a quarter Python
    walks all of them, holding every thread for 70-90 ms: the event loop's longest stall while
    an import ran. Collected once, then frozen (``gc.freeze``), those walks cover only what was
    made since. Garbage from before (an earlier window's cycles) is collected first, not frozen.
    The collector, off while the window started, is on again.
    """
    gc.collect()
    gc.freeze()
    gc.enable()


def _bench_window_size(window: MainWindow) -> None:
    """For benchmarks/bench_spine.py: ``WINNOW_BENCH_WINDOW=WxH`` opens the window at that
    size (the offscreen screen is 800x600: without it the window is as small as it can be)."""
    size = os.environ.get("WINNOW_BENCH_WINDOW")
    if os.environ.get("WINNOW_EXIT_WHEN_SHOWN") and size:
        width, height = (int(v) for v in size.lower().split("x"))
        window.resize(width, height)


# WINNOW_BENCH_CLICK=after-jobs: the board asked for once what waits for usable has run and
# the board's first cards are read ahead, as a user's click a moment later finds it (at most
# this long after usable: the board is built beforehand a second after it)
BENCH_LATE_CLICK_MAX_MS = 900
# WINNOW_BENCH_CLICK=while-opening: the board asked for this long after usable, while the
# database opens beside the window (a plain start's opening begins at usable)
BENCH_OPENING_CLICK_MS = 150


def _report_shown(app: QApplication, window: MainWindow) -> None:
    """For benchmarks/bench_spine.py: when the window was shown, then when it was usable (the
    list's first page and the sidebar's counts in and painted), then when the board asked for
    after that was shown with its cards; each with the peak memory and the process's CPU time
    (all its threads) so far; then quit.

    The board is asked for at once (the click posted before what waits for usable), or with
    ``WINNOW_BENCH_CLICK=after-jobs`` once that has run and the board's first cards were read
    ahead (at most :data:`BENCH_LATE_CLICK_MAX_MS` after usable), or with
    ``WINNOW_BENCH_CLICK=while-opening`` :data:`BENCH_OPENING_CLICK_MS` after usable, as the
    database opens beside the window; marked ``click`` then. A plain start's database marks
    ``opened`` as it is open.

    Usable is marked as the window becomes usable (``MainWindow.became_usable``), with the
    sidebar and the status line painted there and then — not at the next look after other
    events: what waits for usable (the day's backup, the scores' check, reminders) is posted
    right after, and a look after it had run counted it in some starts (0.4 s of CPU at a
    million contacts)."""
    import time

    def report(what: str) -> None:
        print(
            f"winnow-{what} {time.time():.4f} {_peak_rss_kb()} {time.process_time():.4f}",
            flush=True,
        )

    reported: list[str] = []

    def shown() -> None:
        if "shown" not in reported:
            reported.append("shown")
            report("shown")

    def usable() -> None:
        if "usable" in reported:
            return
        shown()  # became usable as it was first shown
        reported.append("usable")
        window.sidebar.viewport().repaint()  # the counts, painted now
        window.statusBar().repaint()
        report("usable")
        usable_at.append(time.monotonic())
        if os.environ.get("WINNOW_BENCH_CLICK") == "after-jobs":
            # posted after the jobs that wait for usable (posted as this returns): runs after
            QTimer.singleShot(0, lambda: QTimer.singleShot(0, late_click))
        elif os.environ.get("WINNOW_BENCH_CLICK") == "while-opening":
            QTimer.singleShot(BENCH_OPENING_CLICK_MS, click_now)
        else:
            QTimer.singleShot(0, board)

    usable_at: list[float] = []

    def late_click() -> None:
        read = window.kanban.first_cards is not None
        if not read and time.monotonic() - usable_at[0] < BENCH_LATE_CLICK_MAX_MS / 1000:
            QTimer.singleShot(10, late_click)
            return
        click_now()

    def click_now() -> None:
        report("click")
        board()

    def board() -> None:
        # shown: its tab painted with the board (the window paints a view it switches to at
        # once, before what was posted before the click); the events posted before the click
        # (what waits for usable) are let run only if the paint has not come by then
        tab = window._views["kanban"]
        painted = _PaintSeen(tab)
        window.show_view("kanban")  # built and loaded on the GUI thread as it is shown
        deadline = time.monotonic() + 10
        while not painted.seen and time.monotonic() < deadline:
            app.processEvents()
        report("board")
        app.quit()

    if window.first is not None:
        window.first.opening.when_open(lambda _database: report("opened"))
    window.became_usable.connect(lambda: usable() if window.counts_shown() else None)
    if window.is_usable() and window.counts_shown():  # usable before this look: marked now
        usable()
        return
    app.processEvents()
    shown()
    QTimer.singleShot(120_000, usable)  # the counts never came: marked at the deadline


class _PaintSeen(QObject):
    """Whether ``widget`` has been painted since this was made (benchmarks)."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.seen = False
        widget.installEventFilter(self)

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.seen = True
        return False


def _peak_rss_kb() -> int:
    """VmHWM: this process's peak resident memory (ru_maxrss would include the parent's
    peak, since Linux keeps it across fork and exec)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def data_dir_hint() -> Path:
    from db.engine import default_db_path

    return default_db_path().parent

"""Errors the user sees (after qutebrowser's misc/crashsignal.py and Anki's aqt/errors.py).

``install_error_hooks()`` — called once when the window starts, never under the tests' own
hooks — replaces ``sys.excepthook`` (an exception escaping a slot, a signal handler or a timer
callback lands there) and ``threading.excepthook`` (a worker thread nobody handled). Each error is
logged with its traceback (``app.logfile`` writes the log file), then shown on the GUI thread by a
queued signal: a dialog says what failed, where the log is, and offers Copy details. While it is
open, further errors are only logged and counted into it. The window keeps running.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import PySide6
import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot, qVersion
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.errors import WinnowError
from app.offline import is_connection_error
from db.errors import DatabaseError
from ui.line_breaks import WrappedLabel

log = logging.getLogger(__name__)

# errors that carry a message for the user: shown as they are, not as "unexpected"
EXPECTED_ERRORS: tuple[type[BaseException], ...] = (WinnowError, DatabaseError)
MAX_MESSAGE = 300


@dataclass(frozen=True)
class ErrorReport:
    """One error, formatted where it happened (no live traceback crosses threads)."""

    summary: str  # one sentence: what failed
    details: str  # the traceback, for the log and Copy details
    expected: bool


def describe_error(
    exc_type: type[BaseException],
    exc: BaseException | None,
    tb: TracebackType | None,
    thread_name: str | None = None,
) -> ErrorReport:
    details = "".join(traceback.format_exception(exc_type, exc, tb))
    if thread_name and thread_name != "MainThread":
        details = f"In thread {thread_name!r}:\n{details}"
    if exc is not None and isinstance(exc, EXPECTED_ERRORS):  # written for the user: all of it
        return ErrorReport(str(exc).strip() or exc_type.__name__, details, expected=True)
    message = _first_line(str(exc) if exc is not None else "")
    what = f"{exc_type.__name__}: {message}" if message else exc_type.__name__
    where = _where(tb)
    if thread_name and thread_name != "MainThread":
        where = f"a background task (thread {thread_name!r}{', ' + where if where else ''})"
    place = f" in {where}" if where else ""
    return ErrorReport(f"An unexpected error occurred{place}: {what}", details, expected=False)


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= MAX_MESSAGE else line[: MAX_MESSAGE - 1] + "…"


# frames that only carry work to where it runs: the failure is named after what they called
_PLUMBING = ("/threading.py", "/concurrent/futures/thread.py", "/ui/tasks.py")


def _where(tb: TracebackType | None) -> str:
    """The function Qt, a thread or a task called: its outermost frame that is not plumbing."""
    frames = [
        f
        for f in traceback.extract_tb(tb)
        if not f.filename.replace(os.sep, "/").endswith(_PLUMBING)
    ]
    if not frames:
        return ""
    frame = frames[0]
    return f"{frame.name} ({Path(frame.filename).name}, line {frame.lineno})"


def version_info() -> str:
    import platform  # not with the module: ~3 ms of the window's start, read on an error only

    return (
        f"Winnow {__version__}, Python {platform.python_version()}, "
        f"PySide6 {PySide6.__version__}, Qt {qVersion()}, {platform.platform()}"
    )


class ErrorDialog(QDialog):
    """What failed, where the log is, Copy details, Close. Counts later errors while open."""

    def __init__(
        self, report: ErrorReport, log_path: Path | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("errorDialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("Winnow — error" if report.expected else "Winnow — unexpected error")
        self.reports = [report]
        self.more_count = 0

        icon = QLabel(self)
        kind = (
            QStyle.StandardPixmap.SP_MessageBoxWarning
            if report.expected
            else QStyle.StandardPixmap.SP_MessageBoxCritical
        )
        icon.setPixmap(self.style().standardIcon(kind).pixmap(32, 32))
        self.summary = self._label(report.summary)
        if report.expected:
            self.consequence = self._label("Winnow is still running; you can try again.")
        else:
            self.consequence = self._label(
                "Winnow is still running, but what you were doing may not have finished."
            )
        self.log_label = self._label(
            f"The details are in the log file {log_path}."
            if log_path is not None
            else "The details could not be written to a log file."
        )
        self.more = self._label("")
        self.more.hide()

        buttons = QDialogButtonBox(self)
        self.copy_button = QPushButton("Copy details", self)
        self.copy_button.setToolTip("Copy the error, its traceback and version details")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setDefault(True)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(icon)
        for label in (self.summary, self.consequence, self.log_label, self.more):
            layout.addWidget(label)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def _label(self, text: str) -> QLabel:
        label = WrappedLabel(text, self)  # plain text: messages may contain user text
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def add(self, report: ErrorReport) -> None:
        """Another error while this dialog is open: count it, keep its details."""
        self.reports.append(report)
        self.more_count += 1
        noun = "error" if self.more_count == 1 else "errors"
        self.more.setText(f"And {self.more_count} more {noun} since (also in the log).")
        self.more.show()

    def details(self) -> str:
        parts = [version_info()]
        for report in self.reports:
            parts += [report.summary, report.details.rstrip()]
        return "\n\n".join(parts) + "\n"

    def copy_details(self) -> None:
        QApplication.clipboard().setText(self.details())
        self.copy_button.setText("Copied")


class ErrorReporter(QObject):
    """Owns the hooks and the one error dialog; lives on the GUI thread."""

    _reported = Signal(object)  # ErrorReport, from any thread
    # a read failed because the database server cannot be reached (why): no dialog — the
    # window says it is offline (ui.live) and reads again when the server is back
    connection_failed = Signal(str)

    def __init__(
        self, log_path: Path | Callable[[], Path | None] | None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        # or how to find it when a dialog says where it is (the window's start holds its log
        # lines until usable, the file's path looked up then: app.logfile.HeldLines)
        self._log_path = log_path
        self.dialog: ErrorDialog | None = None
        self._previous_excepthook: Any = None
        self._previous_thread_hook: Any = None
        # always queued: the dialog is built on the GUI thread, after the failing slot unwound
        self._reported.connect(self._show, Qt.ConnectionType.QueuedConnection)

    @property
    def log_path(self) -> Path | None:
        return self._log_path() if callable(self._log_path) else self._log_path

    def install(self) -> None:
        if self._previous_excepthook is not None:
            return
        self._previous_excepthook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook

    def uninstall(self) -> None:
        if self._previous_excepthook is None:
            return
        if sys.excepthook == self.excepthook:
            sys.excepthook = self._previous_excepthook
        if threading.excepthook == self.thread_excepthook:
            threading.excepthook = self._previous_thread_hook
        self._previous_excepthook = self._previous_thread_hook = None

    def excepthook(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if not issubclass(exc_type, Exception):  # KeyboardInterrupt, SystemExit: not a bug
            (self._previous_excepthook or sys.__excepthook__)(exc_type, exc, tb)
            return
        self.report(exc_type, exc, tb, threading.current_thread().name)

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if not issubclass(args.exc_type, Exception):
            (self._previous_thread_hook or threading.__excepthook__)(args)
            return
        name = args.thread.name if args.thread is not None else "unknown"
        self.report(args.exc_type, args.exc_value, args.exc_traceback, name)

    def report(
        self,
        exc_type: type[BaseException],
        exc: BaseException | None,
        tb: TracebackType | None,
        thread_name: str | None = None,
    ) -> None:
        """Log the error and show it (safe to call from any thread). A lost connection to the
        database server is not shown: ``connection_failed`` tells the window, which goes
        offline (read only, retrying) with what is on screen kept."""
        if exc is not None and is_connection_error(exc):
            log.warning("the database server cannot be reached: %s", _first_line(str(exc)))
            if shiboken6.isValid(self):
                self.connection_failed.emit(str(exc))
            return
        try:
            report = describe_error(exc_type, exc, tb, thread_name)
            level = logging.WARNING if report.expected else logging.ERROR
            log.log(level, "%s", report.summary, exc_info=(exc_type, exc, tb))  # type: ignore[arg-type]
        except Exception:  # the hook itself must not fail; fall back to stderr
            traceback.print_exception(exc_type, exc, tb)
            return
        if shiboken6.isValid(self):
            self._reported.emit(report)

    @Slot(object)
    def _show(self, report: ErrorReport) -> None:
        try:
            if self.dialog is not None and shiboken6.isValid(self.dialog):
                self.dialog.add(report)
                return
            # a child of the modal dialog or window in front, so it is usable and on top
            parent = QApplication.activeModalWidget() or QApplication.activeWindow()
            self.dialog = ErrorDialog(report, self.log_path, parent)
            self.dialog.finished.connect(self._forget_dialog)
            self.dialog.show()
            self.dialog.raise_()
            self.dialog.activateWindow()
        except Exception:  # never loop: an error showing an error is only logged
            log.exception("could not show the error dialog")

    @Slot()
    def _forget_dialog(self) -> None:
        self.dialog = None


def install_error_hooks(
    app: QApplication, log_path: Path | Callable[[], Path | None] | None
) -> ErrorReporter:
    """Show unexpected errors to the user from now on (the window's start-up path only)."""
    reporter = ErrorReporter(log_path, app)
    reporter.install()
    return reporter

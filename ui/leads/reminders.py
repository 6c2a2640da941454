"""Reminders while Winnow runs: a task whose due time passes raises a desktop notification (the
system tray's balloon) that opens the contact when clicked.

Where the platform has no system tray (an offscreen test, some minimal desktops), the
notification goes to any other :class:`Notifier` — the status bar, or a test's stub."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle, QSystemTrayIcon

from app.offline import is_connection_error
from app.timeutil import utcnow
from ui.tasks import TaskRunner

if TYPE_CHECKING:  # the tasks (SQLAlchemy) are imported at the first check, not with the window
    from app import todo
    from db.engine import Database

log = logging.getLogger(__name__)


class Notifier(Protocol):
    def notify(self, title: str, text: str, contact_id: int) -> None: ...


class TrayNotifier(QObject):
    """The system tray icon's message; a click on it emits ``clicked(contact_id)``
    (:data:`ALL_DUE` for a message naming several tasks)."""

    clicked = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        icon = QApplication.windowIcon()
        if icon.isNull():
            style = QApplication.style()
            icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)
        self.tray = QSystemTrayIcon(QIcon(icon), self)
        self.tray.setToolTip("Winnow")
        self.tray.messageClicked.connect(self._clicked)
        self._last = ALL_DUE

    @staticmethod
    def available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages()

    def notify(self, title: str, text: str, contact_id: int) -> None:
        self._last = contact_id
        if not self.tray.isVisible():
            self.tray.show()
        self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 15000)

    def _clicked(self) -> None:
        self.clicked.emit(self._last)


def _due_between(db: Database, since: datetime, until: datetime) -> list[todo.TaskInfo]:
    """The tasks falling due in (since, until], read on the task runner's worker."""
    from app import todo

    return todo.due_between(db, since, until)


class TaskReminders(QObject):
    """Checks every ``interval_ms`` for tasks that fell due since the last check and notifies
    each once. At start it looks back ``look_back`` (a task due while Winnow was closed is
    named once, not every one since the beginning of time)."""

    def __init__(
        self,
        db: Database,
        notifier: Notifier,
        *,
        interval_ms: int = 30_000,
        look_back: timedelta = timedelta(hours=12),
        clock: Callable[[], datetime] = utcnow,
        runner: TaskRunner | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.notifier = notifier
        self.clock = clock
        self.runner = runner  # the timer's checks read on its worker (see check_later)
        self._reading = False
        self.checked_until = clock() - look_back
        self.notified: set[int] = set()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check_later)

    def start(self) -> None:
        self.check_later()
        self.timer.start()

    def check(self) -> int:
        """Notify the tasks that fell due since the last check; returns how many (read here,
        on the calling thread)."""
        from app import todo

        now = self.clock()
        try:
            falling_due = todo.due_between(self.db, self.checked_until, now)
        except Exception as exc:
            return self._not_read(exc)
        return self._notify(falling_due, now)

    def check_later(self) -> None:
        """:meth:`check` with the read on the runner's worker (a morning after a trade show
        can bring hundreds of due tasks: 17–27 ms for 773 at 100,000 contacts, kept off the
        window's thread); without a runner it reads here. A check still reading is not
        started twice.

        The tasks' module (SQLAlchemy's side) is imported on the worker, not here: the first
        check runs once the window is usable, while its database is being opened on a thread
        of its own (importing SQLAlchemy there), and an import of it here waited for that
        import's module locks, holding the window (a board clicked at usable: ~0.3 s). The
        database is given to the task, which begins once it is open (``ui.tasks``)."""
        if self.runner is None:
            self.check()
            return
        if self._reading:
            return
        now, since = self.clock(), self.checked_until
        self._reading = True

        def done(falling_due: list[todo.TaskInfo]) -> None:
            self._reading = False
            self._notify(falling_due, now)

        def failed(exc: BaseException) -> None:
            self._reading = False
            if not isinstance(exc, Exception):
                raise exc
            self._not_read(exc)

        self.runner.run(_due_between, self.db, since, now, on_done=done, on_error=failed)

    def _not_read(self, exc: Exception) -> int:
        if not is_connection_error(exc):
            raise exc
        # team mode with the server out of reach (the window says so): the tasks that fall
        # due meanwhile are named at the first check after it is back
        log.info("due tasks not checked: %s", exc)
        return 0

    def _notify(self, falling_due: list[todo.TaskInfo], now: datetime) -> int:
        due = [t for t in falling_due if t.id not in self.notified]
        self.checked_until = max(self.checked_until, now)
        self.notified.update(t.id for t in due)
        if len(due) == 1:
            task = due[0]
            self.notifier.notify(
                f"{task.kind_label} due: {task.title}", _who(task), task.contact_id
            )
        elif due:
            # one message for them all: a tray shows one balloon at a time (each would replace
            # the one before) and a morning after a trade show can bring hundreds; a click
            # opens the Today queue, which lists every contact with a task due
            named = "; ".join(f"{t.title} ({_who(t)})" for t in due[:SHOWN_IN_GROUP])
            more = len(due) - SHOWN_IN_GROUP
            text = named + (f"; and {more:,} more" if more > 0 else "")
            self.notifier.notify(f"{len(due):,} tasks due", text, ALL_DUE)
        return len(due)


SHOWN_IN_GROUP = 3
ALL_DUE = 0
"""The contact id a grouped reminder carries: its click opens the Today queue."""


def _who(task: todo.TaskInfo) -> str:
    return task.contact_name or f"contact {task.contact_id}"

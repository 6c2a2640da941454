"""Reminders while Winnow runs: a task whose due time passes raises a desktop notification (the
system tray's balloon) that opens the contact when clicked.

Where the platform has no system tray (an offscreen test, some minimal desktops), the
notification goes to any other :class:`Notifier` — the status bar, or a test's stub."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle, QSystemTrayIcon

from app import todo
from app.live import is_connection_error
from app.timeutil import utcnow
from db.engine import Database

log = logging.getLogger(__name__)


class Notifier(Protocol):
    def notify(self, title: str, text: str, contact_id: int) -> None: ...


class TrayNotifier(QObject):
    """The system tray icon's message; a click on it emits ``clicked(contact_id)``."""

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
        self._last = 0

    @staticmethod
    def available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages()

    def notify(self, title: str, text: str, contact_id: int) -> None:
        self._last = contact_id
        if not self.tray.isVisible():
            self.tray.show()
        self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 15000)

    def _clicked(self) -> None:
        if self._last:
            self.clicked.emit(self._last)


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
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.notifier = notifier
        self.clock = clock
        self.checked_until = clock() - look_back
        self.notified: set[int] = set()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        self.check()
        self.timer.start()

    def check(self) -> int:
        """Notify the tasks that fell due since the last check; returns how many."""
        now = self.clock()
        try:
            falling_due = todo.due_between(self.db, self.checked_until, now)
        except Exception as exc:
            if not is_connection_error(exc):
                raise
            # team mode with the server out of reach (the window says so): the tasks that fall
            # due meanwhile are named at the first check after it is back
            log.info("due tasks not checked: %s", exc)
            return 0
        due = [t for t in falling_due if t.id not in self.notified]
        self.checked_until = now
        for task in due:
            self.notified.add(task.id)
            who = task.contact_name or f"contact {task.contact_id}"
            self.notifier.notify(f"{task.kind_label} due: {task.title}", who, task.contact_id)
        return len(due)

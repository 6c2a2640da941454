"""The window's safety net: the integrity check and daily backup after opening a database,
and File ▸ Backups… (list, back up now, restore).

``DatabaseSafety`` is the controller: it runs ``app.backups`` and ``app.integrity`` on the
window's task runner (never on the GUI thread) and reports by signals. ``BackupsDialog`` only
lays out and asks it. A database whose check fails is read from but never written to again
(``Database.refuse_writes``); the window says so and offers the newest backup.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QApplication,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import backups, integrity
from app.backups import BackupInfo
from app.timeutil import local_text
from db.errors import DatabaseError
from db.plain_open import plain_sqlite_path
from ui.header_align import align_headers_with_cells
from ui.line_breaks import KeepHyphensDelegate, WrappedLabel
from ui.message_box import MessageBox
from ui.table_model import HeaderedTableModel, Index
from ui.tasks import Task

if TYPE_CHECKING:
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)

# the integrity check waits for the window's start to read the sidebar's counts, this long at
# most (seconds)
START_WAIT_S = 30.0
# the day's backup waits for a database being opened, looking this often (ms)
OPEN_POLL_MS = 200


def _sqlite_path(url: str) -> Path | None:
    """The database's file (None: not SQLite); a plain ``sqlite:///`` address read without
    SQLAlchemy, any other with its parser (``db.engine.sqlite_path``)."""
    path = plain_sqlite_path(url)
    if path is not None:
        return path
    from db.engine import sqlite_path

    return sqlite_path(url)


class DatabaseSafety(QObject):
    """Checks the open database in the background, backs it up once a day, restores backups."""

    check_finished = Signal(object)  # None when whole, else the message shown
    backup_finished = Signal(object)  # BackupInfo, None (none due) or the exception
    backup_progress = Signal(int, int, str)  # done, total (0: no measure), what
    restore_finished = Signal(object)  # the copy of the replaced file (BackupInfo | None) or exc

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.path: Path | None = _sqlite_path(window.db.url)
        self.damaged: str | None = None
        self.checked_good = False  # the file passed its check this session
        self.busy = False
        self.backup_task: Task | None = None  # the backup under way (Cancel sets its flag)
        # the window was closed: a check that ends after that starts no daily backup (it
        # would run beside the next window's on the same file)
        self.closed = False
        # (message, newest backup) -> whether to restore it; replaceable in tests
        self.ask_restore: Callable[[str, BackupInfo | None], bool] = self._ask_restore
        window.add_status_extension(lambda: "Damaged file: read only" if self.damaged else "")
        if self.path is not None:
            # reads go on (the list's first page was loaded before the check starts); writes
            # wait for its verdict, so a damaged file is not written to even by the first one.
            # Started at once, on a worker: a write waiting on the GUI thread cannot hold it up.
            window.db.hold_writes()
            self.check()

    # --- on open -------------------------------------------------------------------------
    def check(self) -> None:
        """``PRAGMA quick_check`` in the background; then the daily backup if it passed."""
        if self.path is None:
            return
        db, path = self.window.db, self.path
        if integrity.checked_already(path):
            # as Winnow left it after a check (or a clean close after one): nothing to re-read
            db.writes_checked(None)
            self.checked_good = True
            # then the day's backup, once the window is usable (not beside its start)
            self.window.after_usable(lambda: self._checked(None))
            return
        counted = self.window.first_counts_read

        def check_and_release(cancel: object = None) -> str | None:
            # once the window's start has read the sidebar's counts, not beside it (reading the
            # whole file took 2.7-3.4 s of CPU at a million contacts); waited for here, on the
            # worker, not on the GUI thread, whose own write may be waiting for the verdict
            counted.wait(START_WAIT_S)
            try:
                message = integrity.check_file(path, cancel)
            except BaseException:
                db.writes_checked(None)  # could not check: do not hold writes forever
                raise
            # the verdict goes to the held writes from here, not from the GUI thread: a write
            # waiting on the GUI thread would otherwise wait for itself
            db.writes_checked(message)
            return message

        self.window.tasks.run(
            check_and_release,
            on_done=self._checked,
            on_error=self._check_failed,
            label="Checking the database",
            background=True,
        )

    def _checked(self, message: str | None) -> None:
        if message is None:
            self.checked_good = True
            self.check_finished.emit(None)
            self.daily_backup()
            return
        self.damaged = message
        self.window.update_status()
        self.check_finished.emit(message)
        newest = backups.newest_backup(self.path) if self.path else None
        if self.ask_restore(message, newest) and newest is not None:
            self.restore(newest.path)

    def _check_failed(self, exc: BaseException) -> None:
        # the file could not be read to the end (locked for long, vanished): say so, no more
        log.warning("integrity check of %s did not run: %s", self.path, exc)
        self.window.show_status(f"The database could not be checked: {exc}", 10000)
        self.check_finished.emit(str(exc))

    def daily_backup(self) -> None:
        if self.path is None or self.damaged or self.closed:
            return
        if not getattr(self.window.db, "ready", True):
            # a plain start's database, still being opened: the backup's check of the copy
            # names the models' tables (``db.models``, SQLAlchemy), which imported beside the
            # opening's own import of SQLAlchemy could each be handed the other's half-made
            # modules; looked at again shortly (asking for the database would begin its
            # opening: that is the window's to begin once usable)
            QTimer.singleShot(OPEN_POLL_MS, self.window, self.daily_backup)
            return
        self.window.tasks.run(
            backups.daily_backup,
            self.path,
            on_done=self._daily_backed_up,
            on_error=self._backup_failed,
            label="Backing up",
            background=True,
        )

    def database_closed(self) -> None:
        """After the window's database was closed: a file that passed its check and was then
        changed only by this Winnow is remembered as good, so the next start need not read it
        all again (the command line already trusts a checked file until it changes)."""
        if self.path is not None and self.checked_good and not self.damaged:
            integrity.remember_good(self.path)

    # --- on request ----------------------------------------------------------------------
    def back_up_now(self) -> None:
        if self.path is None:
            return
        self.busy = True
        self.backup_task = self.window.tasks.run(
            backups.make_backup,
            self.path,
            on_done=self._backed_up,
            on_error=self._backup_failed,
            on_progress=self.backup_progress.emit,
            label="Backing up",
        )

    def cancel_backup(self) -> None:
        """Stop the backup under way (between steps of the copy, or during its check)."""
        if self.backup_task is not None:
            self.backup_task.cancel.set()

    def _daily_backed_up(self, info: BackupInfo | None) -> None:
        """The automatic backup on open says so only when the status bar is free: it never
        replaces what the user's own action just reported ("Moved 1 to Inquiry")."""
        self._backed_up(info, announce=not self.window.statusBar().currentMessage())

    def _backed_up(self, info: BackupInfo | None, announce: bool = True) -> None:
        self.busy = False
        self.backup_task = None
        if info is not None and announce:
            self.window.show_status(f"Backed up to {info.path.name}", 4000)
        self.backup_finished.emit(info)

    def _backup_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.backup_task = None
        if not isinstance(exc, DatabaseError):
            raise exc  # a bug: the window's error hook shows and logs it
        self.window.show_status(f"No backup was made: {exc}", 15000)
        self.backup_finished.emit(exc)

    def restore(self, backup: Path) -> None:
        """Close the window's connections, restore in the background, then reopen the file
        (``database_switch_requested``: the application opens it anew, upgrading if the
        backup is from an older Winnow)."""
        if self.path is None:
            return
        if self.window.ops.busy:  # let what the user did commit first, then restore
            self.window.ops.busy_changed.connect(self._restore_when_idle(backup))
            return
        self.busy = True
        self.window.db.close()
        self.window.tasks.run(
            backups.restore_backup,
            self.path,
            backup,
            on_done=self._restored,
            on_error=self._restore_failed,
            label="Restoring",
        )

    def _restore_when_idle(self, backup: Path) -> Callable[[bool], None]:
        def go(busy: bool) -> None:
            if not busy:
                self.window.ops.busy_changed.disconnect(go)
                self.restore(backup)

        return go

    def _restored(self, saved: BackupInfo | None) -> None:
        self.busy = False
        self.restore_finished.emit(saved)
        assert self.path is not None
        self.window.database_switch_requested.emit(str(self.path))

    def _restore_failed(self, exc: BaseException) -> None:
        self.busy = False
        if not isinstance(exc, DatabaseError):
            raise exc
        self.restore_finished.emit(exc)

    # --- File ▸ Backups… -----------------------------------------------------------------
    def show_dialog(self) -> BackupsDialog:
        dialog = BackupsDialog(self, self.window.dialog_parent())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _ask_restore(self, message: str, newest: BackupInfo | None) -> bool:
        box = MessageBox(parent=self.window.dialog_parent())
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("The database is damaged")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(message)
        if newest is None:
            box.exec()
            return False
        box.setInformativeText(
            f"Restore the newest backup, made {local_text(newest.created_at)} with "
            f"{newest.contacts or 0:,} contacts? The damaged file is kept beside the backups."
        )
        restore = box.addButton("Restore backup", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return box.clickedButton() is restore


class BackupTableModel(HeaderedTableModel):
    """The backups, newest first: when, how big, how many contacts."""

    HEADERS = ("Made", "Size", "Contacts")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.backups: list[BackupInfo] = []
        self.made: list[str] = []

    def set_backups(self, found: list[BackupInfo]) -> None:
        self.beginResetModel()
        self.backups = list(reversed(found))
        # to the second, and numbered when two were made within one second (oldest first)
        self.made = []
        seen: dict[str, int] = {}
        for b in found:
            text = local_text(b.created_at, with_seconds=True)
            seen[text] = seen.get(text, 0) + 1
            self.made.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
        self.made.reverse()
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.backups)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.backups):
            return None
        b = self.backups[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return self.made[index.row()]
            if col == 1:
                return backups.size_text(b.size)
            return f"{b.contacts:,}" if b.contacts is not None else "unreadable"
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(b.path)
        if role == Qt.ItemDataRole.TextAlignmentRole and col > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class BackupsDialog(QDialog):
    """File ▸ Backups…: the list, Back up now, Restore… (with a confirmation)."""

    def __init__(self, safety: DatabaseSafety, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backupsDialog")
        self.setWindowTitle("Backups")
        self.resize(620, 420)
        self.safety = safety
        # (title, text) -> bool; replaceable in tests
        self.confirm: Callable[[str, str], bool] = self._ask

        folder = backups.backup_folder(safety.path) if safety.path else None
        intro = WrappedLabel(
            "Winnow backs up this database once a day and before every upgrade, keeping 7 daily "
            f"and 4 weekly copies, in:\n{folder}"
            if folder
            else "Backups are for database files; this database is on a server."
        )
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        self.model = BackupTableModel(self)
        self.table = QTableView()
        align_headers_with_cells(self.table)  # "Size" over the sizes
        self.table.setItemDelegate(KeepHyphensDelegate(self.table))  # wrapped: "E-mail" whole
        self.table.setObjectName("backupTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # as tall as its rows: the dialog follows the list (see _fit_height), no empty table
        self.table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.status = WrappedLabel()
        self.status.setObjectName("backupStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        # a backup under way: how far, and Cancel (the window's own progress is behind this
        # dialog, which is modal)
        self.progress = QProgressBar()
        self.progress.setObjectName("backupProgress")
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel backup")
        self.cancel_button.setObjectName("cancelBackup")
        self.cancel_button.clicked.connect(self.cancel_backup)
        self.cancel_button.hide()
        self.back_up_button = QPushButton("Back up now")
        self.back_up_button.clicked.connect(self.back_up_now)
        self.restore_button = QPushButton("Restore…")
        self.restore_button.clicked.connect(self.restore_selected)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_up_button)
        buttons.addWidget(self.restore_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addLayout(buttons)
        safety.backup_finished.connect(self._backup_finished)
        safety.backup_progress.connect(self._backup_progress)
        safety.restore_finished.connect(self._restore_finished)
        self._update_buttons()
        self.refresh()

    def refresh(self) -> None:
        """Read the list in the background (each backup's contacts are counted)."""
        if self.safety.path is None:
            return
        self.safety.window.tasks.run(
            backups.list_backups,
            self.safety.path,
            on_done=self._listed,
            on_error=lambda exc: self.status.setText(f"Cannot list the backups: {exc}"),
        )

    def _listed(self, found: list[BackupInfo]) -> None:
        self.model.set_backups(found)
        if not found:
            self.status.setText("No backups yet.")
        self._update_buttons()
        self._fit_height()

    def _fit_height(self) -> None:
        """As tall as the list of backups (one a line), up to most of the window it opens
        over; more copies scroll. (A fixed 420 px left one backup over an empty table.)"""
        for _ in range(3):  # the table's new size hint reaches the dialog's layout now
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        table = self.table
        parent = self.parentWidget()
        room = parent.window().height() if parent is not None else 800
        wanted = self.height() - table.height() + table.sizeHint().height()
        height = max(self.minimumSizeHint().height(), min(wanted, int(room * 0.9)))
        if height != self.height():
            self.resize(self.width(), height)

    def selected(self) -> BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.backups[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        idle = not self.safety.busy and self.safety.path is not None
        self.back_up_button.setEnabled(idle and not self.safety.damaged)
        self.restore_button.setEnabled(idle and self.selected() is not None)

    def back_up_now(self) -> None:
        self.status.setText("Backing up…")
        self.safety.back_up_now()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self._update_buttons()

    def cancel_backup(self) -> None:
        self.safety.cancel_backup()
        self.cancel_button.setEnabled(False)
        self.status.setText("Cancelling the backup…")

    def _backup_progress(self, done: int, total: int, text: str) -> None:
        if not self.cancel_button.isEnabled():
            return  # cancelling: the last steps do not say otherwise
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.status.setText(f"Backing up… {text}" if total else "Checking the backup…")

    def _backup_finished(self, result: object) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        if isinstance(result, BaseException):
            self.status.setText(f"No backup was made: {result}")
        elif isinstance(result, BackupInfo):
            self.status.setText(f"Backed up to {result.path}")
        self._update_buttons()
        self.refresh()

    def restore_selected(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        contacts = f"{chosen.contacts:,} contacts" if chosen.contacts is not None else "it"
        if not self.confirm(
            "Restore backup",
            f"Replace the database with the backup made {local_text(chosen.created_at)} "
            f"({contacts})?\n\nEverything changed since then is replaced. The database as "
            "it is now is backed up first, so this can be undone by restoring that copy.",
        ):
            return
        self.status.setText("Restoring…")
        self.safety.restore(chosen.path)
        self._update_buttons()

    def _restore_finished(self, result: object) -> None:
        if isinstance(result, BaseException):
            self.status.setText(f"Nothing was restored: {result}")
            self._update_buttons()
            return
        self.accept()  # the window reopens the restored file

    def _ask(self, title: str, text: str) -> bool:
        box = MessageBox(
            QMessageBox.Icon.Question,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box.exec() == QMessageBox.StandardButton.Yes

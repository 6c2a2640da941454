"""Lead work in the window (issue 12): Tools ▸ Settings, Tools ▸ Find duplicates and the merge,
tasks (Add task… on the list's menu) with reminders in the system tray. Built by
:func:`install`; every change runs as an operation on the window's writer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QDateTime, QObject, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QMenu,
    QWidget,
)

from app import operations, todo
from app.timeutil import to_utc_naive
from ui.api import WindowApi
from ui.leads.merge_dialog import DuplicatesDialog, MergeDialog
from ui.leads.reminders import TaskReminders, TrayNotifier
from ui.leads.settings_dialog import SettingsDialog


class TaskDialog(QDialog):
    """A new task: title, kind, due date and time (local)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add task")
        self.title = QLineEdit()
        self.title.setPlaceholderText("e.g. Call about the quote")
        self.kind = QComboBox()
        for key, label in todo.TASK_KINDS.items():
            self.kind.addItem(label, key)
        self.due = QDateTimeEdit(QDateTime.currentDateTime().addDays(1))
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd HH:mm")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setEnabled(False)
        self.title.textChanged.connect(lambda t: self.ok.setEnabled(bool(t.strip())))
        form = QFormLayout(self)
        form.addRow("Task", self.title)
        form.addRow("Kind", self.kind)
        form.addRow("Due", self.due)
        form.addRow(buttons)

    def values(self) -> tuple[str, str, datetime]:
        local = self.due.dateTime().toPython()
        assert isinstance(local, datetime)
        return self.title.text().strip(), str(self.kind.currentData()), to_utc_naive(local)


class _StatusNotifier:
    """Where there is no system tray: the status bar says it."""

    def __init__(self, api: WindowApi) -> None:
        self.api = api

    def notify(self, title: str, text: str, contact_id: int) -> None:
        self.api.show_status(f"{title} — {text}", 15000)


@dataclass
class LeadsFeature:
    api: WindowApi
    reminders: TaskReminders
    notifier: object
    owner: QObject

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.api, self.api.dialog_parent())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def find_duplicates(self) -> DuplicatesDialog:
        dialog = DuplicatesDialog(self.api, self.api.dialog_parent())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        dialog.refresh()
        return dialog

    def add_task(self, contact_id: int) -> None:
        dialog = TaskDialog(self.api.dialog_parent())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        title, kind, due = dialog.values()
        db = self.api.db
        self.api.ops.run(
            lambda: operations.add_task(db, contact_id, title, due, kind=kind),
            failure_title="Could not add the task",
        )

    def merge(self, ids: list[int]) -> None:
        dialog = MergeDialog(self.api, ids, self.api.dialog_parent())
        if dialog.exec() == QDialog.DialogCode.Accepted:
            dialog.run()

    def extend_menu(self, menu: QMenu, ids: list[int]) -> None:
        if len(ids) == 1:
            menu.addAction("Add task…", lambda: self.add_task(ids[0]))
        if 2 <= len(ids) <= 6:
            menu.addAction(f"Merge {len(ids)} contacts…", lambda: self.merge(list(ids)))


def install(api: WindowApi, *, start_reminders: bool = True) -> LeadsFeature:
    owner = QObject(api.dialog_parent())
    notifier: object
    if TrayNotifier.available():
        tray = TrayNotifier(owner)
        tray.clicked.connect(api.select_contact)
        notifier = tray
    else:
        notifier = _StatusNotifier(api)
    reminders = TaskReminders(api.db, notifier, parent=owner)  # type: ignore[arg-type]
    feature = LeadsFeature(api, reminders, notifier, owner)
    api.add_tools_action("Settings…", feature.open_settings)
    api.add_tools_action("Find duplicates…", feature.find_duplicates)
    api.add_list_menu_extension(feature.extend_menu)
    if start_reminders:
        reminders.start()
    return feature


__all__ = ["LeadsFeature", "TaskDialog", "install"]

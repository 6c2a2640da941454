"""Lead work in the window (issue 12): Tools ▸ Settings, Tools ▸ Find duplicates and the merge,
tasks (the detail panel's Tasks section, Add task… on the list's menu) with reminders in the
system tray (or the status bar where there is none) that open the contact. Built by
:func:`install`; every change runs as an operation on the window's writer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QMenu, QPushButton

from ui.api import WindowApi
from ui.fields import as_label
from ui.leads.reminders import ALL_DUE, TaskReminders, TrayNotifier
from ui.leads.tasks_box import TaskDialog, TasksBox

if TYPE_CHECKING:  # imported when opened (with the import service, duplicates, merge): not at start
    from ui.leads.merge_dialog import DuplicatesDialog
    from ui.leads.settings_dialog import SettingsDialog


class StatusNotifier(QObject):
    """Where there is no system tray: the reminder in the status bar, with a button that
    opens the contact (``clicked(contact_id)``, as the tray's message)."""

    clicked = Signal(int)

    def __init__(self, api: WindowApi, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.api = api
        self.button = QPushButton()
        self.button.setObjectName("reminderButton")
        self.button.setFlat(True)
        self.button.hide()
        self.button.clicked.connect(self._clicked)
        self._last = 0
        api.add_status_widget(self.button)

    def notify(self, title: str, text: str, contact_id: int) -> None:
        self._last = contact_id
        # several tasks: the count on the button (the status bar has no room for their names
        # at 1024 px), the names in its tooltip
        shown = title if contact_id == ALL_DUE else f"{title} — {text}"
        self.button.setText(as_label(f"Reminder: {shown} · Open"))
        opens = "the Today queue" if contact_id == ALL_DUE else "the contact"
        self.button.setToolTip(f"{title}\n{text}\nClick to open {opens}")
        self.button.show()

    def _clicked(self) -> None:
        self.button.hide()
        self.clicked.emit(self._last)


@dataclass
class LeadsFeature:
    api: WindowApi
    reminders: TaskReminders
    notifier: TrayNotifier | StatusNotifier
    owner: QObject

    def open_settings(self) -> SettingsDialog:
        from ui.leads.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.api, self.api.dialog_parent())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def find_duplicates(self) -> DuplicatesDialog:
        from ui.leads.merge_dialog import DuplicatesDialog

        dialog = DuplicatesDialog(self.api, self.api.dialog_parent())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        dialog.refresh()
        return dialog

    def open_contact(self, contact_id: int) -> None:
        """A reminder was clicked: the window comes forward with the contact in the list and
        the detail panel; a reminder of several tasks shows the Today queue."""
        window = self.api.dialog_parent().window()
        if window.isMinimized():
            window.showNormal()
        window.raise_()
        window.activateWindow()
        if contact_id == ALL_DUE:
            self.api.show_queue("today")
            return
        self.api.show_view("list")
        self.api.set_detail_visible(True)
        self.api.select_contact(contact_id)

    def add_task(self, contact_id: int) -> None:
        from app import operations

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
        from ui.leads.merge_dialog import MergeDialog

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
    notifier: TrayNotifier | StatusNotifier = (
        TrayNotifier(owner) if TrayNotifier.available() else StatusNotifier(api, owner)
    )
    reminders = TaskReminders(api.db, notifier, runner=api.tasks, parent=owner)
    feature = LeadsFeature(api, reminders, notifier, owner)
    notifier.clicked.connect(feature.open_contact)
    # between Details and Activities
    api.detail.add_section("Tasks", lambda: TasksBox(api), 55)
    api.add_tools_action("Settings…", feature.open_settings)
    api.add_tools_action("Find duplicates…", feature.find_duplicates)
    api.add_list_menu_extension(feature.extend_menu)
    if start_reminders:  # the tasks due read once the window is usable, not before
        api.after_usable(reminders.start)
    return feature


__all__ = ["LeadsFeature", "StatusNotifier", "TaskDialog", "TasksBox", "install"]

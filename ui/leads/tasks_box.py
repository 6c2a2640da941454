"""A contact's tasks (issue 12, item 7) in the detail panel and on the triage card: title, kind,
due time and a done box per task; add, edit, complete and delete, each an undoable operation on
the window's writer. The list is read off the GUI thread whenever the shown contact changes or
a change notice names it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QDateTime, QPoint, Qt, QTime
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.timeutil import local_text, to_utc_naive, utcnow
from ui.api import WindowApi
from ui.contrast import readable_on_base
from ui.detail_sections import ContactSection, fit_tree, quiet_line
from ui.fields import fit_placeholder

if TYPE_CHECKING:  # the tasks and operations (SQLAlchemy) are imported where first used
    from app import todo
    from app.contact_view import ContactView

TaskIdRole = Qt.ItemDataRole.UserRole + 1
OVERDUE = QColor("#B42318")
DONE = QColor("#7B8794")


def local_qdatetime(value: datetime) -> QDateTime:
    """A stored (naive UTC) time as the local QDateTime an editor shows."""
    local = value.replace(tzinfo=UTC).astimezone()
    return QDateTime(
        QDate(local.year, local.month, local.day), QTime(local.hour, local.minute, local.second)
    )


class TaskDialog(QDialog):
    """A task's title, kind and due date and time (local): a new one, or ``task`` to edit."""

    def __init__(self, parent: QWidget | None = None, task: todo.TaskInfo | None = None) -> None:
        from app import todo

        super().__init__(parent)
        self.setWindowTitle("Edit task" if task is not None else "Add task")
        self.title = QLineEdit(task.title if task is not None else "")
        self.title.setPlaceholderText("e.g. Call about the quote")
        fit_placeholder(self.title, chars=40)  # a task's title is a sentence
        self.kind = QComboBox()
        for key, label in todo.TASK_KINDS.items():
            self.kind.addItem(label, key)
        if task is not None:
            self.kind.setCurrentIndex(max(0, self.kind.findData(task.kind)))
        due = (
            local_qdatetime(task.due_at)
            if task is not None
            else QDateTime.currentDateTime().addDays(1)
        )
        self.due = QDateTimeEdit(due)
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd HH:mm")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setEnabled(bool(self.title.text().strip()))
        self.title.textChanged.connect(lambda t: self.ok.setEnabled(bool(t.strip())))
        form = QFormLayout(self)
        form.addRow("Task", self.title)
        form.addRow("Kind", self.kind)
        form.addRow("Due", self.due)
        form.addRow(buttons)

    def values(self) -> tuple[str, str, datetime]:
        """(title, kind key, due as naive UTC)."""
        local = self.due.dateTime().toPython()
        assert isinstance(local, datetime)
        due = to_utc_naive(local).replace(second=0, microsecond=0)  # to the minute, as shown
        return self.title.text().strip(), str(self.kind.currentData()), due


class TasksBox(ContactSection):
    """The shown contact's tasks, open ones first by due time, then the done ones."""

    def __init__(self, api: WindowApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.api = api
        self.contact_id: int | None = None
        self.tasks: list[todo.TaskInfo] = []
        self._generation = 0
        self._filling = False
        self.task_list = QTreeWidget()
        self.task_list.setObjectName("taskList")
        self.task_list.setHeaderLabels(["Task", "Kind", "Due"])
        self.task_list.setRootIsDecorated(False)
        self.task_list.setMinimumHeight(60)
        self.task_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.task_list.customContextMenuRequested.connect(self._menu)
        self.task_list.itemChanged.connect(self._checked)
        self.task_list.itemDoubleClicked.connect(lambda item, _col: self.edit_task(item))
        self.add_button = QPushButton("Add task…")
        self.add_button.setObjectName("addTask")
        self.add_button.clicked.connect(self.add_task)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.clicked.connect(lambda: self.edit_task(self.task_list.currentItem()))
        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(lambda: self.delete_task(self.task_list.currentItem()))
        self.task_list.currentItemChanged.connect(lambda *_a: self._update_buttons())
        # no tasks: one quiet line instead of an empty table (a header over a blank row)
        self.empty_label = quiet_line("No tasks", "tasksEmpty")
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addStretch(1)
        row.addWidget(self.edit_button)
        row.addWidget(self.delete_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.task_list)
        lay.addWidget(self.empty_label)
        lay.addLayout(row)
        fit_tree(self.task_list, max_rows=6)  # as tall as its rows: no empty space, no sideways
        self._show_empty(True)
        self._update_buttons()

    def leave_keys_alone(self) -> None:
        """Never take the keyboard focus (the triage card: its keys decide, the mouse works
        the tasks)."""
        for widget in (self, self.task_list, self.add_button, self.edit_button, self.delete_button):
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    # --- showing --------------------------------------------------------------------------
    def show_view(self, view: ContactView | None) -> None:
        self.set_contact(view.id if view is not None else None)

    def set_contact(self, contact_id: int | None) -> None:
        """Show ``contact_id``'s tasks (read again: the panel and the card call this after
        every change that names the contact)."""
        from app import todo

        self.contact_id = contact_id
        self._generation += 1
        self.add_button.setEnabled(contact_id is not None)
        if contact_id is None:
            self._fill([])
            return
        generation = self._generation
        self.api.tasks.run(
            todo.list_tasks,
            self.api.db,
            "all",
            contact_id=contact_id,
            on_done=lambda tasks: self._loaded(generation, tasks),
            on_error=lambda exc: self._loaded(generation, []),
        )

    def _loaded(self, generation: int, tasks: list[todo.TaskInfo]) -> None:
        if generation == self._generation:  # an answer for a contact no longer shown: dropped
            self._fill(tasks)

    def _fill(self, tasks: list[todo.TaskInfo]) -> None:
        current = self._current_id()
        self.tasks = sorted(tasks, key=lambda t: (t.done, t.due_at, t.id))
        now = utcnow()
        self._filling = True
        try:
            self.task_list.clear()
            for t in self.tasks:
                item = QTreeWidgetItem([t.title, t.kind_label, local_text(t.due_at)])
                item.setData(0, TaskIdRole, t.id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(0, Qt.CheckState.Checked if t.done else Qt.CheckState.Unchecked)
                item.setToolTip(0, t.title)
                if t.done:
                    font = item.font(0)
                    font.setStrikeOut(True)
                    item.setFont(0, font)
                    for col in range(3):
                        item.setForeground(col, QBrush(readable_on_base(DONE)))
                elif t.due_at < now:
                    item.setForeground(2, QBrush(readable_on_base(OVERDUE)))
                    item.setToolTip(2, "Overdue")
                self.task_list.addTopLevelItem(item)
                if t.id == current:
                    self.task_list.setCurrentItem(item)
        finally:
            self._filling = False
        self.task_list.resizeColumnToContents(1)
        self.task_list.resizeColumnToContents(2)
        self._show_empty(not self.tasks)
        self._update_buttons()

    def _show_empty(self, empty: bool) -> None:
        """The table and its Edit/Delete while there are tasks; "No tasks" while there are
        none."""
        self.task_list.setVisible(not empty)
        self.empty_label.setVisible(empty)
        self.edit_button.setVisible(not empty)
        self.delete_button.setVisible(not empty)

    def _current_id(self) -> int | None:
        item = self.task_list.currentItem()
        return int(item.data(0, TaskIdRole)) if item is not None else None

    def _task(self, item: QTreeWidgetItem | None) -> todo.TaskInfo | None:
        if item is None:
            return None
        task_id = int(item.data(0, TaskIdRole))
        return next((t for t in self.tasks if t.id == task_id), None)

    def _update_buttons(self) -> None:
        chosen = self.task_list.currentItem() is not None
        self.edit_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)

    # --- changes: operations on the writer --------------------------------------------------
    def _open(self, dialog: TaskDialog, then: Callable[[TaskDialog], None]) -> TaskDialog:
        """Window-modal, not blocking: ``then(dialog)`` on OK."""
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: then(dialog))
        dialog.open()
        return dialog

    def add_task(self) -> TaskDialog | None:
        from app import operations

        cid = self.contact_id
        if cid is None:
            return None
        db = self.api.db

        def save(dialog: TaskDialog) -> None:
            title, kind, due = dialog.values()
            self.api.ops.run(
                lambda: operations.add_task(db, cid, title, due, kind=kind),
                failure_title="Could not add the task",
            )

        return self._open(TaskDialog(self.api.dialog_parent()), save)

    def edit_task(self, item: QTreeWidgetItem | None) -> TaskDialog | None:
        from app import operations

        task = self._task(item)
        if task is None:
            return None
        db = self.api.db

        def save(dialog: TaskDialog) -> None:
            title, kind, due = dialog.values()
            changes: dict[str, object] = {}
            if title != task.title:
                changes["title"] = title
            if kind != task.kind:
                changes["kind"] = kind
            if due != task.due_at.replace(second=0, microsecond=0):
                changes["due_at"] = due
            if changes:
                self.api.ops.run(
                    lambda: operations.edit_task(db, task.id, **changes),
                    failure_title="Could not change the task",
                )

        return self._open(TaskDialog(self.api.dialog_parent(), task), save)

    def delete_task(self, item: QTreeWidgetItem | None) -> None:
        from app import operations

        task = self._task(item)
        if task is None:
            return
        db = self.api.db
        self.api.ops.run(
            lambda: operations.delete_task(db, task.id),
            failure_title="Could not delete the task",
        )

    def _checked(self, item: QTreeWidgetItem, column: int) -> None:
        from app import operations

        task = self._task(item)
        if self._filling or column != 0 or task is None:
            return
        done = item.checkState(0) == Qt.CheckState.Checked
        if done == task.done:
            return
        db = self.api.db
        self.api.ops.run(
            lambda: operations.complete_task(db, task.id, done),
            on_failure=lambda exc: self._not_saved(exc),
        )

    def _not_saved(self, exc: Exception) -> None:
        self.api.show_status(f"Task not saved: {exc}", 6000)
        self.set_contact(self.contact_id)  # the box shows what is stored

    def _menu(self, pos: QPoint) -> None:
        item = self.task_list.itemAt(pos)
        menu = QMenu(self)
        if item is not None:
            self.task_list.setCurrentItem(item)
            task = self._task(item)
            if task is not None:
                toggle = "Mark as not done" if task.done else "Mark as done"
                menu.addAction(
                    toggle,
                    lambda: item.setCheckState(
                        0, Qt.CheckState.Unchecked if task.done else Qt.CheckState.Checked
                    ),
                )
            menu.addAction("Edit task…", lambda: self.edit_task(item))
            menu.addAction("Delete task", lambda: self.delete_task(item))
            menu.addSeparator()
        add = menu.addAction("Add task…", self.add_task)
        add.setEnabled(self.contact_id is not None)
        menu.exec(self.task_list.viewport().mapToGlobal(pos))

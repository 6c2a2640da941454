"""Correcting an activity (issue 12, item 8): its kind, time and note, or removing it — from the
detail panel's activities and the triage card. Each is an undoable operation on the window's
writer; first-response times, the response clock and the score follow (app.activities)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QWidget,
)

from app import activities as acts
from app import operations
from app.activities import ActivityInfo
from app.timeutil import to_utc_naive
from db.engine import Database
from ui.leads.tasks_box import local_qdatetime

if TYPE_CHECKING:
    from ui.operations import OperationRunner


class ActivityDialog(QDialog):
    """An activity's kind, time (local) and note, to correct."""

    def __init__(self, activity: ActivityInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit activity")
        self.activity = activity
        self.kind = QComboBox()
        for key, label in acts.ACTIVITY_TYPES.items():
            self.kind.addItem(label, key)
        self.kind.setCurrentIndex(max(0, self.kind.findData(activity.type)))
        self.at = QDateTimeEdit(local_qdatetime(activity.at))
        self.at.setCalendarPopup(True)
        self.at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.note = QLineEdit(activity.note or "")
        self.note.setPlaceholderText("No note")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Activity", self.kind)
        form.addRow("When", self.at)
        form.addRow("Note", self.note)
        form.addRow(buttons)
        self.resize(420, self.sizeHint().height())

    def changes(self) -> dict[str, Any]:
        """What differs from the activity, as :func:`app.operations.edit_activity` takes it
        (the time only when it was changed to another minute: editing keeps the seconds)."""
        a = self.activity
        out: dict[str, Any] = {}
        kind = str(self.kind.currentData())
        if kind != a.type:
            out["activity_type"] = kind
        local = self.at.dateTime().toPython()
        assert isinstance(local, datetime)
        at = to_utc_naive(local)
        if at.replace(second=0, microsecond=0) != a.at.replace(second=0, microsecond=0):
            out["at"] = at
        note = self.note.text().strip() or None
        if note != (a.note or None):
            out["note"] = note
        return out


class ActivityEditor(QObject):
    """Runs the corrections: ``edit(activity)`` asks with :class:`ActivityDialog`,
    ``delete(activity)`` removes it (Edit ▸ Undo brings it back). ``attach(label, activity)``
    gives a line of text (the triage card's) a menu with both, and double-click to edit."""

    def __init__(self, db: Database, ops: OperationRunner, parent: QWidget) -> None:
        super().__init__(parent)
        self.db = db
        self.ops = ops
        self.parent_widget = parent
        self._attached: dict[QLabel, ActivityInfo] = {}

    def edit(self, activity: ActivityInfo) -> ActivityDialog:
        """Open the dialog (window-modal, not blocking); OK saves what was changed."""
        dialog = ActivityDialog(activity, self.parent_widget)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def accepted() -> None:
            changes = dialog.changes()
            if changes:
                db, activity_id = self.db, activity.id
                self.ops.run(
                    lambda: operations.edit_activity(db, activity_id, **changes),
                    failure_title="Activity not changed",
                )

        dialog.accepted.connect(accepted)
        dialog.open()
        return dialog

    def delete(self, activity: ActivityInfo) -> None:
        db, activity_id = self.db, activity.id
        self.ops.run(
            lambda: operations.delete_activity(db, activity_id),
            failure_title="Activity not removed",
        )

    def menu_for(self, activity: ActivityInfo, parent: QWidget) -> QMenu:
        menu = QMenu(parent)
        menu.addAction("Edit this activity…", lambda: self.edit(activity))
        menu.addAction("Remove this activity", lambda: self.delete(activity))
        return menu

    def attach(self, label: QLabel, activity: ActivityInfo) -> None:
        label.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        label.customContextMenuRequested.connect(lambda pos: self._menu_at(label, activity, pos))
        label.setToolTip("Double-click or right-click to correct or remove this activity")
        self._attached[label] = activity
        label.installEventFilter(self)
        label.destroyed.connect(lambda *_a: self._attached.pop(label, None))

    def _menu_at(self, label: QLabel, activity: ActivityInfo, pos: QPoint) -> None:
        self.menu_for(activity, label).exec(label.mapToGlobal(pos))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonDblClick and watched in self._attached:
            self.edit(self._attached[watched])  # type: ignore[index]
            return True
        return False

"""The parts of the detail panel: titled sections, the activities box and the stage history.

Every section shows one :class:`~app.contact_view.ContactView` pushed by the panel
(:meth:`ContactSection.show_view`); none of them reads the database.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import activities as acts
from app.contact_view import ContactView
from app.timeutil import local_text

ActivityIdRole = Qt.ItemDataRole.UserRole + 1


def plain_label(text: str = "", object_name: str | None = None) -> QLabel:
    """A label that never interprets user text as HTML."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    if object_name:
        label.setObjectName(object_name)
    return label


class ContactSection(QWidget):
    """The body of a detail-panel section: shows the contact the panel pushes (None: none)."""

    def show_view(self, view: ContactView | None) -> None:
        raise NotImplementedError


class Section(QFrame):
    """A titled card in the panel."""

    def __init__(self, title: str, body: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("section")
        self.body = body
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 10, 14, 12)
        lay.setSpacing(6)
        heading = QLabel(title.upper())
        heading.setObjectName("sectionTitle")
        lay.addWidget(heading)
        lay.addWidget(body)


class _ActivityTree(QTreeWidget):
    """Delete (or Backspace) here removes the current activity, not the contact: the key is
    taken before the window's Delete shortcut sees it."""

    remove_requested = Signal()

    def _removes(self, event: QKeyEvent) -> bool:
        return (
            event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            and self.currentItem() is not None
        )

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and self._removes(event)
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._removes(event):
            self.remove_requested.emit()
            return
        super().keyPressEvent(event)


class ActivitiesBox(ContactSection):
    """Log a call, e-mail, meeting or note; the contact's activities, newest first.

    ``log_requested(type, note)`` and ``remove_requested(activity_id)`` ask the panel to run
    the operation; the list follows when it has committed."""

    log_requested = Signal(str, str)
    remove_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.activity_list = _ActivityTree()
        self.activity_list.setObjectName("activityList")
        self.activity_list.setHeaderLabels(["When", "Activity", "Note"])
        self.activity_list.setRootIsDecorated(False)
        self.activity_list.setMinimumHeight(110)
        self.activity_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.activity_list.customContextMenuRequested.connect(self._menu)
        self.activity_list.remove_requested.connect(self.remove_current)
        self.activity_type = QComboBox()
        self.activity_type.setObjectName("activityType")
        for key, label in acts.ACTIVITY_TYPES.items():
            self.activity_type.addItem(label, key)
        self.activity_type.setCurrentIndex(list(acts.ACTIVITY_TYPES).index("note"))
        self.activity_note = QLineEdit()
        self.activity_note.setObjectName("activityNote")
        self.activity_note.setPlaceholderText("Add a note or log a call, e-mail, meeting…")
        self.activity_note.returnPressed.connect(self.log)
        log_button = QPushButton("Log")
        log_button.setObjectName("logActivity")
        log_button.clicked.connect(self.log)
        row = QHBoxLayout()
        row.addWidget(self.activity_type)
        row.addWidget(self.activity_note, 1)
        row.addWidget(log_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.activity_list)

    def show_view(self, view: ContactView | None) -> None:
        self.activity_list.clear()
        for a in reversed(view.activities if view is not None else ()):
            item = QTreeWidgetItem([local_text(a.at), a.label, a.note or ""])
            item.setToolTip(2, a.note or "")
            item.setData(0, ActivityIdRole, a.id)
            self.activity_list.addTopLevelItem(item)
        self.activity_list.resizeColumnToContents(0)
        self.activity_list.resizeColumnToContents(1)

    def log(self) -> None:
        self.log_requested.emit(
            str(self.activity_type.currentData()), self.activity_note.text().strip()
        )

    def remove_current(self) -> None:
        item = self.activity_list.currentItem()
        if item is not None:
            self.remove_requested.emit(int(item.data(0, ActivityIdRole)))

    def _menu(self, pos: QPoint) -> None:
        item = self.activity_list.itemAt(pos)
        if item is None:
            return
        self.activity_list.setCurrentItem(item)
        menu = QMenu(self)
        remove = menu.addAction("Remove this activity")
        remove.triggered.connect(self.remove_current)
        menu.exec(self.activity_list.viewport().mapToGlobal(pos))


class HistoryList(QTreeWidget):
    """The contact's stage changes, newest first (undone ones struck through)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyList")
        self.setHeaderLabels(["When", "Change", "Why"])
        self.setRootIsDecorated(False)
        self.setMinimumHeight(100)

    def show_view(self, view: ContactView | None) -> None:
        self.clear()
        for h in reversed(view.history if view is not None else ()):
            assert view is not None
            change = (
                f"{view.stage_name(h.from_key)} → {view.stage_name(h.to_key)}"
                if h.from_key
                else f"Created in {view.stage_name(h.to_key)}"
            )
            why = h.reason or ""
            if h.automatic:
                why = f"Automatic: {why}" if why else "Automatic"
            if h.undone_at is not None:
                why = f"{why} (undone {local_text(h.undone_at)})".strip()
            item = QTreeWidgetItem([local_text(h.at), change, why])
            item.setToolTip(2, why)
            if h.undone_at is not None:
                font = item.font(1)
                font.setStrikeOut(True)
                item.setFont(1, font)
            self.addTopLevelItem(item)
        self.resizeColumnToContents(0)
        self.resizeColumnToContents(1)

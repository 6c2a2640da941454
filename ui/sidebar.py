"""The sidebar: stages with live counts, follow-up queues and sources; a click filters the list.

Contacts dragged from the list or board onto a stage are moved there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QPainter,
    QPixmap,
)
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

from app.stages import StageInfo
from ui.contact_table import CONTACT_IDS_MIME, decode_ids

FilterRole = Qt.ItemDataRole.UserRole + 10


@dataclass(frozen=True)
class SidebarFilter:
    """What a sidebar entry filters by: ``kind`` is all, stage, queue or source."""

    kind: str
    value: str | None = None


def color_dot(color: str, size: int = 12) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(color))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QIcon(pix)


class Sidebar(QTreeWidget):
    """Sections of filter entries; emits ``filter_chosen`` and ``contacts_dropped``."""

    filter_chosen = Signal(object)  # SidebarFilter
    contacts_dropped = Signal(list, str)  # ids, stage key

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.setHeaderHidden(True)
        self.setColumnCount(2)
        self.setRootIsDecorated(False)
        self.setIndentation(8)
        self.setIconSize(QSize(12, 12))
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.header().setStretchLastSection(False)
        self.header().setSectionResizeMode(0, self.header().ResizeMode.Stretch)
        self.header().setSectionResizeMode(1, self.header().ResizeMode.ResizeToContents)
        self._sections: dict[str, QTreeWidgetItem] = {}
        self._entries: dict[SidebarFilter, QTreeWidgetItem] = {}
        self.all_item = QTreeWidgetItem(["All contacts", ""])
        self.all_item.setData(0, FilterRole, SidebarFilter("all"))
        self.addTopLevelItem(self.all_item)
        self.itemSelectionChanged.connect(self._selection_changed)

    def section(self, title: str) -> QTreeWidgetItem:
        item = self._sections.get(title)
        if item is None:
            item = QTreeWidgetItem([title.upper(), ""])
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = item.font(0)
            font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
            font.setBold(True)
            item.setFont(0, font)
            item.setForeground(0, QColor("#7A8594"))
            self.addTopLevelItem(item)
            item.setExpanded(True)
            self._sections[title] = item
        return item

    def set_entries(
        self, section: str, entries: Sequence[tuple[SidebarFilter, str, str | None]]
    ) -> None:
        """Replace a section's entries: (filter, label, colour or None)."""
        parent = self.section(section)
        selected = self.current_filter()
        for i in reversed(range(parent.childCount())):
            child = parent.takeChild(i)
            if child is not None:
                self._entries.pop(child.data(0, FilterRole), None)
        for flt, label, color in entries:
            item = QTreeWidgetItem([label, ""])
            item.setData(0, FilterRole, flt)
            item.setToolTip(0, label)
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setForeground(1, QColor("#7A8594"))
            if color:
                item.setIcon(0, color_dot(color))
            parent.addChild(item)
            self._entries[flt] = item
        parent.setExpanded(True)
        if selected is not None and selected in self._entries:
            self.blockSignals(True)
            self.setCurrentItem(self._entries[selected])
            self.blockSignals(False)

    def set_stages(self, stages: list[StageInfo]) -> None:
        self.set_entries(
            "Stages", [(SidebarFilter("stage", s.key), s.name, s.color) for s in stages]
        )

    def set_counts(self, counts: dict[SidebarFilter, int], total: int | None = None) -> None:
        for flt, item in self._entries.items():
            if flt in counts:
                item.setText(1, f"{counts[flt]:,}")
        if total is not None:
            self.all_item.setText(1, f"{total:,}")

    def current_filter(self) -> SidebarFilter | None:
        item = self.currentItem()
        if item is None:
            return None
        value = item.data(0, FilterRole)
        return value if isinstance(value, SidebarFilter) else None

    def select_filter(self, flt: SidebarFilter) -> None:
        item = self.all_item if flt.kind == "all" else self._entries.get(flt)
        if item is not None:
            self.setCurrentItem(item)

    def _selection_changed(self) -> None:
        flt = self.current_filter()
        if flt is not None:
            self.filter_chosen.emit(flt)

    # --- drop contacts on a stage ----------------------------------------------------------
    def _stage_at(self, event: QDropEvent | QDragMoveEvent) -> str | None:
        item = self.itemAt(event.position().toPoint())
        flt = item.data(0, FilterRole) if item is not None else None
        return flt.value if isinstance(flt, SidebarFilter) and flt.kind == "stage" else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(CONTACT_IDS_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(CONTACT_IDS_MIME) and self._stage_at(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        key = self._stage_at(event)
        ids = decode_ids(event.mimeData())
        if key and ids:
            event.acceptProposedAction()
            self.contacts_dropped.emit(ids, key)
        else:
            event.ignore()

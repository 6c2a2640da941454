"""The sidebar: stages with live counts, follow-up queues and sources; a click filters the list.

Contacts dragged from the list or board onto a stage are moved there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QFontMetrics,
    QPalette,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from app.values import StageInfo
from ui.contact_table import CONTACT_IDS_MIME, color_dot, decode_ids
from ui.contrast import mix, readable
from ui.line_breaks import keep_hyphenated, plain

__all__ = ["FilterRole", "Sidebar", "SidebarFilter", "color_dot", "wrap_lines"]

FilterRole = Qt.ItemDataRole.UserRole + 10

LINE_BREAK = "\u2028"  # Qt's line separator: an item view paints the lines it separates
SLACK = 2  # px: lines broken a little short of the painted width, never one pixel over


def wrap_lines(text: str, font: QFont, width: int) -> list[str]:
    """``text`` broken into lines no wider than ``width`` at ``font``: at word boundaries
    (not after the hyphen inside a word: ``ui.line_breaks``), inside a word only when the
    word alone is wider."""
    metrics = QFontMetrics(font)
    if width <= 0 or metrics.horizontalAdvance(text) <= width:
        return [text]
    text = keep_hyphenated(text, metrics, width)
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    lines = []
    layout.beginLayout()
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        lines.append(plain(text[line.textStart() : line.textStart() + line.textLength()]).strip())
    layout.endLayout()
    return [line for line in lines if line] or [plain(text)]


class _WrappingDelegate(QStyledItemDelegate):
    """A name wider than its column is broken into lines at the column's painted width
    (Qt then paints and measures those lines itself: the row is as tall as they are, in
    the style sheet's colours and paddings), so no name ends in "…"."""

    def __init__(self, view: QTreeWidget) -> None:
        super().__init__(view)
        self.view = view

    def text_width(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> int:
        """The width Qt paints this item's text in: its column less the indentation, the
        icon, the style sheet's padding and the text's margins."""
        view = self.view
        depth = 0
        parent = index.parent()
        while parent.isValid():
            depth += 1
            parent = parent.parent()
        cell = QStyleOptionViewItem(option)
        cell.rect = QRect(0, 0, view.columnWidth(0) - depth * view.indentation(), 1000)  # type: ignore[attr-defined]
        style = view.style() or QApplication.style()
        text = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, cell, view)
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
        return text.width() - 2 * margin - SLACK

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        text: str = option.text  # type: ignore[attr-defined]
        if index.column() != 0 or not text:
            return
        lines = wrap_lines(text, option.font, self.text_width(option, index))  # type: ignore[attr-defined]
        option.text = LINE_BREAK.join(lines)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class SidebarFilter:
    """What a sidebar entry filters by: ``kind`` is all, stage, queue or source."""

    kind: str
    value: str | None = None


class Sidebar(QTreeWidget):
    """Sections of filter entries; emits ``filter_chosen`` and ``contacts_dropped``.

    Stage and queue names are shown on one line (the sidebar asks for their width); a
    source name longer than the sidebar is wide wraps onto more lines (its row grows), so
    every name is shown in full and two "Trade show: … 2025" stay apart."""

    WIDEST = 340  # the sidebar never asks for more than this

    filter_chosen = Signal(object)  # SidebarFilter
    contacts_dropped = Signal(list, str)  # ids, stage key
    # the width it asks for changed (sources or counts came): the window gives it again
    wants_other_width = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # each name's and count's width in the font it was measured in (needed_width)
        self._widths_font = ""
        self._widths: dict[str, int] = {}
        # needed_width's answers, until a name or a count changes (set_entries, set_counts) or
        # the font or style does (changeEvent): the window's layouts ask for the sidebar's size
        # hints ~120 times by usable and some sixty more as the board is first shown
        self._needed: dict[tuple[bool, int, int], int] = {}
        self.setObjectName("sidebar")
        self.setHeaderHidden(True)
        self.setColumnCount(2)
        self.setRootIsDecorated(False)
        self.setIndentation(8)
        self.setIconSize(QSize(12, 12))
        # rows as tall as their names' lines (a long source name wraps), never "…"
        self.setUniformRowHeights(False)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self._delegate = _WrappingDelegate(self)
        self.setItemDelegate(self._delegate)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.header().setStretchLastSection(False)
        self.header().setSectionResizeMode(0, self.header().ResizeMode.Stretch)
        self.header().setSectionResizeMode(1, self.header().ResizeMode.ResizeToContents)
        # a narrower or wider name column breaks the names again: the rows' heights with them
        self.header().sectionResized.connect(self._name_column_resized)
        self._sections: dict[str, QTreeWidgetItem] = {}
        self._entries: dict[SidebarFilter, QTreeWidgetItem] = {}
        self._asked: tuple[int, int] | None = None  # (size hint, minimum) widths last asked
        self.all_item = QTreeWidgetItem(["All contacts", ""])
        self.all_item.setData(0, FilterRole, SidebarFilter("all"))
        self.addTopLevelItem(self.all_item)
        # team mode: the contacts the user owns (app.owners)
        self.mine_item = QTreeWidgetItem(["My contacts", ""])
        self.mine_item.setData(0, FilterRole, SidebarFilter("owner", "me"))
        self.addTopLevelItem(self.mine_item)
        self._entries[SidebarFilter("owner", "me")] = self.mine_item
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
            item.setForeground(0, self._muted())
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
        muted = self._muted()  # worked out once, not per entry (its contrast search)
        for flt, label, color in entries:
            item = QTreeWidgetItem([label, ""])
            item.setData(0, FilterRole, flt)
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setForeground(1, muted)
            if color:
                item.setIcon(0, color_dot(color))
            parent.addChild(item)
            self._entries[flt] = item
        parent.setExpanded(True)
        self._needed.clear()
        self._ask_again()  # the width the names need may have changed
        if selected is not None and selected in self._entries:
            self.blockSignals(True)
            self.setCurrentItem(self._entries[selected])
            self.blockSignals(False)

    def _name_column_resized(self, column: int, old: int, new: int) -> None:
        if column == 0 and old != new:
            self.scheduleDelayedItemsLayout()

    def shown_lines(self, item: QTreeWidgetItem) -> list[str]:
        """The lines an entry's name is painted in at the sidebar's present width."""
        index = self.indexFromItem(item, 0)
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        self._delegate.initStyleOption(option, index)
        return str(option.text).split(LINE_BREAK)  # type: ignore[attr-defined]

    def _muted(self) -> QBrush:
        """Secondary text (section titles, counts): readable on the sidebar's background."""
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.Text)
        base = pal.color(QPalette.ColorRole.Base)
        return QBrush(
            readable(mix(text, base, 0.4), mix(pal.color(QPalette.ColorRole.Window), text, 0.03))
        )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._needed.clear()  # other letters, or another scroll bar
        super().changeEvent(event)

    def needed_width(self, with_sources: bool = False) -> int:
        """The width that shows every stage and queue name (and sources, if asked) in full,
        with its count. Worked out once until the names, the counts, the font or the style
        change (asked without a font copy or the scroll bar's size hint: ~35 -> ~2 us)."""
        asked = (with_sources, self.indentation(), self.iconSize().width())
        known = self._needed.get(asked)
        if known is None:
            known = self._needed[asked] = self._work_out_width(with_sources)
        return known

    def _work_out_width(self, with_sources: bool) -> int:
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF(), 10.0))  # the style sheet's sidebar size
        # the scroll bar a short window needs
        scroll_bar = self.verticalScrollBar().sizeHint().width()
        labels = [self.all_item.text(0)]
        counts = [self.all_item.text(1) or "0"]
        for flt, item in self._entries.items():
            if flt.kind != "source" or with_sources:
                labels.append(item.text(0))
            counts.append(item.text(1) or "0")
        # each text's width kept per font: the window's layouts ask for the sidebar's size
        # hints dozens of times as a view is shown or a panel hidden (measured every time,
        # ~50 ms of showing the board)
        key = font.key()
        if key != self._widths_font or len(self._widths) > 4000:
            self._widths_font, self._widths = key, {}
        widths, fm = self._widths, QFontMetrics(font)
        for t in labels + counts:
            if t not in widths:
                widths[t] = fm.horizontalAdvance(t)
        text = max(widths[t] for t in labels)
        count = max(widths[c] for c in counts)
        # indentation, icon, paddings, the gap between name and count, the frame, and the
        # scroll bar
        return text + count + self.indentation() + self.iconSize().width() + 40 + scroll_bar

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(min(self.WIDEST, self.needed_width(with_sources=True)), hint.height())

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(self.WIDEST, self.needed_width()), hint.height())

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
        self._needed.clear()
        self._ask_again()  # a count with more digits

    def _ask_again(self) -> None:
        """Tell the window when the width the names and counts need has changed (sources
        read after the window was laid out wrapped onto two lines on a 2560 px window)."""
        asked = (self.sizeHint().width(), self.minimumSizeHint().width())
        if asked != self._asked:
            self._asked = asked
            self.updateGeometry()
            self.wants_other_width.emit()

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

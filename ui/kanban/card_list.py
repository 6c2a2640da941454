"""The cards of one board column: a list view that places its rows itself.

A QListView (selection, keyboard, drag and drop, hover, the model's signals, and to
assistive technology a list of the cards) whose own layout is left out: it would ask every
row for its size each time a page is added (one model call per row, 40 ms per page once
25,000 cards are loaded). Here each row is as tall as its card (``set_row_height``; a row
not measured yet is ``default_row_height`` tall), the rows' tops kept as running sums, found
by bisection, summed again only from the first row that changed. A QTableView did the same
through its vertical header, but a table is two header views with their own viewports and
scroll bars besides its own: seventeen widgets a column, built and styled as the board was
first shown.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QDrag,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QFocusEvent,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QRegion,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QListView,
    QMenu,
    QStyle,
    QStyleOptionViewItem,
    QWidget,
)

from ui.contact_table import ContactIdRole, decode_ids, encode_ids
from ui.contrast import mix, readable
from ui.kanban.card_delegate import CardDelegate
from ui.kanban.column_model import KanbanColumnModel

_ROOT = QModelIndex()
_Cursor = QAbstractItemView.CursorAction


def drop_later(model: KanbanColumnModel, event: QDropEvent) -> None:
    """Run the move right after the drag has ended: the move may ask for a reason in a
    dialog, and a modal dialog inside a drop event fights the platform's drag loop."""
    mime = encode_ids(decode_ids(event.mimeData()))  # the drag's own data dies with it
    QTimer.singleShot(
        0, lambda: model.dropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, QModelIndex())
    )


class CardListView(QListView):
    """The cards of one column: multi-select, drag out, drop in, keyboard moves."""

    focus_neighbour = Signal(int)  # -1 left, +1 right
    move_requested = Signal(int)  # Ctrl+Left / Ctrl+Right
    deal_requested = Signal(int)  # contact id: edit its deal value (context menu)
    # contact ids, whom: "me", or "" to ask (context menu: Assign to me / Assign to…)
    assign_requested = Signal(list, str)
    open_requested = Signal(int)  # contact id (Enter, double-click)
    drag_started = Signal(list)  # contact ids being dragged
    drop_hover = Signal(bool)  # a valid drag is over this column
    width_changed = Signal(int)  # the cards' width (the viewport's)
    painting = Signal()  # about to paint the cards (the column fits them to its width first)
    refused = Signal(str)  # a drag tried while read only: why it cannot move anything

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # first: Qt asks where the rows are from the setters below (indexAt, scrollTo)
        # each row's height and the running sums of them (each row's top; None: to be summed
        # again after a change), the height of a row not measured yet, the row under the mouse
        self._heights: list[int] = []
        self._tops: list[int] = [0]
        self._valid = 0  # the tops are right up to this row's (a page added: summed on)
        self.default_row_height = 80
        self._hover_row = -1
        # heights by contact while the model rearranges its rows (layoutChanged)
        self._kept: dict[int, int] = {}
        self.setObjectName("cardList")
        self.setTabKeyNavigation(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(False)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMouseTracking(True)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_Hover)
        self.empty_title = "No contacts"
        self.empty_hint = "Drag cards here"
        # why nothing can be changed (None: it can): no drags, no drops, a greyed menu
        self.read_only: str | None = None
        self._press: QPoint | None = None
        self.doubleClicked.connect(self._open_index)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)

    # --- the rows' heights ------------------------------------------------------------------
    def setModel(self, model: Any) -> None:
        old = self.model()
        if old is not None:
            for signal, slot in self._model_slots(old):
                signal.disconnect(slot)
        super().setModel(model)
        self._reset_heights()
        if model is not None:
            for signal, slot in self._model_slots(model):
                signal.connect(slot)

    def _model_slots(self, model: Any) -> list[tuple[Any, Any]]:
        return [
            (model.rowsRemoved, self._rows_removed),
            (model.rowsMoved, self._rows_moved),
            (model.layoutAboutToBeChanged, self._keep_heights),
            (model.layoutChanged, self._layout_changed),
        ]

    def _reset_heights(self) -> None:
        model = self.model()
        count = model.rowCount() if model is not None else 0
        self._heights = [self.default_row_height] * count
        self._changed_from(0)
        self._hover_row = -1

    def set_default_row_height(self, height: int) -> None:
        """The height of a row whose card is not measured yet."""
        self.default_row_height = height

    def rowHeight(self, row: int) -> int:
        return self._heights[row] if 0 <= row < len(self._heights) else 0

    def set_row_height(self, row: int, height: int) -> None:
        """Row ``row`` is ``height`` tall (``update_rows`` then places the rows again)."""
        if 0 <= row < len(self._heights) and self._heights[row] != height:
            self._heights[row] = height
            self._changed_from(row)

    def update_rows(self) -> None:
        """The rows' heights changed: the scroll bar and the cards in sight follow."""
        self.updateGeometries()
        self.viewport().update()

    def _changed_from(self, row: int) -> None:
        """The rows from ``row`` on have other heights or are other rows."""
        self._valid = min(self._valid, row)

    def _row_tops(self) -> list[int]:
        """Each row's top, and the bottom of the last; summed again only from the first row
        that changed (a page added at the end, cards in sight measured: a few rows)."""
        tops, heights = self._tops, self._heights
        valid = min(self._valid, len(heights), len(tops) - 1)
        if valid < len(heights) or len(tops) != len(heights) + 1:
            del tops[valid + 1 :]
            sums = accumulate(heights[valid:], initial=tops[valid])
            next(sums)
            tops.extend(sums)
            self._valid = len(heights)
        return tops

    def content_height(self) -> int:
        return self._row_tops()[-1]

    def rowViewportPosition(self, row: int) -> int:
        """The top of row ``row`` in the viewport (-1 without that row)."""
        if not 0 <= row < len(self._heights):
            return -1
        return self._row_tops()[row] - self.verticalOffset()

    def rowAt(self, y: int) -> int:
        """The row at ``y`` in the viewport (-1 below the last)."""
        tops = self._row_tops()
        at = y + self.verticalOffset()
        if at < 0 or at >= tops[-1]:
            return -1
        return bisect_right(tops, at) - 1

    # --- the model's changes ------------------------------------------------------------------
    def reset(self) -> None:
        # the rows are laid out after (Qt's delayed layout: updateGeometries, a paint)
        self._reset_heights()
        super().reset()

    def rowsInserted(
        self, parent: QModelIndex | QPersistentModelIndex, start: int, end: int
    ) -> None:
        if not parent.isValid():
            self._heights[start:start] = [self.default_row_height] * (end - start + 1)
            self._changed_from(start)
        super().rowsInserted(parent, start, end)
        self.update_rows()

    def _rows_removed(self, parent: QModelIndex, start: int, end: int) -> None:
        if not parent.isValid():
            del self._heights[start : end + 1]
            self._changed_from(start)
            self._hover_row = -1
            self.update_rows()

    def _rows_moved(
        self, parent: QModelIndex, start: int, end: int, dest: QModelIndex, row: int
    ) -> None:
        if parent.isValid() or dest.isValid():
            return
        moved = self._heights[start : end + 1]
        del self._heights[start : end + 1]
        at = row if row < start else row - len(moved)
        self._heights[at:at] = moved
        self._changed_from(min(start, at))
        self.update_rows()

    def _keep_heights(self) -> None:
        model = self.column_model()
        default = self.default_row_height
        self._kept = {
            model.contact_id(row): h for row, h in enumerate(self._heights) if h != default
        }

    def _layout_changed(self) -> None:
        """The rows changed places: each card keeps its height."""
        model = self.column_model()
        kept, self._kept = self._kept, {}
        default = self.default_row_height
        count = model.rowCount()
        self._heights = [kept.get(model.contact_id(r), default) for r in range(count)]
        self._changed_from(0)
        self._hover_row = -1
        self.update_rows()

    # --- QAbstractItemView: where the rows are -------------------------------------------------
    def updateGeometries(self) -> None:
        bar = self.verticalScrollBar()
        page = self.viewport().height()
        bar.setPageStep(max(1, page))
        bar.setRange(0, max(0, self.content_height() - page))
        # the item view's own (editors, fetching more), not the list's: it would size the
        # scroll bar by its own layout of every row
        QAbstractItemView.updateGeometries(self)

    def doItemsLayout(self) -> None:
        # the rows are placed by their heights here: not the list's layout, which asks every
        # row for its size (one call per row each time a page is added)
        QAbstractItemView.doItemsLayout(self)

    def visualRect(self, index: QModelIndex | QPersistentModelIndex) -> QRect:
        if not index.isValid() or index.parent().isValid():
            return QRect()
        row = index.row()
        if not 0 <= row < len(self._heights):
            return QRect()
        top = self._row_tops()[row] - self.verticalOffset()
        return QRect(0, top, self.viewport().width(), self._heights[row])

    def indexAt(self, point: QPoint) -> QModelIndex:
        row = self.rowAt(point.y())
        model = self.model()
        if row < 0 or model is None or not 0 <= point.x() < self.viewport().width():
            return QModelIndex()
        return model.index(row, 0)

    def scrollTo(
        self,
        index: QModelIndex | QPersistentModelIndex,
        hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible,
    ) -> None:
        if not index.isValid() or not 0 <= index.row() < len(self._heights):
            return
        bar = self.verticalScrollBar()
        top = self._row_tops()[index.row()]
        height = self._heights[index.row()]
        page = self.viewport().height()
        value = bar.value()
        Hint = QAbstractItemView.ScrollHint
        if hint == Hint.PositionAtTop:
            value = top
        elif hint == Hint.PositionAtBottom:
            value = top + height - page
        elif hint == Hint.PositionAtCenter:
            value = top + height // 2 - page // 2
        elif top < value:
            value = top
        elif top + height > value + page:
            value = min(top, top + height - page)
        bar.setValue(value)

    def horizontalOffset(self) -> int:
        return 0

    def verticalOffset(self) -> int:
        return self.verticalScrollBar().value()

    def isIndexHidden(self, index: QModelIndex | QPersistentModelIndex) -> bool:
        return False

    def moveCursor(
        self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        model = self.model()
        count = model.rowCount() if model is not None else 0
        if count == 0:
            return QModelIndex()
        current = self.currentIndex()
        row = current.row() if current.isValid() else -1
        if cursorAction in (_Cursor.MoveUp, _Cursor.MovePrevious):
            row = max(0, row - 1)
        elif cursorAction in (_Cursor.MoveDown, _Cursor.MoveNext):
            row = min(count - 1, row + 1)
        elif cursorAction == _Cursor.MoveHome:
            row = 0
        elif cursorAction == _Cursor.MoveEnd:
            row = count - 1
        elif cursorAction in (_Cursor.MovePageUp, _Cursor.MovePageDown):
            page = self.viewport().height()
            y = self.visualRect(current).center().y() if current.isValid() else 0
            y += -page if cursorAction == _Cursor.MovePageUp else page
            tops = self._row_tops()
            at = min(max(0, y + self.verticalOffset()), tops[-1] - 1)
            row = bisect_right(tops, at) - 1
        else:  # left and right: the board's (focus_neighbour); nothing moves here
            row = max(0, row)
        return model.index(max(0, min(row, count - 1)), 0)

    def setSelection(self, rect: QRect, command: QItemSelectionModel.SelectionFlag) -> None:
        model = self.model()
        if model is None or self.selectionModel() is None:
            return
        rect = rect.normalized()
        first = self.rowAt(max(0, rect.top()))
        last = self.rowAt(rect.bottom())
        if first < 0 and last < 0:
            selection = QItemSelection()
        else:
            if last < 0:
                last = model.rowCount() - 1
            if first < 0:
                first = 0
            selection = QItemSelection(model.index(first, 0), model.index(last, 0))
        self.selectionModel().select(selection, command)

    def visualRegionForSelection(self, selection: QItemSelection) -> QRegion:
        region = QRegion()
        width = self.viewport().width()
        for i in range(selection.count()):
            part = selection.at(i)
            top = self.visualRect(self.model().index(part.top(), 0))
            bottom = self.visualRect(self.model().index(part.bottom(), 0))
            if top.isValid() and bottom.isValid():
                region += QRect(0, top.top(), width, bottom.bottom() - top.top() + 1)
        return region

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.viewport().scroll(dx, dy)

    # --- painting ------------------------------------------------------------------------------
    def viewportEvent(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.HoverMove, QEvent.Type.HoverEnter):
            self._hover_at(self.rowAt(event.position().toPoint().y()))  # type: ignore[attr-defined]
        elif kind == QEvent.Type.HoverLeave:
            self._hover_at(-1)
        return super().viewportEvent(event)

    def _hover_at(self, row: int) -> None:
        if row == self._hover_row:
            return
        model = self.model()
        for old in (self._hover_row, row):
            if model is not None and 0 <= old < model.rowCount():
                self.viewport().update(self.visualRect(model.index(old, 0)))
        self._hover_row = row

    def paintEvent(self, event: QPaintEvent) -> None:
        self.painting.emit()
        model = self.model()
        if model is None:
            return
        count = model.rowCount()
        if count == 0:
            self._paint_empty()
            return
        area = event.rect()
        first = self.rowAt(area.top())
        if first < 0:
            return
        delegate = self.itemDelegate()
        selection = self.selectionModel()
        current = self.currentIndex()
        focused = self.hasFocus()
        offset = self.verticalOffset()
        tops = self._row_tops()
        width = self.viewport().width()
        bottom = area.bottom()
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        base_state = option.state  # type: ignore[attr-defined]
        State = QStyle.StateFlag
        painter = QPainter(self.viewport())
        row = first
        while row < count and tops[row] - offset <= bottom:
            index = model.index(row, 0)
            state = base_state
            if selection is not None and selection.isSelected(index):
                state |= State.State_Selected
            if row == self._hover_row:
                state |= State.State_MouseOver
            if focused and index == current:
                state |= State.State_HasFocus
            option.state = state  # type: ignore[attr-defined]
            option.rect = QRect(0, tops[row] - offset, width, self._heights[row])  # type: ignore[attr-defined]
            delegate.paint(painter, option, index)
            row += 1
        painter.end()

    def _context_menu(self, pos: QPoint) -> None:
        index = self.indexAt(pos)
        if not index.isValid():
            return
        menu = self.context_menu(index)
        menu.exec(self.viewport().mapToGlobal(pos))

    def context_menu(self, index: QModelIndex) -> QMenu:
        """A card's menu: Open, and what changes it — greyed out with the reason (status tip
        and tooltip) while the database cannot be changed, as the list's menu is."""
        cid = int(index.data(ContactIdRole))
        menu = QMenu(self)
        menu.addAction("Open", lambda: self.open_requested.emit(cid))
        ids = self.selected_ids() if cid in self.selected_ids() else [cid]
        editing = [
            menu.addAction("Deal value…", lambda: self.deal_requested.emit(cid)),
            menu.addAction("Assign to me", lambda: self.assign_requested.emit(ids, "me")),
            menu.addAction("Assign to…", lambda: self.assign_requested.emit(ids, "")),
        ]
        if self.read_only is not None:
            menu.setToolTipsVisible(True)
            for action in editing:
                action.setEnabled(False)
                action.setStatusTip(self.read_only)
                action.setToolTip(self.read_only)
        return menu

    def set_read_only(self, reason: str | None) -> None:
        """No drags, no drops, a greyed menu while ``reason`` is set; back with None."""
        self.read_only = reason
        editable = reason is None
        self.setDragEnabled(editable)
        self.setAcceptDrops(editable)
        self.viewport().setAcceptDrops(editable)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.width_changed.emit(self.viewport().width())

    # --- a drag tried while read only: say why nothing moves -----------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press = event.position().toPoint() if self.read_only is not None else None
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        press = self._press
        if (
            press is not None
            and self.read_only is not None
            and event.buttons() & Qt.MouseButton.LeftButton
            and (event.position().toPoint() - press).manhattanLength()
            >= QApplication.startDragDistance()
        ):
            self._press = None
            self.refused.emit(self.read_only)
        super().mouseMoveEvent(event)

    def column_model(self) -> KanbanColumnModel:
        model = self.model()
        assert isinstance(model, KanbanColumnModel)
        return model

    def selected_ids(self) -> list[int]:
        rows = sorted(i.row() for i in self.selectionModel().selectedIndexes())
        model = self.column_model()
        return [model.contact_id(r) for r in rows if r < model.rowCount()]

    def select_ids(self, ids: list[int]) -> bool:
        """Select these contacts (those loaded), make the first current and visible."""
        model = self.column_model()
        rows = [r for r in (model.row_for_id(i) for i in ids) if r is not None]
        sel = self.selectionModel()
        sel.clearSelection()
        if not rows:
            return False
        for r in rows:
            sel.select(model.index(r), sel.SelectionFlag.Select)
        first = model.index(min(rows))
        sel.setCurrentIndex(first, sel.SelectionFlag.NoUpdate)
        self.scrollTo(first)
        return True

    # --- keyboard ------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            step = -1 if key == Qt.Key.Key_Left else 1
            if mods == Qt.KeyboardModifier.ControlModifier:
                self.move_requested.emit(step)
                event.accept()
                return
            if mods == Qt.KeyboardModifier.NoModifier:
                self.focus_neighbour.emit(step)
                event.accept()
                return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._open_index(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_requested.emit(int(index.data(ContactIdRole)))

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        model = self.model()
        if not self.currentIndex().isValid() and model is not None and model.rowCount():
            self.selectionModel().setCurrentIndex(
                model.index(0, 0), self.selectionModel().SelectionFlag.ClearAndSelect
            )

    # --- drag out ------------------------------------------------------------------------------
    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        indexes = sorted(self.selectionModel().selectedIndexes(), key=lambda i: i.row())
        if not indexes:
            return
        model = self.column_model()
        ids = [model.contact_id(i.row()) for i in indexes]
        drag = QDrag(self)
        drag.setMimeData(model.mimeData(indexes))
        delegate = self.itemDelegate()
        if isinstance(delegate, CardDelegate):
            pix = delegate.drag_pixmap(
                model.card(indexes[0].row()), self.viewport().width(), len(ids)
            )
            drag.setPixmap(pix)
            drag.setHotSpot(QPoint(pix.width() // 2, 24))
        self.drag_started.emit(ids)
        # Never let Qt remove rows after the drop: the move itself refreshes both columns.
        drag.exec(Qt.DropAction.MoveAction, Qt.DropAction.MoveAction)

    # --- drop in ---------------------------------------------------------------------------------
    def _acceptable(self, event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> bool:
        model = self.model()
        return (
            self.read_only is None
            and isinstance(model, KanbanColumnModel)
            and model.canDropMimeData(
                event.mimeData(), Qt.DropAction.MoveAction, -1, -1, QModelIndex()
            )
        )

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        # anything else (a file, a foreign drag) is ignored and goes on to the window
        if self._acceptable(event):
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
            self.drop_hover.emit(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._acceptable(event):
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.drop_hover.emit(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.drop_hover.emit(False)
        if not self._acceptable(event):
            event.ignore()
            return
        # the drop counts as handled even when the move is refused (the user was told why);
        # CopyAction keeps the dragging view from removing anything itself
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        drop_later(self.column_model(), event)

    # --- empty state -----------------------------------------------------------------------------
    def _paint_empty(self) -> None:
        p = QPainter(self.viewport())
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.viewport().rect()).adjusted(10, 8, -10, 0)
        box = QRectF(rect.left(), rect.top(), rect.width(), 86)
        path = QPainterPath()
        path.addRoundedRect(box, 8, 8)
        # drawn on the column's background (the board's style sheet colours it): the dashes and
        # the words keep to it, light or dark
        ground = self._ground()
        text = self.palette().color(QPalette.ColorRole.WindowText)
        pen = p.pen()
        pen.setColor(mix(ground, readable(text, ground), 0.3))
        pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.drawPath(path)
        title_font = QFont(self.font())
        title_font.setBold(True)
        p.setFont(title_font)
        p.setPen(readable(mix(text, ground, 0.35), ground))
        fm = QFontMetrics(title_font)
        p.drawText(
            box.adjusted(8, 18, -8, 0),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
            fm.elidedText(self.empty_title, Qt.TextElideMode.ElideRight, int(box.width() - 16)),
        )
        p.setFont(self.font())
        p.setPen(readable(mix(text, ground, 0.45), ground))
        p.drawText(
            box.adjusted(8, 22 + fm.height(), -8, 0),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
            self.empty_hint,
        )
        p.end()

    def _ground(self) -> QColor:
        """The colour the empty column shows (the card list itself is transparent)."""
        widget = self.parentWidget()
        while widget is not None and widget.objectName() != "kanbanColumn":
            widget = widget.parentWidget()
        shown = widget if widget is not None else self
        return shown.palette().color(QPalette.ColorRole.Window)

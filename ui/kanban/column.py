"""A board column: a header (stage colour, name, live count and the sum of its deal values)
over a list of delegate-drawn cards. Side stages can collapse to a narrow strip that still
takes drops; the board folds any column into that strip when the columns do not all fit.
While the database cannot be changed (``set_read_only``) the cards neither drag nor take
drops, and their menu greys out what would change something, saying why."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QModelIndex,
    QPoint,
    QRectF,
    QSize,
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
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QSizePolicy,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.contact_table import CONTACT_IDS_MIME, ContactIdRole, decode_ids, encode_ids
from ui.contrast import mix, readable
from ui.kanban.card_delegate import CardDelegate
from ui.kanban.column_model import KanbanColumnModel
from ui.kanban.style import board_colors
from ui.money import format_money
from ui.theme import current_palette

# columns share the board's width between these (columns that do not fit fold into their
# strip, side columns first: see KanbanBoard.fit_columns)
MIN_WIDTH = 168
MAX_WIDTH = 320
COLLAPSED_WIDTH = 32


def drop_later(model: KanbanColumnModel, event: QDropEvent) -> None:
    """Run the move right after the drag has ended: the move may ask for a reason in a
    dialog, and a modal dialog inside a drop event fights the platform's drag loop."""
    mime = encode_ids(decode_ids(event.mimeData()))  # the drag's own data dies with it
    QTimer.singleShot(
        0, lambda: model.dropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, QModelIndex())
    )


class CardListView(QTableView):
    """The cards of one column: multi-select, drag out, drop in, keyboard moves.

    A one-column table rather than a QListView: with fixed row heights the table's header
    places rows arithmetically, while QListView lays out every row again (one model call per
    row) each time a page is added — 40 ms per page once 25,000 cards are loaded.
    """

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
        self.setObjectName("cardList")
        self.horizontalHeader().hide()
        self.horizontalHeader().setStretchLastSection(True)
        self.verticalHeader().hide()
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
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
    def paintEvent(self, event: QPaintEvent) -> None:
        self.painting.emit()
        super().paintEvent(event)
        model = self.model()
        if model is None or model.rowCount() > 0:
            return
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
        while widget is not None and not isinstance(widget, KanbanColumn):
            widget = widget.parentWidget()
        shown = widget if widget is not None else self
        return shown.palette().color(QPalette.ColorRole.Window)


class StageAccent(QWidget):
    """The stage's colour along the top of a column, painted (a style sheet of its own per
    column made Qt style each accent apart from the board's sheet as the board was shown)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("columnAccent")
        self.setFixedHeight(4)
        self.color = QColor("#8E99A8")

    def set_color(self, color: str) -> None:
        self.color = QColor(color)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        # square ends, as the style sheet drew it (its 8 px corners did not fit in 4 px)
        p = QPainter(self)
        p.fillRect(self.rect(), self.color)
        p.end()


class CountPill(QLabel):
    """The live count beside the column name."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("columnCount")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setTextFormat(Qt.TextFormat.PlainText)


class KanbanColumn(QFrame):
    """Header + card list for one stage; collapsible when ``collapsible``."""

    collapse_toggled = Signal(bool)

    def __init__(
        self, model: KanbanColumnModel, collapsible: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("kanbanColumn")
        self.model = model
        self.collapsible = collapsible
        self.collapsed = False
        # collapsed by the board for want of room (not the user's choice: not saved, and
        # shown again when there is room)
        self.auto_collapsed = False
        self.setAcceptDrops(True)  # the header and the collapsed strip take drops too
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        self.accent = StageAccent(self)
        self.name_label = QLabel(self)
        self.name_label.setObjectName("columnName")
        self.name_label.setTextFormat(Qt.TextFormat.PlainText)
        self.name_label.setWordWrap(True)  # "Marketing qualified" in a narrow column
        self.count = CountPill(self)
        self.collapse_button = QToolButton(self)  # shown or hidden below: never a window
        self.collapse_button.setObjectName("collapseButton")
        self.collapse_button.setAutoRaise(True)
        self.collapse_button.setVisible(collapsible)
        self.collapse_button.clicked.connect(lambda: self.set_collapsed(not self.collapsed))
        # the sum of the column's deal values, on its own line (the board keeps the line in
        # every column while any has a sum, so that all cards start at the same height)
        self.value_label = QLabel(self)
        self.value_label.setObjectName("columnValue")
        self.value_label.setTextFormat(Qt.TextFormat.PlainText)
        self.value_label.hide()
        header = QWidget(self)
        header.setObjectName("columnHeader")
        outer = QVBoxLayout(header)
        outer.setContentsMargins(12, 8, 6, 4)
        outer.setSpacing(0)
        hl = QHBoxLayout()
        hl.setSpacing(6)
        hl.addWidget(self.name_label, 1)
        # the pill keeps its own height beside a name on one line or two (top aligned)
        hl.addWidget(self.count, 0, Qt.AlignmentFlag.AlignTop)
        hl.addWidget(self.collapse_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(hl)
        outer.addWidget(self.value_label)
        self.header = header

        self.view = CardListView(self)
        self.delegate = CardDelegate(model.stage.color, self.view)
        self.view.setItemDelegate(self.delegate)
        self.view.setModel(model)
        self.view.verticalHeader().setDefaultSectionSize(self.delegate.card_height)
        self.view.drop_hover.connect(self._set_drop_target)
        # each card is as tall as its own name and title · company need at the column's width:
        # the rows in sight are sized as the cards are painted (a row not read yet keeps the
        # smallest card's height, the header's default), at the width they are painted at
        # (while the board is laid out a column is resized several times), and after cards
        # were read. Only rows in sight are measured, never the whole column.
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self.fit_cards)
        model.cards_loaded.connect(self._cards_loaded)
        self.view.painting.connect(self.fit_cards)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.accent)
        lay.addWidget(header)
        lay.addWidget(self.view, 1)
        lay.addStretch(0)  # collapsed: the accent stays on top (not in the middle)
        model.total_changed.connect(self._update_count)
        model.value_changed.connect(lambda _v: self._update_value())
        self.update_stage()
        self._update_count(model.total)
        self._update_value()
        self._apply_width()

    @property
    def stage_key(self) -> str:
        return self.model.stage_key

    # --- the cards' height --------------------------------------------------------------------
    def _cards_loaded(self, _cards: list[Any]) -> None:
        # read while painting: the rows in sight are sized after the paint
        self._fit_timer.start()

    def fit_cards(self) -> None:
        """Each card in sight as tall as its own text needs at the column's width
        (``CardDelegate.height_of``, kept per card and width): a row is resized only when its
        height changed; rows out of sight are sized when they come into sight."""
        view = self.view
        width = view.viewport().width()
        # not folded, nor squeezed while the board is laid out (never shown so narrow): it
        # is fitted when shown at its width
        if width < MIN_WIDTH // 2 or self.collapsed:
            return
        self.delegate.fit(width)
        bar = view.verticalScrollBar()
        # scrolled to the end (a user dragged the bar down): it stays at the end as the last
        # cards grow, and the cards that then come into sight are sized too
        at_end = 0 < bar.maximum() == bar.value()
        for _ in range(4):
            if not self._size_rows_in_sight() or not at_end:
                break
            view.updateGeometries()
            bar.setValue(bar.maximum())

    def fit_before_paint(self) -> None:
        """Size the cards in sight and let the scroll bar come or go before the column is
        first painted: painted first, a column whose cards then needed a scroll bar was drawn
        again a moment later, every card narrower."""
        view = self.view
        for _ in range(2):
            width = view.viewport().width()
            self.fit_cards()
            view.updateGeometries()
            # the scroll bar is shown or hidden by a queued call as its range changes
            QCoreApplication.sendPostedEvents(view, QEvent.Type.MetaCall)
            if view.viewport().width() == width:
                break

    def _size_rows_in_sight(self) -> bool:
        """Resize the rows in sight whose cards need another height; True if any did."""
        view, model, delegate = self.view, self.model, self.delegate
        header = view.verticalHeader()
        count = model.rowCount()
        row = view.rowAt(0)
        if row < 0:
            return False
        bottom = view.viewport().height()
        y = view.rowViewportPosition(row)
        resized = False
        while row < count and y < bottom:
            size = header.sectionSize(row)
            # a card in sight not read yet is read now (the paint reads it next): painted at
            # its own height at once, not at the smallest card's and again
            card = model.card(row)
            if card is not None:
                height = delegate.height_of(card)
                if height != size:
                    if not resized:
                        # many rows: no position worked out again after each resize
                        header.setUpdatesEnabled(False)
                        resized = True
                    header.resizeSection(row, height)
                    size = height
            y += size
            row += 1
        if resized:
            header.setUpdatesEnabled(True)
            view.viewport().update()
        return resized

    def set_read_only(self, reason: str | None) -> None:
        """Cards neither drag nor take drops (nor does the strip) while ``reason`` is set."""
        self.view.set_read_only(reason)

    def cards_in_sight(self, height: int) -> tuple[int, int]:
        """(first row, how many rows) the column shows in ``height`` (the board's: while
        the board is laid out the column's own may not be final yet), a card more for a
        part-shown one; none of a folded column."""
        if self.collapsed and not self.auto_collapsed:  # a fold for room may open at once
            return 0, 0
        return max(0, self.view.rowAt(0)), height // max(1, self.delegate.card_height) + 2

    def update_stage(self) -> None:
        st = self.model.stage
        self.name_label.setText(st.name)
        self.setToolTip("")
        self.delegate.stage_color = QColor(st.color)
        self.accent.set_color(st.color)
        self.view.viewport().update()
        self.update()

    def _update_count(self, total: int) -> None:
        self.count.setText(f"{total:,}")
        self.count.setToolTip(f"{total:,} contacts in {self.model.stage.name}")
        self._update_value()
        self.update()

    def keep_value_line(self, keep: bool) -> None:
        """Keep room for the sum line even without a sum (the board: some column has one)."""
        policy = self.value_label.sizePolicy()
        if policy.retainSizeWhenHidden() != keep:
            policy.setRetainSizeWhenHidden(keep)
            self.value_label.setSizePolicy(policy)

    def _update_value(self) -> None:
        # the same height with or without a sum (a fallback font's Σ may be taller)
        self.value_label.ensurePolished()
        fm = self.value_label.fontMetrics()
        self.value_label.setFixedHeight(max(fm.height(), fm.boundingRect("Σ€$£0").height()) + 1)
        value = self.model.value
        self.value_label.setVisible(value is not None)
        if value is None:
            self.value_label.setText("")
            self.value_label.setToolTip("")
            return
        self.value_label.setText(f"{format_money(value)} in deals")
        self.value_label.setToolTip(
            f"Sum of the deal values of the {self.model.total:,} contacts in "
            f"{self.model.stage.name} (with the board's filters)"
        )

    def set_empty_text(self, title: str, hint: str) -> None:
        self.view.empty_title = title
        self.view.empty_hint = hint
        self.view.viewport().update()

    # --- collapsing ----------------------------------------------------------------------------
    def set_collapsed(self, collapsed: bool, auto: bool = False) -> None:
        """Collapse or show the column; ``auto``: the board did it for want of room (no
        ``collapse_toggled``: the user's choice stays as saved)."""
        if not self.collapsible and not auto:  # only the board folds a pipeline column
            collapsed = False
        if collapsed == self.collapsed:
            if not auto:
                self.auto_collapsed = False
            return
        self.collapsed = collapsed
        self.auto_collapsed = collapsed and auto
        self.header.setVisible(not collapsed)
        self.view.setVisible(not collapsed)
        self._apply_width()
        self.setToolTip(
            f"{self.model.stage.name} — click to show its cards; drop cards here"
            if collapsed
            else ""
        )
        self.setCursor(
            Qt.CursorShape.PointingHandCursor if collapsed else Qt.CursorShape.ArrowCursor
        )
        if not auto:
            self.collapse_toggled.emit(collapsed)

    def _apply_width(self) -> None:
        if self.collapsed:
            self.setFixedWidth(COLLAPSED_WIDTH)
        else:
            self.setMinimumWidth(MIN_WIDTH)
            self.setMaximumWidth(MAX_WIDTH)
        self.collapse_button.setText("»" if self.collapsed else "«")
        self.collapse_button.setToolTip(
            "Show this column" if self.collapsed else "Collapse this column"
        )

    def sizeHint(self) -> QSize:
        return QSize(COLLAPSED_WIDTH if self.collapsed else MIN_WIDTH, 600)

    def minimumSizeHint(self) -> QSize:
        return QSize(COLLAPSED_WIDTH if self.collapsed else MIN_WIDTH, 200)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.collapsed and event.button() == Qt.MouseButton.LeftButton:
            self.set_collapsed(False)
            event.accept()
            return
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self.collapsed:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        font.setBold(True)
        p.setFont(font)
        p.setPen(QColor(board_colors(current_palette())["name"]))
        p.translate(self.width() / 2 + QFontMetrics(font).ascent() / 2 - 2, 16)
        p.rotate(90)
        text = f"{self.model.stage.name}  ·  {self.model.total:,}"
        if self.model.value is not None:
            text += f"  ·  {format_money(self.model.value)} in deals"
        p.drawText(QPoint(0, 0), text)
        p.end()

    # --- drops on the header or the collapsed strip ------------------------------------------
    def _acceptable(self, event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> bool:
        return (
            self.view.read_only is None
            and event.mimeData().hasFormat(CONTACT_IDS_MIME)
            and self.model.canDropMimeData(
                event.mimeData(), Qt.DropAction.MoveAction, -1, -1, QModelIndex()
            )
        )

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._acceptable(event):
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
            self._set_drop_target(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._acceptable(event):
            event.accept()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._set_drop_target(False)

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_drop_target(False)
        if not self._acceptable(event):
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        drop_later(self.model, event)

    def _set_drop_target(self, on: bool) -> None:
        if bool(self.property("dropTarget")) == on:
            return
        self.setProperty("dropTarget", on)
        self.style().unpolish(self)
        self.style().polish(self)
        self.update()

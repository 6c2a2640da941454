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
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ui.contact_table import CONTACT_IDS_MIME
from ui.kanban.card_delegate import CardDelegate
from ui.kanban.card_list import CardListView, drop_later
from ui.kanban.column_model import KanbanColumnModel
from ui.kanban.header import ColumnHeader
from ui.kanban.style import board_colors
from ui.money import format_money
from ui.theme import current_palette

# columns share the board's width between these (columns that do not fit fold into their
# strip, side columns first: see KanbanBoard.fit_columns)
MIN_WIDTH = 168
MAX_WIDTH = 320
COLLAPSED_WIDTH = 32
ACCENT_HEIGHT = 4  # the stage's colour along the top of the column


_SMALLEST: dict[str, int] = {}  # the smallest card's height per application font (its key)


def smallest_card_height() -> int:
    """The height of the smallest card (``CardDelegate.card_height``) in the application's
    font, without a delegate (a folded column has none)."""
    key = QFont().key()
    height = _SMALLEST.get(key)
    if height is None:
        height = _SMALLEST[key] = CardDelegate().card_height
    return height


class KanbanColumn(QFrame):
    """Header + card list for one stage; collapsible when ``collapsible``."""

    collapse_toggled = Signal(bool)
    # the card view was made (``view``): made when the column first opens, never for a
    # column that stays folded (the board wires its signals then)
    view_made = Signal()

    def __init__(
        self,
        model: KanbanColumnModel,
        collapsible: bool = False,
        parent: QWidget | None = None,
        view_now: bool = True,
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

        self.accent_color = QColor(model.stage.color)  # painted along the top (paintEvent)
        # name, count, collapse button and the sum line: one painted widget
        # (ui.kanban.header), made when the column first opens (``header``: a folded strip
        # paints its name and count itself); the board keeps the sum line's room in every
        # column while any has a sum, so that all cards start at the same height
        self._header: ColumnHeader | None = None
        self._keep_value_line = False

        # the cards' view and its delegate: made when the column first opens (``view``,
        # ``delegate``; a folded column shows only its strip: at 815 px seven of eight
        # columns are folded, and a view made, styled and shown for each was most of
        # building the board on a click; their headers and delegates ~0.5 ms a column)
        self._delegate: CardDelegate | None = None
        self._view: CardListView | None = None
        self._read_only: str | None = None
        self._empty = ("No contacts", "Drag cards here")
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

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, ACCENT_HEIGHT, 0, 0)  # the accent is painted above
        lay.setSpacing(0)
        lay.addStretch(0)  # collapsed: the accent stays on top (not in the middle)
        self._layout = lay
        model.total_changed.connect(self._update_count)
        model.value_changed.connect(lambda _v: self._update_value())
        self.update_stage()
        self._update_count(model.total)
        self._update_value()
        self._apply_width()
        if view_now:
            self._make_view()

    @property
    def stage_key(self) -> str:
        return self.model.stage_key

    # --- the header, the cards' view and delegate, made when first needed -----------------------
    @property
    def header(self) -> ColumnHeader:
        """The column's header (made now if the column has not been open yet)."""
        return self._header if self._header is not None else self._make_header()

    def _make_header(self) -> ColumnHeader:
        header = ColumnHeader(self.collapsible, self)
        self._header = header
        header.collapse_clicked.connect(lambda: self.set_collapsed(not self.collapsed))
        header.setVisible(not self.collapsed)
        header.set_keep_value_line(self._keep_value_line)
        self.update_stage()
        self._update_count(self.model.total)
        self._layout.insertWidget(0, header)
        return header

    @property
    def delegate(self) -> CardDelegate:
        """The cards' delegate (made now if the column has not been open yet)."""
        if self._delegate is None:
            self._delegate = CardDelegate(self.model.stage.color, self)
        return self._delegate

    @property
    def view(self) -> CardListView:
        """The column's card view (made now if the column has not been open yet)."""
        return self._view if self._view is not None else self._make_view()

    @property
    def has_view(self) -> bool:
        """Whether the card view was made (a column folded since it was built has none)."""
        return self._view is not None

    def open_view(self) -> None:
        """An open column shows its cards: its view made and its first page read, if not
        done yet (a folded column does neither)."""
        if self.collapsed:
            return
        if self._header is None:
            self._make_header()
        if self._view is None:
            self._make_view()
        self.model.read_unread()

    def _make_view(self) -> CardListView:
        view = CardListView(self)
        self._view = view
        view.setVisible(not self.collapsed)
        view.setItemDelegate(self.delegate)
        view.setModel(self.model)
        view.set_default_row_height(self.delegate.card_height)
        view.drop_hover.connect(self._set_drop_target)
        view.painting.connect(self.fit_cards)
        view.empty_title, view.empty_hint = self._empty
        view.set_read_only(self._read_only)
        self._layout.insertWidget(0 if self._header is None else 1, view, 1)
        self.view_made.emit()
        return view

    # --- the cards' height --------------------------------------------------------------------
    def _cards_loaded(self, _cards: list[Any]) -> None:
        # read while painting: the rows in sight are sized after the paint
        self._fit_timer.start()

    def fit_cards(self) -> None:
        """Each card in sight as tall as its own text needs at the column's width
        (``CardDelegate.height_of``, kept per card and width): a row is resized only when its
        height changed; rows out of sight are sized when they come into sight."""
        view = self._view
        if view is None:  # folded since it was built: nothing to fit
            return
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
        view = self._view
        if view is None:  # folded: no cards
            return
        # the scroll bar first, if the rows at the smallest card's height already need one
        # (a column of a first page does): the cards are measured once, at the width they
        # are painted at (measured without it, then again with it, every card was wrapped
        # twice: a tenth of the board shown at 1440 px)
        view.updateGeometries()
        QCoreApplication.sendPostedEvents(view, QEvent.Type.MetaCall)
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
        count = model.rowCount()
        row = view.rowAt(0)
        if row < 0:
            return False
        bottom = view.viewport().height()
        y = view.rowViewportPosition(row)
        resized = False
        while row < count and y < bottom:
            size = view.rowHeight(row)
            # a card in sight not read yet is read now (the paint reads it next): painted at
            # its own height at once, not at the smallest card's and again
            card = model.card(row)
            if card is not None:
                height = delegate.height_of(card)
                if height != size:
                    view.set_row_height(row, height)  # the rows placed again once, below
                    resized = True
                    size = height
            y += size
            row += 1
        if resized:
            view.update_rows()
        return resized

    def set_read_only(self, reason: str | None) -> None:
        """Cards neither drag nor take drops (nor does the strip) while ``reason`` is set."""
        self._read_only = reason
        if self._view is not None:
            self._view.set_read_only(reason)

    @property
    def read_only(self) -> str | None:
        """Why the cards cannot be moved (None: they can)."""
        return self._read_only

    def cards_in_sight(self, height: int) -> tuple[int, int]:
        """(first row, how many rows) the column shows in ``height`` (the board's: while
        the board is laid out the column's own may not be final yet), a card more for a
        part-shown one; none of a folded column."""
        if self.collapsed and not self.auto_collapsed:  # a fold for room may open at once
            return 0, 0
        first = self._view.rowAt(0) if self._view is not None else 0
        return max(0, first), height // max(1, smallest_card_height()) + 2

    def update_stage(self) -> None:
        st = self.model.stage
        if self._header is not None:
            self._header.set_name(st.name)
        if self._delegate is not None:
            self._delegate.stage_color = QColor(st.color)
        self.setToolTip("")
        self.accent_color = QColor(st.color)
        if self._view is not None:
            self._view.viewport().update()
        self.update()

    def _update_count(self, total: int) -> None:
        if self._header is not None:
            self._header.set_count(f"{total:,}", f"{total:,} contacts in {self.model.stage.name}")
        self._update_value()
        if self.collapsed:  # the strip shows the count
            self.update()

    @property
    def count_text(self) -> str:
        """The count the header (or the folded strip) shows."""
        return f"{self.model.total:,}"

    def keep_value_line(self, keep: bool) -> None:
        """Keep room for the sum line even without a sum (the board: some column has one)."""
        self._keep_value_line = keep
        if self._header is not None:
            self._header.set_keep_value_line(keep)

    def _update_value(self) -> None:
        value = self.model.value
        if self.collapsed:  # the strip shows the sum
            self.update()
        if self._header is None:  # made with the value when the column opens
            return
        if value is None:
            self._header.set_value("", "")
            return
        self._header.set_value(
            f"{format_money(value)} in deals",
            f"Sum of the deal values of the {self.model.total:,} contacts in "
            f"{self.model.stage.name} (with the board's filters)",
        )

    def set_empty_text(self, title: str, hint: str) -> None:
        self._empty = (title, hint)
        if self._view is not None:
            self._view.empty_title = title
            self._view.empty_hint = hint
            self._view.viewport().update()

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
        if self._header is not None:
            self._header.setVisible(not collapsed)
        if self._view is not None:
            self._view.setVisible(not collapsed)
        self.open_view()  # opened: its view made and its cards read, if not yet
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
        p = QPainter(self)
        # the stage's colour along the top, square ends (the column's 9 px corners are
        # above it, outside its 4 px)
        top = self.contentsRect()
        p.fillRect(QRect(top.left(), top.top(), top.width(), ACCENT_HEIGHT), self.accent_color)
        if not self.collapsed:
            p.end()
            return
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
            self._read_only is None
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

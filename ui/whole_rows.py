"""A list or table cut at a row's end, never through a row. Where a page gives a list the
height it has left (the import summary's new contacts at 1024×700: two rows and the top
half of a third), the list takes the most whole rows that fit in that height and leaves the
rest (less than a row) below its frame; scrolling goes a row at a time, so the rows in sight
stay whole."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QSizePolicy, QTableView, QTreeView, QWidget


def whole_rows_height(view: QAbstractItemView, room: int) -> int:
    """The height of ``view`` (frame, header and horizontal scroll bar included) that shows
    the most whole rows from its top row on in ``room`` px: ``room`` when not even one fits;
    when every row fits, the rows' height (``room`` for a view that grows: its empty white
    is its own)."""
    model = view.model()
    if model is None:
        return room
    height = 2 * view.frameWidth()
    header = (
        view.horizontalHeader()
        if isinstance(view, QTableView)
        else view.header()
        if isinstance(view, QTreeView)
        else None
    )
    if header is not None and not header.isHidden():
        height += header.height() or header.sizeHint().height()
    bar = view.horizontalScrollBar()
    if bar.isVisible():
        height += bar.height()
    first = max(0, view.verticalScrollBar().value()) if _per_item(view) else 0
    rows = model.rowCount(view.rootIndex())
    whole = 0
    for row in range(first, rows):
        step = _row_height(view, row)
        if height + step > room:
            break
        height += step
        whole += 1
    if whole == 0:
        return room
    if first + whole == rows and view.sizePolicy().verticalPolicy().value & _GROWS:
        return room  # a table that takes the room: its empty white is the table's
    return height


# what changes the height of a view's rows or header
_RESIZED = (
    QEvent.Type.LayoutRequest,
    QEvent.Type.Polish,
    QEvent.Type.StyleChange,
    QEvent.Type.FontChange,
)
_GROWS = QSizePolicy.PolicyFlag.GrowFlag.value | QSizePolicy.PolicyFlag.ExpandFlag.value


def _per_item(view: QAbstractItemView) -> bool:
    return view.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem


def _row_height(view: QAbstractItemView, row: int) -> int:
    if isinstance(view, QTableView):
        return view.rowHeight(row)
    index = view.model().index(row, 0, view.rootIndex())
    rect = view.visualRect(index)
    return rect.height() if rect.isValid() else view.sizeHintForRow(row)


class WholeRows(QWidget):
    """Holds ``view`` and asks for what it asks for; given a height, shows the view at the
    most whole rows that fit (:func:`whole_rows_height`) and leaves the few pixels left
    over empty under it."""

    def __init__(self, view: QAbstractItemView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self._hints: tuple[QSize, QSize] | None = None  # the view's, as the layout has them
        view.setParent(self)
        self.setSizePolicy(view.sizePolicy())
        self.setVisible(not view.isHidden())
        view.installEventFilter(self)
        # bound methods, not lambdas: Qt drops the connections with the holder
        view.verticalScrollBar().valueChanged.connect(self._rows_moved)
        model = view.model()
        if model is not None:
            for signal in (model.modelReset, model.layoutChanged):
                signal.connect(self.place)
            for signal in (model.rowsInserted, model.rowsRemoved):
                signal.connect(self._rows_moved)
        if isinstance(view, QTableView):  # a row grown or shrunk to its wrapped text
            view.verticalHeader().sectionResized.connect(self._rows_moved)

    def sizeHint(self) -> QSize:
        return self.view.sizeHint()

    def minimumSizeHint(self) -> QSize:
        return self.view.minimumSizeHint()

    def hasHeightForWidth(self) -> bool:
        return False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.view:
            if kind in _RESIZED:
                self.place()  # its rows or header may be of another height now
            elif kind in (QEvent.Type.ShowToParent, QEvent.Type.HideToParent):
                # shown or hidden by its owner: the holder with it (no empty room kept)
                self.setVisible(kind == QEvent.Type.ShowToParent)
        return False

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:  # the view's updateGeometry()
            self.place()
        return super().event(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.place()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.place()

    def _rows_moved(self, *_args: object) -> None:
        self.place()

    def place(self) -> None:
        """The view across the holder's width, as tall as its whole rows that fit."""
        hints = (self.view.sizeHint(), self.view.minimumSizeHint())
        if hints != self._hints:  # the view asks for another height (also while hidden)
            self._hints = hints
            self.updateGeometry()
        width = self.width()
        if self.view.width() != width:
            self.view.resize(width, self.view.height())  # rows wrap at this width
        self.view.setGeometry(0, 0, width, whole_rows_height(self.view, self.height()))

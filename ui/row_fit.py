"""Rows as tall as their wrapped text, in a table of any length.

``QTableView.resizeRowsToContents()`` measures every row on the GUI thread (thousands of
likely-duplicate pairs: a freeze on every column resize), and Qt's measure of wrapped text
can come out a line short of what is painted (the last line then ends in "…").
:class:`VisibleRowFitter` measures only the rows in sight (again after a scroll, a resize or
a change of the data), with :class:`WrapDelegate`, which measures a cell's text at its
column's width less the room the painting takes, plus a little slack: never a line short.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QApplication,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
)

SLACK = 4  # px narrower than painted: a word at the edge wraps in the measure too


class WrapDelegate(QStyledItemDelegate):
    """Paints as Qt does; measures wrapped text at its column's width."""

    def __init__(self, view: QTableView, row_height: int = 0) -> None:
        super().__init__(view)
        self.view = view
        # a list of even rows: a cell on one line asks for this height, each further line
        # of wrapped text for one line more (0: as tall as the style makes the cell)
        self.row_height = row_height

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        # QStyledItemDelegate.sizeHint's own measure, from the one option made here: its
        # initStyleOption asks the model for every role, and was made twice per cell
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        hint = index.data(Qt.ItemDataRole.SizeHintRole)
        widget = opt.widget  # type: ignore[attr-defined]
        if isinstance(hint, QSize):
            base = hint
        else:
            own = widget.style() if widget is not None else QApplication.style()
            base = own.sizeFromContents(QStyle.ContentsType.CT_ItemViewItem, opt, QSize(), widget)
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if not isinstance(text, str) or not text:
            return QSize(base.width(), self.row_height) if self.row_height else base
        style = self.view.style() or QApplication.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.view) + 1
        width = self.view.columnWidth(index.column()) - 2 * margin - SLACK
        if self.view.showGrid():
            width -= 1
        if opt.features & QStyleOptionViewItem.ViewItemFeature.HasDecoration:  # type: ignore[attr-defined]
            width -= opt.decorationSize.width() + 2 * margin  # type: ignore[attr-defined]
        if width <= 0:
            return base
        fm = QFontMetrics(opt.font)  # type: ignore[attr-defined]
        flags = int(Qt.TextFlag.TextWordWrap) | int(Qt.TextFlag.TextWrapAnywhere)
        needed = fm.boundingRect(QRect(0, 0, width, 1_000_000), flags, text).height()
        if self.row_height:
            one_line = fm.boundingRect(QRect(0, 0, 1_000_000, 1_000_000), 0, text).height()
            return QSize(base.width(), self.row_height + max(0, needed - one_line))
        # the cell's own vertical room (padding, focus frame) around its text: what it asks
        # for unwrapped, less its text unwrapped
        unwrapped = QStyleOptionViewItem(option)
        unwrapped.features &= ~QStyleOptionViewItem.ViewItemFeature.WrapText  # type: ignore[attr-defined]
        plain = super().sizeHint(unwrapped, index).height()
        chrome = max(
            0, plain - fm.boundingRect(QRect(0, 0, 1_000_000, 1_000_000), 0, text).height()
        )
        return QSize(base.width(), max(base.height(), needed + chrome))


class VisibleRowFitter(QObject):
    """Keeps the rows in sight of ``view`` as tall as their wrapped text (word wrap on, no
    "…", no sideways scrolling); rows out of sight are measured when they come into it."""

    def __init__(self, view: QTableView, min_height: int = 0) -> None:
        super().__init__(view)
        self.view = view
        self.min_height = min_height  # no row lower than this (a list's even row height)
        view.setWordWrap(True)
        view.setTextElideMode(Qt.TextElideMode.ElideNone)
        view.setItemDelegate(WrapDelegate(view, row_height=min_height))
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._fit_in_sight)
        self._measured: dict[int, int] = {}  # row -> the width of the columns it was measured at
        model = view.model()
        for signal in (model.modelReset, model.layoutChanged):
            signal.connect(self._forget)
        for signal in (model.rowsInserted, model.rowsRemoved):
            signal.connect(lambda *_a: self._forget())
        model.dataChanged.connect(self._changed)
        view.horizontalHeader().sectionResized.connect(lambda *_a: self._forget())
        view.verticalScrollBar().valueChanged.connect(lambda _v: self._timer.start())
        view.viewport().installEventFilter(self)
        self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self._timer.start()
        return False

    def _fit_in_sight(self) -> None:
        """The timer's fit: none while the view is hidden (the list behind the board, its
        columns fitted again after its first rows were read, measured its rows again as the
        board was first shown); it is measured when it is shown again."""
        if self.view.isVisible():
            self.fit()

    def _forget(self) -> None:
        self._measured.clear()
        self._timer.start()

    def _changed(self, top: QModelIndex, bottom: QModelIndex, *_roles: object) -> None:
        for row in range(top.row(), bottom.row() + 1):
            self._measured.pop(row, None)
        self._timer.start()

    def _columns_width(self) -> int:
        header = self.view.horizontalHeader()
        return sum(header.sectionSize(c) for c in range(header.count()))

    def visible_rows(self) -> range:
        view = self.view
        rows = view.model().rowCount()
        if rows == 0:
            return range(0)
        first = max(0, view.rowAt(0))
        last = view.rowAt(view.viewport().height() - 1)
        last = rows - 1 if last < 0 else last
        return range(first, min(rows, last + 2))

    def fit(self) -> None:
        """Measure the rows in sight (a few passes: a row that grew pushes others out)."""
        width = self._columns_width()
        for _ in range(4):
            changed = False
            for row in self.visible_rows():
                if self._measured.get(row) == width:
                    continue
                self._measured[row] = width
                before = self.view.rowHeight(row)
                if self.min_height:
                    # not resizeRowToContents: it takes the (hidden) row header's hint too
                    height = max(self.min_height, self.view.sizeHintForRow(row))
                    if height != before:
                        self.view.setRowHeight(row, height)
                else:
                    self.view.resizeRowToContents(row)
                changed = changed or self.view.rowHeight(row) != before
            if not changed:
                break

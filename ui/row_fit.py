"""Rows as tall as their wrapped text, in a table of any length.

``QTableView.resizeRowsToContents()`` measures every row on the GUI thread (thousands of
likely-duplicate pairs: a freeze on every column resize), and Qt's measure of wrapped text
can come out a line short of what is painted (the last line then ends in "…").
:class:`VisibleRowFitter` measures only the rows in sight (again after a scroll, a resize or
a change of the data), with :class:`WrapDelegate`, which measures a cell's text at the
width the style paints it in (its column's width less the room the painting takes). It
breaks the lines itself (at word boundaries, inside a word only where one word is wider
than the column) and paints the text so broken, so what is painted is what was measured:
Qt's painting wraps at word boundaries only (a word wider than its column was cut at the
right edge), and a measure that wrapped anywhere came out a line short of it ("Falk
Antriebstechnik GmbH" measured as two lines, painted as "Falk / Antriebstechnik", no "GmbH").
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
from PySide6.QtGui import QFont, QFontMetrics, QFontMetricsF, QTextLayout, QTextOption
from PySide6.QtWidgets import (
    QApplication,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
)

from ui.line_breaks import keep_hyphenated, plain

# px more than its text a column is given where widths are worked out from the texts'
# widths (ui.importing): a text that fits is not wrapped for a pixel's rounding
SLACK = 4


def wrapped_lines(text: str, font: QFont, width: int) -> list[str]:
    """``text`` broken into the lines it takes at ``width`` px: at word boundaries, as Qt
    paints wrapped text (not after the hyphen inside a word: ``ui.line_breaks``), and inside
    a word only where the word alone is wider than the line by more than a pixel (an e-mail
    address in a narrow column; a word a fraction of a pixel too wide is left whole, as Qt
    paints it); its own line breaks kept."""
    lines: list[str] = []
    metrics = QFontMetricsF(font)
    for paragraph in text.replace("\u2028", "\n").split("\n"):
        if not paragraph:
            lines.append("")
            continue
        joined = keep_hyphenated(paragraph, metrics, width + 1)
        for line, natural in _laid_out(joined, font, width, QTextOption.WrapMode.WordWrap):
            if natural <= width + 1:
                lines.append(plain(line))
            else:  # one word wider than the line: broken where it must
                anywhere = QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere
                lines += [plain(part) for part, _n in _laid_out(line, font, width, anywhere)]
    return lines


def _laid_out(
    text: str, font: QFont, width: int, mode: QTextOption.WrapMode
) -> list[tuple[str, float]]:
    """(line, its natural width) of ``text`` laid out at ``width`` in ``mode``."""
    option = QTextOption()
    option.setWrapMode(mode)
    layout = QTextLayout(text, font)
    layout.setTextOption(option)
    layout.beginLayout()
    lines = []
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        start = line.textStart()
        lines.append((text[start : start + line.textLength()].rstrip(), line.naturalTextWidth()))
    layout.endLayout()
    return lines


# (text, font key, width) -> the text as painted: itself where it fits on one line (most
# cells), else broken into its lines. A paint asks again for every cell in sight.
_PAINTED: dict[tuple[str, str, int], str] = {}
PAINTED_KEPT = 8192
_WRAP = QStyleOptionViewItem.ViewItemFeature.WrapText.value
_ICON = QStyleOptionViewItem.ViewItemFeature.HasDecoration.value


def painted_text(text: str, font: QFont, width: int, font_key: str | None = None) -> str:
    """``text`` as painted at ``width``: as it is where it fits on one line, else broken into
    its lines (:func:`wrapped_lines`) joined by Qt's line separator, which the style paints
    as a line break ("\\n" as nothing). ``font_key``: ``font.key()``, if known."""
    key = (text, font_key or font.key(), width)
    known = _PAINTED.get(key)
    if known is None:
        if len(_PAINTED) >= PAINTED_KEPT:
            _PAINTED.clear()
        # the fractional width, as the style's layout breaks lines on it (a rounded one that
        # just fits may not)
        if "\n" not in text and QFontMetricsF(font).horizontalAdvance(text) <= width:
            known = text
        else:
            lines = wrapped_lines(text, font, width)
            known = lines[0] if len(lines) == 1 else "\u2028".join(lines)
        _PAINTED[key] = known
    return known


class WrapDelegate(QStyledItemDelegate):
    """Measures and paints wrapped text at the width the style paints it in, broken into
    the same lines for both (:func:`wrapped_lines`)."""

    def __init__(self, view: QTableView, row_height: int = 0) -> None:
        super().__init__(view)
        self.view = view
        # a list of even rows: a cell on one line asks for this height, each further line
        # of wrapped text for one line more (0: as tall as the style makes the cell)
        self.row_height = row_height
        # (column, its width, icon width) -> the text's width: the style's answer, asked
        # once per column and width (again after a change of style or font), not for every
        # cell of every paint
        self._widths: dict[tuple[int, int, int], int] = {}
        # the cells' fonts (the list's and its bold one) and their keys: comparing a font is
        # cheaper than making its key
        self._font_keys: list[tuple[QFont, str]] = []

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        features = option.features.value  # type: ignore[attr-defined]
        text = option.text  # type: ignore[attr-defined]
        if not text or not features & _WRAP:
            return
        width = self._text_width(option, index, features)
        if width > 0:
            font: QFont = option.font  # type: ignore[attr-defined]
            shown = painted_text(text, font, width, self._font_key(font))
            if shown != text:
                option.text = shown  # type: ignore[attr-defined]

    def _font_key(self, font: QFont) -> str:
        for known, key in self._font_keys:
            if known == font:
                return key
        if len(self._font_keys) > 8:
            self._font_keys.clear()
        key = font.key()
        self._font_keys.append((QFont(font), key))
        return key

    def _text_width(
        self, opt: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex, features: int
    ) -> int:
        """The width the cell's text is broken at: the one the style paints it in (its text
        rect less its text margins) in a cell as wide as its column."""
        view = self.view
        column = index.column()
        icon = opt.decorationSize.width() if features & _ICON else -1  # type: ignore[attr-defined]
        key = (column, view.columnWidth(column), icon)
        known = self._widths.get(key)
        if known is None:
            if len(self._widths) > 256:  # widths of long ago (columns resized many times)
                self._widths.clear()
            style = view.style() or QApplication.style()
            cell = QStyleOptionViewItem(opt)
            grid = 1 if view.showGrid() else 0
            cell.rect = QRect(0, 0, key[1] - grid, 1_000)  # type: ignore[attr-defined]
            text = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, cell, view)
            margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
            known = self._widths[key] = text.width() - 2 * margin
        return known

    def forget_widths(self) -> None:
        """Another style, font or grid: the texts' widths are asked for again."""
        self._widths.clear()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        # QStyledItemDelegate.sizeHint's own measure, from the one option made here: its
        # initStyleOption asks the model for every role, and was made twice per cell
        opt = QStyleOptionViewItem(option)
        # the cell's own text (its width is the column's wish: measured broken at the
        # column's width, a column sized to its contents would keep itself narrow)
        QStyledItemDelegate.initStyleOption(self, opt, index)
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
        font: QFont = opt.font  # type: ignore[attr-defined]
        features = opt.features.value  # type: ignore[attr-defined]
        painted = text
        if features & _WRAP and (width := self._text_width(opt, index, features)) > 0:
            painted = painted_text(opt.text, font, width, self._font_key(font))  # type: ignore[attr-defined]
        fm = QFontMetrics(font)
        unbounded = QRect(0, 0, 1_000_000, 1_000_000)
        needed = fm.boundingRect(unbounded, 0, painted).height()  # the lines as painted
        one_line = fm.boundingRect(unbounded, 0, text).height()
        if self.row_height:
            return QSize(base.width(), self.row_height + max(0, needed - one_line))
        # the cell's own vertical room (padding, focus frame) around its text: what it asks
        # for unwrapped, less its text unwrapped
        unwrapped = QStyleOptionViewItem(option)
        unwrapped.features &= ~QStyleOptionViewItem.ViewItemFeature.WrapText  # type: ignore[attr-defined]
        plain = super().sizeHint(unwrapped, index).height()
        chrome = max(0, plain - one_line)
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
        self.delegate = WrapDelegate(view, row_height=min_height)
        view.setItemDelegate(self.delegate)
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
        view.installEventFilter(self)  # its style and font
        self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.Resize, QEvent.Type.Show):
            self._timer.start()
        elif kind in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self.delegate.forget_widths()
            self._forget()
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

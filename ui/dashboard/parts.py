"""The dashboard's parts: a figure tile, the per-source table that is as tall as its rows,
and the dashboard's style sheet in the window's colours."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import QFrame, QHeaderView, QLabel, QSizePolicy, QTableView, QVBoxLayout

from ui.column_share import set_widths, share_room
from ui.dashboard.model import SourceRatesModel
from ui.header_align import align_headers_with_cells
from ui.line_breaks import KeepHyphensDelegate
from ui.theme import theme_colors


def dashboard_style(palette: QPalette) -> str:
    """The dashboard's cards and figures in the window's colours (light or dark, text at a
    contrast of 4.5:1 or more: ``ui.theme``)."""
    c = theme_colors(palette)
    return f"""
#dashboard {{ background: {c["window"]}; }}
#dashCard {{ background: {c["base"]}; border: 1px solid {c["border"]}; border-radius: 8px; }}
#tileValue {{ font-size: 18pt; font-weight: bold; color: {c["strong"]}; }}
#tileValue[alarm="true"] {{ color: {c["error"]}; }}
#tileLabel {{ color: {c["muted"]}; font-size: 8pt; font-weight: bold; }}
#dashNote {{ color: {c["muted"]}; }}
"""


def plain(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if name:
        label.setObjectName(name)
    return label


def days_text(days: float) -> str:
    return f"{days:.1f} day" if round(days, 1) == 1.0 else f"{days:.1f} days"


class Tile(QFrame):
    """A figure with its caption (the unanswered share turns red); ``link`` (hidden unless
    set) is a way to fix a missing figure."""

    link_activated = Signal()

    def __init__(self, label: str, tip: str) -> None:
        super().__init__()
        self.setObjectName("dashCard")
        self.value = plain("—", "tileValue")
        # captions and links are never word-wrapped (a wrapped label's height depends on its
        # width, which the tile grid settles only after it was drawn once: the caption then
        # overlapped the figure); long captions have their own line breaks
        self.caption = plain(label.upper(), "tileLabel")
        self.link = QLabel()
        self.link.setObjectName("tileLink")
        self.link.setTextFormat(Qt.TextFormat.RichText)  # our own text, not user data
        self.link.linkActivated.connect(lambda _href: self.link_activated.emit())
        self.link.hide()
        self.setToolTip(tip)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 8)
        lay.setSpacing(0)
        lay.addWidget(self.value)
        lay.addWidget(self.caption)
        lay.addWidget(self.link)
        lay.addStretch(1)

    def set_value(self, text: str, alarm: bool = False) -> None:
        self.value.setText(text)
        self.value.setProperty("alarm", "true" if alarm else "false")
        self.value.style().unpolish(self.value)
        self.value.style().polish(self.value)

    def set_link(self, text: str | None) -> None:
        if text:
            self.link.setText(f'<a href="fix">{text}</a>')
        self.link.setVisible(bool(text))


class SourceTable(QTableView):
    """The per-source table: names in full (wrapped), headers on two lines where a column
    is narrow and on one where it has the room (at 2560 px every "Qualification / rate" sat on
    two lines in a column 270 px wide), as tall as its rows (no empty space below a short
    table, no scroll bar inside the dashboard's). Each column as wide as its widest text;
    where the table has more room than that, every column gets an even share of the rest (the
    source column took all of it: 1,600 px of names 230 px long beside 60 px figures at
    2560 px)."""

    def __init__(self, model: SourceRatesModel) -> None:
        super().__init__()
        self.setObjectName("sourceRates")
        self.rates = model
        self.setModel(model)
        self.setSortingEnabled(True)
        self.verticalHeader().hide()
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)
        self.setItemDelegate(KeepHyphensDelegate(self))  # "E-mail" kept whole
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = align_headers_with_cells(self)  # the rates' headers over the rates
        header.setTextElideMode(Qt.TextElideMode.ElideNone)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(24)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        model.modelReset.connect(self.fit)
        model.layoutChanged.connect(self.fit)
        model.headerDataChanged.connect(lambda *_a: self.fit())

    SOURCE_MIN = 96  # the source column never gets narrower (its names wrap instead)

    def fit(self) -> None:
        self.fit_columns()
        self.fit_height()

    def column_width(self, column: int) -> int:
        """What a figure column needs: its widest header line or value, and some air."""
        model = self.model()
        bold = QFont(self.horizontalHeader().font())
        bold.setBold(True)
        head = QFontMetrics(bold)
        cells = QFontMetrics(self.font())
        text = self.rates.narrow_header_text(column)
        widths = [head.horizontalAdvance(line) for line in text.split("\n")]
        widths += [
            cells.horizontalAdvance(str(model.index(r, column).data()))
            for r in range(model.rowCount())
        ]
        return max(widths) + 14

    def source_width(self) -> int:
        """What the source column needs: its widest name (or header) on one line."""
        model = self.model()
        cells = QFontMetrics(self.font())
        names = [str(model.index(r, 0).data()) for r in range(model.rowCount())]
        head = self.rates.narrow_header_text(0)
        widest = max((cells.horizontalAdvance(n) for n in names), default=0)
        return (
            max(widest, QFontMetrics(self.horizontalHeader().font()).horizontalAdvance(head)) + 14
        )

    def fit_columns(self) -> None:
        columns = self.model().columnCount()
        if columns == 0:
            return
        figures = [self.column_width(c) for c in range(1, columns)]
        # the names wrap where the figures leave them less than they need
        needs = [self.source_width(), *figures]
        widths = share_room(needs, self.viewport().width(), 0, self.SOURCE_MIN)
        set_widths(self, widths)
        # a header on one line where its column has the room for it
        model = self.rates
        bold = QFont(self.horizontalHeader().font())
        bold.setBold(True)
        head = QFontMetrics(bold)
        model.set_one_line(
            frozenset(
                c
                for c, width in enumerate(widths)
                if head.horizontalAdvance(model.narrow_header_text(c).replace("\n", " ")) + 14
                <= width
            )
        )

    def minimum_width(self) -> int:
        figures = sum(self.column_width(c) for c in range(1, self.model().columnCount()))
        return figures + self.SOURCE_MIN + 2 * self.frameWidth()

    def fit_height(self) -> None:
        self.resizeRowsToContents()
        rows = sum(self.rowHeight(r) for r in range(self.model().rowCount()))
        frame = 2 * self.frameWidth()
        self.setFixedHeight(self.horizontalHeader().height() + rows + frame + 2)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        QTimer.singleShot(0, self.fit)  # the columns share the new width; rows re-wrap

    def minimumSizeHint(self) -> QSize:
        return QSize(self.minimum_width(), super().minimumSizeHint().height())

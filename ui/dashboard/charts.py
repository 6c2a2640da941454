"""The dashboard's charts, painted with QPainter so that every text is laid out in full.

Category names (stages, sources) sit left of their bars, wrapped onto more lines when long —
never cut or elided; the chart grows in height instead. The trend's date labels sit centred
under the points they name; when there is no room for every label, every k-th one is shown
(counted back from the newest), still under its point. ``placed()`` says where each text went
and how much room it had (the tests check both); ``point_x(i)`` where a category's point is.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QHelpEvent, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ui.line_breaks import keep_hyphenated

PAD = 12.0
GAP = 8.0
LEAST_PLOT = 160.0  # the trend's plot is never drawn lower
WRAP = int(Qt.TextFlag.TextWordWrap)
ANYWHERE = int(Qt.TextFlag.TextWrapAnywhere)


@dataclass(frozen=True)
class PlacedText:
    """One text as drawn: ``rect`` is its room (the text fits inside it, wrapped by ``flags``);
    ``anchor_x`` is the x it names (a point of the trend), when it names one."""

    text: str
    rect: QRectF
    flags: int
    kind: str  # title, legend, category, value, axis, empty
    anchor_x: float | None = None


@dataclass(frozen=True)
class Series:
    name: str
    color: str


@dataclass(frozen=True)
class BarRow:
    """One category of a bar chart: its name, a value per series (None: no figure) and the
    text shown at the end of each bar."""

    label: str
    values: tuple[float | None, ...]
    texts: tuple[str, ...]
    tip: str = ""


def nice_ticks(top: float, most: int = 6, integers: bool = False) -> list[float]:
    """0 … a round number ≥ top, at round steps (1, 2, 2.5, 5 × 10ⁿ), at most ``most`` steps;
    whole steps only when ``integers`` (counts)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / most
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if integers:
        step = max(1.0, float(math.ceil(step)))
    count = math.ceil(top / step - 1e-9)
    return [i * step for i in range(count + 1)]


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value - round(value)) < 1e-9 else f"{value:,.1f}"


def wrapped_as_drawn(text: str, flags: int, fm: QFontMetricsF, width: float) -> str:
    """``text`` as drawn wrapped at ``width`` (``flags`` with WRAP): a hyphenated word breaks
    only where a space is (``ui.line_breaks``)."""
    return keep_hyphenated(text, fm, width) if flags & WRAP else text


def text_fits(font: QFont, placed: PlacedText) -> bool:
    """The text, wrapped as drawn, needs no more room than it was given."""
    fm = QFontMetricsF(font)
    width = placed.rect.width()
    text = wrapped_as_drawn(placed.text, placed.flags, fm, width)
    needed = fm.boundingRect(QRectF(0, 0, width, 100000), placed.flags, text).size()
    return (
        needed.width() <= placed.rect.width() + 0.5
        and needed.height() <= placed.rect.height() + 0.5
    )


class _Chart(QWidget):
    """A titled card with a legend; subclasses lay out for a width and paint the layout.

    Beside another card in a row (the dashboard's two columns) it is given the row's height
    (``set_row_height``): the cards of a row end on one line; a chart that can draw bigger (the
    trend's plot) fills it, a bar chart keeps its bars and the card goes on below them.
    ``least_height(width)`` is what it needs at the least; ``needs_changed`` says it may differ
    now (other data, another width)."""

    needs_changed = Signal()

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashChart")
        self._title = title
        self._series: tuple[Series, ...] = ()
        self.empty_text = "Nothing to show for this period"
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(320)
        self._laid: tuple[float, list[PlacedText], float] | None = None  # width, texts, height
        self._row_height = 0  # the row's height beside another card (0: alone)

    # --- what to draw ---------------------------------------------------------------------
    def title(self) -> str:
        return self._title

    def set_title(self, title: str) -> None:
        self._title = title
        self._changed()

    def series(self) -> tuple[Series, ...]:
        return self._series

    def _changed(self) -> None:
        self._laid = None
        self.updateGeometry()
        self._fit_height()
        self.update()
        self.needs_changed.emit()

    def set_row_height(self, height: int) -> None:
        """The height of the row it shares with another card (0: it is alone in its row)."""
        if height == self._row_height:
            return
        self._row_height = height
        self._laid = None
        self._fit_height()
        self.update()

    def row_height(self) -> int:
        return self._row_height

    def least_height(self, width: float) -> int:
        """The least height it is drawn in at this width (beside a taller card it grows)."""
        return self.needed_height(width)

    # --- layout ----------------------------------------------------------------------------
    def _bold(self) -> QFont:
        font = QFont(self.font())
        font.setBold(True)
        return font

    def _header(self, width: float, texts: list[PlacedText]) -> float:
        """Title and legend at the top; returns the y below them."""
        bold = QFontMetricsF(self._bold())
        room = QRectF(PAD, PAD, width - 2 * PAD, 100000)
        flags = WRAP | int(Qt.AlignmentFlag.AlignLeft)
        shown = wrapped_as_drawn(self._title, flags, bold, room.width())
        title = bold.boundingRect(room, flags, shown)
        texts.append(
            PlacedText(self._title, QRectF(PAD, PAD, room.width(), title.height()), WRAP, "title")
        )
        y = PAD + title.height() + 4
        if len(self._series) > 1:
            fm = QFontMetricsF(self.font())
            x = PAD
            for s in self._series:
                w = fm.horizontalAdvance(s.name) + 1
                if x > PAD and x + 16 + w > width - PAD:
                    x, y = PAD, y + fm.height() + 2
                texts.append(PlacedText(s.name, QRectF(x + 16, y, w, fm.height()), 0, "legend"))
                x += 16 + w + 14
            y += fm.height() + 2
        return y + GAP

    def _layout(self, width: float) -> tuple[list[PlacedText], float]:
        raise NotImplementedError

    def layout_for(self, width: float) -> tuple[list[PlacedText], float]:
        if self._laid is None or self._laid[0] != width:
            texts, height = self._layout(width)
            self._laid = (width, texts, height)
        return self._laid[1], self._laid[2]

    def placed(self) -> list[PlacedText]:
        """Every text as drawn at the current width."""
        return self.layout_for(float(self.width()))[0]

    def needed_height(self, width: float) -> int:
        return math.ceil(self.layout_for(width)[1])

    def _fit_height(self) -> None:
        needed = self.needed_height(float(max(self.width(), self.minimumWidth())))
        self.setFixedHeight(max(needed, self._row_height))

    def resizeEvent(self, event: object) -> None:
        if self._laid is None or self._laid[0] != float(self.width()):
            self._fit_height()
        super().resizeEvent(event)  # type: ignore[arg-type]
        if event.size().width() != event.oldSize().width():  # type: ignore[attr-defined]
            self.needs_changed.emit()  # wrapped anew: another least height

    def sizeHint(self) -> QSize:
        width = max(self.width(), 480)
        return QSize(width, self.needed_height(float(width)))

    # --- painting ----------------------------------------------------------------------------
    def _paint_card(self, p: QPainter) -> None:
        pal = self.palette()
        path = QPainterPath()
        path.addRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
        p.fillPath(path, pal.base())
        p.setPen(QPen(pal.mid().color(), 1))
        p.drawPath(path)

    def _paint_texts(self, p: QPainter, texts: list[PlacedText]) -> None:
        pal = self.palette()
        colors = {s.name: QColor(s.color) for s in self._series}
        for t in texts:
            p.setFont(self._bold() if t.kind == "title" else self.font())
            if t.kind == "legend":
                p.fillRect(
                    QRectF(t.rect.left() - 14, t.rect.center().y() - 5, 10, 10), colors[t.text]
                )
            muted = t.kind in ("axis", "empty")
            p.setPen(pal.placeholderText().color() if muted else pal.text().color())
            fm = QFontMetricsF(p.font())
            p.drawText(t.rect, t.flags, wrapped_as_drawn(t.text, t.flags, fm, t.rect.width()))


class BarChart(_Chart):
    """Horizontal bars, one group per category (a bar per series), the category names in full
    on the left and each bar's text at its end; a value axis at the bottom."""

    def __init__(
        self,
        title: str,
        series: Sequence[Series],
        axis_format: Callable[[float], str] = _number,
        top: float | None = None,
        parent: QWidget | None = None,
        integers: bool = False,
    ) -> None:
        super().__init__(title, parent)
        self._integers = integers
        self._series = tuple(series)
        self._rows: tuple[BarRow, ...] = ()
        self._axis_format = axis_format
        self._top = top
        self._bars: list[tuple[QRectF, str, BarRow]] = []  # for painting and tooltips
        self._ticks: list[tuple[float, float]] = []  # value, x
        self._plot = QRectF()

    def set_rows(self, rows: Sequence[BarRow], series: Sequence[Series] | None = None) -> None:
        """The categories (and, when given, the series their values stand for)."""
        self._rows = tuple(rows)
        if series is not None:
            self._series = tuple(series)
        self._changed()

    def rows(self) -> tuple[BarRow, ...]:
        return self._rows

    def _layout(self, width: float) -> tuple[list[PlacedText], float]:
        texts: list[PlacedText] = []
        self._bars = []
        self._ticks = []
        y = self._header(width, texts)
        fm = QFontMetricsF(self.font())
        if not self._rows:
            rect = QRectF(PAD, y, width - 2 * PAD, fm.height() * 3)
            texts.append(
                PlacedText(self.empty_text, rect, WRAP | int(Qt.AlignmentFlag.AlignCenter), "empty")
            )
            return texts, rect.bottom() + PAD
        inner = width - 2 * PAD
        natural = max(fm.horizontalAdvance(r.label) for r in self._rows) + 2
        label_w = min(natural, max(90.0, inner * 0.38))
        value_w = max(fm.horizontalAdvance(t) for r in self._rows for t in r.texts) + 6
        plot_left = PAD + label_w + GAP
        plot_right = width - PAD - value_w
        n = max(1, len(self._series))
        bar_h = 18.0 if n == 1 else 13.0
        top = self._top or max([v for r in self._rows for v in r.values if v is not None] + [0.0])
        ticks = (
            nice_ticks(top, integers=self._integers)
            if self._top is None
            else nice_ticks(self._top, 4)
        )
        scale_top = ticks[-1] if ticks[-1] > 0 else 1.0
        span = max(1.0, plot_right - plot_left)
        plot_top = y
        for row in self._rows:
            flags = WRAP | int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if any(fm.horizontalAdvance(word) > label_w for word in row.label.split()):
                flags |= ANYWHERE
            shown = wrapped_as_drawn(row.label, flags, fm, label_w)
            label_h = fm.boundingRect(QRectF(0, 0, label_w, 100000), flags, shown).height()
            bars_h = n * bar_h + (n - 1) * 2
            row_h = max(label_h, bars_h) + 10
            texts.append(PlacedText(row.label, QRectF(PAD, y, label_w, row_h), flags, "category"))
            by = y + (row_h - bars_h) / 2
            for i, s in enumerate(self._series):
                value = row.values[i] if i < len(row.values) else None
                length = 0.0 if value is None else span * min(1.0, max(0.0, value / scale_top))
                bar = QRectF(plot_left, by, length, bar_h)
                self._bars.append((bar, s.color, row))
                text = row.texts[i] if i < len(row.texts) else ""
                if text:
                    tw = fm.horizontalAdvance(text) + 1
                    rect = QRectF(
                        plot_left + length + 4, by + (bar_h - fm.height()) / 2, tw, fm.height()
                    )
                    texts.append(PlacedText(text, rect, 0, "value"))
                by += bar_h + 2
            y += row_h
        self._plot = QRectF(plot_left, plot_top, span, y - plot_top)
        y += 4
        last_right = -1e9
        for value in ticks:
            x = plot_left + span * value / scale_top
            label = self._axis_format(value)
            w = fm.horizontalAdvance(label) + 1
            rect = QRectF(x - w / 2, y, w, fm.height())
            self._ticks.append((value, x))
            if rect.left() >= last_right + 6 and rect.right() <= width - 2:
                texts.append(PlacedText(label, rect, 0, "axis", x))
                last_right = rect.right()
        return texts, y + fm.height() + PAD

    def paintEvent(self, _event: object) -> None:
        texts, _h = self.layout_for(float(self.width()))
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_card(p)
        if self._rows:
            grid = QColor(self.palette().mid().color())
            grid.setAlpha(90)
            p.setPen(QPen(grid, 1))
            for _value, x in self._ticks:
                p.drawLine(QPointF(x, self._plot.top()), QPointF(x, self._plot.bottom()))
            for bar, color, _row in self._bars:
                if bar.width() > 0:
                    p.fillRect(bar, QColor(color))
        self._paint_texts(p, texts)
        p.end()

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ToolTip and isinstance(e, QHelpEvent):
            pos = QPointF(e.pos())
            for t in self.placed():
                if t.kind == "category" and t.rect.top() <= pos.y() < t.rect.bottom():
                    row = next((r for r in self._rows if r.label == t.text), None)
                    tip = row.tip if row and row.tip else t.text
                    QToolTip.showText(e.globalPos(), tip, self)
                    return True
            QToolTip.hideText()
            e.ignore()
            return True
        return super().event(e)


class TrendChart(_Chart):
    """Counts over time: a point (or a group of bars) per week or month, the labels centred
    under the points they name."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self._labels: tuple[str, ...] = ()
        self._values: tuple[tuple[float, ...], ...] = ()
        self._tips: tuple[str, ...] = ()
        self._bars = False
        self._xs: list[float] = []
        self._plot = QRectF()
        self._y_ticks: list[tuple[float, float]] = []
        self._top = 1.0
        self.setMinimumWidth(320)

    def set_data(
        self,
        labels: Sequence[str],
        series: Sequence[Series],
        values: Sequence[Sequence[float]],
        *,
        bars: bool = False,
        tips: Sequence[str] = (),
        title: str | None = None,
    ) -> None:
        """``labels``: one per point (the full label, e.g. "7 Sep"); ``values``: one sequence
        per series, as long as ``labels``."""
        self._labels = tuple(labels)
        self._series = tuple(series)
        self._values = tuple(tuple(float(v) for v in vs) for vs in values)
        self._tips = tuple(tips)
        self._bars = bars
        if title is not None:
            self._title = title
        self._changed()

    def labels(self) -> tuple[str, ...]:
        return self._labels

    def least_height(self, width: float) -> int:
        """As tall as its smallest plot (beside a taller card the plot grows to fill it)."""
        needed = self.needed_height(width)
        if not self._labels:
            return needed
        return math.ceil(needed - self._plot.height() + LEAST_PLOT)

    def plot_rect(self) -> QRectF:
        self.layout_for(float(self.width()))
        return QRectF(self._plot)

    def is_bars(self) -> bool:
        return self._bars

    def point_x(self, index: int) -> float:
        """Where the ``index``-th point (or bar group's centre) is drawn."""
        self.layout_for(float(self.width()))
        return self._xs[index]

    def point_y(self, series: int, index: int) -> float:
        self.layout_for(float(self.width()))
        value = self._values[series][index]
        return self._plot.bottom() - self._plot.height() * value / self._top

    def _layout(self, width: float) -> tuple[list[PlacedText], float]:
        texts: list[PlacedText] = []
        self._xs = []
        self._y_ticks = []
        y = self._header(width, texts)
        fm = QFontMetricsF(self.font())
        if not self._labels:
            rect = QRectF(PAD, y, width - 2 * PAD, fm.height() * 3)
            texts.append(
                PlacedText(self.empty_text, rect, WRAP | int(Qt.AlignmentFlag.AlignCenter), "empty")
            )
            return texts, rect.bottom() + PAD
        peak = max([v for vs in self._values for v in vs] + [0.0])
        ticks = nice_ticks(peak, 5, integers=True)  # counts
        self._top = ticks[-1] if ticks[-1] > 0 else 1.0
        y_label_w = max(fm.horizontalAdvance(_number(t)) for t in ticks) + 2
        # each label's room as the font lays it out (lines and leading included)
        sizes = [
            fm.boundingRect(QRectF(0, 0, 100000, 100000), 0, label).size() for label in self._labels
        ]
        label_h = max(size.height() for size in sizes)
        widest = max(size.width() for size in sizes) + 1
        plot_left = PAD + y_label_w + GAP
        plot_right = width - PAD - widest / 2
        plot_top = y + fm.height() / 2
        plot_h = max(LEAST_PLOT, min(320.0, width * 0.32))
        if self._row_height:  # beside another card: the plot fills the row's height
            below = 6 + label_h + PAD  # the labels under the plot and the card's edge
            plot_h = max(LEAST_PLOT, self._row_height - plot_top - below)
        self._plot = QRectF(plot_left, plot_top, max(1.0, plot_right - plot_left), plot_h)
        n = len(self._labels)
        step = self._plot.width() / n
        self._xs = [plot_left + (i + 0.5) * step for i in range(n)]
        for value in ticks:
            ty = self._plot.bottom() - plot_h * value / self._top
            self._y_ticks.append((value, ty))
            label = _number(value)
            rect = QRectF(PAD, ty - fm.height() / 2, y_label_w, fm.height())
            texts.append(PlacedText(label, rect, int(Qt.AlignmentFlag.AlignRight), "axis"))
        # every k-th label (counted back from the newest) so that neighbours keep a gap
        every = max(1, math.ceil((widest + 10) / step))
        label_top = self._plot.bottom() + 6
        for i, label in enumerate(self._labels):
            if (n - 1 - i) % every:
                continue
            w = sizes[i].width() + 1
            rect = QRectF(self._xs[i] - w / 2, label_top, w, label_h)
            flags = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            texts.append(PlacedText(label, rect, flags, "axis", self._xs[i]))
        return texts, label_top + label_h + PAD

    def paintEvent(self, _event: object) -> None:
        texts, _h = self.layout_for(float(self.width()))
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_card(p)
        if self._labels:
            grid = QColor(self.palette().mid().color())
            grid.setAlpha(90)
            p.setPen(QPen(grid, 1))
            for _value, ty in self._y_ticks:
                p.drawLine(QPointF(self._plot.left(), ty), QPointF(self._plot.right(), ty))
            for t in texts:
                if t.anchor_x is not None:  # a tick under each labelled point
                    x = t.anchor_x
                    p.drawLine(QPointF(x, self._plot.bottom()), QPointF(x, self._plot.bottom() + 4))
            if self._bars:
                self._paint_bars(p)
            else:
                self._paint_lines(p)
        self._paint_texts(p, texts)
        p.end()

    def _paint_lines(self, p: QPainter) -> None:
        dots = len(self._labels) <= 30
        for si, s in enumerate(self._series):
            color = QColor(s.color)
            points = [QPointF(x, self.point_y(si, i)) for i, x in enumerate(self._xs)]
            p.setPen(QPen(color, 2))
            for a, b in itertools.pairwise(points):
                p.drawLine(a, b)
            if dots:
                p.setBrush(color)
                for pt in points:
                    p.drawEllipse(pt, 3, 3)
                p.setBrush(Qt.BrushStyle.NoBrush)

    def _paint_bars(self, p: QPainter) -> None:
        n = max(1, len(self._series))
        step = self._plot.width() / max(1, len(self._labels))
        bar_w = min(28.0, step * 0.8 / n)
        for i, x in enumerate(self._xs):
            left = x - bar_w * n / 2
            for si, s in enumerate(self._series):
                top = self.point_y(si, i)
                p.fillRect(
                    QRectF(left + si * bar_w, top, bar_w - 1, self._plot.bottom() - top),
                    QColor(s.color),
                )

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ToolTip and isinstance(e, QHelpEvent) and self._xs:
            x = float(e.pos().x())
            i = min(range(len(self._xs)), key=lambda k: abs(self._xs[k] - x))
            head = self._tips[i] if i < len(self._tips) else self._labels[i].replace("\n", " ")
            lines = [head] + [
                f"{s.name}: {_number(self._values[si][i])}" for si, s in enumerate(self._series)
            ]
            QToolTip.showText(e.globalPos(), "\n".join(lines), self)
            return True
        return super().event(e)

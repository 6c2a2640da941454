"""A board column's header, painted: the stage name (wrapped, never cut), the live count in
its pill, the collapse button of a side column and the line with the sum of the deal values.

One widget with no layout of its own: the labels, pill, button and the layouts that placed
them were six widgets and three layouts a column, each styled and laid out as the board was
first shown (a tenth of the click on Board). Its height is worked out from the fonts; the
board aligns the headers (``row_height``) so that the cards of every column start level."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.kanban.style import board_colors
from ui.line_breaks import keep_hyphenated
from ui.theme import current_palette

MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM = 12, 8, 6, 4
SPACING = 6  # between the name, the pill and the button
PILL_PAD_X, PILL_PAD_Y = 8, 2  # inside the pill's 1 px border
PILL_RADIUS = 8.0
BUTTON_PAD_X = 4
NAME_POINTS, COUNT_POINTS, BUTTON_POINTS = 10.0, 8.5, 11.0
# the name wraps at word boundaries, inside a word only when the word is wider than its room
_WRAP = int(Qt.AlignmentFlag.AlignLeft) | int(Qt.TextFlag.TextWordWrap)
_WRAP_ANYWHERE = _WRAP | int(Qt.TextFlag.TextWrapAnywhere)


class ColumnHeader(QWidget):
    """Name, count pill, collapse button (``collapsible``) and the deal-sum line."""

    collapse_clicked = Signal()

    def __init__(self, collapsible: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("columnHeader")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.collapsible = collapsible
        self.name = ""
        self.count_text = ""
        self.count_tip = ""
        self.value_text = ""  # the sum line ("" while the column has no sum)
        self.value_tip = ""
        self.keep_value_line = False  # its room kept without a sum (another column has one)
        self.collapse_glyph = "«"
        self.collapse_tip = "Collapse this column"
        self._row = 0  # the name row's height, at least (the board aligns the headers)
        self._hover = False  # over the collapse button
        self._name_rects: dict[tuple[str, int], QRect] = {}
        self._rows: dict[tuple[int, str, str], int] = {}  # natural_row per width, name, count
        self._pill: tuple[str, QSize] | None = None  # the pill's size for its text
        self._fonts()
        # the tooltip of the part under the mouse (the count, the sum, the button)
        self.setMouseTracking(True)

    def _fonts(self) -> None:
        base = QFont(self.font())
        self.name_font = QFont(base)
        self.name_font.setBold(True)
        self.name_font.setPointSizeF(NAME_POINTS)
        self.count_font = QFont(base)
        self.count_font.setBold(True)
        self.count_font.setPointSizeF(COUNT_POINTS)
        self.button_font = QFont(base)
        self.button_font.setPointSizeF(BUTTON_POINTS)
        self.value_font = QFont(base)
        self._name_rects.clear()
        self._rows.clear()
        self._pill = None
        self._name_fm = QFontMetrics(self.name_font)
        self._count_fm = QFontMetrics(self.count_font)
        self._button_fm = QFontMetrics(self.button_font)
        fm = self._button_fm  # a tool button's room around its glyph
        self._button = QSize(fm.horizontalAdvance("«") + 2 * BUTTON_PAD_X + 15, fm.height() + 4)
        value_fm = QFontMetrics(self.value_font)
        # the same height with or without a sum (a fallback font's Σ may be taller)
        self._value_height = max(value_fm.height(), value_fm.boundingRect("Σ€$£0").height()) + 1

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._fonts()
            self.updateGeometry()
        super().changeEvent(event)

    # --- what it shows ----------------------------------------------------------------------------
    def set_name(self, name: str) -> None:
        if name != self.name:
            self.name = name
            self._changed()

    def set_count(self, text: str, tip: str) -> None:
        self.count_tip = tip
        if text != self.count_text:
            wider = len(text) != len(self.count_text)
            self.count_text = text
            if wider:  # the pill's width: the name's room changed
                self._changed()
            else:
                self.update()

    def set_value(self, text: str, tip: str) -> None:
        self.value_tip = tip
        if text != self.value_text:
            line = bool(text) != bool(self.value_text)
            self.value_text = text
            if line and not self.keep_value_line:
                self._changed()
            else:
                self.update()

    def set_keep_value_line(self, keep: bool) -> None:
        if keep != self.keep_value_line:
            self.keep_value_line = keep
            if not self.value_text:
                self._changed()

    @property
    def value_shown(self) -> bool:
        """Whether the sum line shows a sum."""
        return bool(self.value_text)

    def _changed(self) -> None:
        self.updateGeometry()
        self.update()

    # --- geometry ---------------------------------------------------------------------------------
    def pill_size(self) -> QSize:
        if self._pill is None or self._pill[0] != self.count_text:
            fm = self._count_fm
            size = QSize(
                fm.horizontalAdvance(self.count_text) + 2 * PILL_PAD_X + 2,
                fm.height() + 2 * PILL_PAD_Y + 2,
            )
            self._pill = (self.count_text, size)
        return QSize(self._pill[1])

    def button_size(self) -> QSize:
        return QSize(self._button) if self.collapsible else QSize(0, 0)

    def name_room(self, width: int | None = None) -> int:
        """The width the name wraps in."""
        width = self.width() if width is None else width
        room = width - MARGIN_LEFT - MARGIN_RIGHT - self.pill_size().width() - SPACING
        if self.collapsible:
            room -= self.button_size().width() + SPACING
        return max(1, room)

    def _name_flags(self, room: int) -> int:
        """Word wrap, and inside a word only where a word is wider than the room."""
        fm = self._name_fm
        widest = max((fm.horizontalAdvance(w) for w in self.name.split()), default=0)
        return _WRAP_ANYWHERE if widest > room else _WRAP

    def _name_at(self, room: int) -> str:
        """The name as wrapped at ``room``: "Follow-up" broken where a space is, not at its
        hyphen (``ui.line_breaks``)."""
        return keep_hyphenated(self.name, self._name_fm, room)

    def name_rect(self, width: int | None = None) -> QRect:
        """The name's lines, as painted (their bounding box at the top left); kept per name
        and room (the layouts ask for the header's height again and again as the board is
        laid out)."""
        room = self.name_room(width)
        key = (self.name, room)
        known = self._name_rects.get(key)
        if known is None:
            if len(self._name_rects) > 32:
                self._name_rects.clear()
            known = self._name_rects[key] = self._name_fm.boundingRect(
                QRect(0, 0, room, 10_000), self._name_flags(room), self._name_at(room)
            )
        return QRect(known)

    def natural_row(self, width: int | None = None) -> int:
        """The name row's height by its content: the name's lines, the pill, the button;
        kept per width, name and count (the layouts ask for the headers' heights some twenty
        times a column as the board is first shown)."""
        width = self.width() if width is None else width
        key = (width, self.name, self.count_text)
        known = self._rows.get(key)
        if known is None:
            if len(self._rows) > 32:
                self._rows.clear()
            known = self._rows[key] = max(
                self.name_rect(width).height(),
                self.pill_size().height(),
                self.button_size().height(),
            )
        return known

    def natural_height(self, width: int | None = None) -> int:
        """The header's height by its content at ``width`` (its own by default)."""
        return self._height_with(self.natural_row(width))

    def _height_with(self, row: int) -> int:
        value = self._value_height if self.value_text or self.keep_value_line else 0
        return MARGIN_TOP + row + value + MARGIN_BOTTOM

    def set_row_height(self, row: int) -> None:
        """At least this tall a name row (every column's cards then start level)."""
        if row != self._row:
            self._row = row
            self._changed()

    def row_height(self) -> int:
        return max(self._row, self.natural_row())

    def sizeHint(self) -> QSize:
        return QSize(160, self._height_with(self.row_height()))

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._height_with(max(self._row, self.natural_row(width)))

    def pill_rect(self) -> QRect:
        size = self.pill_size()
        right = self.width() - MARGIN_RIGHT
        if self.collapsible:
            right -= self.button_size().width() + SPACING
        return QRect(right - size.width(), MARGIN_TOP, size.width(), size.height())

    def collapse_rect(self) -> QRect:
        """Where the collapse button is (an empty rect without one)."""
        if not self.collapsible:
            return QRect()
        size = self.button_size()
        return QRect(
            self.width() - MARGIN_RIGHT - size.width(), MARGIN_TOP, size.width(), size.height()
        )

    def value_rect(self) -> QRect:
        top = MARGIN_TOP + self.row_height()
        return QRect(
            MARGIN_LEFT, top, self.width() - MARGIN_LEFT - MARGIN_RIGHT, self._value_height
        )

    # --- painting --------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        colors = board_colors(current_palette())
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        # the name, centred in the row (as tall as the tallest name of the board)
        room = self.name_room()
        lines = self.name_rect()
        top = MARGIN_TOP + (self.row_height() - lines.height()) // 2
        p.setFont(self.name_font)
        p.setPen(QColor(colors["name"]))
        shown = self._name_at(room)
        p.drawText(QRect(MARGIN_LEFT, top, room, lines.height()), self._name_flags(room), shown)
        # the count in its pill
        pill = QRectF(self.pill_rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        path = QPainterPath()
        path.addRoundedRect(pill, PILL_RADIUS, PILL_RADIUS)
        p.fillPath(path, QColor(colors["count_fill"]))
        p.setPen(QColor(colors["count_border"]))
        p.drawPath(path)
        p.setFont(self.count_font)
        p.setPen(QColor(colors["count"]))
        p.drawText(pill, Qt.AlignmentFlag.AlignCenter, self.count_text)
        # the collapse button
        if self.collapsible:
            button = self.collapse_rect()
            if self._hover:
                fill = QPainterPath()
                fill.addRoundedRect(QRectF(button), 4, 4)
                p.fillPath(fill, QColor(colors["collapse_hover_fill"]))
            p.setFont(self.button_font)
            p.setPen(QColor(colors["collapse_hover" if self._hover else "collapse"]))
            p.drawText(button, Qt.AlignmentFlag.AlignCenter, self.collapse_glyph)
        # the sum of the deal values
        if self.value_text:
            p.setFont(self.value_font)
            p.setPen(self.palette().color(QPalette.ColorRole.WindowText))
            p.drawText(
                self.value_rect(),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                self.value_text,
            )
        p.end()

    # --- the button, tooltips ---------------------------------------------------------------------
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        hover = self.collapse_rect().contains(pos)
        if hover != self._hover:
            self._hover = hover
            self.update(self.collapse_rect())
        tip = self.tip_at(pos)
        if tip != self.toolTip():
            self.setToolTip(tip)
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        if self._hover:
            self._hover = False
            self.update(self.collapse_rect())
        super().leaveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.collapse_rect().contains(
            event.position().toPoint()
        ):
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.collapse_rect().contains(
            event.position().toPoint()
        ):
            event.accept()
            self.collapse_clicked.emit()
            return
        super().mouseReleaseEvent(event)

    def tip_at(self, pos: QPoint) -> str:
        """The tooltip of the part of the header at ``pos`` (the button, the count, the sum)."""
        for rect, tip in (
            (self.collapse_rect(), self.collapse_tip),
            (self.pill_rect(), self.count_tip),
            (self.value_rect() if self.value_text else QRect(), self.value_tip),
        ):
            if rect.contains(pos):
                return tip
        return ""

"""Cards drawn by a delegate (no widget per card): name, title and company, score and domain
badges, source, BANT marks, and a red "Overdue" marker when a follow-up is late. Colours come
from the application palette (light or dark: :class:`CardColors`), text at 4.5:1 or more."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ui.contact_table import DOMAIN_BADGES
from ui.contrast import is_dark, mix
from ui.kanban.column_model import Card, CardRole
from ui.marks import paint_bant_marks
from ui.theme import current_palette, legible, soft_badge, text_on, tint

CARD_MARGIN_X = 8
CARD_MARGIN_Y = 4
PAD_X = 12
PAD_Y = 9
LINE_GAP = 4
RADIUS = 8.0
PIXMAP_CACHE = 40  # cards kept drawn per column (about 80 KB each)

OVERDUE = QColor("#C62828")
DOMAIN_TINT = 30 / 255  # an address badge's fill: this much of its colour over the card


@dataclass(frozen=True)
class CardColors:
    """What a card is painted with, for one palette: the card is the palette's Base (a tint
    of Highlight when selected); every text reads at 4.5:1 or more on what it sits on."""

    card: QColor
    selected: QColor
    text: QColor
    muted: QColor  # job title and company
    faint: QColor  # source, the "…" of a card not loaded
    border: QColor
    border_hover: QColor
    border_selected: QColor
    shadow: QColor
    score: tuple[QColor, QColor]  # (text, fill)
    sales_ready: tuple[QColor, QColor]
    overdue: tuple[QColor, QColor]
    count: tuple[QColor, QColor]  # the number on a stack of dragged cards

    @classmethod
    def of(cls, palette: QPalette) -> CardColors:
        role = QPalette.ColorRole
        base, text = palette.color(role.Base), palette.color(role.Text)
        accent = palette.color(role.Highlight)
        dark = is_dark(palette)
        selected = mix(base, accent, 0.16 if dark else 0.08)
        grounds = (base, selected)
        return cls(
            card=base,
            selected=selected,
            text=legible(text, grounds),
            muted=legible(mix(text, base, 0.25), grounds),
            faint=legible(mix(text, base, 0.45), grounds),
            border=mix(base, text, 0.22 if dark else 0.15),
            border_hover=mix(base, text, 0.4 if dark else 0.3),
            border_selected=accent,
            shadow=QColor(0, 0, 0, 90) if dark else QColor(16, 42, 67, 22),
            score=soft_badge("#334E68", "#EDF1F6", palette),
            sales_ready=soft_badge("#1B5E20", "#E3F4E8", palette),
            overdue=(text_on(OVERDUE), OVERDUE),
            count=(text_on(accent), accent),
        )


class CardDelegate(QStyledItemDelegate):
    """Paints one :class:`Card`; the stage colour comes from ``stage_color``."""

    def __init__(self, stage_color: str = "#8E99A8", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage_color = QColor(stage_color)
        self._pixmaps: OrderedDict[tuple[Any, ...], QPixmap] = OrderedDict()
        self._palette_key: int | None = None
        self._colors = self.colors()
        base = QFont()
        self.name_font = QFont(base)
        self.name_font.setBold(True)
        self.name_font.setPointSizeF(base.pointSizeF() * 1.05)
        self.sub_font = QFont(base)
        self.small_font = QFont(base)
        self.small_font.setPointSizeF(base.pointSizeF() * 0.88)
        self.badge_font = QFont(self.small_font)
        self.badge_font.setBold(True)
        self._height = (
            QFontMetrics(self.name_font).height()
            + LINE_GAP
            + QFontMetrics(self.sub_font).height()
            + LINE_GAP
            + 2
            + QFontMetrics(self.badge_font).height()
            + 4
            + 2 * PAD_Y
            + 2 * CARD_MARGIN_Y
        )

    @property
    def card_height(self) -> int:
        """Every card has the same height (the view places rows without asking each)."""
        return self._height

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(200, self._height)

    def colors(self) -> CardColors:
        """The colours for the application palette in use (worked out again, and the drawn
        cards dropped, when it changed: the system turned dark)."""
        palette = current_palette()
        if palette.cacheKey() != self._palette_key:
            self._palette_key = palette.cacheKey()
            self._colors = CardColors.of(palette)
            self._pixmaps.clear()
        return self._colors

    def card_rect(self, rect: QRect) -> QRectF:
        return QRectF(rect.adjusted(CARD_MARGIN_X, CARD_MARGIN_Y, -CARD_MARGIN_X, -CARD_MARGIN_Y))

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        card = index.data(CardRole)
        state = option.state  # type: ignore[attr-defined]
        rect: QRect = option.rect  # type: ignore[attr-defined]
        flags = (
            bool(state & QStyle.StateFlag.State_Selected),
            bool(state & QStyle.StateFlag.State_MouseOver),
            bool(state & QStyle.StateFlag.State_HasFocus),
        )
        if card is None:
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self.paint_card(painter, rect, None, *flags)
            painter.restore()
            return
        painter.drawPixmap(rect.topLeft(), self._card_pixmap(card, rect, flags, painter))

    def _card_pixmap(
        self, card: Card, rect: QRect, flags: tuple[bool, bool, bool], painter: QPainter
    ) -> QPixmap:
        """The card drawn once and kept: a move or a scroll repaints the same cards again."""
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        self.colors()  # a new palette drops the cards drawn in the old one
        key = (
            card.row,
            card.overdue,
            tuple(sorted(card.marks.items())),
            rect.width(),
            rect.height(),
            flags,
            self.stage_color.rgba(),
            ratio,
        )
        pix = self._pixmaps.get(key)
        if pix is not None:
            self._pixmaps.move_to_end(key)
            return pix
        pix = QPixmap(int(rect.width() * ratio), int(rect.height() * ratio))
        pix.setDevicePixelRatio(ratio)
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint_card(p, QRect(0, 0, rect.width(), rect.height()), card, *flags)
        p.end()
        self._pixmaps[key] = pix
        while len(self._pixmaps) > PIXMAP_CACHE:
            self._pixmaps.popitem(last=False)
        return pix

    def paint_card(
        self,
        p: QPainter,
        rect: QRect,
        card: Card | None,
        selected: bool = False,
        hover: bool = False,
        focus: bool = False,
    ) -> None:
        colors = self.colors()
        box = self.card_rect(rect)
        path = QPainterPath()
        path.addRoundedRect(box, RADIUS, RADIUS)
        if not selected:  # a soft shadow under the card
            shadow = QPainterPath()
            shadow.addRoundedRect(box.translated(0, 1.5), RADIUS, RADIUS)
            p.fillPath(shadow, colors.shadow)
        p.fillPath(path, colors.selected if selected else colors.card)
        p.save()
        p.setClipPath(path)
        p.fillRect(QRectF(box.left(), box.top(), 4, box.height()), self.stage_color)
        p.restore()
        pen = QPen(
            colors.border_selected
            if selected or focus
            else colors.border_hover
            if hover
            else colors.border
        )
        pen.setWidthF(1.6 if selected or focus else 1.0)
        p.setPen(pen)
        p.drawPath(path)
        if card is None:  # not loaded (the database did not answer): a quiet placeholder
            p.setPen(colors.faint)
            p.setFont(self.small_font)
            p.drawText(box.adjusted(PAD_X, 0, -PAD_X, 0), Qt.AlignmentFlag.AlignVCenter, "…")
            return
        row = card.row
        left = box.left() + PAD_X
        right = box.right() - PAD_X + 2
        y = box.top() + PAD_Y

        # line 1: name, score badge on the right
        name_fm = QFontMetrics(self.name_font)
        score_w = 0.0
        if row.score is not None:
            fg, bg = colors.sales_ready if row.sales_ready else colors.score
            score_w = self._badge(
                p, right, y, str(row.score), fg, bg, align_right=True, height=name_fm.height()
            )
            score_w += 6
        p.setFont(self.name_font)
        p.setPen(colors.text)
        name = row.name or row.company or row.email or "(no name)"
        p.drawText(
            QRectF(left, y, right - left - score_w, name_fm.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            name_fm.elidedText(name, Qt.TextElideMode.ElideRight, int(right - left - score_w)),
        )
        y += name_fm.height() + LINE_GAP

        # line 2: job title · company
        sub_fm = QFontMetrics(self.sub_font)
        sub = " · ".join(x for x in (row.title, row.company) if x) or (row.email or "")
        p.setFont(self.sub_font)
        p.setPen(colors.muted)
        p.drawText(
            QRectF(left, y, right - left, sub_fm.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            sub_fm.elidedText(sub, Qt.TextElideMode.ElideRight, int(right - left)),
        )
        y += sub_fm.height() + LINE_GAP + 2

        # line 3: domain badge, source … BANT marks, overdue
        badge_h = QFontMetrics(self.badge_font).height() + 4
        x = left
        end = right
        if card.overdue:
            end -= (
                self._badge(
                    p,
                    end,
                    y,
                    "Overdue",
                    *colors.overdue,
                    align_right=True,
                    height=badge_h,
                )
                + 6
            )
        # in a narrow column what does not fit is left out (overdue, then the domain badge,
        # then the BANT dots, then the source), never drawn over another
        label, color = DOMAIN_BADGES.get(row.domain_class, DOMAIN_BADGES[None])
        domain_w = 0.0
        if row.domain_class is not None:
            domain_w = QFontMetrics(self.badge_font).horizontalAdvance(label) + 12
        bant = card.marks.get("bant")
        if bant and end - x - domain_w >= 10 * len(bant) + 6:
            end -= self._bant_marks(p, end, y + badge_h / 2, bant) + 6
        if row.domain_class is not None and x + domain_w <= end:
            fg, bg = tint(color, DOMAIN_TINT)
            x += self._badge(p, x, y, label, fg, bg, height=badge_h) + 6
        if row.source and end - x > 24:
            small_fm = QFontMetrics(self.small_font)
            p.setFont(self.small_font)
            p.setPen(colors.faint)
            p.drawText(
                QRectF(x, y, end - x, badge_h),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                small_fm.elidedText(row.source, Qt.TextElideMode.ElideRight, int(end - x)),
            )

    def _badge(
        self,
        p: QPainter,
        x: float,
        y: float,
        text: str,
        fg: QColor,
        bg: QColor,
        align_right: bool = False,
        height: float | None = None,
    ) -> float:
        """A rounded pill; returns its width. With ``align_right`` x is the right edge."""
        fm = QFontMetrics(self.badge_font)
        h = height or fm.height() + 4
        h = min(h, fm.height() + 4)
        w = fm.horizontalAdvance(text) + 12
        left = x - w if align_right else x
        r = QRectF(left, y + 1, w, h - 1)
        pill = QPainterPath()
        pill.addRoundedRect(r, h / 2, h / 2)
        p.fillPath(pill, bg)
        p.setFont(self.badge_font)
        p.setPen(fg)
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, text)
        return w

    def _bant_marks(self, p: QPainter, right: float, cy: float, answers: Any) -> float:
        """One dot per criterion (green yes, red no, grey unknown); returns the width."""
        return paint_bant_marks(p, right, cy, answers)

    def drag_pixmap(self, card: Card | None, width: int, count: int) -> QPixmap:
        """The picture under the mouse while dragging: the card, stacked when several."""
        height = self._height
        extra = 8 if count > 1 else 0
        pix = QPixmap(width + extra, height + extra)
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setOpacity(0.92)
        if count > 1:
            self.paint_card(p, QRect(extra, extra, width, height), card)
        self.paint_card(p, QRect(0, 0, width, height), card, selected=True)
        if count > 1:
            self._badge(
                p,
                width - CARD_MARGIN_X - 4,
                CARD_MARGIN_Y - 2,
                f"{count:,}",
                *self.colors().count,
                align_right=True,
            )
        p.end()
        return pix

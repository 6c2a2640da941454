"""Cards drawn by a delegate (no widget per card): name, title and company, score and domain
badges, source, BANT marks, and a red "Overdue" marker when a follow-up is late. Colours come
from the application palette (light or dark: :class:`CardColors`), text at 4.5:1 or more.

Nothing on a card is cut short with "…" or left out: in a narrow column the name and the
title · company line wrap onto as many lines as they need, the tags (address badge, source,
BANT marks, Overdue) onto a second line when one does not hold them all, and each card is as
tall as its own text and tags ask (:meth:`CardDelegate.height_of`, worked out for the cards in
sight at the column's width and kept); a source longer than a whole line is shown by its kind
("Trade show"). The card's tooltip has everything in full."""

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
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ui.contact_table import DOMAIN_BADGES
from ui.contrast import is_dark, mix
from ui.kanban.column_model import Card, CardRole
from ui.line_breaks import keep_hyphenated, plain
from ui.marks import paint_bant_marks
from ui.theme import current_palette, legible, soft_badge, text_on, tint

CARD_MARGIN_X = 6
CARD_MARGIN_Y = 4
PAD_X = 10
PAD_Y = 9
LINE_GAP = 4
TAG_GAP = 6  # px between two tags on a line
TAG_LINE_GAP = 4  # px between two lines of tags
BANT_DOT, BANT_DOT_GAP = 7.0, 3.0  # ui.marks.paint_bant_marks' dots
RADIUS = 8.0
PIXMAP_CACHE = 40  # cards kept drawn per column (about 80 KB each)
FRAMES_KEPT = 24  # cards' frames kept per column (sizes x states)
MAX_NAME_LINES = 4  # a name wraps onto at most this many lines (only absurd ones need more)
MAX_SUB_LINES = 6  # title · company: at most this many lines
WRAPS_KEPT = 600  # wrapped texts a column keeps
HEIGHTS_KEPT = 4000  # card heights (per text and width) a column keeps

OVERDUE = QColor("#C62828")
DOMAIN_TINT = 30 / 255  # an address badge's fill: this much of its colour over the card
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_CENTER = Qt.AlignmentFlag.AlignCenter


@dataclass(frozen=True)
class Tag:
    """One of a card's tags on its last line(s): ``kind`` is domain, overdue, source or bant
    (``answers``: one mark per criterion); ``width`` in px."""

    kind: str
    text: str
    width: float
    answers: tuple[str, ...] = ()

    @property
    def on_the_right(self) -> bool:
        """BANT marks and Overdue sit at a line's right end, the others at its left."""
        return self.kind in ("bant", "overdue")


def _tags_width(tags: list[Tag]) -> float:
    return sum(t.width for t in tags) + TAG_GAP * max(0, len(tags) - 1)


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
        # cards' frames by size and state (``_frame``)
        self._frames: OrderedDict[tuple[Any, ...], QPixmap] = OrderedDict()
        self._palette_key: int | None = None
        # an address badge's (text, fill) per colour, in the palette of ``_palette_key``
        self._tints: dict[str, tuple[QColor, QColor]] = {}
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
        # each font's metrics and its part of a wrapped text's key, made once (a card's
        # painting asked for them a dozen times)
        self._name_fm, self._sub_fm = QFontMetrics(self.name_font), QFontMetrics(self.sub_font)
        self._small_fm, self._badge_fm = (
            QFontMetrics(self.small_font),
            QFontMetrics(self.badge_font),
        )
        self._font_parts: dict[int, tuple[str, QFontMetrics]] = {
            id(font): (font.key(), fm)
            for font, fm in (
                (self.name_font, self._name_fm),
                (self.sub_font, self._sub_fm),
                (self.small_font, self._small_fm),
                (self.badge_font, self._badge_fm),
            )
        }
        # the smallest card (a line of name, a line of title · company): rows not read yet
        self._min_text_height = self._name_fm.height() + LINE_GAP + self._sub_fm.height()
        self._height = self._card_height(self._min_text_height)
        # the width the column's cards are measured at (``fit``), and the height each card's
        # text asks at a width, kept (a column is resized several times while the board is
        # laid out, and back and forth after; a move or a hover paints the same cards again)
        self._width = 0
        self._heights: OrderedDict[tuple[Any, ...], int] = OrderedDict()
        # lines of text already wrapped (a card is wrapped when measured and again when
        # painted; a card is painted again when selected, hovered or moved)
        self._wrapped: OrderedDict[tuple[str, str, tuple[float, ...]], list[str]] = OrderedDict()

    def _card_height(self, text_height: int, tag_lines: int = 1) -> int:
        tags = tag_lines * self.tag_height + (tag_lines - 1) * TAG_LINE_GAP
        return int(text_height + LINE_GAP + 2 + tags + 2 * PAD_Y + 2 * CARD_MARGIN_Y)

    @property
    def tag_height(self) -> int:
        """The height of a line of tags (a badge's)."""
        return self._badge_fm.height() + 4

    @property
    def card_height(self) -> int:
        """The smallest card (one line of name, one of title · company): the height of a row
        whose card is not read yet; a read card is as tall as :meth:`height_of` says."""
        return self._height

    # --- lines: what each card needs at the column's width -------------------------------------
    @staticmethod
    def text_room(width: int) -> float:
        """The width the card's text lines have in a row ``width`` wide."""
        return width - 2 * CARD_MARGIN_X - 2 * PAD_X + 2.0

    def _score_width(self, score: int | None) -> float:
        if score is None:
            return 0.0
        return self._badge_fm.horizontalAdvance(str(score)) + 12 + 6

    @property
    def width(self) -> int:
        """The width the column's cards are measured at (0: not yet fitted)."""
        return self._width

    def fit(self, width: int) -> bool:
        """Measure the cards at ``width`` from now on; True when it changed (the column then
        sizes the rows in sight again)."""
        changed = width != self._width
        self._width = width
        return changed

    def height_of(self, card: Card | None, width: int | None = None) -> int:
        """The height ``card`` needs at ``width`` (the fitted width by default): its name on
        as many lines as it takes (up to MAX_NAME_LINES), then title · company on as many
        as they take (up to MAX_SUB_LINES), then its tags on as many as they take
        (:meth:`tag_lines`). Kept per text, tags and width."""
        width = self._width if width is None else width
        if card is None or width <= 0:
            return self._height
        row = card.row
        name, score_w = _name(row), self._score_width(row.score)
        title, company = _sub_parts(row)
        bant = card.marks.get("bant")
        tags = (row.domain_class, row.source, len(bant) if bant else 0, card.overdue)
        key = (name, score_w, title, company, tags, width)
        known = self._heights.get(key)
        if known is not None:
            self._heights.move_to_end(key)
            return known
        height = self._heights[key] = self._card_height(
            self._text_height_of(name, score_w, title, company, width),
            len(self.tag_lines(card, self.text_room(width))),
        )
        while len(self._heights) > HEIGHTS_KEPT:
            self._heights.popitem(last=False)
        return height

    def _text_height_of(
        self, name: str, score_w: float, title: str, company: str, width: int
    ) -> int:
        """The height of a card's name and title · company lines at ``width``."""
        room = self.text_room(width)
        name_fm, sub_fm = self._name_fm, self._sub_fm
        n = len(self.name_lines_of(name, room, score_w, MAX_NAME_LINES))
        s = len(self.sub_lines_of(title, company, room, MAX_SUB_LINES))
        return int(
            name_fm.height()
            + (n - 1) * name_fm.lineSpacing()
            + LINE_GAP
            + sub_fm.height()
            + (s - 1) * sub_fm.lineSpacing()
        )

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        # the card if it is read (asking for one not read would read it)
        model = index.model()
        card = model.cached_card(index.row()) if hasattr(model, "cached_card") else None
        return QSize(200, self.height_of(card))

    def wrap(self, text: str, font: QFont, widths: list[float]) -> list[str]:
        """``text`` in lines (at word boundaries, inside a word only when it is longer than
        a line): line i at most ``widths[i]`` wide, as many lines as ``widths`` has. What is
        left for the last line and does not fit is elided there (a name longer than
        its lines on the card: the tooltip has it)."""
        font_key, fm = self._font_parts.get(id(font)) or (font.key(), QFontMetrics(font))
        key = (text, font_key, tuple(widths))
        known = self._wrapped.get(key)
        if known is not None:
            self._wrapped.move_to_end(key)
            return known
        lines = self._wrap(text, font, fm, widths)
        self._wrapped[key] = lines
        while len(self._wrapped) > WRAPS_KEPT:
            self._wrapped.popitem(last=False)
        return lines

    def _wrap(self, text: str, font: QFont, fm: QFontMetrics, widths: list[float]) -> list[str]:
        if not text or text.isspace():
            return [""]
        if "\n" not in text and fm.horizontalAdvance(text) + 3 <= widths[0]:
            # on one line with room to spare (most names and titles): no text layout needed
            # (closer to the edge the layout decides: a last glyph's overhang counts there)
            return [text.rstrip().replace("\u00a0", " ").replace("\u200b", "")]
        # no break after the hyphen inside a word ("Marie-" / "Christine"), unless the word
        # is wider than its line: the first word than the first line (the layout would break
        # it anywhere there), the others than the widest
        first, space, rest = text.partition(" ")
        text = (
            keep_hyphenated(first, fm, widths[0]) + space + keep_hyphenated(rest, fm, max(widths))
        )
        layout = QTextLayout(text, font)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        lines: list[str] = []
        layout.beginLayout()
        try:
            for i, width in enumerate(widths):
                line = layout.createLine()
                if not line.isValid():
                    break
                line.setLineWidth(max(1.0, width))
                start, length = line.textStart(), line.textLength()
                if i == len(widths) - 1 and start + length < len(text):
                    rest = text[start:]
                    cut = fm.elidedText(plain(rest), Qt.TextElideMode.ElideRight, int(width))
                    lines.append(cut.replace("\u00a0", " ").replace("\u200b", ""))
                    break
                lines.append(
                    plain(text[start : start + length])
                    .rstrip()
                    .replace("\u00a0", " ")
                    .replace("\u200b", "")
                )
        finally:
            layout.endLayout()
        return [line for line in lines if line] or [""]

    def name_lines_of(self, name: str, room: float, score_w: float, lines: int) -> list[str]:
        """The name in at most ``lines`` lines (the first beside the score badge)."""
        return self.wrap(name, self.name_font, [room - score_w] + [room] * (lines - 1))

    def sub_lines_of(self, title: str, company: str, room: float, lines: int) -> list[str]:
        """Title · company in at most ``lines`` lines. On more than one the company starts a
        line of its own when that takes no more lines; when both do not fit, the company
        alone (the title is in the tooltip and the detail panel) — cut short only if even
        the company is longer than every line."""
        # room enough to count what the whole text needs (the same whatever ``lines``: the
        # wraps measured for the card's height are the ones painted)
        spare = [room] * (MAX_SUB_LINES + 8)
        whole = self.wrap(_join(title, company, "\u00a0· "), self.sub_font, spare)
        best = whole
        if len(whole) > 1 and title and company:
            split = self.wrap(f"{title}\u00a0·", self.sub_font, spare) + self.wrap(
                company, self.sub_font, spare
            )
            if len(split) <= len(whole):
                best = split
        if len(best) <= lines:
            return best
        if company and title:
            return self.wrap(company, self.sub_font, [room] * lines)
        return self.wrap(_join(title, company), self.sub_font, [room] * lines)

    def colors(self) -> CardColors:
        """The colours for the application palette in use (worked out again, and the drawn
        cards dropped, when it changed: the system turned dark)."""
        palette = current_palette()
        if palette.cacheKey() != self._palette_key:
            self._palette_key = palette.cacheKey()
            self._colors = _colors_of(palette)
            self._tints.clear()
            self._pixmaps.clear()
            self._frames.clear()
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
        # the card's frame (shadow, ground, stage stripe, border: most of its painting) is
        # the same for every card of a size and state: drawn once, copied, the text on it
        pix = self._frame(rect.width(), rect.height(), flags, ratio).copy()
        pix.setDevicePixelRatio(ratio)
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint_card(p, QRect(0, 0, rect.width(), rect.height()), card, *flags, framed=True)
        p.end()
        self._pixmaps[key] = pix
        while len(self._pixmaps) > PIXMAP_CACHE:
            self._pixmaps.popitem(last=False)
        return pix

    def _frame(
        self, width: int, height: int, flags: tuple[bool, bool, bool], ratio: float
    ) -> QPixmap:
        """A card's frame alone, ``width`` x ``height``, in the state ``flags`` (selected,
        hover, focus), drawn as ``paint_card`` draws it on a clear pixmap; kept."""
        key = (width, height, flags, self.stage_color.rgba(), ratio)
        frame = self._frames.get(key)
        if frame is not None:
            self._frames.move_to_end(key)
            return frame
        frame = QPixmap(int(width * ratio), int(height * ratio))
        frame.setDevicePixelRatio(ratio)
        frame.fill(Qt.GlobalColor.transparent)
        p = QPainter(frame)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_frame(p, self.card_rect(QRect(0, 0, width, height)), *flags)
        p.end()
        self._frames[key] = frame
        while len(self._frames) > FRAMES_KEPT:
            self._frames.popitem(last=False)
        return frame

    def _paint_frame(
        self, p: QPainter, box: QRectF, selected: bool, hover: bool, focus: bool
    ) -> None:
        """The card's shadow, ground, stage stripe and border around ``box``."""
        colors = self.colors()
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

    def paint_card(
        self,
        p: QPainter,
        rect: QRect,
        card: Card | None,
        selected: bool = False,
        hover: bool = False,
        focus: bool = False,
        framed: bool = False,
    ) -> None:
        """The card in ``rect``; ``framed``: its frame is there already (``_frame``)."""
        colors = self.colors()
        box = self.card_rect(rect)
        if not framed:
            self._paint_frame(p, box, selected, hover, focus)
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
        name_fm = self._name_fm
        score_w = 0.0
        if row.score is not None:
            fg, bg = colors.sales_ready if row.sales_ready else colors.score
            score_w = self._badge(
                p, right, y, str(row.score), fg, bg, align_right=True, height=name_fm.height()
            )
            score_w += 6
        p.setFont(self.name_font)
        p.setPen(colors.text)
        room = right - left
        badge_h = self.tag_height
        tag_lines = self.tag_lines(card, room)
        tags_h = len(tag_lines) * badge_h + (len(tag_lines) - 1) * TAG_LINE_GAP
        badges_top = box.bottom() - PAD_Y - tags_h
        text_bottom = badges_top - LINE_GAP - 2  # the text above the badges ends here
        sub_fm = self._sub_fm
        # the name's lines, leaving one for title · company
        lines = _lines_in(text_bottom - y - sub_fm.height() - LINE_GAP, name_fm)
        lines = min(MAX_NAME_LINES, lines)
        widths = [room - score_w] + [room] * (MAX_NAME_LINES - 1)
        # wrapped as measured for the card's height (the same wrap, kept), on fewer lines
        # only if the card has not the room for them
        name_lines = self.name_lines_of(_name(row), room, score_w, MAX_NAME_LINES)
        if len(name_lines) > lines:
            name_lines = self.name_lines_of(_name(row), room, score_w, lines)
        for i, line in enumerate(name_lines):
            p.drawText(
                QRectF(left, y, widths[i], name_fm.height()),
                _LEFT,
                line,
            )
            y += name_fm.lineSpacing()
        y += LINE_GAP - (name_fm.lineSpacing() - name_fm.height())

        # then job title · company, on the lines the name left
        p.setFont(self.sub_font)
        p.setPen(colors.muted)
        title, company = _sub_parts(row)
        for line in self.sub_lines_of(title, company, room, _lines_in(text_bottom - y, sub_fm)):
            p.drawText(
                QRectF(left, y, room, sub_fm.height()),
                _LEFT,
                line,
            )
            y += sub_fm.lineSpacing()
        y = badges_top

        # last line(s): domain badge, source … BANT marks, overdue
        _label, color = DOMAIN_BADGES.get(row.domain_class, DOMAIN_BADGES[None])
        for tags in tag_lines:
            x, end = left, right
            # from the right end: Overdue, then the marks; then from the left
            for tag in sorted(tags, key=lambda t: (not t.on_the_right, t.kind != "overdue")):
                if tag.kind == "overdue":
                    end -= self._badge(
                        p, end, y, tag.text, *colors.overdue, align_right=True, height=badge_h
                    )
                    end -= TAG_GAP
                elif tag.kind == "bant":
                    end -= self._bant_marks(p, end, y + badge_h / 2, tag.answers) + TAG_GAP
                elif tag.kind == "domain":
                    fg, bg = self._tint(color)
                    x += self._badge(p, x, y, tag.text, fg, bg, height=badge_h) + TAG_GAP
                elif tag.kind == "source":
                    p.setFont(self.small_font)
                    p.setPen(colors.faint)
                    p.drawText(QRectF(x, y, max(end - x, tag.width), badge_h), _LEFT, tag.text)
                    x += tag.width + TAG_GAP
            y += badge_h + TAG_LINE_GAP

    def tag_lines(self, card: Card, room: float) -> list[list[Tag]]:
        """The card's tags on as few lines ``room`` wide as hold them (one, for a card
        without tags): the address badge, the source, the BANT marks and Overdue side by
        side where they fit, else the badge and Overdue on the first line and the rest
        after. None is left out (in a ~175 px column the source went where the badge and
        Overdue took the line); the source is in full where it fits on a line of its own,
        else by its kind (:meth:`source_texts`)."""
        row = card.row
        badge_fm = self._badge_fm
        fixed: list[Tag] = []
        if row.domain_class is not None:
            label, _color = DOMAIN_BADGES.get(row.domain_class, DOMAIN_BADGES[None])
            fixed.append(Tag("domain", label, badge_fm.horizontalAdvance(label) + 12))
        if card.overdue:
            fixed.append(Tag("overdue", "Overdue", badge_fm.horizontalAdvance("Overdue") + 12))
        bant = card.marks.get("bant")
        marks = []
        if bant:
            n = len(bant)
            width = n * BANT_DOT + (n - 1) * BANT_DOT_GAP
            marks = [Tag("bant", "", width, tuple(str(a) for a in bant))]
        sources = [
            Tag("source", text, self._small_fm.horizontalAdvance(text))
            for text in self.source_texts(row.source, room)
        ]
        # all on one line: the source in full, or by its kind, where that does it
        choices: list[list[Tag]] = [[source] for source in sources] or [[]]
        for source_tag in choices:
            tags = fixed + source_tag + marks
            if _tags_width(tags) <= room:
                return [tags]
        lines: list[list[Tag]] = [[]]
        for tag in fixed + sources[:1] + marks:
            if lines[-1] and _tags_width([*lines[-1], tag]) > room:
                lines.append([])
            lines[-1].append(tag)
        return lines

    def source_texts(self, source: str | None, room: float) -> list[str]:
        """The ways ``source`` may read in ``room``: in full, its kind (the part before ":",
        "Trade show"), those that fit; never cut short."""
        if not source:
            return []
        fm = self._small_fm
        texts = [source]
        kind = source.split(":", 1)[0].strip()
        if kind and kind != source:
            texts.append(kind)
        return [text for text in texts if fm.horizontalAdvance(text) <= room]

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
        fm = self._badge_fm
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
        p.drawText(r, _CENTER, text)
        return w

    def _tint(self, color: str) -> tuple[QColor, QColor]:
        """An address badge's (text, fill) in ``color`` (``ui.theme.tint``), worked out once
        per palette (contrast ratios: a fifth of a card's painting)."""
        self.colors()  # a new palette forgets the old one's
        known = self._tints.get(color)
        if known is None:
            known = self._tints[color] = tint(color, DOMAIN_TINT)
        return known

    def _bant_marks(self, p: QPainter, right: float, cy: float, answers: Any) -> float:
        """One dot per criterion (green yes, red no, grey unknown); returns the width."""
        return paint_bant_marks(p, right, cy, answers)

    def drag_pixmap(self, card: Card | None, width: int, count: int) -> QPixmap:
        """The picture under the mouse while dragging: the card, stacked when several."""
        height = self.height_of(card, width)
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


_COLORS: dict[int, CardColors] = {}  # per palette (its cacheKey): every column the same


def _colors_of(palette: QPalette) -> CardColors:
    key = palette.cacheKey()
    colors = _COLORS.get(key)
    if colors is None:
        if len(_COLORS) > 8:  # palettes come and go (light, dark, a test's)
            _COLORS.clear()
        colors = _COLORS[key] = CardColors.of(palette)
    return colors


def _name(row: Any) -> str:
    return str(row.name or row.company or row.email or "(no name)")


def _sub_parts(row: Any) -> tuple[str, str]:
    """(title, company) of the card's second line; ("", e-mail) without either."""
    if row.title or row.company:
        return str(row.title or ""), str(row.company or "")
    return "", str(row.email or "").replace("@", "@\u200b")  # may break after the @


def _join(title: str, company: str, dot: str = " · ") -> str:
    return dot.join(x for x in (title, company) if x)


def _lines_in(height: float, fm: QFontMetrics) -> int:
    """How many lines of ``fm``'s font fit in ``height`` (at least one)."""
    return max(1, int((height - fm.height()) // fm.lineSpacing()) + 1)

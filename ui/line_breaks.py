"""Where wrapped text breaks: at spaces, not after the hyphen inside a word.

Qt breaks lines by Unicode's rules, which allow a break after a hyphen: "E-mail" wrapped as
"E-" / "mail", "acme-tools.com" as "acme-" / "tools.com", "Marie-Christine" as "Marie-" /
"Christine". Every place Winnow wraps text (word-wrapped labels: :class:`WrappedLabel`; item
views' wrapped cells: :class:`KeepHyphensDelegate`, ``ui.row_fit``, the sidebar; the board's
cards and column headers; the dashboard's charts) runs it through :func:`keep_hyphenated`
first: a word joiner (U+2060, no width) after each hyphen inside a word forbids that break,
so the word goes to the next line whole. A word wider than the room is left as it was (it
then breaks at its hyphens, or anywhere where the wrap allows that); an e-mail address or a
link wider than the room may break after its "@" or "//", its domain kept whole where that
fits.

These marks never reach the user's clipboard: :func:`plain` takes them out of a text, and a
selectable :class:`WrappedLabel` copies its selection without them.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import (
    QClipboard,
    QContextMenuEvent,
    QFont,
    QFontMetrics,
    QFontMetricsF,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLabel,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

JOINER = "\u2060"  # WORD JOINER: no break here, no width
BREAK = "\u200b"  # ZERO WIDTH SPACE: a break allowed after an address's "@" or a link's "//"
_AFTER_PREFIX = re.compile("(?<=[@/])\u200b")
_PREFIX_END = re.compile("(?<=@)|(?<=//)")  # where an address's domain, a link's host starts
_HYPHEN = re.compile("[-\u2010](?=[^\\s\u2060\u200b])")  # a hyphen with a word after it
_WORD = re.compile("[^\\s\u200b]+")  # what lies between two places a line may break


def keep_hyphenated(
    text: str, metrics: QFontMetrics | QFontMetricsF | None = None, room: float | None = None
) -> str:
    """``text`` with no line break allowed after a hyphen inside a word — except in a word
    wider than ``room`` px in ``metrics``' font (given both), which must break somewhere."""
    if "-" not in text and "\u2010" not in text:
        return text

    def fits(word: str) -> bool:
        return metrics is None or room is None or metrics.horizontalAdvance(word) <= room

    def kept(word: str) -> str:
        return _HYPHEN.sub(lambda m: m.group(0) + JOINER, word) if fits(word) else word

    def joined(match: re.Match[str]) -> str:
        word = match.group(0)
        if not _HYPHEN.search(word):
            return word
        if fits(word) or not _PREFIX_END.search(word):
            return kept(word)
        # an address or a link wider than the room: it may break where its domain or host
        # starts ("ute.wagner@" / "orion-automation13.de", not "…@orion-" / "automation13.de")
        return BREAK.join(kept(part) for part in _PREFIX_END.split(word) if part)

    return _WORD.sub(joined, text)


def plain(text: str) -> str:
    """``text`` without the marks :func:`keep_hyphenated` put in."""
    return _AFTER_PREFIX.sub("", text.replace(JOINER, ""))


# --- labels -------------------------------------------------------------------------------------
class WrappedLabel(QLabel):
    """A word-wrapped, plain-text label whose hyphenated words break only where a space is
    (:func:`keep_hyphenated` at the label's width, again when it is resized). ``text()``
    is the text as set; a selection is copied without the joiners. It is never wider than
    the same label without them asks (its minimum is the unjoined text's): where the room is
    short a hyphenated word breaks at its hyphen as before."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self._text = ""
        self.setText(text)

    # the text as set, and as shown
    def setText(self, text: str) -> None:  # type: ignore[override]
        self._text = text
        self._show(self._room())

    def text(self) -> str:  # type: ignore[override]
        return self._text

    def selectedText(self) -> str:  # type: ignore[override]
        return plain(super().selectedText())

    def _extra_width(self) -> int:
        """The label's width less the width its text is wrapped at."""
        margins = self.contentsMargins()
        indent = self.indent()
        if indent < 0:  # Qt's default: half an "x" beside a frame, else none
            indent = self.fontMetrics().horizontalAdvance("x") // 2 if self.frameWidth() else 0
        side = indent if self.alignment() & Qt.AlignmentFlag.AlignHorizontal_Mask else 0
        return margins.left() + margins.right() + 2 * self.margin() + side

    def _room(self, width: int | None = None) -> int:
        return (self.width() if width is None else width) - self._extra_width()

    def _shown_at(self, room: int) -> str:
        if self.textFormat() != Qt.TextFormat.PlainText:  # markup is not to be touched
            return self._text
        return keep_hyphenated(self._text, self.fontMetrics(), room)

    def _show(self, room: int) -> None:
        shown = self._shown_at(room)
        if shown != super().text():
            super().setText(shown)

    def resizeEvent(self, event: QResizeEvent) -> None:
        if event.size().width() != event.oldSize().width():
            self._show(self._room(event.size().width()))
        super().resizeEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # another font or style: words of other widths
        changed = event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange)
        if changed and hasattr(self, "_text"):
            self._show(self._room())

    def heightForWidth(self, width: int) -> int:
        """The height at ``width`` of the text as it is shown at that width."""
        height = super().heightForWidth(width)
        room = self._room(width)
        shown, now = self._shown_at(room), super().text()
        if shown == now or height < 0:
            return height
        flags = int(self.alignment()) | int(Qt.TextFlag.TextWordWrap)
        fm = self.fontMetrics()
        box = QRect(0, 0, max(1, room), 1_000_000)
        return (
            height
            + fm.boundingRect(box, flags, shown).height()
            - fm.boundingRect(box, flags, now).height()
        )

    def minimumSizeHint(self) -> QSize:
        """As narrow as the label without the joiners may be (its widest unbreakable part):
        a hyphenated word that does not fit breaks at its hyphen, as before."""
        hint = super().minimumSizeHint()
        now = super().text()
        if now == self._text:
            return hint
        fm = self.fontMetrics()
        flags = int(self.alignment()) | int(Qt.TextFlag.TextWordWrap)
        narrow = QRect(0, 0, 1, 1_000_000)
        joined = fm.boundingRect(narrow, flags, now).width()
        unjoined = fm.boundingRect(narrow, flags, self._text).width()
        return QSize(hint.width() - max(0, joined - unjoined), hint.height())

    # copying a selection: the text as set, without the joiners
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy) and self.hasSelectedText():
            QGuiApplication.clipboard().setText(self.selectedText())
            event.accept()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if not self.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse:
            super().contextMenuEvent(event)
            return
        menu = QMenu(self)
        copy = menu.addAction("Copy")
        copy.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        copy.setEnabled(self.hasSelectedText())
        copy.triggered.connect(lambda: QGuiApplication.clipboard().setText(self.selectedText()))
        everything = menu.addAction("Select All")
        everything.triggered.connect(lambda: self.setSelection(0, len(QLabel.text(self))))
        menu.exec(event.globalPos())
        menu.deleteLater()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        clipboard = QGuiApplication.clipboard()
        if clipboard.supportsSelection() and self.hasSelectedText():  # X11's middle click
            clipboard.setText(self.selectedText(), QClipboard.Mode.Selection)


# --- item views ---------------------------------------------------------------------------------
def item_text_room(view: QAbstractItemView, option: QStyleOptionViewItem, width: int) -> int:
    """The width the style wraps a cell's text at in a cell ``width`` px wide: its text rect
    (after the icon and check box) less the text's margins."""
    style = view.style() or QApplication.style()
    cell = QStyleOptionViewItem(option)
    cell.rect = QRect(0, 0, width, max(1, option.rect.height()))  # type: ignore[attr-defined]
    text = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, cell, view)
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    return text.width() - 2 * margin


class KeepHyphensDelegate(QStyledItemDelegate):
    """An item view's delegate whose wrapped cells break hyphenated words only where a space
    is (:func:`keep_hyphenated` at the width of the cell's column), measured as painted."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self.view = view

    def column_width(self, index: QModelIndex | QPersistentModelIndex) -> int:
        """The width of ``index``'s column (less a tree's indentation in its first)."""
        view = self.view
        header = getattr(view, "header", None) or getattr(view, "horizontalHeader", None)
        width = header().sectionSize(index.column()) if header is not None else view.width()
        if index.column() == 0 and hasattr(view, "indentation"):
            depth, parent = 0, index.parent()
            while parent.isValid():
                depth, parent = depth + 1, parent.parent()
            rooted = 1 if getattr(view, "rootIsDecorated", lambda: False)() else 0
            width -= (depth + rooted) * view.indentation()
        return width

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        text = option.text  # type: ignore[attr-defined]
        if text and option.features & QStyleOptionViewItem.ViewItemFeature.WrapText:  # type: ignore[attr-defined]
            room = item_text_room(self.view, option, self.column_width(index))
            font: QFont = option.font  # type: ignore[attr-defined]
            option.text = keep_hyphenated(text, QFontMetricsF(font), room)  # type: ignore[attr-defined]

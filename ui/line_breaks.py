"""Where wrapped text breaks: at spaces, not after the hyphen inside a word.

Qt breaks lines by Unicode's rules, which allow a break after a hyphen: "E-mail" wrapped as
"E-" / "mail", "acme-tools.com" as "acme-" / "tools.com", "Marie-Christine" as "Marie-" /
"Christine". Every place Winnow wraps text (word-wrapped labels: :class:`WrappedLabel`; item
views' wrapped cells: :class:`KeepHyphensDelegate`, ``ui.row_fit``, the sidebar; the board's
cards and column headers; the dashboard's charts; message boxes: ``ui.message_box``) runs it
through :func:`keep_hyphenated` first (rich text: :func:`keep_hyphenated_in_markup`, which
leaves the tags and their attributes alone): a word joiner (U+2060, no width) after each
hyphen inside a word forbids that break, so the word goes to the next line whole. A word
wider than the room is left as it was (it then breaks at its hyphens, or anywhere where the
wrap allows that); an e-mail address or a link wider than the room may break after its "@"
or "//", its domain kept whole where that fits.

These marks never reach the user's clipboard: :func:`plain` takes them out of a text, a
selectable :class:`WrappedLabel` copies its selection without them, and :class:`PlainCopy`
does the same for a label Qt made (a message box's).
"""

from __future__ import annotations

import math
import re

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
)
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
    QTextDocument,
)
from PySide6.QtGui import Qt as QtGuiNamespace  # Qt::mightBeRichText lives in QtGui
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
_TAG = re.compile("(<[^>]*>)")  # a rich text's tag, with its attributes


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


def keep_hyphenated_in_markup(
    markup: str, metrics: QFontMetrics | QFontMetricsF | None = None, room: float | None = None
) -> str:
    """:func:`keep_hyphenated` over rich text's words only: its tags and their attributes (a
    link's ``href="contact:12"``, a ``style``) are left as they are."""
    if "-" not in markup and "\u2010" not in markup:
        return markup
    parts = _TAG.split(markup)  # text, tag, text, tag, …, text
    return "".join(
        part if i % 2 else keep_hyphenated(part, metrics, room) for i, part in enumerate(parts)
    )


def is_rich(text_format: Qt.TextFormat, text: str) -> bool:
    """Whether a label with ``text_format`` lays ``text`` out as rich text (as QLabel decides)."""
    if text_format == Qt.TextFormat.AutoText:
        return bool(QtGuiNamespace.mightBeRichText(text))
    return text_format == Qt.TextFormat.RichText


def keep_hyphenated_as(
    text_format: Qt.TextFormat,
    text: str,
    metrics: QFontMetrics | QFontMetricsF | None = None,
    room: float | None = None,
) -> str:
    """``text`` as a label with ``text_format`` shows it under the rule (Markdown: as it is)."""
    if text_format == Qt.TextFormat.MarkdownText:
        return text
    if is_rich(text_format, text):
        return keep_hyphenated_in_markup(text, metrics, room)
    return keep_hyphenated(text, metrics, room)


def plain(text: str) -> str:
    """``text`` without the marks :func:`keep_hyphenated` put in."""
    return _AFTER_PREFIX.sub("", text.replace(JOINER, ""))


# --- labels -------------------------------------------------------------------------------------
def label_text_room(label: QLabel, width: int | None = None) -> int:
    """The width ``label`` wraps its text at when it is ``width`` px wide (None: as it is):
    its width less its margins and indent."""
    margins = label.contentsMargins()
    indent = label.indent()
    if indent < 0:  # Qt's default: half an "x" beside a frame, else none
        indent = label.fontMetrics().horizontalAdvance("x") // 2 if label.frameWidth() else 0
    side = indent if label.alignment() & Qt.AlignmentFlag.AlignHorizontal_Mask else 0
    extra = margins.left() + margins.right() + 2 * label.margin() + side
    return (label.width() if width is None else width) - extra


def show_copy_menu(label: QLabel, at: QPoint) -> None:
    """A selectable label's context menu (Copy, Select All), copying without the marks."""
    menu = QMenu(label)
    copy = menu.addAction("Copy")
    copy.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
    copy.setEnabled(label.hasSelectedText())
    copy.triggered.connect(lambda: QGuiApplication.clipboard().setText(plain(label.selectedText())))
    everything = menu.addAction("Select All")
    everything.triggered.connect(lambda: label.setSelection(0, len(QLabel.text(label))))
    menu.exec(at)
    menu.deleteLater()


def _selectable(label: QLabel) -> bool:
    return bool(label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse)


class PlainCopy(QObject):
    """An event filter for a selectable label that shows the rule's marks but is not a
    :class:`WrappedLabel` (a message box's labels, which Qt makes): Ctrl+C, the context
    menu's Copy and X11's selection get the selected text without the marks."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(watched, QLabel):
            return False
        kind = event.type()
        if (
            kind == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.Copy)
            and watched.hasSelectedText()
        ):
            QGuiApplication.clipboard().setText(plain(watched.selectedText()))
            return True
        if kind == QEvent.Type.ContextMenu and isinstance(event, QContextMenuEvent):
            if not _selectable(watched):
                return False
            show_copy_menu(watched, event.globalPos())
            return True
        if kind == QEvent.Type.MouseButtonRelease and _selectable(watched):
            watched.event(event)  # the label ends its selection (and puts it on X11's) first
            clipboard = QGuiApplication.clipboard()
            if clipboard.supportsSelection() and watched.hasSelectedText():
                clipboard.setText(plain(watched.selectedText()), QClipboard.Mode.Selection)
            return True
        return False


class WrappedLabel(QLabel):
    """A word-wrapped label whose hyphenated words break only where a space is
    (:func:`keep_hyphenated` at the label's width, again when it is resized; rich text's
    words only, not its tags). Plain text unless told otherwise. ``text()`` is the text as
    set; a selection is copied without the joiners. It is never wider than the same label
    without them asks (its minimum is the unjoined text's): where the room is short a
    hyphenated word breaks at its hyphen as before."""

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

    def setTextFormat(self, text_format: Qt.TextFormat) -> None:
        super().setTextFormat(text_format)
        if hasattr(self, "_text"):  # the marks go where this format has its words
            self._show(self._room())

    def _room(self, width: int | None = None) -> int:
        return label_text_room(self, width)

    def _shown_at(self, room: int) -> str:
        return keep_hyphenated_as(self.textFormat(), self._text, self.fontMetrics(), room)

    def _laid_out(self, text: str, room: int) -> QSize:
        """The size ``text`` takes wrapped at ``room`` px, as this label lays it out."""
        if is_rich(self.textFormat(), text):
            doc = QTextDocument()
            doc.setDefaultFont(self.font())
            doc.setDocumentMargin(0)
            doc.setHtml(text)
            doc.setTextWidth(max(1, room))
            return QSize(math.ceil(doc.idealWidth()), math.ceil(doc.size().height()))
        flags = int(self.alignment()) | int(Qt.TextFlag.TextWordWrap)
        box = QRect(0, 0, max(1, room), 1_000_000)
        return self.fontMetrics().boundingRect(box, flags, text).size()

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
        return height + self._laid_out(shown, room).height() - self._laid_out(now, room).height()

    def minimumSizeHint(self) -> QSize:
        """As narrow as the label without the joiners may be (its widest unbreakable part):
        a hyphenated word that does not fit breaks at its hyphen, as before."""
        hint = super().minimumSizeHint()
        now = super().text()
        if now == self._text:
            return hint
        joined = self._laid_out(now, 1).width()
        unjoined = self._laid_out(self._text, 1).width()
        return QSize(hint.width() - max(0, joined - unjoined), hint.height())

    # copying a selection: the text as set, without the joiners
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy) and self.hasSelectedText():
            QGuiApplication.clipboard().setText(self.selectedText())
            event.accept()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if not _selectable(self):
            super().contextMenuEvent(event)
            return
        show_copy_menu(self, event.globalPos())

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

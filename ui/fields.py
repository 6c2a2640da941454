"""Text in widgets as the user should read it: input fields that show their hint in full (a
placeholder cut to "e.g. Call about the qu…" tells less than none), and a user's words on a
button or menu entry shown as written (Qt reads "&" there as a shortcut mark)."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QLineEdit, QStyle, QStyleOptionFrame

PROBE = 1000  # px: a width to measure the field's own frame and padding at


def as_label(text: str) -> str:
    """User text (a name, a stage, a task) for a button's or a menu entry's label: "&" shown
    as itself — unescaped, "Smith & Sons" read "Smith _Sons" and took Alt+S."""
    return text.replace("&", "&&")


def text_room(edit: QLineEdit, width: int | None = None) -> int:
    """The width ``edit`` paints its text and placeholder in (at ``width``, default its own):
    the field less its frame, the style sheet's padding, its text margins and QLineEdit's own
    2 px each side."""
    option = QStyleOptionFrame()
    edit.initStyleOption(option)
    if width is not None:
        option.rect = QRect(0, 0, width, max(edit.height(), edit.sizeHint().height()))  # type: ignore[attr-defined]
    contents = edit.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, edit)
    margins = edit.textMargins()
    return contents.width() - margins.left() - margins.right() - 4


def fit_number(edit: QLineEdit, widest: int) -> None:
    """A field for a number as wide as the widest it takes (``widest``) or its placeholder,
    no wider, as a form's spin boxes are (Personas' "Company size" fields had 414 px of room
    each for up to eight digits)."""
    fm = edit.fontMetrics()
    text = max(fm.horizontalAdvance(str(widest)), fm.horizontalAdvance(edit.placeholderText()))
    edit.setFixedWidth(text + PROBE - text_room(edit, PROBE) + 1)


def fit_placeholder(edit: QLineEdit, chars: int = 0) -> None:
    """Never narrower than its placeholder (nor than ``chars`` average characters): a dialog
    sized to its fields shows the hint in full."""
    fm = edit.fontMetrics()
    text = max(fm.horizontalAdvance(edit.placeholderText()), fm.averageCharWidth() * chars)
    if text:
        edit.setMinimumWidth(text + PROBE - text_room(edit, PROBE) + 1)

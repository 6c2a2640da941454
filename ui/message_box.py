"""Winnow's message boxes: Qt's QMessageBox, its text wrapped by the hyphen rule.

Qt's own boxes (``QMessageBox.warning`` and the like) wrap their text in a label Qt makes,
which breaks a line after a hyphen: "/home/marie-" / "christine/crm.sqlite", "E-" / "mail".
:class:`MessageBox` shows its text and informative text through :mod:`ui.line_breaks` at the
width the box gives them, once the box has sized itself; :func:`warning`, :func:`critical`,
:func:`information`, :func:`question` and :func:`about` are Qt's static functions over it,
with the same buttons, default button, return value, icon and modality (Esc and the close
button answer as in Qt's). The text is plain text, never markup. ``text()`` is the text as
set, and Ctrl+C copies the box (title, text, buttons, as Qt does on Windows; on every
platform here) or a label's selection without the rule's invisible marks.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget

from ui.line_breaks import PlainCopy, keep_hyphenated_as, label_text_room, plain

Button = QMessageBox.StandardButton
Icon = QMessageBox.Icon

TEXT = "qt_msgbox_label"  # the object names of Qt's labels in a QMessageBox
INFORMATIVE = "qt_msgbox_informativelabel"
_SEPARATOR = "---------------------------\n"


class MessageBox(QMessageBox):
    """A QMessageBox whose text and informative text break lines at spaces, not after the
    hyphen inside a word; built as a QMessageBox is (``MessageBox(icon, title, text,
    buttons, parent)`` or ``MessageBox(parent=…)`` and setters)."""

    def __init__(
        self,
        icon: QMessageBox.Icon = Icon.NoIcon,
        title: str = "",
        text: str = "",
        buttons: QMessageBox.StandardButton = Button.NoButton,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(icon, title, "", buttons, parent)
        self._texts = {TEXT: "", INFORMATIVE: ""}
        self._plain_copy = PlainCopy(self)
        self.setTextFormat(Qt.TextFormat.PlainText)  # an error's or a path's text is not markup
        self.setText(text)

    # the texts as set; the labels show them with the rule's marks
    def setText(self, text: str) -> None:  # type: ignore[override]
        self._texts[TEXT] = text
        super().setText(text)
        self._relayout()

    def text(self) -> str:  # type: ignore[override]
        return self._texts[TEXT]

    def setInformativeText(self, text: str) -> None:  # type: ignore[override]
        self._texts[INFORMATIVE] = text
        super().setInformativeText(text)
        label = self._label(INFORMATIVE)
        if label is not None:  # Qt makes it AutoText; it follows the box's text
            label.setTextFormat(self.textFormat())
        self._relayout()

    def informativeText(self) -> str:  # type: ignore[override]
        return self._texts[INFORMATIVE]

    def _label(self, name: str) -> QLabel | None:
        label = self.findChild(QLabel, name)
        if label is None or not self._texts[name]:  # an informative label being removed
            return None
        return label

    def _join(self) -> bool:
        """Show each text with the rule at its label's width; True if one changed. Before
        the box is shown (its width not settled) the labels show the texts as set: Qt sizes
        the box to them, then :meth:`showEvent` puts the marks in at the width it gave."""
        changed = False
        for name, text in self._texts.items():
            label = self._label(name)
            if label is None:
                continue
            label.removeEventFilter(self._plain_copy)
            label.installEventFilter(self._plain_copy)  # once: the copy has no marks
            if self.isVisible():
                room = label_text_room(label)
                shown = keep_hyphenated_as(label.textFormat(), text, label.fontMetrics(), room)
            else:
                shown = text
            if shown != label.text():
                label.setText(shown)
                changed = True
        return changed

    def _relayout(self) -> None:
        # a word kept whole can make another line: Qt sizes the box again (its LayoutRequest
        # handler); a kept word is never wider than its label, so the width stays and this ends
        for _ in range(3):
            if not self._join() or not self.isVisible():
                return
            QApplication.sendEvent(self, QEvent(QEvent.Type.LayoutRequest))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)  # Qt adds the buttons it must and sizes the box to the text
        self._relayout()

    # Ctrl+C: the box's texts, as written
    def copied_text(self) -> str:
        """What Ctrl+C copies: title, text, informative text and buttons, as Qt's QMessageBox
        copies them on Windows, without the rule's marks."""
        parts = [self.windowTitle(), self.text()]
        if self.informativeText():
            parts.append(self.informativeText())
        buttons = "".join(_without_mnemonic(b.text()) + "   " for b in self.buttons())
        parts.append(buttons)
        return _SEPARATOR + "".join(plain(part) + "\n" + _SEPARATOR for part in parts)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy) and not self.detailedText():
            QGuiApplication.clipboard().setText(self.copied_text())
            event.accept()
            return
        super().keyPressEvent(event)


def _without_mnemonic(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


# --- Qt's static functions, over MessageBox --------------------------------------------------
def _standard_buttons(buttons: QMessageBox.StandardButton) -> list[QMessageBox.StandardButton]:
    """The standard buttons in ``buttons``, in Qt's order."""
    found = []
    mask = Button.FirstButton.value
    while mask <= Button.LastButton.value:
        if buttons.value & mask:
            found.append(Button(mask))
        mask <<= 1
    return found


def _ask(
    icon: QMessageBox.Icon,
    parent: QWidget | None,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton,
    default: QMessageBox.StandardButton,
) -> QMessageBox.StandardButton:
    """Qt's QMessageBox static functions (showNewMessageBox): the buttons in Qt's order, the
    default ``default`` (none given: the first with the accept role), the one clicked."""
    box = MessageBox(icon, title, text, Button.NoButton, parent)
    for standard in _standard_buttons(buttons):
        button = box.addButton(standard)
        if box.defaultButton() is not None:
            continue
        if (
            default == Button.NoButton
            and box.buttonRole(button) == QMessageBox.ButtonRole.AcceptRole
        ) or standard == default:
            box.setDefaultButton(button)
    closed = box.exec()
    answer = Button.Cancel if closed == -1 else box.standardButton(box.clickedButton())
    box.deleteLater()  # Qt's lived on the stack: gone once answered
    return answer


def warning(
    parent: QWidget | None,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton = Button.Ok,
    default: QMessageBox.StandardButton = Button.NoButton,
) -> QMessageBox.StandardButton:
    """``QMessageBox.warning``, the text wrapped by the hyphen rule."""
    return _ask(Icon.Warning, parent, title, text, buttons, default)


def critical(
    parent: QWidget | None,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton = Button.Ok,
    default: QMessageBox.StandardButton = Button.NoButton,
) -> QMessageBox.StandardButton:
    """``QMessageBox.critical``, the text wrapped by the hyphen rule."""
    return _ask(Icon.Critical, parent, title, text, buttons, default)


def information(
    parent: QWidget | None,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton = Button.Ok,
    default: QMessageBox.StandardButton = Button.NoButton,
) -> QMessageBox.StandardButton:
    """``QMessageBox.information``, the text wrapped by the hyphen rule."""
    return _ask(Icon.Information, parent, title, text, buttons, default)


def question(
    parent: QWidget | None,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton = Button.Yes | Button.No,
    default: QMessageBox.StandardButton = Button.NoButton,
) -> QMessageBox.StandardButton:
    """``QMessageBox.question``, the text wrapped by the hyphen rule."""
    return _ask(Icon.Question, parent, title, text, buttons, default)


def about(parent: QWidget | None, title: str, text: str) -> None:
    """``QMessageBox.about`` (Qt's, not on macOS): the window's icon beside the text, OK."""
    box = MessageBox(Icon.Information, title, text, Button.NoButton, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    icon = box.windowIcon()
    box.setIconPixmap(icon.pixmap(icon.actualSize(QSize(64, 64))))
    box.exec()

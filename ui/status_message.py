"""The status bar's passing messages, never cut off.

``QStatusBar.showMessage`` paints its text on one line in the room the permanent widgets
leave (the overdue count, a reminder): at 1024 px "Backed up to winnow-2026….sqlite" was cut
in the middle of a word. :class:`StatusMessages` watches every message (whoever shows it):
one that fits stays as Qt shows it; a longer one is shown instead in a label that wraps onto
a second line, with the whole text as its tooltip, for as long as a message lasts.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRect, Qt, QTimer
from PySide6.QtWidgets import QSizePolicy, QStatusBar, QWidget

from ui.line_breaks import WrappedLabel, keep_hyphenated

LONG_MESSAGE_MS = 8000  # how long a wrapped message stays (Qt does not say a message's time)
GAP = 12  # px between the message and the first permanent widget


class StatusMessages(QObject):
    """Shows a status-bar message that does not fit on one line in a wrapping label."""

    def __init__(self, bar: QStatusBar, hidden_while_shown: list[QWidget]) -> None:
        super().__init__(bar)
        self.bar = bar
        self.others = hidden_while_shown  # the normal widgets the message takes the place of
        self.label = WrappedLabel()
        self.label.setObjectName("statusMessage")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.label.hide()
        self.showing = False
        bar.addWidget(self.label, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear)
        # a long message is taken over once the signal is done (Qt passes its own copy of the
        # text by reference: clearing it in a slot would blank it for the slots after this one)
        self._pending = ""
        self._take_over = QTimer(self)
        self._take_over.setSingleShot(True)
        self._take_over.setInterval(0)
        self._take_over.timeout.connect(self._show_pending)
        bar.messageChanged.connect(self._changed)

    def room(self) -> int:
        """The width a message has before the first permanent widget (overdue, reminder)."""
        bar = self.bar
        mine = {self.label, *self.others}
        lefts = [
            w.geometry().left()
            for w in bar.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
            if w.isVisible() and w not in mine and w.geometry().left() > 0 and w.width() > 0
        ]
        right = min(lefts) if lefts else bar.width()
        layout = bar.layout()
        margin = layout.contentsMargins().left() if layout is not None else 0
        return max(0, right - GAP - 2 * margin - 4)

    def fits(self, text: str) -> bool:
        return self.bar.fontMetrics().horizontalAdvance(text) <= self.room()

    def _changed(self, text: str) -> None:
        if not text:
            return
        if self.fits(text):
            self._take_over.stop()
            self.clear()  # Qt shows it; an earlier long one goes
            return
        self._pending = str(text)
        self._take_over.start()

    def _show_pending(self) -> None:
        text = self._pending
        if not text or self.bar.currentMessage() != text:
            return  # another message came meanwhile
        self.bar.clearMessage()  # shown by the label instead (emits "": ignored)
        self.show(text)

    def show(self, text: str) -> None:
        self.label.setText(text)
        self.label.setToolTip(text)
        for widget in self.others:
            widget.hide()
        # as tall as the text wrapped in the room there is (the status bar sizes its items by
        # their one-line hint)
        room = max(40, self.room())
        flags = int(Qt.TextFlag.TextWordWrap)
        fm = self.label.fontMetrics()
        shown = keep_hyphenated(text, fm, room)  # as the label wraps it
        height = fm.boundingRect(QRect(0, 0, room, 10**6), flags, shown)
        self.label.setFixedHeight(height.height() + 2)
        self.label.show()
        self.showing = True
        self._timer.start(LONG_MESSAGE_MS)

    def clear(self) -> None:
        self._timer.stop()
        if not self.showing:
            return
        self.showing = False
        self.label.hide()  # explicitly: the status bar does not show it again
        self.label.clear()
        for widget in self.others:
            if self.bar.currentMessage():
                # Qt's message shows now; its widgets come back when it goes
                widget.setAttribute(Qt.WidgetAttribute.WA_WState_ExplicitShowHide, False)
            else:
                widget.show()

    def shown_text(self) -> str:
        """What the user reads now: Qt's message, or the wrapped one."""
        return self.bar.currentMessage() or (self.label.text() if self.showing else "")

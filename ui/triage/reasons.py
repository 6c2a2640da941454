"""Why a contact is disqualified, picked in the triage view itself (no dialog): ``D`` opens this
bar over the card, a digit disqualifies at once with that reason, ``0`` types another reason
(Enter saves it), Esc closes the bar. Being part of the view, the window's keys — Ctrl+Z
above all — keep working while it is open."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ui.dialogs import DISQUALIFY_REASONS
from ui.flow_layout import FlowLayout
from ui.line_breaks import WrappedLabel
from ui.triage.legend import legend_entry

REASONS_STYLE = """
#reasonBar { background: palette(base); border: 2px solid palette(highlight);
             border-radius: 10px; }
#reasonTitle { font-weight: bold; color: palette(text); font-size: 10.5pt; }
#reasonHint { color: palette(text); }
"""


def reason_for_digit(digit: int) -> str | None:
    """The listed reason a digit key stands for (1 = the first), or None."""
    return DISQUALIFY_REASONS[digit - 1] if 1 <= digit <= len(DISQUALIFY_REASONS) else None


class ReasonField(QLineEdit):
    """The "other reason" field. Ctrl+Z with nothing to undo in the field goes to the window
    (a line edit claims Ctrl+Z even when it has nothing to take back)."""

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and passes_undo_on(self, event)
        ):
            event.ignore()
            return True
        return super().event(event)


def passes_undo_on(edit: QLineEdit, event: QKeyEvent) -> bool:
    """Ctrl+Z / Ctrl+Shift+Z in a line edit that has nothing of its own to undo/redo: the
    key should reach the window's Undo/Redo."""
    if event.matches(QKeySequence.StandardKey.Undo):
        return not edit.isUndoAvailable()
    if event.matches(QKeySequence.StandardKey.Redo) or (
        event.key() == Qt.Key.Key_Z
        and event.modifiers()
        == Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    ):
        return not edit.isRedoAvailable()
    return False


class ReasonBar(QFrame):
    """The open reason picker: the listed reasons by digit, a field for another one.

    ``chosen(reason)`` when a reason was picked (click, or Enter in the field); the view
    handles the digits and Esc."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reasonBar")
        self.setStyleSheet(REASONS_STYLE)
        self.title = WrappedLabel()
        self.title.setObjectName("reasonTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        keys = QWidget()
        flow = FlowLayout(keys, spacing=6)
        flow.setContentsMargins(0, 0, 0, 0)
        for digit, reason in enumerate(DISQUALIFY_REASONS, 1):
            entry = legend_entry(str(digit), reason)
            entry.setCursor(Qt.CursorShape.PointingHandCursor)
            entry.setProperty("reason", reason)
            entry.installEventFilter(self)
            flow.addWidget(entry)
        self.other = ReasonField()
        self.other.setObjectName("otherReason")
        self.other.setPlaceholderText("Another reason — press 0 to type it, Enter to save")
        self.other.returnPressed.connect(self._typed)
        hint = QLabel("Esc: keep the contact as it is")
        hint.setObjectName("reasonHint")
        other_row = QHBoxLayout()
        other_row.addWidget(self.other, 1)
        other_row.addWidget(hint)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 10, 16, 12)
        lay.setSpacing(8)
        lay.addWidget(self.title)
        lay.addWidget(keys)
        lay.addLayout(other_row)
        self.hide()

    def open_for(self, name: str) -> None:
        self.title.setText(f"Why disqualify {name}? Press a digit:")
        self.other.clear()
        self.show()

    def type_other(self) -> None:
        self.other.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def typing(self) -> bool:
        return self.other.hasFocus()

    def _typed(self) -> None:
        text = self.other.text().strip()
        if text:
            self.chosen.emit(text)

    def keys(self) -> list[str]:
        """The reasons as shown, "digit reason" (for tests and the legend)."""
        return [f"{d} {r}" for d, r in enumerate(DISQUALIFY_REASONS, 1)]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonRelease and isinstance(watched, QWidget):
            reason = watched.property("reason")
            if reason:
                self.chosen.emit(str(reason))
                return True
        return super().eventFilter(watched, event)

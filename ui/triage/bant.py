"""BANT answers in triage: the qualification editor embedded in the card, as a keyboard mode.

B (on the triage view) puts the focus on the editor. While it has the focus, plain keys are
its own — Y / N / U answer the current criterion, ↑ / ↓ choose one, a criterion's first letter
jumps to it — so N means "No" there, not Nurture, and the digits decide nothing. Esc or Enter
gives the keys back to triage, also from a note field (the field ignores them, so they reach
the editor). Key combinations (Ctrl+Z) keep working as everywhere else.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from db.engine import Database
from ui.qualification import BantEditor
from ui.qualification.bant_editor import Apply

# the legend while the editor has the keys
BANT_KEYS = [
    ("Y", "Yes"),
    ("N", "No"),
    ("U", "Unknown"),
    ("↑/↓", "Criterion"),
    ("Esc/Enter", "Back to the decision keys"),
    ("Ctrl+Z", "Undo"),
]

_TYPING_MODIFIERS = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier


class TriageBantEditor(BantEditor):
    """:class:`BantEditor` that keeps plain keys while focused and hands them back on Esc/Enter.

    ``done`` asks the view to take the keys back; ``unused_key`` reports a plain key that means
    nothing here (the view says how to get back)."""

    done = Signal()
    unused_key = Signal()

    def __init__(
        self, db: Database, parent: QWidget | None = None, apply: Apply | None = None
    ) -> None:
        super().__init__(db, parent, apply=apply)
        self.setObjectName("bantEditor")  # the editor's style sheet selects on it
        self.edited.connect(self._keep_keys)

    def set_contact(self, contact_id: int | None) -> None:
        if contact_id != self.contact_id:
            self.current = 0  # a new contact starts at the first criterion
        super().set_contact(contact_id)

    def has_criteria(self) -> bool:
        return bool(self.status is not None and self.status.items)

    def start_answering(self) -> None:
        """Take the keys, on the first criterion still unanswered (else where it was)."""
        items = self.status.items if self.status is not None else ()
        self.current = next(
            (i for i, it in enumerate(items) if it.answer == "unknown"), self.current
        )
        self.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def typing_in_note(self) -> bool:
        """A note field of the editor has the focus (the user is writing)."""
        focus = QApplication.focusWidget()
        return focus is not None and focus is not self and self.isAncestorOf(focus)

    def _keep_keys(self, _contact_id: int) -> None:
        # a finished note rebuilds the rows and deletes the focused field: keep the keys here
        if self.typing_in_note():
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and not (event.modifiers() & ~_TYPING_MODIFIERS)
        ):
            event.accept()  # a plain key: ours, not one of triage's decision shortcuts
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.done.emit()
            return
        if self.handle_key(event):
            return
        if event.modifiers() & ~_TYPING_MODIFIERS:
            super().keyPressEvent(event)
            return
        self.unused_key.emit()

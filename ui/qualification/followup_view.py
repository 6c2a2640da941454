"""Follow-up and consent for one contact: received, response due (red when overdue), first
response, next-action quick picks, and consent to marketing with when and how."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QWidget,
)

from app import followup
from app.consent import CONSENT_LABELS, CONSENT_STATES
from app.contacts import ContactDetail
from app.timeutil import local_text, utcnow
from ui.detail_sections import ContactSection
from ui.flow_layout import FlowLayout
from ui.line_breaks import WrappedLabel
from ui.theme import follow_palette, theme_colors

if TYPE_CHECKING:
    from app.contact_view import ContactView


def followup_style(palette: QPalette) -> str:
    """Overdue in red, answered and consent given in green, withdrawn in red: each at 4.5:1 or
    more on the palette's background (light or dark)."""
    c = theme_colors(palette)
    return f"""
#responseDue[state="overdue"] {{ color: {c["error"]}; font-weight: bold; }}
#responseDue[state="answered"] {{ color: {c["success"]}; }}
#consentState[state="granted"] {{ color: {c["success"]}; }}
#consentState[state="withdrawn"] {{ color: {c["error"]}; }}
"""


def _label(name: str, wrap: bool = False) -> QLabel:
    label = WrappedLabel() if wrap else QLabel("")
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def due_text(c: ContactDetail, now: datetime | None = None) -> tuple[str, str]:
    """(text, state) for the response due line."""
    state = followup.follow_up_state(c.response_due_at, c.first_response_at, now)
    if state is None:
        return "—", ""
    due = local_text(c.response_due_at)
    if state == "answered":
        return f"{due} · answered {local_text(c.first_response_at)}", state
    if state == "overdue":
        late = (now or utcnow()) - (c.response_due_at or utcnow())
        hours = int(late.total_seconds() // 3600)
        span = f"{hours // 24} d {hours % 24} h" if hours >= 24 else f"{hours} h"
        return f"{due} · overdue by {span}", state
    return f"{due} · awaiting response", state


class FollowUpView(ContactSection):
    """``FollowUpView(parent)``; ``show_view(view | None)`` shows a contact.

    Requests go to the qualification feature, which runs them as operations (undoable):
    ``next_action_requested(id, datetime | None)`` and ``consent_requested(id, state, how)``.
    """

    next_action_requested = Signal(int, object)
    consent_requested = Signal(int, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.contact_id: int | None = None
        self._shown_consent: str | None = None
        self.setObjectName("followUpView")
        follow_palette(self, followup_style)
        self.received = _label("received")
        self.due = _label("responseDue", wrap=True)
        self.next_action = _label("nextAction")
        picks = FlowLayout(spacing=4)  # wraps in a narrow panel
        self.pick_buttons: dict[str, QToolButton] = {}
        for key, text in (
            ("tomorrow", "Tomorrow"),
            ("next-week", "Next week"),
            ("next-month", "In a month"),
            ("none", "Clear"),
        ):
            button = QToolButton()
            button.setText(text)
            button.setObjectName(f"pick_{key}")
            button.clicked.connect(lambda _c=False, k=key: self._pick(k))
            picks.addWidget(button)
            self.pick_buttons[key] = button
        self.consent_state = _label("consentState", wrap=True)
        self.consent_combo = QComboBox()
        self.consent_combo.setObjectName("consentCombo")
        for state in CONSENT_STATES:
            self.consent_combo.addItem(CONSENT_LABELS[state], state)
        self.consent_how = QLineEdit()
        self.consent_how.setObjectName("consentHow")
        self.consent_how.setPlaceholderText("How was it given?")  # fits a narrow panel
        self.consent_how.setToolTip("How consent was given: web form checkbox, asked by phone…")
        self.consent_how.returnPressed.connect(self._record_consent)
        record = QPushButton("Record")
        record.setObjectName("recordConsent")
        record.clicked.connect(self._record_consent)
        consent_row = QHBoxLayout()
        consent_row.setContentsMargins(0, 0, 0, 0)
        consent_row.addWidget(self.consent_combo, 1)
        consent_row.addWidget(record)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Received", self.received)
        form.addRow("Response due", self.due)
        form.addRow("Next action", self.next_action)
        form.addRow(picks)
        form.addRow("Consent", self.consent_state)
        form.addRow(consent_row)
        form.addRow(self.consent_how)

    def show_view(self, view: ContactView | None) -> None:
        c = view.detail if view is not None else None
        shown_before = self.contact_id
        self.contact_id = c.id if c is not None else None
        if c is None:
            for label in (self.received, self.due, self.next_action, self.consent_state):
                label.setText("")
            return
        self.received.setText(local_text(c.received_at) or "— (not an inquiry yet)")
        text, state = due_text(c)
        self.due.setText(text)
        self.due.setProperty("state", state)
        self.due.style().unpolish(self.due)
        self.due.style().polish(self.due)
        self.next_action.setText(local_text(c.next_action_at, with_time=False) or "—")
        when = f" on {local_text(c.consent_at)}" if c.consent_at else ""
        how = f" ({c.consent_how})" if c.consent_how else ""
        self.consent_state.setText(f"{CONSENT_LABELS.get(c.consent, c.consent)}{when}{how}")
        self.consent_state.setProperty("state", c.consent)
        self.consent_state.style().unpolish(self.consent_state)
        self.consent_state.style().polish(self.consent_state)
        # what the user is choosing and typing stays while other things of the contact change
        if c.id != shown_before or c.consent != self._shown_consent:
            self.consent_combo.setCurrentIndex(max(0, self.consent_combo.findData(c.consent)))
        if c.id != shown_before:
            self.consent_how.clear()
        self._shown_consent = c.consent

    def _pick(self, choice: str) -> None:
        if self.contact_id is None:
            return
        when = None if choice == "none" else followup.quick_pick(choice)
        self.next_action_requested.emit(self.contact_id, when)

    def _record_consent(self) -> None:
        if self.contact_id is None:
            return
        how = self.consent_how.text().strip()
        self.consent_how.clear()
        self.consent_requested.emit(self.contact_id, str(self.consent_combo.currentData()), how)

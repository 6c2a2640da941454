"""Small dialogs: new contact, disqualify reason, database errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from app.fields import FIELD_LABELS, ValidationError, clean_fields, field_doubt
from ui.line_breaks import WrappedLabel

if TYPE_CHECKING:
    from db.engine import Database
    from ui.leads.duplicate_warning import DuplicateWarning

DISQUALIFY_REASONS = [
    "No budget",
    "No need",
    "Not the decision maker",
    "Wrong industry or size",
    "Competitor",
    "Student or job seeker",
    "No response after several attempts",
    "Spam or fake entry",
]


class NewContactDialog(QDialog):
    """Create a contact: name, e-mail, company, title, source and stage."""

    FIELDS = [
        ("first_name", "First name"),
        ("last_name", "Last name"),
        ("email", "E-mail"),
        ("phone", "Phone"),
        ("company", "Company"),
        ("title", "Job title"),
        ("source", "Source"),
    ]

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New contact")
        self.setMinimumWidth(420)
        self.db = db
        form = QFormLayout()
        self.inputs: dict[str, QLineEdit] = {}
        for key, label in self.FIELDS:
            edit = QLineEdit()
            edit.setObjectName(f"new_{key}")
            self.inputs[key] = edit
            form.addRow(label, edit)
        self.stage = QComboBox()
        from app.stage_visibility import shown_stages  # SQLAlchemy: when the dialog first opens

        for st in shown_stages(db):  # a hidden stage is not offered
            self.stage.addItem(st.name, st.key)
        self.stage.setCurrentIndex(max(0, self.stage.findData("inquiry")))
        form.addRow("Stage", self.stage)
        self.error = WrappedLabel()
        self.error.setObjectName("errorLabel")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.hide()
        # a likely duplicate is named as the user types, with a link to open it (ui.leads)
        self.open_existing: int | None = None
        # with the first dialog, not at the window's start (the look-up and its text: ~12 ms)
        from ui.leads.duplicate_warning import DuplicateWarning, connect_form

        self.duplicates: DuplicateWarning = DuplicateWarning(db, self)
        self.duplicates.open_requested.connect(self._open_existing)
        connect_form(
            self.duplicates, self.inputs, lambda: {k: e.text() for k, e in self.inputs.items()}
        )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.duplicates)
        lay.addWidget(buttons)
        self.values: dict[str, object] = {}
        # (field, value) the user chose to keep although field_doubt questioned it
        self._doubt_accepted: tuple[str, object] | None = None

    def accept(self) -> None:
        try:
            cleaned = clean_fields({key: edit.text() for key, edit in self.inputs.items()})
        except ValidationError as exc:
            self.error.setText(str(exc))
            self.error.show()
            self.inputs[exc.field].setFocus()
            return
        values = {key: value for key, value in cleaned.items() if value is not None}
        for key, value in values.items():
            doubt = field_doubt(key, value)
            if doubt and self._doubt_accepted != (key, value):
                self._doubt_accepted = (key, value)  # pressing Create again keeps it
                self.error.setText(f"{FIELD_LABELS[key]}: {doubt} Create again to keep it.")
                self.error.show()
                self.inputs[key].setFocus()
                return
        if not any(values.get(k) for k in ("first_name", "last_name", "email", "company")):
            self.error.setText("Give at least a name, an e-mail address or a company.")
            self.error.show()
            return
        self.values = values
        super().accept()

    @property
    def stage_key(self) -> str:
        return str(self.stage.currentData())

    def _open_existing(self, contact_id: int) -> None:
        """The warning's link: open that contact instead of creating another."""
        self.open_existing = contact_id
        self.reject()


class ReasonDialog(QDialog):
    """Pick why a contact is disqualified: a short list (keys 1–9) plus free text."""

    def __init__(self, n: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Disqualify")
        who = "this contact" if n == 1 else f"these {n:,} contacts"
        prompt = QLabel(f"Why disqualify {who}?")
        self.list = QListWidget()
        self.list.setObjectName("reasonList")
        for i, reason in enumerate(DISQUALIFY_REASONS, 1):
            self.list.addItem(f"{i}  {reason}")
        self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        self.other = QLineEdit()
        self.other.setPlaceholderText("Other reason (optional)…")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Disqualify")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(prompt)
        lay.addWidget(self.list)
        lay.addWidget(self.other)
        lay.addWidget(buttons)
        self.list.setFocus()
        # the list would take a digit as a type-ahead search and only select the reason
        self.list.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.list
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and self._pick_by_digit(event)
        ):
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.other.hasFocus() and self._pick_by_digit(event):
            return
        super().keyPressEvent(event)

    def _pick_by_digit(self, event: QKeyEvent) -> bool:
        """A digit picks its reason and disqualifies at once (no Enter)."""
        text = event.text()
        if text.isdigit() and 1 <= int(text) <= len(DISQUALIFY_REASONS):
            self.list.setCurrentRow(int(text) - 1)
            self.accept()
            return True
        return False

    @property
    def reason(self) -> str:
        other = self.other.text().strip()
        if other:
            return other
        item = self.list.currentItem()
        return DISQUALIFY_REASONS[self.list.row(item)] if item else "Disqualified"


def ask_disqualify_reason(parent: QWidget | None, n: int) -> str | None:
    """The reason, or None when the user cancelled (the move must not happen)."""
    dialog = ReasonDialog(n, parent)
    return dialog.reason if dialog.exec() == QDialog.DialogCode.Accepted else None

"""Deal value…: an opportunity's amount and expected close date (``operations.set_deal``, one
undoable operation), from a card's or the list's context menu."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app import deals, operations
from app.errors import UsageError
from app.followup import local_midnight_utc, local_now
from ui.api import WindowApi
from ui.fields import fit_placeholder
from ui.line_breaks import WrappedLabel
from ui.theme import follow_palette, theme_colors


class DealDialog(QDialog):
    """Amount (empty: none) and, optionally, the expected close date."""

    def __init__(self, deal: deals.Deal, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Deal value")
        self.amount = QLineEdit()
        self.amount.setObjectName("dealAmount")
        self.amount.setPlaceholderText("e.g. 12,500 (empty: no amount)")
        fit_placeholder(self.amount)
        if deal.amount is not None:
            self.amount.setText(f"{deal.amount:,.2f}")
        self.has_close = QCheckBox("Expected to close on")
        self.close_date = QDateEdit()
        self.close_date.setObjectName("dealClose")
        self.close_date.setCalendarPopup(True)
        self.close_date.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # no change by the wheel alone
        self.close_date.setDisplayFormat("d MMM yyyy")
        when = (
            local_now(deal.expected_close_at).date()
            if deal.expected_close_at is not None
            else local_now().date()
        )
        self.close_date.setDate(QDate(when.year, when.month, when.day))
        self.has_close.setChecked(deal.expected_close_at is not None)
        self.close_date.setEnabled(self.has_close.isChecked())
        self.has_close.toggled.connect(self.close_date.setEnabled)
        self.error = QLabel()
        self.error.setObjectName("dealError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        follow_palette(self.error, lambda palette: f"color: {theme_colors(palette)['error']};")
        self.error.hide()
        heading = WrappedLabel(name)
        heading.setTextFormat(Qt.TextFormat.PlainText)
        heading.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Amount", self.amount)
        form.addRow(self.has_close, self.close_date)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(heading)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(buttons)

    def values(self) -> tuple[float | None, datetime | None]:
        """The amount and close time (naive UTC, local midnight); UsageError if unreadable."""
        amount = deals.parse_amount(self.amount.text())
        close = None
        if self.has_close.isChecked():
            d = self.close_date.date()
            close = local_midnight_utc(date(d.year(), d.month(), d.day()))
        return amount, close

    def accept(self) -> None:
        try:
            self.values()
        except UsageError as exc:
            self.error.setText(str(exc))
            self.error.show()
            self.amount.setFocus()
            return
        super().accept()


def edit_deal(api: WindowApi, contact_id: int) -> DealDialog | None:
    """Ask for the deal value of ``contact_id`` and save it (one operation); the dialog is
    returned after it closed (None when the contact is gone)."""
    from app.contacts import get_contact
    from app.errors import UnknownContact

    db = api.db
    try:
        deal = deals.get_deal(db, contact_id)
        detail = get_contact(db, contact_id)
    except UnknownContact:
        return None
    name = detail.name or detail.company or detail.email or f"Contact {contact_id}"
    dialog = DealDialog(deal, name, api.dialog_parent())
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return dialog
    amount, close = dialog.values()
    api.ops.run(
        lambda: operations.set_deal(db, contact_id, amount, close),
        failure_title="Could not save the deal value",
    )
    return dialog

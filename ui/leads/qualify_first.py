""" "Qualify first": what the window asks before a move the gates stop (app.gates) — the
missing answers per contact, and a reason to move anyway, kept in the history."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from ui.fields import fit_placeholder
from ui.line_breaks import WrappedLabel

if TYPE_CHECKING:
    from app.gates import GateProblem


class QualifyFirstDialog(QDialog):
    def __init__(
        self, stage_name: str, problems: Sequence[GateProblem], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Qualify first")
        n = len(problems)
        who = "This contact is" if n == 1 else f"{n:,} of these contacts are"
        intro = WrappedLabel(
            f"{who} not ready for {stage_name}. Sales should only see leads that meet the "
            "agreed criteria, and no lead without permission. Answer the missing criteria "
            "first, or give the reason to move anyway (it is kept in the history)."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.problems = QListWidget()
        for p in problems[:500]:
            self.problems.addItem(p.describe())
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Reason to move anyway, e.g. “the owner asked for a call”")
        fit_placeholder(self.reason)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.move_anyway = self.buttons.addButton(
            "Move anyway", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.move_anyway.setEnabled(False)
        self.reason.textChanged.connect(lambda t: self.move_anyway.setEnabled(bool(t.strip())))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.problems, 1)
        lay.addWidget(self.reason)
        lay.addWidget(self.buttons)
        self.resize(560, 360)

    def override_reason(self) -> str | None:
        text = self.reason.text().strip()
        return text or None


def ask_override(
    parent: QWidget | None, stage_name: str, problems: Sequence[GateProblem]
) -> str | None:
    """The reason to move anyway, or None (cancelled)."""
    dialog = QualifyFirstDialog(stage_name, problems, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.override_reason()


def ask_override_then(
    parent: QWidget | None,
    stage_name: str,
    problems: Sequence[GateProblem],
    then: Callable[[str], object],
    cancelled: Callable[[], object] | None = None,
) -> QualifyFirstDialog:
    """Open the question without blocking (window-modal): ``then(reason)`` when the user moves
    anyway, ``cancelled()`` otherwise. Returns the open dialog."""
    dialog = QualifyFirstDialog(stage_name, problems, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def finished(code: int) -> None:
        reason = dialog.override_reason()
        if code == QDialog.DialogCode.Accepted and reason:
            then(reason)
        elif cancelled is not None:
            cancelled()

    dialog.finished.connect(finished)
    dialog.open()
    return dialog

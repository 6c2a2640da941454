"""Undo this import (the wizard's summary page, File ▸ Import history): say what would be lost
before anything is deleted, let the user choose, run the chosen undo on the window's writer.

The preview (:func:`app.importing.batches.preview_undo_import`) runs on a worker: for a big
batch it reads every created contact's later work. When someone worked on contacts of the
batch since, the choice is explicit — keep those (the default) or remove them too.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCommandLinkButton,
    QDialog,
    QDialogButtonBox,
    QVBoxLayout,
    QWidget,
)

from app.importing.batches import UndoPreview, preview_undo_import, undo_import_op
from app.importing.report import UndoResult
from db.engine import Database
from ui.line_breaks import WrappedLabel
from ui.operations import OperationRunner
from ui.tasks import TaskRunner


class UndoChoice(Enum):
    KEEP_LATER_WORK = "keep"  # remove only the contacts nobody worked on since
    REMOVE_ALL = "all"  # remove every contact the import created, later work included


def _n(count: int, noun: str = "contact") -> str:
    return f"{count:,} {noun}{'s' if count != 1 else ''}"


class UndoImportDialog(QDialog):
    """The question, naming what would be removed: one choice per way to undo (full-width
    command links, so long counts never get cut), Cancel, and Esc to cancel."""

    def __init__(self, parent: QWidget | None, preview: UndoPreview, file_name: str) -> None:
        super().__init__(parent)
        self.setObjectName("undoImportQuestion")
        self.setWindowTitle("Undo import")
        self.setModal(True)
        self.setMinimumWidth(560)
        self.choice: UndoChoice | None = None
        untouched, later = len(preview.untouched), len(preview.with_later_work)
        restored = (
            f" The fields it changed on {_n(preview.updated)} are set back."
            if preview.updated
            else ""
        )
        heading = WrappedLabel(f"Undo the import of {file_name}?")
        heading.setObjectName("undoImportHeading")
        heading.setTextFormat(Qt.TextFormat.PlainText)
        heading.setWordWrap(True)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        self.text = WrappedLabel()
        self.text.setObjectName("undoImportText")
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(heading)
        lay.addWidget(self.text)
        lay.addSpacing(6)
        if not later:
            self.text.setText(
                f"This removes the {_n(untouched)} it created; nobody has worked on them "
                f"since.{restored}"
            )
            title = f"Remove {_n(untouched)}" if untouched else "Undo the import"
            self._choice(lay, title, "", UndoChoice.KEEP_LATER_WORK)
        else:
            others = f" Nobody has touched the other {_n(untouched)}." if untouched else ""
            self.text.setText(
                f"{preview.warning[0].upper()}{preview.warning[1:]} since it ran; removing "
                f"them would lose that work.{others}{restored}"
            )
            keep = (
                f"Remove only the {_n(untouched, 'untouched contact')} "
                f"(keep the {later:,} you worked on)"
                if untouched
                else f"Keep the {_n(later)} you worked on (remove nothing)"
            )
            self._choice(
                lay,
                keep,
                "Their moves, activities, answers and edits stay; they no longer belong to "
                "the import.",
                UndoChoice.KEEP_LATER_WORK,
            )
            self._choice(
                lay,
                f"Remove all {untouched + later:,}, including later work",
                f"The work done on {_n(later)} since the import is lost.",
                UndoChoice.REMOVE_ALL,
            )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def _choice(self, lay: QVBoxLayout, title: str, detail: str, choice: UndoChoice) -> None:
        button = QCommandLinkButton(title, detail)
        button.setObjectName(
            "undoImportKeep" if choice is UndoChoice.KEEP_LATER_WORK else "undoImportAll"
        )
        button.setAutoDefault(choice is UndoChoice.KEEP_LATER_WORK)
        button.setDefault(choice is UndoChoice.KEEP_LATER_WORK)
        button.clicked.connect(lambda: self._chosen(choice))
        lay.addWidget(button)

    def _chosen(self, choice: UndoChoice) -> None:
        self.choice = choice
        self.accept()


def ask_undo_choice(parent: QWidget, preview: UndoPreview, file_name: str) -> UndoChoice | None:
    """Ask how to undo; None when the user cancels."""
    dialog = UndoImportDialog(parent, preview, file_name)
    try:
        dialog.exec()
        return dialog.choice
    finally:
        dialog.deleteLater()


def undo_import_asking(
    parent: QWidget,
    db: Database,
    tasks: TaskRunner,
    ops: OperationRunner,
    batch_id: int,
    file_name: str,
    *,
    on_done: Callable[[UndoResult], None],
    on_cancel: Callable[[], None],
    on_failure: Callable[[BaseException], None],
) -> None:
    """Preview (worker) → the question → the chosen undo (writer) → ``on_done(result)``."""

    def previewed(preview: UndoPreview) -> None:
        choice = ask_undo_choice(parent, preview, file_name)
        if choice is None:
            on_cancel()
            return
        everything = choice is UndoChoice.REMOVE_ALL
        ops.run(
            lambda: undo_import_op(db, batch_id, including_later_work=everything),
            initiator=parent,
            on_success=lambda result: on_done(result.value),
            on_failure=on_failure,
        )

    tasks.run(
        preview_undo_import,
        db,
        batch_id,
        label="Checking what the undo would remove",
        on_done=previewed,
        on_error=on_failure,
    )

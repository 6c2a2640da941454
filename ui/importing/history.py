"""File ▸ Import history: every import batch with its counts, its report, and Undo (which
says first what it would remove, see :mod:`ui.importing.undo`). The list follows the window's
change notices for imports."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.importing.batches import batch_report, list_batches
from app.importing.report import BatchInfo, ImportReport, UndoResult
from app.operations import Changes
from app.timeutil import local_text
from db.engine import Database
from ui.importing.models import BatchListModel, IssueModel
from ui.importing.undo import undo_import_asking
from ui.importing.widgets import ColumnSharer
from ui.operations import OperationRunner
from ui.tasks import TaskRunner


class ImportHistoryDialog(QDialog):
    """Lists import batches (source, file, time, counts); shows a report; undoes a batch."""

    def __init__(
        self,
        db: Database,
        runner: TaskRunner,
        ops: OperationRunner,
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importHistory")
        self.setWindowTitle("Import history")
        self.resize(980, 560)
        self.db = db
        self.runner = runner
        self.ops = ops

        self.model = BatchListModel(self)
        self.table = QTableView()
        self.table.setObjectName("batchTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # the source and the file share what the other columns leave and wrap (each of the
        # others as wide as its contents): no "…", no sideways scrolling
        self.batch_columns = ColumnSharer(self.table, {1: 1.0, 2: 1.0})
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._selected())

        self.issues_model = IssueModel(self)
        self.issues = QTableView()
        self.issues.setObjectName("batchIssues")
        self.issues.setModel(self.issues_model)
        self.issues.verticalHeader().hide()
        self.issues.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.issue_columns = ColumnSharer(self.issues, {2: 1.0})  # the reason wraps

        self.status = QLabel()
        self.status.setObjectName("historyStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.undo_button = QPushButton("Undo import…")
        self.undo_button.setObjectName("undoBatch")
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.undo_selected)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.undo_button)
        buttons.addWidget(close)
        title = QLabel(
            "Rejected and skipped rows, warnings and likely duplicates of the selected import"
        )
        title.setWordWrap(True)
        title.setObjectName("sectionTitle")
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 3)
        lay.addWidget(title)
        lay.addWidget(self.issues, 2)
        lay.addLayout(buttons)
        ops.operation_did_execute.connect(self._on_operation)
        self.reload()

    def _on_operation(self, changes: Changes, initiator: object) -> None:
        """A batch imported or undone elsewhere (the wizard, Edit ▸ Undo): list them again."""
        if changes.imports and initiator is not self:
            batch = self.selected_batch()
            self.reload(select_id=batch.id if batch is not None else None)

    def reload(self, select_id: int | None = None, message: str | None = None) -> None:
        """List the batches again (in the background), select one, then say ``message``."""

        def done(batches: list[BatchInfo]) -> None:
            self.model.set_batches(batches)
            if not batches:
                self.status.setText("No imports yet: File ▸ Import… or drop a file on the window.")
                self.issues_model.set_report(None)
                return
            row = next((i for i, b in enumerate(batches) if b.id == select_id), 0)
            self.table.selectRow(row)
            if message:
                self.status.setText(message)

        self.runner.run(
            list_batches, self.db, on_done=done, on_error=lambda exc: self.status.setText(str(exc))
        )

    def selected_batch(self) -> BatchInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.batch(rows[0].row()) if rows else None

    def _selected(self) -> None:
        batch = self.selected_batch()
        self.undo_button.setEnabled(batch is not None and not batch.undone)
        if batch is None:
            self.issues_model.set_report(None)
            return
        self.status.setText(self._describe(batch))

        def done(report: ImportReport) -> None:
            if self.selected_batch() is batch:
                self.issues_model.set_report(report)

        self.runner.run(
            batch_report,
            self.db,
            batch.id,
            on_done=done,
            on_error=lambda exc: self.status.setText(str(exc)),
        )

    @staticmethod
    def _describe(b: BatchInfo) -> str:
        how = {
            "skip": "known e-mails skipped",
            "fill": "empty fields filled",
            "overwrite": "known contacts overwritten",
        }.get(b.on_duplicate or "", "")
        parts = [f"Batch {b.id}", (b.format or "").upper(), b.encoding or "", how]
        if b.undone:
            parts.append(f"undone {local_text(b.undone_at)}")
        return " · ".join(p for p in parts if p)

    def undo_selected(self) -> None:
        """Say what would be removed (and what was worked on since), then undo as chosen."""
        batch = self.selected_batch()
        if batch is None or batch.undone:
            return
        self.undo_button.setEnabled(False)
        self.status.setText("Checking what the undo would remove…")

        def done(result: UndoResult) -> None:
            summary = f"Import undone: {result.summary}."
            self.status.setText(summary)
            self.reload(select_id=batch.id, message=summary)

        def cancelled() -> None:
            self.status.setText(self._describe(batch))
            self.undo_button.setEnabled(True)

        def failed(exc: BaseException) -> None:
            self.status.setText(f"Could not undo: {exc}")
            self.undo_button.setEnabled(True)

        undo_import_asking(
            self,
            self.db,
            self.runner,
            self.ops,
            batch.id,
            batch.file_name or "this file",
            on_done=done,
            on_cancel=cancelled,
            on_failure=failed,
        )

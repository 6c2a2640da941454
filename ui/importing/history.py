"""File ▸ Import history: every import batch with its counts, its report, and Undo."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.importing.batches import batch_report, list_batches, undo_import
from app.importing.report import BatchInfo, ImportReport, UndoResult
from app.timeutil import local_text
from db.engine import Database
from ui.importing.models import BatchListModel, IssueModel
from ui.tasks import TaskRunner


class ImportHistoryDialog(QDialog):
    """Lists import batches (source, file, time, counts); shows a report; undoes a batch."""

    def __init__(
        self,
        db: Database,
        runner: TaskRunner,
        *,
        on_change: Callable[[list[int]], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importHistory")
        self.setWindowTitle("Import history")
        self.resize(980, 560)
        self.db = db
        self.runner = runner
        self.on_change = on_change
        # (title, text) -> bool; replaceable in tests
        self.confirm: Callable[[str, str], bool] = self._ask

        self.model = BatchListModel(self)
        self.table = QTableView()
        self.table.setObjectName("batchTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._selected())

        self.issues_model = IssueModel(self)
        self.issues = QTableView()
        self.issues.setObjectName("batchIssues")
        self.issues.setModel(self.issues_model)
        self.issues.verticalHeader().hide()
        self.issues.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.issues.horizontalHeader().setStretchLastSection(True)

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
        title = QLabel("Rejected rows, warnings and likely duplicates of the selected import")
        title.setObjectName("sectionTitle")
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 3)
        lay.addWidget(title)
        lay.addWidget(self.issues, 2)
        lay.addLayout(buttons)
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        def done(batches: list[BatchInfo]) -> None:
            self.model.set_batches(batches)
            if not batches:
                self.status.setText("No imports yet: File ▸ Import… or drop a file on the window.")
                self.issues_model.set_report(None)
                return
            row = next((i for i, b in enumerate(batches) if b.id == select_id), 0)
            self.table.selectRow(row)

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
        batch = self.selected_batch()
        if batch is None or batch.undone:
            return
        what = f"{batch.imported:,} contacts it created"
        if batch.updated:
            what += f" and restore the fields it changed on {batch.updated:,} contacts"
        if not self.confirm(
            "Undo import",
            f"Undo the import of {batch.file_name or 'this file'}?\n\nThis removes the {what}.",
        ):
            return
        self.undo_button.setEnabled(False)
        self.status.setText("Undoing…")

        def done(result: UndoResult) -> None:
            self.status.setText(
                f"Import undone: {len(result.removed):,} contacts removed, "
                f"{len(result.restored):,} restored."
            )
            if self.on_change is not None:
                self.on_change([])
            self.reload(select_id=batch.id)

        def failed(exc: BaseException) -> None:
            self.status.setText(f"Could not undo: {exc}")
            self.undo_button.setEnabled(True)

        self.runner.run(
            undo_import,
            self.db,
            batch.id,
            label="Undoing the import",
            on_done=done,
            on_error=failed,
        )

    def _ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

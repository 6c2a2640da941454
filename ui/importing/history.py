"""File ▸ Import history: every import batch with its counts, its report, and Undo (which
says first what it would remove, see :mod:`ui.importing.undo`). The list follows the window's
change notices for imports."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.importing.batches import batch_report, list_batches
from app.importing.report import BatchInfo, ImportReport, UndoResult
from app.operations import Changes
from app.timeutil import local_text
from db.engine import Database
from ui.header_align import align_headers_with_cells
from ui.importing.models import BatchListModel, IssueModel
from ui.importing.undo import undo_import_asking
from ui.importing.widgets import ColumnSharer, encoding_name
from ui.line_breaks import KeepHyphensDelegate, WrappedLabel
from ui.operations import OperationRunner
from ui.row_fit import SLACK
from ui.tasks import TaskRunner

WIDTH = 980  # the least width (less on a small screen); wider as its text needs (natural_width)
SHARE_OF_WINDOW = 0.9  # the dialog's height at most this share of the window (or screen)
WIDTH_SHARE = 0.96  # its width at most this share of the window (or screen)
MEASURED = 200  # rows whose text is measured for the width (thousands of issues: their start)


def natural_width(view: QTableView) -> int:
    """How wide ``view`` would be to show each column's header and text (of its first rows)
    on one line."""
    model, header, fm = view.model(), view.horizontalHeader(), view.fontMetrics()
    style = view.style()
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    cell = 2 * margin + SLACK + (1 if view.showGrid() else 0)
    total = 2 * view.frameWidth() + view.verticalScrollBar().sizeHint().width()
    for column in range(model.columnCount()):
        texts = (model.index(row, column).data() for row in range(min(model.rowCount(), MEASURED)))
        widest = max(
            (fm.horizontalAdvance(t) for t in texts if isinstance(t, str) and t), default=0
        )
        total += max(header.sectionSizeHint(column), widest + cell)
    return total


def rows_height(view: QTableView, limit: int) -> int:
    """How tall ``view`` would be to show its header and every row (each as tall as its
    wrapped text at the columns' widths now), counting no further than ``limit`` px."""
    header = view.horizontalHeader()
    height = 2 * view.frameWidth() + (0 if header.isHidden() else header.sizeHint().height())
    for row in range(view.model().rowCount()):
        if height > limit:
            break
        height += max(view.rowHeight(row), view.sizeHintForRow(row))
    return min(height, limit)


class ImportHistoryDialog(QDialog):
    """Lists import batches (source, file, time, counts); shows a report; undoes a batch."""

    def __init__(
        self,
        db: Database,
        runner: TaskRunner,
        ops: OperationRunner,
        *,
        show_batch: Callable[[int], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importHistory")
        # every contact of the selected batch in the window's list (None: no button)
        self.show_batch = show_batch
        self.setWindowTitle("Import history")
        # sized to its rows once they are in (see fit_height); until then a modest box
        self.resize(self._width(), 420)
        self._sized_by_user = False
        self._sizing = False
        self._split_by_user = False
        self._issues_shown = False  # the first batch's rows are in: from then on only grow
        self._grow_only = False
        self.db = db
        self.runner = runner
        self.ops = ops

        self.model = BatchListModel(self)
        self.table = QTableView()
        align_headers_with_cells(self.table)  # the counts' headers over the counts
        self.table.setItemDelegate(KeepHyphensDelegate(self.table))  # "messe-kontakte.csv" whole
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
        self.issues.setItemDelegate(KeepHyphensDelegate(self.issues))  # "E-mail" kept whole
        self.issues.setObjectName("batchIssues")
        self.issues.setModel(self.issues_model)
        self.issues.verticalHeader().hide()
        self.issues.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.issue_columns = ColumnSharer(self.issues, {2: 1.0})  # the reason wraps
        # an import with nothing to report says so in a line, not with an empty table
        self.no_issues = WrappedLabel("Every row of this import was imported as it was.")
        self.no_issues.setObjectName("noIssues")
        self.no_issues.setTextFormat(Qt.TextFormat.PlainText)
        self.no_issues.setWordWrap(True)
        self.no_issues.hide()

        self.status = WrappedLabel()
        self.status.setObjectName("historyStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.undo_button = QPushButton("Undo import…")
        self.undo_button.setObjectName("undoBatch")
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.undo_selected)
        self.show_button = QPushButton("Show its contacts")
        self.show_button.setObjectName("showBatchContacts")
        self.show_button.setToolTip("List every contact of the selected import in the main window")
        self.show_button.setEnabled(False)
        self.show_button.setVisible(show_batch is not None)
        self.show_button.clicked.connect(self.show_selected)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.show_button)
        buttons.addWidget(self.undo_button)
        buttons.addWidget(close)
        title = WrappedLabel(  # capitals, as every section title (resources/style.qss #sectionTitle)
            "Rejected and skipped rows, warnings and likely duplicates of the selected import".upper()
        )
        title.setWordWrap(True)
        title.setObjectName("sectionTitle")
        self.issues_title = title
        lower = QWidget()
        lower_lay = QVBoxLayout(lower)
        lower_lay.setContentsMargins(0, 6, 0, 0)
        lower_lay.addWidget(title)
        lower_lay.addWidget(self.issues, 1)
        lower_lay.addWidget(self.no_issues)
        lower_lay.addStretch(0)
        self.issues_part = lower
        self.issues_layout = lower_lay
        # the two tables share the height as their rows need it (see _split); the user can
        # move the line between them
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("historySplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(lower)
        self.splitter.splitterMoved.connect(self._split_moved)
        self.splitter.installEventFilter(self)
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._fit)
        for view in (self.table, self.issues):
            model = view.model()
            for signal in (model.modelReset, model.layoutChanged):
                signal.connect(self._fit_timer.start)
            # rows grow as they are measured at their columns' widths (wrapped text)
            view.verticalHeader().sectionResized.connect(lambda *_a: self._fit_timer.start())
        lay = QVBoxLayout(self)
        lay.addWidget(self.splitter, 1)
        lay.addLayout(buttons)
        ops.operation_did_execute.connect(self._on_operation)
        self.reload()

    # --- size: every row in sight, no empty space ---------------------------------------------
    def _room(self) -> tuple[int, int]:
        """The window the dialog opens over (or, alone, its screen)."""
        parent = self.parentWidget()
        if parent is not None:
            return parent.window().width(), parent.window().height()
        screen = self.screen()
        if screen is None:
            return WIDTH, 700
        return screen.availableGeometry().width(), screen.availableGeometry().height()

    def _width(self, natural: int = 0) -> int:
        return max(480, min(max(WIDTH, natural), int(self._room()[0] * WIDTH_SHARE)))

    def fit_width(self) -> None:
        """As wide as the batches' sources and files and the report's reasons need on one line
        (at least ``WIDTH``, up to most of the window: at 2560×1440 a 980 px dialog wrapped a
        trade show's name onto two lines beside 1,500 px of room); grows for a batch with more
        to show, about its centre, never shrinks under the user's hand."""
        if self._sized_by_user:
            return
        lay = self.layout()
        margins = lay.contentsMargins() if lay is not None else None
        outside = margins.left() + margins.right() if margins is not None else 0
        tables = [self.table] + ([] if self.issues.isHidden() else [self.issues])
        width = self._width(max(natural_width(t) for t in tables) + outside)
        if width <= self.width():
            return
        self._sizing = True
        try:
            if self.isVisible():
                self.move(self.x() - (width - self.width()) // 2, self.y())
            self.resize(width, self.height())
        finally:
            self._sizing = False
        # the columns took the width at once: the rows in sight wrap anew before the height
        # is worked out from them (their own refit waits for the event loop)
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        for sharer in (self.batch_columns, self.issue_columns):
            sharer.fit()
            sharer.rows.fit()

    def _height_room(self) -> int:
        """The tallest the dialog gets by itself: most of the window it opens over."""
        return max(300, int(self._room()[1] * SHARE_OF_WINDOW))

    def _wanted(self, limit: int) -> tuple[int, int]:
        """(batch table, lower part) as tall as their rows want, each at most ``limit``."""
        upper = rows_height(self.table, limit)
        lay = self.issues_layout
        margins = lay.contentsMargins()
        width = max(1, self.issues_part.width() - margins.left() - margins.right())
        lower = margins.top() + margins.bottom() + lay.spacing()
        lower += self.issues_title.heightForWidth(width)  # wrapped at the width it has
        if self.issues.isHidden():
            lower += self.no_issues.heightForWidth(width)
        else:
            lower += rows_height(self.issues, limit)
        # never less than the splitter gives them (it keeps each at its minimum)
        upper = max(upper, self.table.minimumSizeHint().height())
        lower = max(lower, self.issues_part.minimumSizeHint().height())
        return min(upper, limit), min(lower, limit)

    def fit_height(self) -> None:
        """The dialog as tall as its two tables' rows (up to most of the window; grows for a
        batch with more to show, never shrinks under the user's hand, keeps a size the user
        chose)."""
        if self._sized_by_user:
            return
        # a table just hidden or shown: the layouts (the splitter's minimum too) follow now,
        # not a few turns of the event loop later
        for _ in range(3):
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        upper, lower = self._wanted(self._height_room())
        outside = self.height() - self.splitter.height()
        wanted = outside + upper + self.splitter.handleWidth() + lower
        height = max(self.minimumSizeHint().height(), min(wanted, self._height_room()))
        if self._grow_only:  # another batch chosen: the dialog does not jump smaller
            height = max(height, self.height())
        if height != self.height():
            self._sizing = True
            try:
                self.resize(self.width(), height)
            finally:
                self._sizing = False

    def _fit(self) -> None:
        self.fit_width()
        self.fit_height()
        self._split()
        self._grow_only = self._issues_shown

    def _split(self) -> None:
        """Give each table the height its rows need; where both cannot have it, the one that
        needs less gets what it needs (at most half) and the other the rest."""
        if self._split_by_user:
            return
        room = self.splitter.height() - self.splitter.handleWidth()
        if room <= 0:
            return
        upper, lower = self._wanted(room)
        if upper + lower <= room or upper <= room // 2:
            sizes = [upper, room - upper]
        elif lower <= room // 2:
            sizes = [room - lower, lower]
        else:
            sizes = [room // 2, room - room // 2]
        if self.splitter.sizes() != sizes:
            self.splitter.setSizes(sizes)

    def _split_moved(self, *_args: object) -> None:
        self._split_by_user = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.splitter and event.type() == QEvent.Type.Resize:
            self._split()
        return super().eventFilter(watched, event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if not self._sizing and self.isVisible() and event.spontaneous():
            self._sized_by_user = True  # the user's own size stays

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
                self._show_issues()
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
        self.show_button.setEnabled(batch is not None and not batch.undone and batch.imported > 0)
        if batch is None:
            self.issues_model.set_report(None)
            self._show_issues()
            return
        self.status.setText(self._describe(batch))

        def done(report: ImportReport) -> None:
            if self.selected_batch() is batch:
                self.issues_model.set_report(report)
                self._show_issues()

        self.runner.run(
            batch_report,
            self.db,
            batch.id,
            on_done=done,
            on_error=lambda exc: self.status.setText(str(exc)),
        )

    def _show_issues(self) -> None:
        """The table of rows to report, or the line that says there are none."""
        none = self.issues_model.rowCount() == 0
        self.issues.setHidden(none)
        self.no_issues.setVisible(none and self.selected_batch() is not None)
        self.issues_title.setVisible(self.selected_batch() is not None)
        self._issues_shown = True
        self._fit_timer.start()

    @staticmethod
    def _describe(b: BatchInfo) -> str:
        how = {
            "skip": "known e-mails skipped",
            "fill": "empty fields filled",
            "overwrite": "known contacts overwritten",
        }.get(b.on_duplicate or "", "")
        # the encoding as the wizard names it ("Windows-1252 (Western Europe)"; a BOM aside)
        plain = (b.encoding or "").lower().replace("_", "-").removesuffix("-sig")
        encoding = encoding_name(plain) if plain else ""
        parts = [f"Batch {b.id}", (b.format or "").upper(), encoding, how]
        if b.undone:
            parts.append(f"undone {local_text(b.undone_at)}")
        return " · ".join(p for p in parts if p)

    def show_selected(self) -> None:
        batch = self.selected_batch()
        if batch is not None and self.show_batch is not None:
            self.show_batch(batch.id)

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

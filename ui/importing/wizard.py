"""The import wizard: file → mapping with a live preview → options → import in the background
with progress and Cancel → summary with rejected rows, warnings and "Undo this import".

Reading files and the import itself run on the window's task runner (the import commits in
chunks, so the window's writer never waits long behind it); undoing the import runs on the
window's writer (``ops``). The window hears of both through ``ops.operation_did_execute``.

A window that cannot change its database (a read-only role, the server out of reach, a
damaged file) refuses the import up front: the first page says why and goes no further
(``refusal``). The wizard asks the database itself as it opens — the window's own check may
not have answered yet — and the import asks again before it reads the file."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog, QWidget, QWizard

from app.access import ReadOnly, check_may_write, write_refusal
from app.importing.batches import get_batch
from app.importing.preview import FilePreview, preview_file, preview_rows
from app.importing.report import ImportReport, UndoResult
from app.importing.service import default_phone_region
from app.operations import Changes, UndoState, undo_state
from app.stages import list_stages
from db.engine import Database
from ui.importing.models import IssueModel, MappingModel, PreviewModel, RawSampleModel
from ui.importing.pages import (
    FilePage,
    MappingPage,
    OptionsPage,
    RunPage,
    SummaryPage,
)
from ui.importing.undo import undo_import_asking
from ui.importing.widgets import EXPECTED, FILE_FILTER, clean_path, path_problem
from ui.operations import OperationRunner
from ui.tasks import CancelFlag, Task, TaskRunner

log = logging.getLogger(__name__)


# --- the wizard --------------------------------------------------------------------------------


class ImportWizard(QWizard):
    """Import one file; see the module docstring."""

    def __init__(
        self,
        db: Database,
        runner: TaskRunner,
        ops: OperationRunner,
        path: str | Path | None = None,
        *,
        on_imported: Callable[[ImportReport], None] | None = None,
        open_contact: Callable[[int], None] | None = None,
        show_batch: Callable[[int], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.on_imported = on_imported
        # show an imported contact in the window (the summary's list; None: no button)
        self.open_contact = open_contact
        # show all the batch's contacts in the window's list (None: no button)
        self.show_batch = show_batch
        self.setObjectName("importWizard")
        self.setWindowTitle("Import contacts")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self._fit_size(parent)
        self.db = db
        self.runner = runner
        self.ops = ops
        self.preview: FilePreview | None = None
        self.loading = False
        self.finished_import = False
        self.report: ImportReport | None = None
        self.undone: UndoResult | None = None
        self.import_task: Task | None = None
        self._load_serial = 0
        self._requested_path = ""
        # a typed or pasted path is read once the typing pauses (Enter or leaving: at once)
        self._type_timer = QTimer(self)
        self._type_timer.setSingleShot(True)
        self._type_timer.setInterval(300)
        self._type_timer.timeout.connect(self._typing_paused)
        self._typed_text = ""
        # why nothing can be imported (the window's read-only reason), or None
        self.refusal: str | None = None
        self._role_refusal: str | None = None
        self._file_error = ""
        self.stage_names = {st.key: st.name for st in list_stages(db)}
        # phone numbers in the preview as the import will store them (Settings ▸ Phone numbers)
        self.phone_region = default_phone_region(db)
        ops.operation_did_execute.connect(self._on_operation)
        # file dialogs, replaceable in tests: (start) -> path or ""
        self.ask_open_path: Callable[[str], str] = lambda start: QFileDialog.getOpenFileName(
            self, "Import contacts", start, FILE_FILTER
        )[0]
        self.ask_mapping_save_path: Callable[[str], str] = lambda start: (
            QFileDialog.getSaveFileName(self, "Save mapping", start, "Mapping (*.json)")[0]
        )
        self.ask_mapping_open_path: Callable[[str], str] = lambda start: (
            QFileDialog.getOpenFileName(self, "Load mapping", start, "Mapping (*.json)")[0]
        )

        self.mapping_model = MappingModel(self)
        self.preview_model = PreviewModel(self)
        self.issue_model = IssueModel(self)
        self.raw_model = RawSampleModel(self)
        self.mapping_model.mapping_changed.connect(self.refresh_preview)

        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.options_page = OptionsPage(self)
        self.run_page = RunPage(self)
        self.summary_page = SummaryPage(self)
        for page in (
            self.file_page,
            self.mapping_page,
            self.options_page,
            self.run_page,
            self.summary_page,
        ):
            self.addPage(page)
        ops.read_only_changed.connect(self._refusal_changed)
        self._refusal_changed(ops.refusal)
        self._ask_whether_writable()
        if path:
            self.file_page.path_edit.setText(str(path))
            self.load(str(path))

    # --- nothing may be changed: refused up front ------------------------------------------
    def _ask_whether_writable(self) -> None:
        """Ask the database (on a worker) whether this user may write to it at all."""

        def done(reason: str | None) -> None:
            if shiboken6.isValid(self):
                self._role_refusal = reason
                self._refusal_changed(self.ops.refusal)

        def failed(exc: BaseException) -> None:  # the server gone: the window says so
            log.info("could not ask whether the database may be written: %s", exc)

        self.runner.run(write_refusal, self.db, on_done=done, on_error=failed)

    def _refusal_changed(self, window_reason: str | None) -> None:
        """The window's read-only reason (or the wizard's own answer) changed: the first
        page says it and goes no further; an import already running goes on."""
        reason = window_reason or self._role_refusal
        if reason == self.refusal:
            return
        self.refusal = reason
        self._set_file_error(self._file_error)
        self.file_page.completeChanged.emit()

    def _set_file_error(self, text: str) -> None:
        """What the first page says is wrong: why nothing can be imported, before anything
        about the file."""
        self._file_error = text
        if self.refusal is not None:
            text = f"Nothing can be imported. {self.refusal}."
        self.file_page.set_error(text)

    def _fit_size(self, parent: QWidget | None) -> None:
        """Most of the window (or screen) it opens over, so the tables get the height."""
        area = None
        if parent is not None:
            area = parent.window().size()
        else:
            screen = self.screen()
            area = screen.availableGeometry().size() if screen is not None else None
        if area is None:
            self.resize(980, 700)
            return
        self.resize(
            max(880, min(1280, int(area.width() * 0.9))),
            max(620, min(1040, int(area.height() * 0.92))),
        )

    # --- reading the file ------------------------------------------------------------
    def path_typed(self, text: str) -> None:
        """The path box changed by hand: a paste (many characters at once) is read now,
        typing once it pauses."""
        before, self._typed_text = self._typed_text, text
        if abs(len(text) - len(before)) > 1:
            self.load(text)
        else:
            self._type_timer.start()

    def _typing_paused(self) -> None:
        self.load(self.file_page.path_edit.text())

    def load(self, path: str) -> None:
        """Read ``path`` (typed, pasted, chosen or dropped); a missing file, a folder or an
        unreadable file is said at once, on the first page."""
        self._type_timer.stop()
        path = clean_path(path)
        if not path or (path == self._requested_path and self.preview is not None):
            return  # e.g. the path box lost focus without a change
        self._requested_path = path
        self.file_page.encoding.setCurrentIndex(0)
        self.file_page.delimiter.setCurrentIndex(0)
        self.file_page.sheet.clear()
        problem = path_problem(path)
        if problem is not None:
            self._load_serial += 1  # a read still under way was for another path
            self._loaded(None, problem)
            return
        self._read(str(Path(path).expanduser()), None, None, None)

    def reload(self) -> None:
        path = str(Path(clean_path(self.file_page.path_edit.text())).expanduser())
        if path:
            page = self.file_page
            sheet = page.sheet.currentText() if page.sheet.count() else None
            self._read(path, page.encoding.currentData(), page.delimiter.currentData(), sheet)

    def _read(
        self, path: str, encoding: str | None, delimiter: str | None, sheet: str | None
    ) -> None:
        self._load_serial += 1
        serial = self._load_serial
        self.loading = True
        self._set_file_error("")
        self.file_page.status.setText("Reading…")
        self.file_page.completeChanged.emit()

        def done(preview: FilePreview) -> None:
            if serial == self._load_serial:
                self._loaded(preview, None)

        def failed(exc: BaseException) -> None:
            if serial != self._load_serial:
                return
            if isinstance(exc, EXPECTED):
                self._loaded(None, str(exc))
            elif isinstance(exc, OSError):
                self._loaded(None, f"Cannot read {Path(path).name}: {exc.strerror or exc}")
            else:
                log.error("reading %s failed", path, exc_info=exc)
                self._loaded(None, f"Cannot read {Path(path).name}: {exc}")

        self.runner.run(
            preview_file,
            path,
            encoding=encoding,
            delimiter=delimiter,
            sheet=sheet,
            on_done=done,
            on_error=failed,
        )

    def _loaded(self, preview: FilePreview | None, error: str | None) -> None:
        self.loading = False
        self.preview = preview
        self.file_page.show_preview(preview)
        if preview is None:
            self.raw_model.set_sample([], [])
        else:
            self.raw_model.set_sample(preview.headers, preview.sample)
        if error:
            self.file_page.status.setText("")
            self._set_file_error(error)
        if preview is not None:
            keep = {h: t for h, t in self.mapping_model.mapping.items() if h in preview.headers}
            if list(preview.headers) == self.mapping_model.headers:
                guessed = {**preview.guessed, **keep}  # same columns: keep the user's choices
            else:
                guessed = dict(preview.guessed)
            self.mapping_model.set_columns(preview.headers, preview.sample, guessed)
            if not preview.sample:
                self._set_file_error("The file has headers but no rows to import.")
        self.file_page.completeChanged.emit()

    def refresh_preview(self) -> None:
        if self.preview is None:
            self.preview_model.set_rows([])
            return
        rows = preview_rows(
            self.preview.headers,
            self.preview.sample,
            self.mapping(),
            self.stage_names,
            region=self.phone_region,
        )
        self.preview_model.set_rows(rows)
        model = self.preview_model
        rejected = sum(1 for r in rows if r.rejected)
        warned = sum(1 for r in rows if r.warnings and not r.rejected)
        repeats = len(model.repeats)
        what = "rows" if len(rows) != 1 else "row"
        bits = [f"Preview of the first {len(rows)} {what}"]
        if rejected:
            bits.append(f"{rejected} would be rejected")
        if warned:
            bits.append(f"{warned} with warnings")
        if repeats:
            bits.append(f"{repeats} repeating an earlier row's e-mail address")
        self.mapping_page.preview_title.setText(" · ".join(bits))

    def mapping(self) -> dict[str, str | None]:
        return dict(self.mapping_model.mapping)

    def save_mapping_file(self) -> None:
        from app.importing.mapping import save_mapping

        start = (
            str(Path(self.preview.path).with_suffix(".mapping.json"))
            if self.preview
            else str(Path.home())
        )
        path = self.ask_mapping_save_path(start)
        if not path:
            return
        try:
            save_mapping(self.mapping(), path)
        except EXPECTED as exc:
            self.mapping_page.message.setText(str(exc))
            return
        self.mapping_page.message.setText(f"Mapping saved to {Path(path).name}.")

    def load_mapping_file(self) -> None:
        from app.importing.mapping import load_mapping

        start = str(Path(self.preview.path).parent) if self.preview else str(Path.home())
        path = self.ask_mapping_open_path(start)
        if not path:
            return
        try:
            saved = load_mapping(path)
        except EXPECTED as exc:
            self.mapping_page.message.setText(str(exc))
            return
        known = [h for h in saved if h in self.mapping_model.headers]
        self.mapping_model.set_mapping(saved)
        self.mapping_page.open_editors()
        for row in range(self.mapping_model.rowCount()):
            editor = self.mapping_page.table.indexWidget(self.mapping_model.index(row, 2))
            if editor is not None:
                self.mapping_page.table.itemDelegateForColumn(2).setEditorData(
                    editor, self.mapping_model.index(row, 2)
                )
        self.mapping_page.message.setText(
            f"Loaded {Path(path).name}: {len(known)} of {len(saved)} columns found in this file."
        )

    # --- importing -----------------------------------------------------------------------
    def start_import(self) -> None:
        from app.identity import resolve_person

        assert self.preview is not None
        self.finished_import = False
        self.report = None
        if self.refusal is not None:  # became read only on the way here: nothing written
            message = f"{self.refusal}."  # under the title "Nothing was imported"
            QTimer.singleShot(0, self, lambda: self._finish_run(None, message))
            return
        page = self.file_page
        options = self.options_page
        encoding = (
            page.encoding.currentData() if self.preview.format in ("csv", "tsv", "vcf") else None
        )
        delimiter = page.delimiter.currentData() if self.preview.format in ("csv", "tsv") else None
        name = Path(self.preview.path).name
        self.import_task = self.runner.run(
            _import_and_undo_state,
            self.db,
            self.preview.path,
            source=options.source.text().strip() or None,
            stage=options.stage.currentData() or "suspect",
            on_duplicate=options.chosen_policy(),
            owner=resolve_person(self.db, options.owner.text()),
            mapping=self.mapping(),
            sheet=self.preview.sheet,
            encoding=encoding,
            delimiter=delimiter,
            label=f"Importing {name}",
            on_done=self._import_done,
            on_error=self._import_failed,
            on_progress=self._import_progress,
        )

    def _import_progress(self, done: int, total: int, text: str) -> None:
        if total > 0:
            self.run_page.bar.setRange(0, total)
            self.run_page.bar.setValue(done)
        self.run_page.status.setText(text or f"{done:,} of {total:,} rows")

    def cancel_import(self) -> None:
        if self.import_task is not None and not self.finished_import:
            self.import_task.cancel.set()
            self.run_page.cancel.setEnabled(False)
            self.run_page.status.setText("Cancelling… nothing will be kept.")

    def _import_done(self, done: tuple[ImportReport, UndoState]) -> None:
        report, state = done
        self.import_task = None
        self.report = report
        self._finish_run(report, None)
        # the import committed on a worker, outside the writer: tell the views (and Edit ▸
        # Undo, whose next step is now this import)
        changed = report.created_or_updated > 0
        self.ops.announce(Changes(imports=True, all_contacts=changed), self, undo_state=state)
        if self.on_imported is not None and report.batch_id is not None:
            self.on_imported(report)

    def _import_failed(self, exc: BaseException) -> None:
        from app.importing.service import ImportCancelled

        self.import_task = None
        if isinstance(exc, ReadOnly):  # found before the file was read
            self._role_refusal = str(exc)
            self._refusal_changed(self.ops.refusal)
            message = f"{exc}."
        elif isinstance(exc, ImportCancelled):
            message = "The import was cancelled. Nothing was written."
        elif isinstance(exc, EXPECTED):
            message = f"The import failed; nothing was written.\n\n{exc}"
        else:
            log.error("import failed", exc_info=exc)
            message = f"The import failed; nothing was written.\n\n{exc}"
        self._finish_run(None, message)

    def _finish_run(self, report: ImportReport | None, error: str | None) -> None:
        self.finished_import = True
        self.summary_page.show_result(report, error)
        self.run_page.completeChanged.emit()
        if self.currentPage() is self.run_page:
            self.next()

    def undo_this_import(self) -> None:
        """Say what would be removed (and what was worked on since), then undo as chosen."""
        if self.report is None or self.report.batch_id is None:
            return
        page = self.summary_page
        page.undo_button.setEnabled(False)
        page.set_undo_status("Checking what the undo would remove…")
        name = Path(self.preview.path).name if self.preview else "this file"

        def cancelled() -> None:
            page.set_undo_status("")
            page.undo_button.setEnabled(True)

        def failed(exc: BaseException) -> None:
            page.set_undo_status(f"Could not undo the import: {exc}")
            page.undo_button.setEnabled(True)

        undo_import_asking(
            self,
            self.db,
            self.runner,
            self.ops,
            self.report.batch_id,
            name,
            on_done=self._undone,
            on_cancel=cancelled,
            on_failure=failed,
        )

    def _on_operation(self, changes: Changes, initiator: object) -> None:
        """This import undone elsewhere (Edit ▸ Undo, the import history): no second undo."""
        report = self.report
        if not changes.imports or initiator is self or report is None or self.undone is not None:
            return
        if report.batch_id is not None and get_batch(self.db, report.batch_id).undone:
            self.summary_page.undo_button.setEnabled(False)
            self.summary_page.set_undo_status("This import has been undone.")

    def _undone(self, result: UndoResult) -> None:
        self.undone = result
        self.summary_page.set_undo_status(f"Import undone: {result.summary}.")
        self.summary_page.undo_button.setEnabled(False)

    def reject(self) -> None:
        if self.import_task is not None and not self.finished_import:
            self.cancel_import()  # the task's failure moves on to the summary
            return
        super().reject()


def _import_and_undo_state(
    db: Database, path: str, *, progress: Callable[..., None], cancel: CancelFlag, **options: Any
) -> tuple[ImportReport, UndoState]:
    """The import (on a worker, with progress and Cancel), then what Undo would do next: undo
    this import."""
    from app.importing.child import import_in_background

    check_may_write(db)  # a read-only role: refused now, not at the first chunk's write
    # a big file in a process of its own: this process's interpreter stays free for the window
    report = import_in_background(db, path, progress=progress, cancel=cancel, **options)
    return report, undo_state(db)

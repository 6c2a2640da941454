"""Import and export in the window: File ▸ Import… (and files dropped on the window), Import
history…, Export… (the current filtered list) and Hand off to sales….

The window builds it with :func:`install`, which returns the :class:`ImportExportFeature`
holding the open wizard, the history dialog and the last export.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QWidget

from app.errors import WinnowError
from app.values import ContactQuery
from db.errors import DatabaseError
from ui import message_box
from ui.api import WindowApi

if TYPE_CHECKING:
    from app.exporting import ExportResult
    from db.engine import Database
    from ui.importing.history import ImportHistoryDialog
    from ui.importing.wizard import ImportWizard

EXPORT_FILTERS = {"CSV for Excel (*.csv)": ".csv", "vCard 3.0 (*.vcf)": ".vcf"}

# fn(db, path, query) -> ExportResult, run on a worker
Exporter = Callable[["Database", str, ContactQuery | None], "ExportResult"]


def ask_save_path(parent: QWidget, title: str, start: str, filters: str) -> str:
    """The save dialog: a path (with the chosen filter's suffix if none was typed) or ""."""
    path, chosen = QFileDialog.getSaveFileName(parent, title, start, filters)
    if path and not Path(path).suffix:
        path += EXPORT_FILTERS.get(chosen, ".csv")
    return path


class ImportExportFeature:
    """What the window keeps of import and export: the wizard and history dialog once open,
    and the last export's result."""

    def __init__(self, api: WindowApi) -> None:
        self.api = api
        self.wizard: ImportWizard | None = None
        self.history: ImportHistoryDialog | None = None
        self.last_export: ExportResult | None = None
        # (parent, title, start path, filters) -> path or ""; tests answer it
        self.ask_save_path: Callable[[QWidget, str, str, str], str] = ask_save_path

    # --- import ---------------------------------------------------------------------------
    def open_wizard(self, path: str | Path | None = None) -> ImportWizard:
        """Open the wizard (on ``path`` if given); an open wizard is brought to the front."""
        from ui.importing.wizard import ImportWizard

        current = self.wizard
        if current is not None and current.isVisible():
            if path and current.currentPage() is current.file_page:
                current.file_page.path_edit.setText(str(path))
                current.load(str(path))
            current.raise_()
            current.activateWindow()
            return current
        api = self.api
        wizard = ImportWizard(
            api.db,
            api.tasks,
            api.ops,
            path,
            on_imported=lambda report: self._check_imported(report.batch_id),
            open_contact=self.open_contact,
            show_batch=self.show_batch,
            parent=api.dialog_parent(),
        )
        self.wizard = wizard
        wizard.show()
        return wizard

    def open_contact(self, contact_id: int) -> None:
        """An imported contact (the wizard's summary) shown in the window's list and panel."""
        api = self.api
        api.show_view("list")
        api.set_detail_visible(True)
        api.select_contact(contact_id)
        window = api.dialog_parent().window()
        window.raise_()
        window.activateWindow()

    def show_batch(self, batch_id: int) -> None:
        """Every contact of an import (the wizard's summary) in the window's list."""
        api = self.api
        api.show_batch(batch_id)
        window = api.dialog_parent().window()
        window.raise_()
        window.activateWindow()

    def import_dropped_file(self, path: Path) -> None:
        """A file dropped on the window: the wizard on it."""
        self.open_wizard(path)

    def _check_imported(self, batch_id: int | None) -> None:
        """Newly imported contacts get their domains checked in the background (go-look)."""
        if batch_id is None:
            return
        from app.contacts import query_ids
        from ui.golook import check_contacts_in_background

        ids = query_ids(self.api.db, ContactQuery(batch_id=batch_id))
        check_contacts_in_background(self.api, ids)

    def open_history(self) -> ImportHistoryDialog:
        from ui.importing.history import ImportHistoryDialog

        api = self.api
        dialog = ImportHistoryDialog(
            api.db, api.tasks, api.ops, show_batch=self.show_batch, parent=api.dialog_parent()
        )
        self.history = dialog
        dialog.show()
        return dialog

    # --- export ---------------------------------------------------------------------------
    def export_list(self, path: str | None = None) -> None:
        """Export the list as it is filtered now (CSV or vCard, by the file name)."""
        from app.exporting import export_contacts

        query = self.api.current_query()
        if path is None:
            path = self.ask_save_path(
                self.api.dialog_parent(),
                "Export contacts",
                str(Path.home() / "contacts.csv"),
                ";;".join(EXPORT_FILTERS),
            )
        if path:
            self._run_export(export_contacts, path, query, "Export")

    def export_handoff(self, path: str | None = None) -> None:
        """The Sales qualified contacts with their BANT answers and notes, as CSV."""
        from app.exporting import export_sales_handoff

        if path is None:
            path = self.ask_save_path(
                self.api.dialog_parent(),
                "Hand off to sales",
                str(Path.home() / "for-sales.csv"),
                "CSV for Excel (*.csv)",
            )
        if path:
            self._run_export(export_sales_handoff, path, None, "Hand-off to sales")

    def _run_export(self, fn: Exporter, path: str, query: ContactQuery | None, what: str) -> None:
        api = self.api

        def done(result: ExportResult) -> None:
            noun = "contact" if result.written == 1 else "contacts"
            text = f"{what}: {result.written:,} {noun} written to {Path(result.path).name}"
            if result.note:  # e.g. the hand-off: who was left out, and why
                text += f" ({result.note})"
            api.show_status(text, 15000 if result.note else 10000)
            self.last_export = result

        def failed(exc: BaseException) -> None:
            from app.exporting import ExportCancelled  # imported by the export that ran

            if isinstance(exc, ExportCancelled):  # the Cancel beside the progress bar
                api.show_status(f"{what} cancelled; no file was written.", 10000)
                return
            parent = api.dialog_parent()
            if isinstance(exc, WinnowError | DatabaseError):
                message_box.warning(parent, what, f"Nothing was exported.\n\n{exc}")
            else:
                message_box.critical(parent, what, f"The export failed.\n\n{exc}")

        api.tasks.run(fn, api.db, path, query, label=f"{what}…", on_done=done, on_error=failed)


def install(api: WindowApi) -> ImportExportFeature:
    feature = ImportExportFeature(api)
    api.add_file_action("&Import…", feature.open_wizard, "Ctrl+I")
    api.add_file_action("Import &history…", feature.open_history)
    api.add_file_action("&Export…", feature.export_list, "Ctrl+E")
    api.add_file_action("Hand off to &sales…", feature.export_handoff)
    api.set_import_handler(feature.import_dropped_file)
    return feature

"""Import and export in the window: File ▸ Import… (and files dropped on the window), Import
history…, Export… (the current filtered list) and Hand off to sales….

Registered in ``ui.main_window.FEATURE_INSTALLERS`` as ``"ui.importing:install"``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.errors import WinnowError
from db.engine import DatabaseError

EXPORT_FILTERS = {"CSV for Excel (*.csv)": ".csv", "vCard 3.0 (*.vcf)": ".vcf"}


def _ask_save_path(parent: QWidget, title: str, start: str, filters: str) -> str:
    path, chosen = QFileDialog.getSaveFileName(parent, title, start, filters)
    if path and not Path(path).suffix:
        path += EXPORT_FILTERS.get(chosen, ".csv")
    return path


# (parent, title, start path, filters) -> path or ""; tests replace it
ask_save_path: Callable[[QWidget, str, str, str], str] = _ask_save_path


def _changed(window: Any) -> Callable[[list[int]], None]:
    def notify(ids: list[int]) -> None:
        window.notify_changed(list(ids))
        refresh = getattr(window, "_refresh_sidebar_structure", None)
        if callable(refresh):
            refresh()  # a new source label shows up in the sidebar

    return notify


def open_import_wizard(window: Any, path: str | Path | None = None) -> Any:
    """Open the wizard (on ``path`` if given); an open wizard is brought to the front."""
    from ui.importing.wizard import ImportWizard

    current = getattr(window, "import_wizard", None)
    if current is not None and current.isVisible():
        if path and current.currentPage() is current.file_page:
            current.file_page.path_edit.setText(str(path))
            current.load(str(path))
        current.raise_()
        current.activateWindow()
        return current
    wizard = ImportWizard(
        window.db,
        window.tasks,
        path,
        undo_stack=getattr(window, "undo_stack", None),
        on_change=_changed(window),
        on_imported=lambda report: _check_imported(window, report.batch_id),
        parent=window,
    )
    window.import_wizard = wizard
    wizard.show()
    return wizard


def _check_imported(window: Any, batch_id: int | None) -> None:
    """Newly imported contacts get their domains checked in the background (go-look)."""
    if batch_id is None:
        return
    from app.contacts import ContactQuery, query_ids
    from ui.golook import check_contacts_in_background

    ids = query_ids(window.db, ContactQuery(batch_id=batch_id))
    check_contacts_in_background(window, ids)


def open_import_history(window: Any) -> Any:
    from ui.importing.history import ImportHistoryDialog

    dialog = ImportHistoryDialog(window.db, window.tasks, on_change=_changed(window), parent=window)
    window.import_history = dialog
    dialog.show()
    return dialog


def _run_export(window: Any, fn: Callable[..., Any], path: str, query: Any, what: str) -> None:
    def done(result: Any) -> None:
        noun = "contact" if result.written == 1 else "contacts"
        window.statusBar().showMessage(
            f"{what}: {result.written:,} {noun} written to {Path(result.path).name}", 10000
        )
        window.last_export = result

    def failed(exc: BaseException) -> None:
        if isinstance(exc, WinnowError | DatabaseError):
            QMessageBox.warning(window, what, f"Nothing was exported.\n\n{exc}")
        else:
            QMessageBox.critical(window, what, f"The export failed.\n\n{exc}")

    window.tasks.run(fn, window.db, path, query, label=f"{what}…", on_done=done, on_error=failed)


def export_list(window: Any, path: str | None = None) -> None:
    """Export the list as it is filtered now (CSV or vCard, by the file name)."""
    from app.exporting import export_contacts

    query = window.current_query()
    if path is None:
        path = ask_save_path(
            window, "Export contacts", str(Path.home() / "contacts.csv"), ";;".join(EXPORT_FILTERS)
        )
    if path:
        _run_export(window, export_contacts, path, query, "Export")


def export_handoff(window: Any, path: str | None = None) -> None:
    """The Sales qualified contacts with their BANT answers and notes, as CSV."""
    from app.exporting import export_sales_handoff

    if path is None:
        path = ask_save_path(
            window, "Hand off to sales", str(Path.home() / "for-sales.csv"), "CSV for Excel (*.csv)"
        )
    if path:
        _run_export(window, export_sales_handoff, path, None, "Hand-off to sales")


def install(window: Any) -> None:
    window.import_wizard = None
    window.import_history = None
    window.last_export = None
    window.add_file_action("&Import…", lambda: open_import_wizard(window), "Ctrl+I")
    window.add_file_action("Import &history…", lambda: open_import_history(window))
    window.add_file_action("&Export…", lambda: export_list(window), "Ctrl+E")
    window.add_file_action("Hand off to &sales…", lambda: export_handoff(window))
    window.import_handler = lambda path: open_import_wizard(window, path)

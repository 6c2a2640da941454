"""File ▸ Import history (issue 13): rows an import skipped are listed as "Skipped" — a repeat
within the file and a contact already in Winnow alike — never as a warning, also for a batch
imported before the report kept its skipped rows; and the dialog's columns show every header
and value in full (no "…", no sideways scrolling) at the sizes the window opens it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication, QStyle, QTableView
from sqlalchemy import update

from app import operations
from app.contacts import create_contact
from app.importing.service import import_file
from db.engine import Database
from db.models import ImportBatch
from tests.app.importing.service_fixtures import BADGE_HEADERS, write_csv

pytestmark = pytest.mark.gui

SOURCE = "Trade show: Hannover Messe 2026 — Halle 27, Stand B-114 (badge scanner, day two)"
FILE = "hannover-messe-2026-halle-27-badge-scanner-export-day-two-complete.csv"


def _file(tmp_path: Path) -> Path:
    """Row 2 a new visitor, row 3 a known contact (skipped), row 4 a repeat of row 2 (skipped),
    row 5 an address with a mistake (imported, with a warning), row 6 no name or address
    (rejected)."""
    return write_csv(
        tmp_path / FILE,
        BADGE_HEADERS,
        [
            ["Jürgen", "Weißmann", "jw@acme-maschinen.de", "ACME", "Werkleiter", "", "Hannover"],
            ["Anna", "Köhler", "anna@koehler-technik.de", "Köhler", "Einkauf", "", "Köln"],
            ["Jürgen", "Weißmann", "jw@acme-maschinen.de", "ACME", "Werkleiter", "", "Hannover"],
            ["Sanne", "de Vries", "sanne@devries-logistik", "De Vries", "", "", "Utrecht"],
            ["", "", "", "", "", "", ""],
        ],
    )


def _history(window: Any, qtbot: Any) -> Any:
    dialog = window.importing.open_history()
    qtbot.waitUntil(lambda: dialog.issues_model.rowCount() > 0, timeout=10000)
    QApplication.processEvents()
    return dialog


def _what(dialog: Any) -> dict[int, set[str]]:
    kinds: dict[int, set[str]] = {}
    for row, kind, _reason in dialog.issues_model.items:
        kinds.setdefault(row, set()).add(kind)
    return kinds


def test_skipped_rows_say_skipped(empty_window: Any, qtbot: Any, tmp_path: Path) -> None:
    db: Database = empty_window.db
    create_contact(db, name="Anna Köhler", email="anna@koehler-technik.de", company="Köhler")
    report = import_file(db, _file(tmp_path), source=SOURCE)
    assert report.skipped == 2
    dialog = _history(empty_window, qtbot)
    what = _what(dialog)
    assert what[3] == {"Skipped"}, "a contact already in Winnow"
    assert what[4] == {"Skipped"}, "a repeat of row 2"
    assert what[5] == {"Warning"}
    assert dialog.issues_model.count("Skipped") == report.skipped
    assert all(
        kind != "Warning" for _row, kind, reason in dialog.issues_model.items if "skipped" in reason
    )
    dialog.close()


def test_an_older_batch_still_lists_its_repeats_as_skipped(
    empty_window: Any, qtbot: Any, tmp_path: Path
) -> None:
    """A batch stored before the report kept its skipped rows: the repeats within the file,
    which its warnings name, are listed as skipped."""
    db: Database = empty_window.db
    report = import_file(db, _file(tmp_path), source=SOURCE)
    with db.session() as s:
        batch = s.get(ImportBatch, report.batch_id)
        assert batch is not None and batch.report is not None
        stored = json.loads(batch.report)
        del stored["skipped"]
        s.execute(
            update(ImportBatch)
            .where(ImportBatch.id == report.batch_id)
            .values(report=json.dumps(stored))
        )
        s.commit()
    dialog = _history(empty_window, qtbot)
    what = _what(dialog)
    assert what[4] == {"Skipped"} and what[5] == {"Warning"}
    dialog.close()


def _cut(view: QTableView) -> list[str]:
    """Headers and cells whose text does not show in full (elided, or a wrapped cell whose
    row is too short for it), and a sideways scroll bar."""
    found = []
    model = view.model()
    header = view.horizontalHeader()
    if view.horizontalScrollBar().isVisible():
        found.append(f"{view.objectName()} scrolls sideways")
    used = sum(view.columnWidth(c) for c in range(model.columnCount()))
    if used > view.viewport().width() + 1:
        found.append(f"{view.objectName()}: columns {used}px in {view.viewport().width()}px")
    style = view.style()
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    pad = style.pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    for c in range(model.columnCount()):
        title = str(model.headerData(c, Qt.Orientation.Horizontal))
        if header.fontMetrics().horizontalAdvance(title) + 2 * pad > header.sectionSize(c):
            found.append(f"{view.objectName()}: header {title!r} cut")
        for r in range(model.rowCount()):
            text = str(model.index(r, c).data() or "")
            width = view.columnWidth(c) - 2 * margin - (1 if view.showGrid() else 0)
            flags = int(Qt.TextFlag.TextWordWrap) | int(Qt.TextFlag.TextWrapAnywhere)
            needed = view.fontMetrics().boundingRect(QRect(0, 0, width, 10**6), flags, text)
            if needed.height() > view.rowHeight(r) or needed.width() > width:
                found.append(f"{view.objectName()}: row {r} column {c} {text!r} cut")
    return found


@pytest.mark.parametrize("size", [(1024, 700), (1440, 900)], ids=["1024x700", "1440x900"])
def test_every_header_and_value_shows_in_full(
    empty_window: Any, qtbot: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    db: Database = empty_window.db
    import_file(db, _file(tmp_path), source=SOURCE)
    empty_window.resize(*size)
    dialog = _history(empty_window, qtbot)
    dialog.show()
    qtbot.waitExposed(dialog)
    for _ in range(3):
        QApplication.processEvents()
    assert dialog.width() <= size[0]
    assert _cut(dialog.table) == []
    assert _cut(dialog.issues) == []
    dialog.close()


def test_the_selected_batch_s_contacts_are_shown_in_the_list(
    empty_window: Any, qtbot: Any, tmp_path: Path
) -> None:
    """The history's "Show its contacts": the window's list filtered to the selected import
    ("From import N" in the sidebar), its new contacts and no other."""
    db: Database = empty_window.db
    create_contact(db, name="Anna Köhler", email="anna@koehler-technik.de", company="Köhler")
    report = import_file(db, _file(tmp_path), source=SOURCE)
    assert report.imported == 2
    dialog = _history(empty_window, qtbot)
    assert dialog.selected_batch() is not None and dialog.selected_batch().id == report.batch_id
    assert dialog.show_button.isVisible() and dialog.show_button.isEnabled()
    dialog.show_button.click()
    flt = empty_window.sidebar.current_filter()
    assert flt is not None and (flt.kind, flt.value) == ("batch", str(report.batch_id))
    qtbot.waitUntil(lambda: empty_window.model.rowCount() == 2, timeout=10000)
    names = {empty_window.model.contact_row(r).name for r in range(2)}
    assert names == {"Jürgen Weißmann", "Sanne de Vries"}
    dialog.close()


def test_the_import_s_sidebar_entry_has_its_count_kept_current(
    empty_window: Any, qtbot: Any, tmp_path: Path
) -> None:
    """The sidebar's "From import N" shows how many contacts it lists, like every other
    sidebar entry, and follows a change: one of them deleted, the count is one less."""
    window = empty_window
    db: Database = window.db
    create_contact(db, name="Anna Köhler", email="anna@koehler-technik.de", company="Köhler")
    report = import_file(db, _file(tmp_path), source=SOURCE)
    assert report.imported == 2
    window.show_batch(report.batch_id)
    entry = window.sidebar.currentItem()
    assert entry.text(0) == f"From import {report.batch_id}"
    qtbot.waitUntil(lambda: entry.text(1) == "2", timeout=10000)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=10000)
    gone = window.model.contact_row(0).id
    window.ops.run(lambda: operations.delete_contacts(db, [gone]))
    qtbot.waitUntil(lambda: entry.text(1) == "1", timeout=10000)
    assert window.sidebar.all_item.text(1) == "2"  # Anna and the one left

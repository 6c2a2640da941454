"""The import wizard, history and export as a user drives them: real files, real database.
Undoing an import says first what it would remove, and asks when contacts of the batch were
worked on since."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QPushButton, QWizard

from app import contacts, operations
from app.contacts import ContactQuery
from app.importing.batches import list_batches
from tests.app.golook.conftest import ZONE
from tests.dnsserver import LoopbackDnsServer
from tests.ui.board_helpers import answer_next_dialog, button_texts, click_button
from tests.ui.conftest import settle
from ui.importing.models import (
    BatchListModel,
    IssueModel,
    MappingModel,
    PreviewModel,
    RawSampleModel,
)

pytestmark = pytest.mark.gui

MESSE = (
    "Vorname;Nachname;E-Mail;Firma;Kürzel;Telefon\r\n"
    "Jürgen;Weißmann;j.weissmann@acme-maschinen.de;ACME Maschinen GmbH;JW-1;0511 1234567\r\n"
    "Françoise;Lefèvre;f.lefevre@exemple-industrie.fr;Exemple Industrie;FL-2;\r\n"
    "Ayşe;Öztürk;ayse@ozturk;Öztürk Makina;AÖ-3;\r\n"
    ";;;;;+49 30 1234567\r\n"
)


@pytest.fixture
def win(window, qtbot, monkeypatch):  # type: ignore[no-untyped-def]
    """The window; afterwards every background task has reported back (no late signals).

    Imported contacts get their domains checked in the background: by the DNS server on
    loopback, never the machine's resolver (the suite is offline)."""
    with LoopbackDnsServer(ZONE) as dns_server:
        monkeypatch.setenv("WINNOW_NAMESERVER", dns_server.address)
        yield window
        qtbot.waitUntil(lambda: not window.tasks.active, timeout=30000)


def _messe(tmp_path: Path) -> Path:
    path = tmp_path / "hannover-messe-2026.csv"
    path.write_bytes(MESSE.replace("Ayşe", "Ayse").replace("ş", "s").encode("cp1252"))
    return path


def _drop(window, path: Path) -> None:  # type: ignore[no-untyped-def]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(
        QPoint(40, 40),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPoint(40, 40),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, drop)


def _click(qtbot, wizard, which: QWizard.WizardButton) -> None:  # type: ignore[no-untyped-def]
    button = wizard.button(which)
    assert button.isVisible() and button.isEnabled(), which
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _wait_loaded(qtbot, wizard) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not wizard.loading and wizard.preview is not None, timeout=10000)


def test_dropped_file_imports_with_names_intact_and_undo(
    win, qtbot, tmp_path, qtmodeltester
) -> None:  # type: ignore[no-untyped-def]
    before = contacts.count(win.db, ContactQuery())
    _drop(win, _messe(tmp_path))
    wizard = win.importing.wizard
    assert wizard is not None and wizard.isVisible()
    _wait_loaded(qtbot, wizard)
    detected = wizard.file_page.format_label.text()
    assert "CSV" in detected and "semicolon" in detected and "1252" in detected
    assert wizard.file_page.isComplete()
    raw = wizard.raw_model
    qtmodeltester.check(raw)
    assert raw.data(raw.index(0, 1)) == "Jürgen" and raw.data(raw.index(0, 2)) == "Weißmann"

    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.currentPage() is wizard.mapping_page
    model = wizard.mapping_model
    qtmodeltester.check(model)
    assert model.mapping["Vorname"] == "first_name" and model.mapping["Firma"] == "company"
    combo = wizard.mapping_page.combo("Kürzel")
    assert combo.currentData() in (None, "")  # not known: kept as an extra field
    combo.setFocus()
    qtbot.keyClicks(combo, "Notes")
    assert model.mapping["Kürzel"] == "notes"
    preview = wizard.preview_model
    qtmodeltester.check(preview)
    first = preview.rows[0]
    assert (first.values["first_name"], first.values["last_name"]) == ("Jürgen", "Weißmann")
    assert first.values["notes"] == "JW-1"
    assert preview.rows[2].warnings and "ayse@ozturk" in preview.rows[2].warnings[0]
    assert preview.rows[3].rejected

    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    options = wizard.options_page
    assert options.source.text() == "Hannover messe 2026"
    # what the earlier pages settled, to check before importing: the changed choice too
    assert options.review.isVisible()
    assert options.review_file.text().startswith("hannover-messe-2026.csv (CSV")
    assert "Vorname → First name" in options.review_fields.text()
    assert "Kürzel → Notes" in options.review_fields.text()
    assert "Kürzel" not in options.review_extra.text()
    assert options.review_rows.text() == wizard.mapping_page.preview_title.text()
    assert "1 would be rejected" in options.review_rows.text()
    options.source.selectAll()
    qtbot.keyClicks(options.source, "Trade show: Hannover Messe 2026")
    qtbot.mouseClick(options.policy.buttons()[1], Qt.MouseButton.LeftButton)
    options.stage.setCurrentIndex(options.stage.findData("inquiry"))
    _click(qtbot, wizard, QWizard.WizardButton.CommitButton)

    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.summary_page, timeout=20000)
    report = wizard.report
    assert report is not None and (report.read, report.imported, len(report.rejected)) == (4, 3, 1)
    summary = wizard.summary_page
    assert "3 new contacts" in summary.headline.text()
    qtmodeltester.check(wizard.issue_model)
    kinds = {
        (wizard.issue_model.items[i][0], wizard.issue_model.items[i][1])
        for i in range(wizard.issue_model.rowCount())
    }
    assert (4, "Warning") in kinds and (5, "Rejected") in kinds
    assert contacts.count(win.db, ContactQuery()) == before + 3
    rows = contacts.list_rows(win.db, ContactQuery(batch_id=report.batch_id))
    assert {r.name for r in rows} == {"Jürgen Weißmann", "Françoise Lefèvre", "Ayse Öztürk"}
    assert {r.stage_key for r in rows} == {"inquiry"}
    assert {r.source for r in rows} == {"Trade show: Hannover Messe 2026"}
    assert win.undo_action.text() == "&Undo import of hannover-messe-2026.csv (3 new)"
    qtbot.waitUntil(lambda: win.model.total == before + 3)  # the list shows the new contacts

    questions: list[str] = []

    def answer(box: Any) -> None:
        questions.append(box.text.text())
        click_button(box, "Remove 3 contacts")

    answer_next_dialog(answer)
    qtbot.mouseClick(summary.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "undone" in summary.undo_status.text(), timeout=10000)
    assert questions == ["This removes the 3 contacts it created; nobody has worked on them since."]
    assert summary.undo_status.text() == "Import undone: removed 3 contacts."
    assert contacts.count(win.db, ContactQuery()) == before
    assert not summary.undo_button.isEnabled()
    settle(qtbot, win)
    assert win.undo_action.text() != "&Undo import of hannover-messe-2026.csv (3 new)"
    assert win.model.total == before
    _click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    assert not wizard.isVisible()


def test_edit_undo_removes_an_import(win, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = contacts.count(win.db, ContactQuery())
    wizard = _import_through(win, qtbot, _messe(tmp_path))
    _click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    win.undo_action.trigger()
    settle(qtbot, win)
    assert contacts.count(win.db, ContactQuery()) == before
    assert list_batches(win.db)[0].undone
    assert win.model.total == before


def _work_on_one(win, qtbot, batch_id: int) -> int:  # type: ignore[no-untyped-def]
    """Someone moves one contact of the batch and logs a call with it."""
    cid = contacts.query_ids(win.db, ContactQuery(batch_id=batch_id))[0]
    assert win.move_contacts([cid], "mql")
    win.ops.run(lambda: operations.log_activity(win.db, cid, "call", note="asked for a quote"))
    settle(qtbot, win)
    return int(cid)


@pytest.mark.parametrize(
    ("button", "removed", "kept"),
    [
        ("Remove only the 2 untouched contacts (keep the 1 you worked on)", 2, 1),
        ("Remove all 3, including later work", 3, 0),
        ("Cancel", 0, 3),
    ],
)
def test_undo_this_import_asks_before_removing_later_work(
    win, qtbot, tmp_path, button: str, removed: int, kept: int
) -> None:  # type: ignore[no-untyped-def]
    before = contacts.count(win.db, ContactQuery())
    wizard = _import_through(win, qtbot, _messe(tmp_path))
    batch_id = wizard.report.batch_id
    worked = _work_on_one(win, qtbot, batch_id)
    summary = wizard.summary_page
    asked: list[tuple[str, list[str]]] = []

    def answer(box: Any) -> None:
        asked.append((box.text.text(), button_texts(box)))
        click_button(box, button)

    answer_next_dialog(answer)
    qtbot.mouseClick(summary.undo_button, Qt.MouseButton.LeftButton)
    if removed:
        qtbot.waitUntil(lambda: "undone" in summary.undo_status.text(), timeout=10000)
    else:
        qtbot.waitUntil(lambda: summary.undo_button.isEnabled(), timeout=10000)
    settle(qtbot, win)
    text, buttons = asked[0]
    assert text.startswith(
        "1 contact of this import has later activities, moves, answers or edits since it ran"
    )
    assert "Nobody has touched the other 2 contacts." in text
    assert sorted(buttons) == sorted(
        [
            "Remove only the 2 untouched contacts (keep the 1 you worked on)",
            "Remove all 3, including later work",
            "Cancel",
        ]
    )
    assert contacts.count(win.db, ContactQuery()) == before + 3 - removed
    assert bool(contacts.contact_exists(win.db, [worked])) == (kept == 0)
    if removed == 2:
        assert summary.undo_status.text() == (
            "Import undone: removed 2 contacts; kept 1 with later activities, moves or answers."
        )
        assert contacts.get_contact(win.db, worked).stage_key == "mql"
    assert list_batches(win.db)[0].undone == bool(removed)
    settle(qtbot, win)
    assert win.model.total == before + 3 - removed


def _import_through(win, qtbot, path: Path):  # type: ignore[no-untyped-def]

    wizard = win.importing.open_wizard(path)
    _wait_loaded(qtbot, wizard)
    for _ in range(2):
        _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    _click(qtbot, wizard, QWizard.WizardButton.CommitButton)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.summary_page, timeout=30000)
    settle(qtbot, win)
    return wizard


def test_the_wizard_works_by_keyboard(win, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    wizard = win.importing.open_wizard()
    qtbot.waitExposed(wizard)
    edit = wizard.file_page.path_edit
    edit.setFocus()
    qtbot.keyClicks(edit, str(_messe(tmp_path)))
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    _wait_loaded(qtbot, wizard)
    for page in (wizard.mapping_page, wizard.options_page, wizard.run_page):
        qtbot.keyClick(wizard.currentPage(), Qt.Key.Key_Return)  # the default button: Next
        if page is wizard.run_page:
            break
        assert wizard.currentPage() is page
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.summary_page, timeout=20000)
    assert wizard.report is not None and wizard.report.imported == 3


def test_cancel_leaves_nothing(win, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["First Name", "Last Name", "Email", "Company"])
        for i in range(30000):
            w.writerow([f"Jürgen{i}", "Weißmann", f"jw{i}@acme{i % 40}.de", "ACME"])
    before = contacts.count(win.db, ContactQuery())
    wizard = win.importing.open_wizard(path)
    _wait_loaded(qtbot, wizard)
    for _ in range(2):
        _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    _click(qtbot, wizard, QWizard.WizardButton.CommitButton)
    assert wizard.currentPage() is wizard.run_page
    qtbot.mouseClick(wizard.run_page.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.summary_page, timeout=60000)
    assert wizard.report is None
    assert "cancelled" in wizard.summary_page.headline.text()
    assert contacts.count(win.db, ContactQuery()) == before
    assert list_batches(win.db) == []


def test_a_file_that_is_not_a_table_is_refused_on_the_first_page(win, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    wizard = win.importing.open_wizard(path)
    qtbot.waitUntil(lambda: bool(wizard.file_page.error.text()), timeout=10000)
    assert "image" in wizard.file_page.error.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_excel_sheet_picker(win, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    first.title = "Info"
    first.append(["Exported from the badge scanner"])
    second = book.create_sheet("Besucher")
    second.append(["Vorname", "Nachname", "E-Mail", "Firma"])
    second.append(["Jürgen", "Weißmann", "jw@acme-maschinen.de", "ACME"])
    path = tmp_path / "scanner.xlsx"
    book.save(path)
    wizard = win.importing.open_wizard(path)
    _wait_loaded(qtbot, wizard)
    page = wizard.file_page
    assert page.sheet.isVisibleTo(wizard) and page.sheet.count() == 2
    if wizard.preview.sheet != "Besucher":
        page.sheet.setCurrentIndex(page.sheet.findText("Besucher"))
        page.sheet.activated.emit(page.sheet.currentIndex())
        qtbot.waitUntil(
            lambda: wizard.preview is not None and wizard.preview.sheet == "Besucher", timeout=10000
        )
    assert wizard.mapping_model.headers == ["Vorname", "Nachname", "E-Mail", "Firma"]


def test_save_and_load_a_mapping(win, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    wizard = win.importing.open_wizard(_messe(tmp_path))
    _wait_loaded(qtbot, wizard)
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    saved = tmp_path / "messe.json"
    wizard.ask_mapping_save_path = lambda _start: str(saved)
    wizard.ask_mapping_open_path = lambda _start: str(saved)
    wizard.mapping_page.combo("Kürzel").setCurrentIndex(
        wizard.mapping_page.combo("Kürzel").findData("notes")
    )
    qtbot.mouseClick(
        wizard.mapping_page.findChild(QPushButton, "saveMapping"), Qt.MouseButton.LeftButton
    )
    assert saved.exists() and "notes" in saved.read_text("utf-8")
    wizard.mapping_page.combo("Kürzel").setCurrentIndex(0)
    assert wizard.mapping_model.mapping["Kürzel"] is None
    qtbot.mouseClick(
        wizard.mapping_page.findChild(QPushButton, "loadMapping"), Qt.MouseButton.LeftButton
    )
    assert wizard.mapping_model.mapping["Kürzel"] == "notes"
    assert wizard.mapping_page.combo("Kürzel").currentData() == "notes"
    assert "6 of 6" in wizard.mapping_page.message.text()


def test_import_history_lists_and_undoes(win, qtbot, tmp_path, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    wizard = _import_through(win, qtbot, _messe(tmp_path))
    _click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    before_undo = contacts.count(win.db, ContactQuery())
    action = next(a for a in win.menu_file.actions() if a.text() == "Import &history…")
    action.trigger()
    dialog = win.importing.history
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=10000)
    qtmodeltester.check(dialog.model)
    assert dialog.model.data(dialog.model.index(0, 2)) == "hannover-messe-2026.csv"
    assert dialog.model.data(dialog.model.index(0, 4)) == "3"
    qtbot.waitUntil(lambda: dialog.issues_model.rowCount() == 2, timeout=10000)
    answer_next_dialog(lambda box: click_button(box, "Remove 3 contacts"))
    qtbot.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "undone" in dialog.status.text(), timeout=10000)
    settle(qtbot, win)
    assert contacts.count(win.db, ContactQuery()) == before_undo - 3
    qtbot.waitUntil(
        lambda: dialog.model.batch(0) is not None and dialog.model.batch(0).undone, timeout=10000
    )
    assert dialog.status.text() == "Import undone: removed 3 contacts."
    assert not dialog.undo_button.isEnabled()
    assert not win.undo_action.isEnabled(), "the import's Edit ▸ Undo entry is gone"
    dialog.close()


def test_import_history_follows_an_undo_from_the_edit_menu(win, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    wizard = _import_through(win, qtbot, _messe(tmp_path))
    _click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    dialog = win.importing.open_history()
    qtbot.waitUntil(lambda: dialog.undo_button.isEnabled(), timeout=10000)
    win.undo_action.trigger()
    settle(qtbot, win)
    qtbot.waitUntil(
        lambda: dialog.model.batch(0) is not None and dialog.model.batch(0).undone, timeout=10000
    )
    assert not dialog.undo_button.isEnabled()
    dialog.close()


def test_export_the_filtered_list(win, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ui.main_window import replace_query

    replace_query(win, stage_keys=("customer",))
    expected = contacts.count(win.db, win.current_query())
    out = tmp_path / "customers.csv"
    win.importing.ask_save_path = lambda *_a: str(out)
    messages: list[str] = []
    win.statusBar().messageChanged.connect(messages.append)
    action = next(a for a in win.menu_file.actions() if a.text() == "&Export…")
    action.trigger()
    qtbot.waitUntil(lambda: win.importing.last_export is not None, timeout=10000)
    rows = list(csv.DictReader(out.read_text("utf-8-sig").splitlines()))
    assert len(rows) == expected > 0 and {r["Stage"] for r in rows} == {"Customer"}
    assert any("written to customers.csv" in m for m in messages), messages


def test_models_are_sound_when_empty(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    for model in (MappingModel(), PreviewModel(), IssueModel(), BatchListModel(), RawSampleModel()):
        qtmodeltester.check(model)


def test_hand_off_to_sales(win, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "for-sales.csv"
    win.importing.ask_save_path = lambda *_a: str(out)
    messages: list[str] = []
    win.statusBar().messageChanged.connect(messages.append)
    action = next(a for a in win.menu_file.actions() if a.text() == "Hand off to &sales…")
    action.trigger()
    qtbot.waitUntil(lambda: win.importing.last_export is not None, timeout=10000)
    result = win.importing.last_export
    rows = list(csv.DictReader(out.read_text("utf-8-sig").splitlines()))
    sales_qualified = contacts.count(win.db, ContactQuery(stage_keys=("sql",)))
    assert len(rows) == result.written > 0
    assert result.written + result.left_out == sales_qualified
    assert {"Budget", "Budget: note", "Authority", "Need", "Timeframe"} <= set(rows[0])
    assert result.left_out > 0, "the demo data has Sales qualified contacts sales may not see"
    said = next(m for m in messages if "written to for-sales.csv" in m)
    assert said.endswith(f"({result.note})") and "left out" in said


def test_the_preview_formats_phones_with_the_default_region_of_settings(  # type: ignore[no-untyped-def]
    win, qtbot, tmp_path
) -> None:
    """Settings ▸ Phone numbers says national numbers are Austrian: the preview shows them as
    the import will store them (not in the region of the machine's locale)."""
    from app import operations
    from app.importing.service import PHONE_REGION_SETTING

    operations.set_setting(win.db, PHONE_REGION_SETTING, "AT")
    path = tmp_path / "wien.csv"
    path.write_text("Name,E-mail,Phone\nAnna Huber,anna@huber.at,0664 1234567\n", encoding="utf-8")
    wizard = win.importing.open_wizard(path)
    _wait_loaded(qtbot, wizard)
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    (row,) = wizard.preview_model.rows
    assert row.values["phone"] == "+43 664 1234567"
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    _click(qtbot, wizard, QWizard.WizardButton.CommitButton)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.summary_page, timeout=30000)
    settle(qtbot, win)
    (stored,) = contacts.list_rows(win.db, ContactQuery(search="Huber"))
    assert contacts.get_contact(win.db, stored.id).phone == row.values["phone"]
    _click(qtbot, wizard, QWizard.WizardButton.FinishButton)

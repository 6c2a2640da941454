"""Team mode in the window (issue 14): who moved a contact, an edit someone overtook (told who
changed what, their change shown with the user's edit on top), My contacts, and assigning from
the list, the board and triage."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMenu

from app import contacts, operations
from app.contacts import ContactQuery
from tests.ui.board_helpers import triage_of, warnings_shown
from tests.ui.conftest import settle

pytestmark = pytest.mark.gui
__all__ = ["warnings_shown"]  # fixture used by the tests below


@pytest.fixture(autouse=True)
def _anna(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "anna")  # this window's user (SQLite: the OS user)


def test_the_history_says_who_moved_the_contact(window: Any, qtbot: Any) -> None:
    window.list_view.selectRow(0)
    cid = window.model.contact_id(0)
    target = "nurture" if contacts.get_contact(window.db, cid).stage_key != "nurture" else "lead"
    assert window.move_contacts([cid], target)
    settle(qtbot, window)
    newest = window.detail.history_list.topLevelItem(0)
    assert newest is not None and newest.text(2).endswith("Moved by anna")


def test_an_overtaken_edit_is_refused_and_comes_back_on_top_of_the_change(
    window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.list_view.selectRow(0)
    cid = window.model.contact_id(0)
    panel = window.detail
    title = panel.inputs["title"]
    title.setText("Head of Purchasing")
    title.textEdited.emit("Head of Purchasing")
    # meanwhile, bob (another Winnow on the same database) changes the phone and the title
    monkeypatch.setenv("LOGNAME", "bob")
    operations.edit_contact(window.db, cid, {"phone": "+49 30 1234567", "title": "Buyer"})
    monkeypatch.setenv("LOGNAME", "anna")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    stored = contacts.get_contact(window.db, cid)
    assert stored.title == "Buyer"  # bob's change was not overwritten
    message = panel.error_label.text()
    assert "bob changed this contact meanwhile" in message
    assert "Phone" in message and "Job title" in message
    # the contact as it is now, with the user's edit on top, to check and save again
    assert panel.inputs["phone"].text() == stored.phone
    assert title.text() == "Head of Purchasing"
    assert panel.save_button.isEnabled()
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    saved = contacts.get_contact(window.db, cid)
    assert (saved.title, saved.phone) == ("Head of Purchasing", stored.phone)
    assert saved.changed_by == "anna" and not panel.error_label.isVisible()


def test_an_activity_logged_meanwhile_does_not_block_the_edit(window: Any, qtbot: Any) -> None:
    window.list_view.selectRow(0)
    cid = window.model.contact_id(0)
    panel = window.detail
    city = panel.inputs["city"]
    city.setText("Lyon")
    city.textEdited.emit("Lyon")
    panel.log_activity("call", "Called back")  # the same user, in the same window
    settle(qtbot, window)
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert contacts.get_contact(window.db, cid).city == "Lyon"


def _menu_action(menu: QMenu, *path: str) -> Any:
    current: Any = menu
    for name in path[:-1]:
        current = next(a.menu() for a in current.actions() if a.text() == name)
    return next(a for a in current.actions() if a.text() == path[-1])


def test_assign_from_the_list_and_my_contacts_in_the_sidebar(window: Any, qtbot: Any) -> None:
    from ui.sidebar import SidebarFilter

    window.list_view.selectRow(0)
    first = window.model.contact_id(0)
    second = window.model.contact_id(1)
    menu = QMenu(window)
    for extend in window.list_menu_extensions:
        extend(menu, [first, second])
    _menu_action(menu, "Assign to", "Me (anna)").trigger()
    settle(qtbot, window)
    assert {r.id for r in contacts.list_rows(window.db, ContactQuery(owner="anna"))} == {
        first,
        second,
    }
    assert window.undo_action.text() == "&Undo assignment of 2 contacts to anna"
    window.sidebar.select_filter(SidebarFilter("owner", "me"))
    qtbot.waitUntil(lambda: window.model.total == 2, timeout=5000)
    qtbot.waitUntil(lambda: window.sidebar.mine_item.text(1) == "2", timeout=5000)
    window.undo()
    settle(qtbot, window)
    assert contacts.get_contact(window.db, first).owner is None


def test_assign_from_a_board_card_and_from_triage(window: Any, qtbot: Any) -> None:
    board = window.kanban.board
    window.show_view("kanban")
    column = next(c for c in board.columns if c.view.column_model().rowCount())
    cid = column.view.column_model().contact_id(0)
    column.view.assign_requested.emit([cid], "me")
    settle(qtbot, window)
    assert contacts.get_contact(window.db, cid).owner == "anna"

    window.show_view("triage")
    view = triage_of(window)
    qtbot.waitUntil(view.hasFocus, timeout=3000)
    shown = view.current_id()
    assert shown is not None
    QTest.keyClick(view.focusWidget() or view, Qt.Key.Key_A)
    settle(qtbot, window)
    assert contacts.get_contact(window.db, shown).owner == "anna"


def test_the_import_wizard_can_give_the_new_contacts_to_someone(
    window: Any, qtbot: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QWizard

    from tests.app.golook.conftest import ZONE
    from tests.dnsserver import LoopbackDnsServer
    from tests.ui.test_import_wizard import _click, _drop, _wait_loaded

    path = tmp_path / "fair.csv"
    path.write_text(
        "Name,E-mail,Company\nAyşe Öztürk,ayse@ozturk-makina.com.tr,Öztürk Makina\n"
        "Jürgen Weißmann,jw@acme-maschinen.de,ACME Maschinen\n",
        encoding="utf-8",
    )
    with LoopbackDnsServer(ZONE) as dns_server:
        monkeypatch.setenv("WINNOW_NAMESERVER", dns_server.address)
        _drop(window, path)
        wizard = window.importing.wizard
        _wait_loaded(qtbot, wizard)
        _click(qtbot, wizard, QWizard.WizardButton.NextButton)
        _click(qtbot, wizard, QWizard.WizardButton.NextButton)
        qtbot.keyClicks(wizard.options_page.owner, "me")
        _click(qtbot, wizard, QWizard.WizardButton.CommitButton)
        qtbot.waitUntil(lambda: wizard.currentPage() is wizard.summary_page, timeout=20000)
        report = wizard.report
        assert report is not None and report.imported == 2
        rows = contacts.list_rows(window.db, ContactQuery(batch_id=report.batch_id))
        assert {contacts.get_contact(window.db, r.id).owner for r in rows} == {"anna"}
        _click(qtbot, wizard, QWizard.WizardButton.FinishButton)
        qtbot.waitUntil(lambda: not window.tasks.active, timeout=30000)


def test_a_move_from_the_panel_on_a_contact_changed_meanwhile_is_refused(
    window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch, warnings_shown: Any
) -> None:
    window.list_view.selectRow(0)
    cid = window.model.contact_id(0)
    panel = window.detail
    before = contacts.get_contact(window.db, cid).stage_key
    monkeypatch.setenv("LOGNAME", "bob")  # another Winnow moves it meanwhile
    elsewhere = "nurture" if before != "nurture" else "inquiry"
    operations.move_contacts(window.db, [cid], elsewhere)
    monkeypatch.setenv("LOGNAME", "anna")
    target = next(k for k in ("mql", "suspect") if k not in (before, elsewhere))
    panel.stage_combo.activated.emit(panel.stage_combo.findData(target))
    settle(qtbot, window)
    assert contacts.get_contact(window.db, cid).stage_key == elsewhere  # bob's move stands
    assert warnings_shown and "changed by bob" in warnings_shown[-1][1]
    assert panel.stage_combo.currentData() == elsewhere  # the panel shows it now
    panel.stage_combo.activated.emit(panel.stage_combo.findData(target))  # on what it shows
    settle(qtbot, window)
    assert contacts.get_contact(window.db, cid).stage_key == target


def test_a_card_moved_after_someone_changed_it_is_refused_then_shown_anew(
    window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch, warnings_shown: Any
) -> None:
    board = window.kanban.board
    window.show_view("kanban")
    column = next(
        c
        for c in board.columns
        if c.stage_key in ("suspect", "inquiry") and c.view.column_model().rowCount()
    )
    cid = column.view.column_model().contact_id(0)
    assert column.model.card(0) is not None  # the card as anna's board shows it
    monkeypatch.setenv("LOGNAME", "bob")
    operations.edit_contact(window.db, cid, {"title": "Plant manager"})  # not on anna's board
    monkeypatch.setenv("LOGNAME", "anna")
    assert board._drop_move([cid], "nurture")
    settle(qtbot, window)
    assert contacts.get_contact(window.db, cid).stage_key == column.stage_key
    assert warnings_shown and "changed by bob" in warnings_shown[-1][1]
    assert "Job title" in warnings_shown[-1][1]
    # the card was read again: moved now, on what it shows, it goes
    row = column.model.row_for_id(cid)
    card = column.model.card(row) if row is not None else None
    assert card is not None and card.row.version == contacts.get_contact(window.db, cid).version
    assert board._drop_move([cid], "nurture")
    settle(qtbot, window)
    assert contacts.get_contact(window.db, cid).stage_key == "nurture"

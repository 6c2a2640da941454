"""Tools ▸ Settings (issue 12, item 5): every page changes through an undoable operation, the
views follow, and the pages follow an Undo made while the dialog is open."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QInputDialog, QMenu

from app import contacts, qualification, stages
from app.importing.service import default_phone_region, import_file
from app.stage_visibility import hidden_keys, shown_stages
from db.engine import Database
from tests.ui.board_helpers import board_of, triage_of, warnings_shown
from tests.ui.conftest import settle
from ui.leads.settings_dialog import SettingsDialog

pytestmark = pytest.mark.gui
__all__ = ["warnings_shown"]  # fixture used below


@pytest.fixture
def win(empty_window: Any) -> Any:
    return empty_window


@pytest.fixture
def dialog(qtbot: Any, win: Any) -> SettingsDialog:
    dlg = SettingsDialog(win, win)
    qtbot.addWidget(dlg)
    return dlg


def _answer(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(QInputDialog, "getText", lambda *_a, **_k: (text, True))


def _select(lst: Any, key: str) -> None:
    row = next(i for i in range(lst.count()) if lst.item(i).data(256) == key)
    lst.setCurrentRow(row)


def _texts(lst: Any) -> list[str]:
    return [lst.item(i).text() for i in range(lst.count())]


def test_stages_rename_recolour_reorder_add_and_undo(
    dialog: SettingsDialog, win: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    page, db = dialog.stages, win.db
    _select(page.list, "nurture")
    _answer(monkeypatch, "Keep warm")
    page.rename()
    settle(qtbot, win)
    assert stages.get_stage(db, "nurture").name == "Keep warm"
    assert any(t.startswith("Keep warm") for t in _texts(page.list))
    monkeypatch.setattr(QColorDialog, "getColor", lambda *_a, **_k: QColor("#123456"))
    page.recolor()
    settle(qtbot, win)
    assert stages.get_stage(db, "nurture").color.lower() == "#123456"
    before = [s.key for s in stages.list_stages(db)]
    _select(page.list, "mql")
    page.shift(-1)  # above Inquiry
    settle(qtbot, win)
    after = [s.key for s in stages.list_stages(db)]
    assert after.index("mql") == before.index("mql") - 1
    _select(page.list, "opportunity")
    _answer(monkeypatch, "Proposal sent")
    page.add()
    settle(qtbot, win)
    keys = [s.key for s in stages.list_stages(db)]
    assert keys[keys.index("opportunity") + 1] == "proposal_sent" or "proposal-sent" in keys
    # each change is one undo step; the open page follows the undo
    win.undo()
    settle(qtbot, win)
    assert not any("Proposal sent" in t for t in _texts(page.list))
    for _ in range(3):
        win.undo()
        settle(qtbot, win)
    assert stages.get_stage(db, "nurture").name == "Nurture"
    assert [s.key for s in stages.list_stages(db)] == before
    assert any(t.startswith("Nurture") for t in _texts(page.list))


def test_hiding_an_empty_stage_takes_it_out_of_every_view(
    dialog: SettingsDialog, win: Any, qtbot: Any, warnings_shown: list[tuple[str, str]]
) -> None:
    page, db = dialog.stages, win.db
    win.detail.build()  # its form (built with the first contact shown) follows the change
    _select(page.list, "opportunity")
    assert page.hide_button.text() == "Hide"
    page.toggle_hidden()
    settle(qtbot, win)
    assert hidden_keys(db) == {"opportunity"}
    assert page.hide_button.text() == "Show"
    assert any(t.endswith("— hidden") for t in _texts(page.list))
    # the board, the sidebar, the move menu, triage keys and the detail panel's stage choice
    win.show_view("kanban")
    assert board_of(win).column("opportunity") is None
    win.show_view("list")
    stages_section = win.sidebar.section("Stages")
    names = [stages_section.child(i).text(0) for i in range(stages_section.childCount())]
    assert "Opportunity" not in names and "Customer" in names
    menu = QMenu()
    win._fill_move_menu(menu, list)
    assert "Opportunity" not in [a.text() for a in menu.actions()]
    assert "opportunity" not in triage_of(win).stage_keys_by_digit.values()
    combo = win.detail.stage_combo
    assert combo.findData("opportunity") == -1
    assert "opportunity" not in [s.key for s in shown_stages(db)]
    # Undo shows it again
    win.undo()
    settle(qtbot, win)
    assert hidden_keys(db) == frozenset()
    win.show_view("kanban")
    assert board_of(win).column("opportunity") is not None
    assert win.detail.stage_combo.findData("opportunity") >= 0
    assert page.hide_button.text() == "Hide"
    assert warnings_shown == []


def test_a_stage_in_use_or_one_the_rules_need_cannot_be_hidden(
    dialog: SettingsDialog, win: Any, qtbot: Any, warnings_shown: list[tuple[str, str]]
) -> None:
    page, db = dialog.stages, win.db
    contacts.create_contact(db, name="Nina Nurture", stage="nurture")
    _select(page.list, "nurture")
    page.toggle_hidden()
    settle(qtbot, win)
    _select(page.list, "sql")
    page.toggle_hidden()
    settle(qtbot, win)
    assert hidden_keys(db) == frozenset()
    assert [title for title, _t in warnings_shown] == ["Stage not hidden"] * 2
    assert "1 contact is in it" in warnings_shown[0][1]
    assert "Winnow moves contacts into it or checks it" in warnings_shown[1][1]


def test_criteria_add_rename_require_remove_and_undo(
    dialog: SettingsDialog, win: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    page, db = dialog.criteria, win.db
    cid = contacts.create_contact(db, name="Jane Roe")
    _answer(monkeypatch, "Champion")
    page.add()
    settle(qtbot, win)
    crit = {c.name: c for c in qualification.list_criteria(db)}
    assert crit["Champion"].required
    page.list.setCurrentRow(page.list.count() - 1)
    _answer(monkeypatch, "Internal champion")
    page.rename()
    settle(qtbot, win)
    page.list.setCurrentRow(page.list.count() - 1)
    page.toggle()
    settle(qtbot, win)
    last = qualification.list_criteria(db)[-1]
    assert (last.name, last.required) == ("Internal champion", False)
    assert _texts(page.list)[-1] == "Internal champion (optional)"
    qualification.set_bant(db, cid, {last.key: "yes"})
    page.list.setCurrentRow(page.list.count() - 1)
    page.remove()
    settle(qtbot, win)
    assert "Internal champion" not in [c.name for c in qualification.list_criteria(db)]
    win.undo()  # the criterion and its answer come back
    settle(qtbot, win)
    assert qualification.list_criteria(db)[-1].name == "Internal champion"
    answers = {i.key: i.answer for i in qualification.get_bant(db, cid).items}
    assert answers[last.key] == "yes"
    assert _texts(page.list)[-1] == "Internal champion (optional)"


def test_the_default_phone_region_reaches_the_import(
    dialog: SettingsDialog, win: Any, qtbot: Any, tmp_path: Path
) -> None:
    page, db = dialog.phone_region, win.db
    assert page.combo.currentIndex() == 0 and default_phone_region(db) is None
    page.combo.setCurrentIndex(page.combo.findData("AT"))
    assert page.combo.currentText() == "Austria (AT)"
    page.save()
    settle(qtbot, win)
    assert default_phone_region(db) == "AT"
    assert win.undo_action.text() == "&Undo default phone region AT"
    win.undo()
    settle(qtbot, win)
    assert default_phone_region(db) is None and page.combo.currentIndex() == 0
    win.redo()
    settle(qtbot, win)
    assert default_phone_region(db) == "AT" and page.combo.currentData() == "AT"
    csv = tmp_path / "fair.csv"
    csv.write_text(
        "Name,E-mail,Phone,Country\n"
        "Anna Huber,anna@huber.at,0660 1234567,\n"
        "Hans Meier,hans@meier.de,030 1234567,Germany\n",
        encoding="utf-8",
    )
    import_file(db, csv, source="Fair")
    phones = {
        r.name: contacts.get_contact(db, r.id).phone
        for r in contacts.list_rows(db, contacts.ContactQuery())
    }
    assert phones == {"Anna Huber": "+43 660 1234567", "Hans Meier": "+49 30 1234567"}


def test_campaign_reach_of_several_sources_is_one_undo_step(
    qtbot: Any, win: Any, db: Database
) -> None:
    from app.metrics import source_reach

    contacts.create_contact(db, name="Anna Huber", source="Mailing Q4")
    contacts.create_contact(db, name="Hans Meier", source="Webinar")
    dlg = SettingsDialog(win, win)
    qtbot.addWidget(dlg)
    page = dlg.reach
    page.spins["Mailing Q4"].setValue(1200)
    page.spins["Webinar"].setValue(300)
    page.save()
    settle(qtbot, win)
    assert source_reach(db) == {"Mailing Q4": 1200, "Webinar": 300}
    assert win.undo_action.text() == "&Undo reach of 2 sources"
    win.undo()
    settle(qtbot, win)
    assert not any(source_reach(db).values())
    win.redo()
    settle(qtbot, win)
    assert source_reach(db) == {"Mailing Q4": 1200, "Webinar": 300}


def _button(page: Any, text: str) -> Any:
    from PySide6.QtWidgets import QPushButton

    return next(b for b in page.findChildren(QPushButton) if b.text() == text)


def test_buttons_that_act_on_a_row_are_greyed_out_without_one(dialog: SettingsDialog) -> None:
    """Settings ▸ Stages and BANT criteria with no row chosen: Rename…, Colour…, Up, Down,
    Required / optional and Remove looked usable and did nothing (Hide beside them was greyed
    out); Up on the first stage and Down on the last did nothing either."""
    page = dialog.stages
    acting = [_button(page, t) for t in ("Rename…", "Colour…", "Up", "Down", "Hide")]
    page.list.setCurrentRow(-1)
    assert [b.text() for b in acting if b.isEnabled()] == []
    page.list.setCurrentRow(0)
    assert [b.text() for b in acting if not b.isEnabled()] == ["Up"]
    page.list.setCurrentRow(page.list.count() - 1)
    assert [b.text() for b in acting if not b.isEnabled()] == ["Down"]
    criteria = dialog.criteria
    acting = [_button(criteria, t) for t in ("Rename…", "Required / optional", "Remove")]
    criteria.list.setCurrentRow(-1)
    assert [b.text() for b in acting if b.isEnabled()] == []
    criteria.list.setCurrentRow(0)
    assert all(b.isEnabled() for b in acting)
    assert _button(page, "Add…").isEnabled() and _button(criteria, "Add…").isEnabled()

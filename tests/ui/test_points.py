"""The detail panel's e-mails, phones and addresses: listed for the selected contact (read on a
worker), edited in a dialog and saved as one undoable operation on the writer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidgetItem,
)

from app.contacts import get_contact
from app.importing.service import import_file
from db.engine import Database
from tests.app.importing.test_contact_points import CARD
from tests.ui.conftest import settle
from ui.points import PointsDialog, PointsSection

pytestmark = pytest.mark.gui


@pytest.fixture
def card_db(db: Database, tmp_path: Path) -> Database:
    path = tmp_path / "cards.vcf"
    path.write_text(CARD, encoding="utf-8")
    import_file(db, path)
    return db


@pytest.fixture
def win(qtbot: Any, card_db: Database) -> Any:
    from ui.application import make_app
    from ui.main_window import MainWindow

    make_app()
    w = MainWindow(card_db, persist_state=False)
    qtbot.addWidget(w)
    w.resize(1440, 900)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.ops.wait(10000)
    w.tasks.cancel_all()
    w.tasks.wait(10000)


def _juergen(db: Database) -> int:
    from sqlalchemy import select

    from db.models import Contact

    with db.session() as s:
        found = s.scalar(select(Contact.id).where(Contact.last_name == "Weißmann"))
        assert found is not None
        return int(found)


def _item(section: PointsSection, row: int) -> QTreeWidgetItem:
    item = section.tree.topLevelItem(row)
    assert item is not None
    return item


def _texts(section: PointsSection) -> list[str]:
    items = [_item(section, i) for i in range(section.tree.topLevelItemCount())]
    return [f"{item.text(0)}: {item.text(1)}" for item in items]


def _check(table: QTableWidget, row: int) -> QTableWidgetItem:
    item = table.item(row, 0)
    assert item is not None
    return item


def _kind(table: QTableWidget, row: int) -> QComboBox:
    combo = table.cellWidget(row, 1)
    assert isinstance(combo, QComboBox)
    return combo


def test_the_panel_lists_every_point_and_the_editor_saves_them_undoably(
    qtbot: Any, win: Any, card_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = _juergen(card_db)
    section: PointsSection = win.points.section
    win.detail.show_contact(cid)
    qtbot.waitUntil(lambda: section.tree.topLevelItemCount() == 7, timeout=10000)
    texts = _texts(section)
    assert texts[0] == "E-mail (work): j.weissmann@weissmann-mb.de"  # the primary one first
    assert any("Postfach 12" in t and t.startswith("Address (work)") for t in texts)
    assert any(t.startswith("Phone (fax)") for t in texts)
    assert _item(section, 0).font(1).bold()

    # the editor: a new primary e-mail address, the fax removed
    def edit(dialog: PointsDialog) -> int:
        emails = dialog.groups["email"].table
        emails.add_point()
        row = emails.rowCount() - 1
        emails.setItem(row, 2, QTableWidgetItem("juergen.weissmann@example.com"))
        _check(emails, row).setCheckState(Qt.CheckState.Checked)  # the others lose it
        _kind(emails, row).setCurrentText("work")
        phones = dialog.groups["phone"].table
        fax = next(r for r in range(phones.rowCount()) if _kind(phones, r).currentText() == "fax")
        phones.selectRow(fax)
        phones.remove_selected()
        primaries = [
            _check(emails, r).checkState() == Qt.CheckState.Checked
            for r in range(emails.rowCount())
        ]
        assert primaries.count(True) == 1
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(PointsDialog, "exec", edit)
    section.edit_button.click()
    settle(qtbot, win)
    assert get_contact(card_db, cid).email == "juergen.weissmann@example.com"
    # the section reads the lists again on a worker after the notice
    qtbot.waitUntil(
        lambda: _texts(section)[:1] == ["E-mail (work): juergen.weissmann@example.com"],
        timeout=10000,
    )
    assert len(_texts(section)) == 7  # one e-mail more, the fax gone
    assert not any(t.startswith("Phone (fax)") for t in _texts(section))

    win.undo_action.trigger()  # Edit ▸ Undo
    settle(qtbot, win)
    assert get_contact(card_db, cid).email == "j.weissmann@weissmann-mb.de"
    qtbot.waitUntil(
        lambda: any(t.startswith("Phone (fax)") for t in _texts(section)), timeout=10000
    )


def test_an_invalid_value_is_refused_with_the_reason_and_nothing_changes(
    qtbot: Any, win: Any, card_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = _juergen(card_db)
    section: PointsSection = win.points.section
    win.detail.show_contact(cid)
    qtbot.waitUntil(lambda: section.tree.topLevelItemCount() == 7, timeout=10000)
    shown: list[str] = []
    monkeypatch.setattr(
        "ui.message_box.warning",
        lambda _p, title, text, *a, **k: shown.append(f"{title}: {text}"),
        raising=False,
    )

    def edit(dialog: PointsDialog) -> int:
        emails = dialog.groups["email"].table
        emails.setItem(0, 2, QTableWidgetItem("no address here"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(PointsDialog, "exec", edit)
    section.edit_button.click()
    settle(qtbot, win)
    assert get_contact(card_db, cid).email == "j.weissmann@weissmann-mb.de"
    assert shown and "no address here" in shown[0]

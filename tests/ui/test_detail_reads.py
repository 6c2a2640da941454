"""What the GUI thread asks of the database: selecting a row is at most three reads in one
transaction; answering BANT, recording consent and logging an activity write nothing on it
(the window's writer thread does)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from sqlalchemy import event

from app.contacts import get_contact
from tests.ui.conftest import settle

pytestmark = pytest.mark.gui

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN IMMEDIATE")


@dataclass
class Statements:
    """SQL the engine ran, by thread: the GUI thread's own, and everyone else's writes."""

    gui: list[str] = field(default_factory=list)
    other_writes: list[str] = field(default_factory=list)

    @property
    def gui_reads(self) -> list[str]:
        return [s for s in self.gui if not s.upper().startswith("BEGIN")]

    @property
    def gui_transactions(self) -> list[str]:
        return [s for s in self.gui if s.upper().startswith("BEGIN")]

    @property
    def gui_writes(self) -> list[str]:
        return [s for s in self.gui if s.upper().startswith(WRITES)]


@contextmanager
def recording(window: Any) -> Iterator[Statements]:
    seen = Statements()
    gui = threading.main_thread()

    def statement(_c: object, _cur: object, sql: str, *_a: object) -> None:
        text = " ".join(sql.split())
        if threading.current_thread() is gui:
            seen.gui.append(text)
        elif text.upper().startswith(WRITES):
            seen.other_writes.append(text)

    event.listen(window.db.engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(window.db.engine, "before_cursor_execute", statement)


def test_selecting_a_row_is_three_reads_in_one_transaction(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    settle(qtbot, window)
    window.tasks.wait(10000)
    qtbot.wait(50)
    # the panel's form and sections are built with the first contact shown, reading what they
    # offer once (the stages, the BANT criteria): built here, every selection is measured
    window.detail.build()
    for row in (0, 3, 7, 1):
        with recording(window) as seen:
            window.list_view.selectRow(row)
        assert window.detail.contact_id == window.model.contact_id(row)
        assert len(seen.gui_transactions) == 1, seen.gui
        assert len(seen.gui_reads) <= 3, seen.gui_reads
        assert all(s.upper().startswith("SELECT") for s in seen.gui_reads)
    # and everything the panel shows came with them
    detail = window.detail
    cid = detail.contact_id
    assert detail.name_label.text() == get_contact(window.db, cid).name
    assert window.golook.panel.contact_id == cid
    assert window.qualification.bant.contact_id == cid
    assert window.qualification.score.contact_id == cid
    assert window.qualification.followup.contact_id == cid


def test_bant_consent_and_activities_are_written_off_the_gui_thread(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.list_view.selectRow(0)
    cid = window.detail.contact_id
    feature = window.qualification
    with recording(window) as seen:
        feature.bant.set_answer("need", "yes")
        settle(qtbot, window)
    assert seen.gui_writes == []
    assert any(s.upper().startswith("INSERT INTO BANT_ANSWERS") for s in seen.other_writes)

    follow = feature.followup
    with recording(window) as seen:
        follow.consent_combo.setCurrentIndex(follow.consent_combo.findData("granted"))
        qtbot.mouseClick(follow.findChild(QPushButton, "recordConsent"), Qt.MouseButton.LeftButton)
        settle(qtbot, window)
    assert seen.gui_writes == []
    assert any(s.upper().startswith("UPDATE CONTACTS") for s in seen.other_writes)
    assert get_contact(window.db, cid).consent == "granted"

    box = window.detail.activities
    with recording(window) as seen:
        qtbot.keyClicks(box.activity_note, "Asked for a price list")
        qtbot.keyClick(box.activity_note, Qt.Key.Key_Return)
        settle(qtbot, window)
    assert seen.gui_writes == []
    assert any(s.upper().startswith("INSERT INTO ACTIVITIES") for s in seen.other_writes)
    assert box.activity_list.topLevelItem(0).text(2) == "Asked for a price list"

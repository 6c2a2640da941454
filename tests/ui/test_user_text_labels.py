"""A user's words on a button or a menu entry read as written: Qt takes "&" there as the mark
of an Alt shortcut, so a stage "Later & maybe" showed as "Later _maybe" in Move to stage (and
took Alt+M), and "Undo move of 1 contact to Later & maybe" lost its "&" too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtGui import QKeySequence

from app.contacts import create_contact
from app.stages import rename_stage
from db.engine import Database
from tests.ui.conftest import _shown_window
from ui.leads import StatusNotifier

pytestmark = pytest.mark.gui

STAGE = "Later & maybe"


@pytest.fixture
def win(qtbot: Any, db: Database) -> Iterator[Any]:
    rename_stage(db, "nurture", STAGE)
    yield from _shown_window(qtbot, db)


def shown(text: str) -> str:
    """What a button or menu entry shows for its text ("&&" is one "&", a lone "&" none)."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def test_a_stage_with_an_ampersand_in_the_move_menu_and_undo(win: Any, qtbot: Any) -> None:
    entries = [a for a in win.menu_move.actions() if "maybe" in a.text()]
    assert [shown(a.text()) for a in entries] == [STAGE]
    assert QKeySequence.mnemonic(entries[0].text()).isEmpty()
    cid = create_contact(win.db, name="Ada Lovelace", email="ada@example.org")
    win.move_contacts([cid], "nurture")
    qtbot.waitUntil(lambda: "maybe" in win.undo_action.text(), timeout=10000)
    text = win.undo_action.text()
    assert shown(text).endswith(STAGE), text
    assert QKeySequence.mnemonic(text) == QKeySequence("Alt+U")  # its own, and only it


def test_a_reminder_about_a_company_with_an_ampersand(win: Any) -> None:
    notifier = StatusNotifier(win)
    notifier.notify("Call due", "Smith & Sons", 1)
    assert "Smith & Sons" in shown(notifier.button.text())
    assert QKeySequence.mnemonic(notifier.button.text()).isEmpty()

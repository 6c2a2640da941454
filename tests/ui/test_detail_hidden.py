"""A hidden detail panel reads nothing: a card moved on the board with the panel closed is
selected there, and the panel reads it (once) when it is opened; an operation on the contact it
last showed is read then too."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt

from app import contact_view, contacts, operations
from tests.ui.board_helpers import board  # noqa: F401 (fixture: the window's board, shown)
from tests.ui.conftest import settle
from ui.contact_table import encode_ids

pytestmark = pytest.mark.gui

MOVE = Qt.DropAction.MoveAction


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The contacts the detail panel reads, in order."""
    read: list[int] = []
    real = contact_view.load_contact_view

    def load(db: Any, contact_id: int) -> Any:
        read.append(contact_id)
        return real(db, contact_id)

    monkeypatch.setattr(contact_view, "load_contact_view", load)
    return read


def test_a_card_moved_with_the_panel_closed_is_read_when_it_opens(
    board: Any,  # noqa: F811
    window: Any,
    qtbot: Any,
    reads: list[int],
) -> None:
    window.set_detail_visible(False)
    cid = board.column("suspect").model.contact_id(0)
    assert board.column("inquiry").model.dropMimeData(
        encode_ids([cid]), MOVE, -1, -1, QModelIndex()
    )
    settle(qtbot, window)
    qtbot.waitUntil(lambda: board.selected_ids() == [cid], timeout=5000)
    qtbot.wait(300)  # the board hands the selected card to the panel after a short delay
    assert reads == [], "a hidden panel reads nothing"
    assert window.detail.contact_id == cid, "the panel knows which card to show"

    window.set_detail_visible(True)
    qtbot.waitUntil(lambda: window.detail.view is not None, timeout=5000)
    assert reads == [cid]
    assert window.detail.view.id == cid
    assert window.detail.view.detail.stage_key == "inquiry"


def test_a_change_while_hidden_is_shown_when_the_panel_opens(
    window: Any, qtbot: Any, reads: list[int]
) -> None:
    cid = contacts.list_rows(window.db, contacts.ContactQuery(), limit=1)[0].id
    window.set_detail_visible(True)
    window.select_contact(cid)
    qtbot.waitUntil(lambda: window.detail.contact_id == cid, timeout=5000)
    window.set_detail_visible(False)
    reads.clear()
    window.ops.run(lambda: operations.edit_contact(window.db, cid, {"title": "Head of buying"}))
    settle(qtbot, window)
    assert reads == []
    window.set_detail_visible(True)
    qtbot.waitUntil(lambda: reads == [cid], timeout=5000)
    assert window.detail.view is not None and window.detail.view.detail.title == "Head of buying"

"""The detail panel's message after a save that was not made (team mode: someone changed the
contact meanwhile) in a narrow window: a few lines across the form's width above Revert and
Save, not a column of a word or two a line squeezed beside them (19 lines at 1024×700)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt

from app import contacts, operations
from db.engine import Database
from tests.ui.conftest import _shown_window, settle
from tests.ui.test_layout import show_at

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot: Any, demo_db: Database) -> Iterator[Any]:
    yield from _shown_window(qtbot, demo_db, size=None, persist_state=False)


def test_a_refused_save_says_why_across_the_form_in_a_narrow_window(
    window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGNAME", "anna")
    show_at(qtbot, window, (1024, 700))
    window.show_view("list")
    window.set_detail_visible(True)
    window.list_view.selectRow(0)
    settle(qtbot, window)
    cid = window.model.contact_id(0)
    panel = window.detail
    title = panel.inputs["title"]
    title.setText("Head of Purchasing")
    title.textEdited.emit("Head of Purchasing")
    monkeypatch.setenv("LOGNAME", "bob")  # another Winnow changes the contact meanwhile
    operations.edit_contact(window.db, cid, {"phone": "+49 30 1234567"})
    monkeypatch.setenv("LOGNAME", "anna")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    show_at(qtbot, window, (1024, 700))
    assert contacts.get_contact(window.db, cid).phone == "+49 30 1234567"  # not overwritten
    message = panel.error_label
    assert message.isVisible() and "bob changed this contact meanwhile" in message.text()
    fm = message.fontMetrics()
    lines = message.height() / fm.lineSpacing()
    assert lines <= 6, f"the message takes {lines:.0f} lines {message.width()} px wide"
    # across the form (as wide as its fields), above the buttons, not beside them
    field = title.mapTo(panel, QPoint(0, 0)).x(), title.width()
    left = message.mapTo(panel, QPoint(0, 0)).x()
    assert left <= field[0] + 2 and message.width() >= 0.9 * (field[0] + field[1] - left)
    save = panel.save_button
    assert (
        message.mapTo(panel, QPoint(0, message.height())).y() <= save.mapTo(panel, QPoint(0, 0)).y()
    )
    # the buttons keep their own width, at the right
    assert save.width() <= save.sizeHint().width() + 2
    assert panel.revert_button.width() <= panel.revert_button.sizeHint().width() + 2

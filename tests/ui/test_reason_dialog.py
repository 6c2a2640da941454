"""The disqualify reason dialog (list and board moves): a digit typed where the focus is —
the reason list — disqualifies at once with that reason (the list no longer takes it as a
type-ahead search that only selects)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog

from ui.dialogs import ReasonDialog

pytestmark = pytest.mark.gui


def test_a_digit_in_the_reason_list_disqualifies_at_once(qtbot: Any) -> None:
    dialog = ReasonDialog(1)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.list.setFocus()
    QTest.keyClick(dialog.list, Qt.Key.Key_3)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.reason == "Not the decision maker"


def test_digits_type_into_the_other_reason_field(qtbot: Any) -> None:
    dialog = ReasonDialog(2)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.other.setFocus()
    qtbot.keyClicks(dialog.other, "moved away 2026")
    assert dialog.isVisible() and dialog.reason == "moved away 2026"

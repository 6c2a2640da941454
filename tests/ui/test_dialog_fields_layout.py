"""Small dialogs sized to their fields show each field's placeholder in full (the task's
"e.g. Call about the qu…" and the deal's "e.g. 12,500 (empt…" were cut), with the window's
style sheet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit

from app.deals import Deal
from app.gates import GateProblem
from ui.dialogs import NewContactDialog, ReasonDialog
from ui.fields import text_room
from ui.kanban.deal_dialog import DealDialog
from ui.leads.qualify_first import QualifyFirstDialog
from ui.leads.tasks_box import TaskDialog

pytestmark = pytest.mark.gui

DIALOGS: dict[str, Callable[[Any], QDialog]] = {
    "task": lambda w: TaskDialog(w),
    "deal": lambda w: DealDialog(Deal(1, None, None), "Anna Köhler", w),
    "qualify first": lambda w: QualifyFirstDialog(
        "Sales qualified", [GateProblem(1, "Anna Köhler", ("Budget: no",), False)], w
    ),
    "disqualify": lambda w: ReasonDialog(1, w),
    "new contact": lambda w: NewContactDialog(w.db, w),
}


def cut_placeholders(dialog: QDialog) -> list[str]:
    return [
        f"{edit.placeholderText()!r} in {text_room(edit)} px"
        for edit in dialog.findChildren(QLineEdit)
        if edit.isVisible()
        and edit.placeholderText()
        and edit.fontMetrics().horizontalAdvance(edit.placeholderText()) > text_room(edit)
    ]


@pytest.mark.parametrize("name", list(DIALOGS))
def test_a_dialog_shows_its_placeholders_in_full(empty_window: Any, qtbot: Any, name: str) -> None:
    dialog = DIALOGS[name](empty_window)
    qtbot.addWidget(dialog)
    dialog.show()  # at the size it asks for, as exec() opens it
    qtbot.waitExposed(dialog)
    QApplication.processEvents()
    assert cut_placeholders(dialog) == []
    dialog.resize(1, 1)  # as small as it lets itself be made
    QApplication.processEvents()
    assert cut_placeholders(dialog) == []
    dialog.reject()


def test_a_task_title_has_room_for_a_sentence(empty_window: Any, qtbot: Any) -> None:
    dialog = TaskDialog(empty_window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert text_room(dialog.title) >= 40 * dialog.title.fontMetrics().averageCharWidth()
    dialog.reject()

"""Issue 13, the Tasks block on the triage card and in the detail panel: a contact without
tasks shows one quiet line, "No tasks", above "Add task…" (an empty table kept its header and a
blank row there: a band of empty space on every new contact's card); with tasks the table is
back, as tall as its rows, and grows with them."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

from app import contacts, operations
from app.timeutil import utcnow
from tests.ui.board_helpers import triage_of
from tests.ui.conftest import settle
from tests.ui.test_dark_palette import palette  # noqa: F401 (fixture: light, dark, Breeze)
from ui.contrast import contrast_ratio
from ui.leads.tasks_box import TasksBox

pytestmark = pytest.mark.gui


def _in(outer: QWidget, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(outer, QPoint(0, 0)), widget.size())


def _loaded(qtbot: Any, window: Any, box: TasksBox, cid: int, rows: int) -> None:
    qtbot.waitUntil(
        lambda: (
            box.contact_id == cid
            and not window.tasks.active
            and box.task_list.topLevelItemCount() == rows
        ),
        timeout=5000,
    )
    qtbot.wait(20)  # the table fits itself on the next turn of the event loop


def _band(box: TasksBox) -> int:
    """The height between the box's top and the top of "Add task…"."""
    return _in(box, box.add_button).top()


def drawn_contrast(label: QWidget) -> float:
    """The contrast of a label's text as painted: its inkiest pixel on its commonest one
    (a style sheet can paint other than the palette says: Qt 6 draws a placeholder colour
    set by a sheet's ``color`` at half alpha)."""
    image = label.grab().toImage()
    pixels = Counter(image.pixel(x, y) for x in range(image.width()) for y in range(image.height()))
    ground = QColor(pixels.most_common(1)[0][0])
    return max(contrast_ratio(QColor(p), ground) for p in pixels)


def _rows_in_full(box: TasksBox) -> None:
    tree = box.task_list
    model = tree.model()
    for row in range(model.rowCount()):
        rect = tree.visualRect(model.index(row, 0))
        assert tree.viewport().rect().contains(rect), f"row {row} is cut: {rect}"


def test_the_triage_cards_tasks_take_one_line_until_there_are_some(
    empty_window: Any, qtbot: Any
) -> None:
    win = empty_window
    db = win.db
    cid = contacts.create_contact(db, name="Ada Suspect", email="ada@firm-gmbh.de")
    win.show_view("triage")
    view = triage_of(win)
    qtbot.waitUntil(lambda: view.current_id() == cid, timeout=5000)
    box = view.card.tasks_box
    assert box is not None
    _loaded(qtbot, win, box, cid, 0)

    line = box.fontMetrics().height()
    spacing = box.layout().spacing()
    assert _band(box) <= line + spacing + 4, f"{_band(box)} px above Add task for no tasks"
    assert not box.task_list.isVisible(), "an empty table (header and a blank row) is shown"
    assert box.empty_label.isVisible() and box.empty_label.text() == "No tasks"
    assert not box.edit_button.isVisible() and not box.delete_button.isVisible()
    # the card's other empty blocks read the same way, and it reads as painted
    assert box.empty_label.font().italic()
    assert drawn_contrast(box.empty_label) >= 4.5, drawn_contrast(box.empty_label)

    # tasks: the table is back, every row in full, and the box grows with them
    empty_band = _band(box)
    soon = utcnow() + timedelta(days=1)
    win.ops.run(lambda: operations.add_task(db, cid, "Call about the quote", soon, kind="call"))
    settle(qtbot, win)
    _loaded(qtbot, win, box, cid, 1)
    assert box.task_list.isVisible() and not box.empty_label.isVisible()
    assert box.edit_button.isVisible() and box.delete_button.isVisible()
    one = _band(box)
    assert one > empty_band
    _rows_in_full(box)
    win.ops.run(lambda: operations.add_task(db, cid, "Send the white paper", soon, kind="email"))
    settle(qtbot, win)
    _loaded(qtbot, win, box, cid, 2)
    assert _band(box) > one, "the table does not grow with its tasks"
    _rows_in_full(box)

    # all gone again: back to the one line
    for task_id in [box.tasks[0].id, box.tasks[1].id]:
        win.ops.run(lambda t=task_id: operations.delete_task(db, t))
    settle(qtbot, win)
    _loaded(qtbot, win, box, cid, 0)
    assert _band(box) == empty_band and not box.task_list.isVisible()


def test_no_tasks_in_the_detail_panel_is_one_readable_line(
    empty_window: Any,
    qtbot: Any,
    palette: QPalette,  # noqa: F811
) -> None:
    win = empty_window
    cid = contacts.create_contact(win.db, name="Jürgen Weißmann", email="jw@weissmann.de")
    win.set_detail_visible(True)
    win.select_contact(cid)
    box = win.detail.findChild(TasksBox)
    assert box is not None
    _loaded(qtbot, win, box, cid, 0)
    assert _band(box) <= box.fontMetrics().height() + box.layout().spacing() + 4
    label = box.empty_label
    assert label.isVisibleTo(win.detail) and not box.task_list.isVisibleTo(win.detail)
    # placeholder text, readable on the section's ground in every palette
    shown = label.palette().color(label.foregroundRole())
    ground = label.palette().color(QPalette.ColorRole.Base)
    assert contrast_ratio(shown, ground) >= 4.5, (shown.name(), ground.name())
    assert drawn_contrast(label) >= 4.5

"""Tasks and activity corrections in the window (issue 12, items 7 and 8): the detail panel's
Tasks section and the triage card list a contact's tasks (add, edit, complete, delete); an
activity is corrected or removed from the panel and the card; a due task's reminder opens the
contact. Everything undoes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QTreeWidget, QTreeWidgetItem

from app import activities, contacts, operations, todo
from app.timeutil import utcnow
from tests.ui.board_helpers import triage_of
from tests.ui.conftest import settle
from tests.ui.test_dark_palette import palette  # noqa: F401 (fixture: light, dark, Breeze)
from ui.contrast import contrast_ratio
from ui.leads import StatusNotifier
from ui.leads.activity_edit import ActivityDialog
from ui.leads.tasks_box import TasksBox

pytestmark = pytest.mark.gui


@pytest.fixture
def win(empty_window: Any) -> Any:
    return empty_window


def _box(window: Any) -> TasksBox:
    box = window.detail.findChild(TasksBox)
    assert box is not None, "the detail panel has a Tasks section"
    return box


def _item(tree: QTreeWidget, row: int) -> QTreeWidgetItem:
    item = tree.topLevelItem(row)
    assert item is not None
    return item


def _rows(box: TasksBox) -> list[tuple[str, str, str, bool]]:
    items = [_item(box.task_list, i) for i in range(box.task_list.topLevelItemCount())]
    return [
        (it.text(0), it.text(1), it.text(2), it.checkState(0) == Qt.CheckState.Checked)
        for it in items
    ]


def _show(qtbot: Any, window: Any, cid: int) -> TasksBox:
    window.set_detail_visible(True)
    window.select_contact(cid)
    box = _box(window)
    qtbot.waitUntil(lambda: box.contact_id == cid and not window.tasks.active, timeout=5000)
    return box


def test_tasks_in_the_detail_panel_add_edit_complete_delete_and_undo(win: Any, qtbot: Any) -> None:
    db = win.db
    cid = contacts.create_contact(db, name="Jürgen Weißmann", email="jw@weissmann.de")
    other = contacts.create_contact(db, name="Someone Else", email="se@else.de")
    todo.add_task(db, other, "Not this one", datetime(2031, 1, 1, 9), kind="todo")
    box = _show(qtbot, win, cid)
    assert _rows(box) == [] and box.isVisibleTo(win.detail)  # a section of the panel

    # add: the dialog, then the row with its kind and local due time
    dialog = box.add_task()
    assert dialog is not None and not dialog.ok.isEnabled(), "a task needs a title"
    dialog.title.setText("Call about the quote")
    dialog.kind.setCurrentIndex(dialog.kind.findData("call"))
    due = dialog.due.dateTime().toPython()
    assert isinstance(due, datetime)
    dialog.accept()
    settle(qtbot, win)
    qtbot.waitUntil(lambda: len(_rows(box)) == 1, timeout=5000)
    title, kind, shown_due, done = _rows(box)[0]
    assert (title, kind, done) == ("Call about the quote", "Call", False)
    assert shown_due == due.strftime("%Y-%m-%d %H:%M")
    (task,) = todo.list_tasks(db, contact_id=cid)
    assert contacts.get_contact(db, cid).next_action_at == task.due_at, "next action follows"

    # complete with the check box: done in the store, struck through; Undo opens it again
    _item(box.task_list, 0).setCheckState(0, Qt.CheckState.Checked)
    settle(qtbot, win)
    assert todo.list_tasks(db, contact_id=cid)[0].done
    qtbot.waitUntil(lambda: _rows(box)[0][3], timeout=5000)
    assert _item(box.task_list, 0).font(0).strikeOut()
    assert contacts.get_contact(db, cid).next_action_at is None
    win.undo()
    settle(qtbot, win)
    assert not todo.list_tasks(db, contact_id=cid)[0].done
    qtbot.waitUntil(lambda: not _rows(box)[0][3], timeout=5000)

    # edit: title and kind
    dialog = box.edit_task(_item(box.task_list, 0))
    assert dialog is not None and dialog.title.text() == "Call about the quote"
    assert dialog.kind.currentData() == "call"
    dialog.title.setText("Send the quote")
    dialog.kind.setCurrentIndex(dialog.kind.findData("email"))
    dialog.accept()
    settle(qtbot, win)
    qtbot.waitUntil(lambda: _rows(box)[0][:2] == ("Send the quote", "E-mail"), timeout=5000)
    assert todo.list_tasks(db, contact_id=cid)[0].due_at == task.due_at, "due time unchanged"

    # delete, then undo brings it back
    box.delete_task(_item(box.task_list, 0))
    settle(qtbot, win)
    qtbot.waitUntil(lambda: _rows(box) == [], timeout=5000)
    assert todo.list_tasks(db, contact_id=cid) == []
    win.undo()
    settle(qtbot, win)
    qtbot.waitUntil(lambda: len(_rows(box)) == 1, timeout=5000)


def test_open_tasks_come_first_and_an_overdue_one_is_red(win: Any, qtbot: Any) -> None:
    db = win.db
    cid = contacts.create_contact(db, name="Ada Lovelace", email="ada@engine.uk")
    now = utcnow()
    done = todo.add_task(db, cid, "Sent the brochure", now - timedelta(days=3), kind="email")
    todo.complete_task(db, done.id)
    todo.add_task(db, cid, "Meet at the fair", now + timedelta(days=2), kind="meeting")
    todo.add_task(db, cid, "Call back", now - timedelta(days=1), kind="call")
    box = _show(qtbot, win, cid)
    assert [r[0] for r in _rows(box)] == ["Call back", "Meet at the fair", "Sent the brochure"]
    late = _item(box.task_list, 0)
    assert late.foreground(2).color().name() == "#b42318" and late.toolTip(2) == "Overdue"
    assert _item(box.task_list, 1).foreground(2).style() == Qt.BrushStyle.NoBrush


def test_overdue_and_done_tasks_read_in_every_palette(
    win: Any,
    qtbot: Any,
    palette: Any,  # noqa: F811
) -> None:
    from PySide6.QtGui import QPalette

    db = win.db
    cid = contacts.create_contact(db, name="Ada Lovelace", email="ada@engine.uk")
    now = utcnow()
    done = todo.add_task(db, cid, "Sent the brochure", now - timedelta(days=3), kind="email")
    todo.complete_task(db, done.id)
    todo.add_task(db, cid, "Call back", now - timedelta(days=1), kind="call")
    box = _show(qtbot, win, cid)
    late, finished = _item(box.task_list, 0), _item(box.task_list, 1)
    for role in (QPalette.ColorRole.Base, QPalette.ColorRole.AlternateBase):
        ground = palette.color(role)
        assert contrast_ratio(late.foreground(2).color(), ground) >= 4.5, "overdue"
        assert contrast_ratio(finished.foreground(0).color(), ground) >= 4.5, "done"


def test_an_activity_is_corrected_and_removed_from_the_detail_panel(win: Any, qtbot: Any) -> None:
    db = win.db
    cid = contacts.create_contact(db, name="Jane Roe", email="jane@acme.de")
    at = utcnow() - timedelta(hours=3)
    activities.log_activity(db, cid, "inquiry-received", at=at)
    sent = activities.log_activity(db, cid, "email-sent", at=at + timedelta(hours=1))
    assert contacts.get_contact(db, cid).first_response_at is not None
    win.select_contact(cid)
    box = win.detail.activities
    tree = box.activity_list
    item = next(
        _item(tree, i)
        for i in range(tree.topLevelItemCount())
        if _item(tree, i).text(1) == "E-mail sent"
    )
    tree.setCurrentItem(item)
    tree.itemDoubleClicked.emit(item, 1)  # double-click corrects
    dialog = _open_activity_dialog(qtbot)
    assert (dialog.kind.currentData(), dialog.note.text()) == ("email-sent", "")
    dialog.kind.setCurrentIndex(dialog.kind.findData("note"))  # it was only a note
    dialog.note.setText("drafted, not sent")
    dialog.accept()
    settle(qtbot, win)
    fixed = activities.get_activity(db, sent.id)
    assert (fixed.type, fixed.note, fixed.at) == ("note", "drafted, not sent", sent.at)
    assert contacts.get_contact(db, cid).first_response_at is None, "no longer answered"
    assert win.undo_action.text().startswith("&Undo correction of an activity")
    win.undo()
    settle(qtbot, win)
    assert activities.get_activity(db, sent.id).type == "email-sent"
    assert contacts.get_contact(db, cid).first_response_at is not None

    # remove from the menu's action (the same path as Delete on the list)
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 2, timeout=5000)
    tree.setCurrentItem(_item(tree, 0))
    box.remove_current()
    settle(qtbot, win)
    assert [a.type for a in activities.list_activities(db, cid)] == ["inquiry-received"]


def _open_activity_dialog(qtbot: Any) -> ActivityDialog:
    found: list[ActivityDialog] = []

    def shown() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, ActivityDialog) and w.isVisible()
        ]
        return bool(found)

    qtbot.waitUntil(shown, timeout=5000)
    return found[-1]


def test_the_triage_card_shows_tasks_and_corrects_activities(win: Any, qtbot: Any) -> None:
    db = win.db
    cid = contacts.create_contact(db, name="Ada Suspect", email="ada@firm.de")
    activities.log_activity(db, cid, "note", note="met at the booth")
    todo.add_task(db, cid, "Send the white paper", utcnow() + timedelta(days=1), kind="email")
    win.show_view("triage")
    view = triage_of(win)
    qtbot.waitUntil(lambda: view.current_id() == cid, timeout=5000)
    box = view.card.tasks_box
    assert box is not None and box.isVisible()
    qtbot.waitUntil(lambda: [r[0] for r in _rows(box)] == ["Send the white paper"], timeout=5000)
    # tick it done on the card
    _item(box.task_list, 0).setCheckState(0, Qt.CheckState.Checked)
    settle(qtbot, win)
    assert todo.list_tasks(db, contact_id=cid)[0].done
    qtbot.waitUntil(lambda: bool(_rows(box)) and _rows(box)[0][3], timeout=5000)

    # an activity line on the card: double-click corrects it
    lines = [
        w
        for w in view.card.activities.findChildren(type(view.card.name))
        if "met at the booth" in w.text()
    ]
    assert lines
    QTest.mouseDClick(lines[0], Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    dialog = _open_activity_dialog(qtbot)
    dialog.note.setText("met at the booth, wants prices")
    dialog.accept()
    settle(qtbot, win)
    (act,) = activities.list_activities(db, cid)
    assert act.note == "met at the booth, wants prices"
    qtbot.waitUntil(
        lambda: any(
            "wants prices" in w.text()
            for w in view.card.activities.findChildren(type(view.card.name))
        ),
        timeout=5000,
    )


def test_a_due_task_raises_a_reminder_that_opens_the_contact(win: Any, qtbot: Any) -> None:
    db = win.db
    cid = contacts.create_contact(db, name="Jürgen Weißmann", email="jw@weissmann.de")
    win.show_view("kanban")
    feature = win.leads
    # offscreen there is no system tray: the reminder goes to the status bar (the tray where
    # one exists, tested in test_leads); both emit clicked(contact_id)
    assert isinstance(feature.notifier, StatusNotifier)
    t0 = utcnow()
    win.ops.run(
        lambda: operations.add_task(
            db, cid, "Call about the quote", t0 + timedelta(minutes=1), kind="call"
        )
    )
    settle(qtbot, win)
    clock = [t0 + timedelta(seconds=30)]
    feature.reminders.clock = lambda: clock[0]  # the reminders' own clock, stepped by hand
    feature.reminders.checked_until = t0
    assert feature.reminders.check() == 0, "not due yet"
    clock[0] = t0 + timedelta(minutes=2)
    assert feature.reminders.check() == 1
    button = feature.notifier.button
    assert button.isVisible()
    assert button.text() == "Reminder: Call due: Call about the quote — Jürgen Weißmann · Open"
    assert feature.reminders.check() == 0, "once"
    button.click()
    assert win.current_view_key() == "list"
    assert win.detail.contact_id == cid
    assert not button.isVisible()


def test_tasks_falling_due_together_raise_one_reminder_that_opens_the_today_queue(
    win: Any, qtbot: Any
) -> None:
    db = win.db
    t0 = utcnow()
    people = [("Anna Berg", "Call back"), ("Bo Lund", "Send the quote"), ("Cai Wu", "Visit")]
    people += [(f"Person {i}", f"Follow up {i}") for i in range(4)]
    for name, title in people:
        cid = contacts.create_contact(db, name=name)
        operations.add_task(db, cid, title, t0 + timedelta(minutes=1), kind="call")
    feature = win.leads
    clock = [t0 + timedelta(minutes=2)]
    feature.reminders.clock = lambda: clock[0]
    feature.reminders.checked_until = t0
    assert feature.reminders.check() == 7
    button = feature.notifier.button
    assert button.isVisible()
    # one message, not seven replacing each other: the count on the button, and the first
    # three by title and contact and how many more in its tooltip (the tray's text)
    assert button.text() == "Reminder: 7 tasks due · Open"
    assert button.toolTip() == (
        "7 tasks due\nCall back (Anna Berg); Send the quote (Bo Lund); "
        "Visit (Cai Wu); and 4 more\nClick to open the Today queue"
    )
    win.resize(1024, 700)  # the smallest window: the button's text is not cut
    settle(qtbot, win)
    qtbot.waitUntil(lambda: button.width() >= button.sizeHint().width(), timeout=3000)
    assert feature.reminders.check() == 0, "once"
    button.click()
    assert win.current_view_key() == "list"
    assert win.current_query().queue == "today"
    assert not button.isVisible()

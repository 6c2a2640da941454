"""Issue 12 in the window: reminders (the tray where one exists, a stub offscreen), the
"qualify first" question, Settings pages, duplicates and the merge, tasks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from app import contacts, followup, gates, operations, qualification, todo
from db.engine import Database
from tests.ui.conftest import settle
from ui.leads.merge_dialog import DuplicatesDialog, MergeDialog
from ui.leads.qualify_first import QualifyFirstDialog
from ui.leads.reminders import TaskReminders, TrayNotifier
from ui.leads.settings_dialog import SettingsDialog

pytestmark = pytest.mark.gui


class StubNotifier:
    def __init__(self) -> None:
        self.shown: list[tuple[str, str, int]] = []

    def notify(self, title: str, text: str, contact_id: int) -> None:
        self.shown.append((title, text, contact_id))


def test_a_due_task_raises_one_reminder_that_names_the_contact(qtbot: Any, db: Database) -> None:
    cid = contacts.create_contact(db, name="Jürgen Weißmann", email="jw@weissmann.de")
    t0 = datetime(2030, 6, 3, 9, 0)
    operations.add_task(db, cid, "Call about the quote", t0 + timedelta(minutes=1), kind="call")
    clock = [t0]
    # the real tray where the platform has one; offscreen there is none, so a stub
    stub = StubNotifier()
    notifier: Any = TrayNotifier() if TrayNotifier.available() else stub
    reminders = TaskReminders(db, notifier, clock=lambda: clock[0], look_back=timedelta(0))
    assert reminders.check() == 0
    clock[0] = t0 + timedelta(minutes=2)
    assert reminders.check() == 1
    assert reminders.check() == 0  # once
    if notifier is stub:
        assert stub.shown == [("Call due: Call about the quote", "Jürgen Weißmann", cid)]


def test_the_timers_checks_read_off_the_window_thread(
    qtbot: Any, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a runner, the periodic check reads the due tasks on a worker and notifies on the
    window's thread; a check still reading is not started twice."""
    import threading

    from ui.tasks import TaskRunner

    cid = contacts.create_contact(db, name="Ana Ruiz", email="ana@ruiz.es")
    t0 = datetime(2030, 6, 3, 9, 0)
    operations.add_task(db, cid, "Send the offer", t0 + timedelta(minutes=1), kind="email")
    clock = [t0 + timedelta(minutes=2)]
    read_on: list[threading.Thread] = []
    gate = threading.Event()
    due_between = todo.due_between

    def watched(*args: Any) -> list[todo.TaskInfo]:
        read_on.append(threading.current_thread())
        gate.wait(10)
        return due_between(*args)

    monkeypatch.setattr(todo, "due_between", watched)
    runner = TaskRunner()
    stub = StubNotifier()
    reminders = TaskReminders(
        db, stub, clock=lambda: clock[0], look_back=timedelta(minutes=5), runner=runner
    )
    reminders.check_later()
    reminders.check_later()  # the first is still reading
    gate.set()
    qtbot.waitUntil(lambda: len(stub.shown) == 1, timeout=5000)
    runner.wait()
    assert len(read_on) == 1 and read_on[0] is not threading.main_thread()
    assert stub.shown == [("E-mail due: Send the offer", "Ana Ruiz", cid)]
    reminders.check_later()  # once: nothing new
    runner.wait()
    qtbot.wait(50)
    assert len(stub.shown) == 1 and len(read_on) == 2


def test_qualify_first_asks_for_a_reason(qtbot: Any, db: Database) -> None:
    cid = contacts.create_contact(db, name="Jane Roe", email="jane@acme.de", stage="inquiry")
    qualification.set_bant(db, cid, {"budget": "yes", "need": "no"})
    problems = gates.check_move(db, [cid], "sql")
    dialog = QualifyFirstDialog("Sales qualified", problems)
    qtbot.addWidget(dialog)
    assert "Need: no" in dialog.problems.item(0).text()
    assert not dialog.move_anyway.isEnabled()
    dialog.reason.setText("  the owner asked  ")
    assert dialog.move_anyway.isEnabled()
    assert dialog.override_reason() == "the owner asked"


def test_settings_pages_change_through_operations(qtbot: Any, window: Any) -> None:
    dialog = SettingsDialog(window, window)
    qtbot.addWidget(dialog)
    assert dialog.response_times.spins["content-downloaded"].value() == 72
    dialog.response_times.spins["content-downloaded"].setValue(96)
    dialog.response_times.save()
    settle(qtbot, window)
    assert followup.sla_by_kind(window.db)["content-downloaded"] == 96
    assert window.ops.undo_state.undo is not None
    source = next(iter(dialog.reach.spins))
    dialog.reach.spins[source].setValue(500)
    dialog.reach.save()
    settle(qtbot, window)
    from app.metrics import source_reach

    assert source_reach(window.db)[source] == 500
    dialog.criteria.list.setCurrentRow(3)
    dialog.criteria.toggle()
    settle(qtbot, window)
    assert [c.required for c in qualification.list_criteria(window.db)][3] is False
    assert dialog.stages.list.count() == 8


def test_duplicates_dialog_and_merge(qtbot: Any, window: Any) -> None:
    db = window.db
    a = contacts.create_contact(
        db, first_name="Jürgen", last_name="Weißmann", company="Weißmann Maschinenbau GmbH"
    )
    b = contacts.create_contact(
        db,
        first_name="Juergen",
        last_name="Weissmann",
        company="Weissmann Maschinenbau",
        email="juergen@weissmann-maschinenbau.de",
    )
    dialog = DuplicatesDialog(window, window)
    qtbot.addWidget(dialog)
    dialog.refresh()
    qtbot.waitUntil(lambda: any(p.ids == (a, b) for p in dialog.pairs), timeout=10000)
    merge = MergeDialog(window, [a, b], window)
    qtbot.addWidget(merge)
    keep, others, choose = merge.plan()
    assert (keep, others) == (a, [b]) and choose == {"email": b}
    merge.run()
    settle(qtbot, window)
    assert contacts.contact_exists(db, [b]) == [b]  # gone
    assert contacts.get_contact(db, a).email == "juergen@weissmann-maschinenbau.de"


def test_tasks_from_the_list_menu_and_the_feature(qtbot: Any, window: Any) -> None:
    cid = (
        window.selected_ids()[0]
        if window.selected_ids()
        else contacts.list_rows(window.db, contacts.ContactQuery(), limit=1)[0].id
    )
    from PySide6.QtWidgets import QMenu

    menu = QMenu()
    window.leads.extend_menu(menu, [cid])
    assert [a.text() for a in menu.actions()] == ["Add task…"]
    menu2 = QMenu()
    window.leads.extend_menu(menu2, [cid, cid + 1])
    assert [a.text() for a in menu2.actions()] == ["Merge 2 contacts…"]
    db = window.db
    window.ops.run(lambda: operations.add_task(db, cid, "Call", datetime(2031, 1, 1), kind="call"))
    settle(qtbot, window)
    assert any(t.title == "Call" for t in todo.list_tasks(db, contact_id=cid))

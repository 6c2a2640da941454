"""Issue 12, item 7: tasks per contact; the next-action date is the first open task; the
Today and Overdue queues; reminders due; the CLI."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app import followup, operations, todo
from app.cli import main
from app.contacts import ContactQuery, create_contact, get_contact, query_ids
from app.timeutil import utcnow
from db.engine import Database


def _contact(db: Database, name: str = "Jane Roe") -> int:
    return create_contact(db, name=name, email=f"{name.split()[0].lower()}@acme.de")


def test_the_next_action_is_the_first_open_task(db: Database) -> None:
    cid = _contact(db)
    soon = datetime(2030, 5, 6, 14, 0)
    later = datetime(2030, 5, 9, 9, 0)
    call = operations.add_task(db, cid, "Call about the quote", later, kind="call").value
    assert get_contact(db, cid).next_action_at == later
    meet = operations.add_task(db, cid, "Visit the plant", soon, kind="meeting").value
    assert get_contact(db, cid).next_action_at == soon
    operations.complete_task(db, meet.id)
    assert get_contact(db, cid).next_action_at == later
    operations.complete_task(db, call.id)
    assert get_contact(db, cid).next_action_at is None
    operations.undo_operation(db)
    assert get_contact(db, cid).next_action_at == later
    assert [(t.title, t.kind, t.done) for t in todo.list_tasks(db, contact_id=cid)] == [
        ("Visit the plant", "meeting", True),
        ("Call about the quote", "call", False),
    ]
    with pytest.raises(Exception, match="unknown task kind"):
        operations.add_task(db, cid, "x", soon, kind="fax")
    with pytest.raises(Exception, match="needs a title"):
        operations.add_task(db, cid, "  ", soon)


def test_setting_the_next_action_date_is_a_task(db: Database) -> None:
    cid = _contact(db)
    when = datetime(2030, 1, 2)
    operations.set_next_action(db, [cid], when)
    (task,) = todo.list_tasks(db, contact_id=cid)
    assert (task.title, task.due_at, task.done) == ("Next action", when, False)
    operations.set_next_action(db, [cid], when + timedelta(days=1))  # moves that task
    assert [t.due_at for t in todo.list_tasks(db, contact_id=cid)] == [when + timedelta(days=1)]
    operations.set_next_action(db, [cid], None)  # done with it
    assert get_contact(db, cid).next_action_at is None
    assert todo.list_tasks(db, contact_id=cid)[0].done


def test_today_and_overdue_by_local_day(db: Database) -> None:
    now = utcnow()
    start = todo.start_of_today_utc(now)
    a, b, c = (_contact(db, n) for n in ("Anna A", "Bert B", "Carl C"))
    yesterday = operations.add_task(db, a, "Call back", start - timedelta(hours=1)).value
    today = operations.add_task(db, b, "Send prices", start + timedelta(minutes=1)).value
    future = operations.add_task(db, c, "Meet", start + timedelta(days=3)).value
    assert [t.id for t in todo.list_tasks(db, "overdue", now=now)] == [yesterday.id]
    assert [t.id for t in todo.list_tasks(db, "today", now=now)] == [yesterday.id, today.id]
    assert [t.id for t in todo.list_tasks(db, "all", now=now)] == [
        yesterday.id,
        today.id,
        future.id,
    ]
    assert set(query_ids(db, ContactQuery(queue="today"))) == {a, b}
    assert set(query_ids(db, ContactQuery(queue="overdue"))) == {a}
    assert followup.overdue_count(db) == 1


def test_reminders_are_the_tasks_that_fell_due(db: Database) -> None:
    cid = _contact(db)
    t0 = datetime(2030, 3, 1, 9, 0)
    operations.add_task(db, cid, "Call", t0 + timedelta(minutes=5), kind="call")
    done = operations.add_task(db, cid, "Mail", t0 + timedelta(minutes=6), kind="email").value
    operations.complete_task(db, done.id)
    assert todo.due_between(db, t0, t0 + timedelta(minutes=4)) == []
    due = todo.due_between(db, t0, t0 + timedelta(minutes=10))
    assert [(t.title, t.contact_name) for t in due] == [("Call", "Jane Roe")]


def test_cli_tasks(db: Database, db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cid = _contact(db)
    db.close()
    base = ["--db", str(db_path)]
    args = [*base, "task", "add", str(cid), "Call Jürgen", "--due", "tomorrow", "--kind", "call"]
    assert main(args) == 0
    capsys.readouterr()
    assert main([*base, "tasks", "--json"]) == 0
    (task,) = json.loads(capsys.readouterr().out)
    assert set(task) == {"id", "contact_id", "title", "kind", "due_at", "done"}
    assert (task["contact_id"], task["title"], task["kind"], task["done"]) == (
        cid,
        "Call Jürgen",
        "call",
        False,
    )
    assert main([*base, "tasks", "--due", "overdue", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main([*base, "task", "done", str(task["id"])]) == 0
    assert main([*base, "task", "done", "999"]) == 1  # no such task: a runtime error
    assert main([*base, "task", "add", str(cid), "x", "--due", "someday"]) == 2
    capsys.readouterr()
    assert main([*base, "tasks", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["done"] is True

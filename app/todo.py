"""Tasks and reminders (issue 12, item 7): a contact has any number of tasks — a call, an
e-mail, a meeting or a to-do — each with a due date and time, open or done. The contact's
next-action date (``Contact.next_action_at``: the list's and board's "due", the *Today* queue)
is the due time of its first open task, kept in step whenever tasks change.

A task is *due today* when it falls before the end of the local day, *overdue* when it was due
on an earlier day (a call planned for today is not late at 9 am); the window raises a reminder
when a task's due time passes (:func:`due_between`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from app.errors import NotFound, UnknownContact, UsageError
from app.followup import end_of_today_utc, local_midnight_utc, local_now
from app.timeutil import iso, utcnow
from db.engine import Database
from db.models import Contact, Task

TASK_KINDS = {"call": "Call", "email": "E-mail", "meeting": "Meeting", "todo": "To-do"}
DUE_FILTERS = ("today", "overdue", "all")
NEXT_ACTION_TITLE = "Next action"


@dataclass(frozen=True)
class TaskInfo:
    id: int
    contact_id: int
    title: str
    kind: str
    due_at: datetime
    done_at: datetime | None
    contact_name: str = ""

    @property
    def done(self) -> bool:
        return self.done_at is not None

    @property
    def kind_label(self) -> str:
        return TASK_KINDS.get(self.kind, self.kind)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "contact_id": self.contact_id,
            "title": self.title,
            "kind": self.kind,
            "due_at": iso(self.due_at),
            "done": self.done,
        }


def check_kind(kind: str) -> str:
    value = kind.strip().lower().replace("e-mail", "email").replace("to-do", "todo")
    if value not in TASK_KINDS:
        raise UsageError(f"unknown task kind {kind!r}; use {', '.join(TASK_KINDS)}")
    return value


def _title(title: str) -> str:
    text = " ".join((title or "").split())
    if not text:
        raise UsageError("a task needs a title")
    return text[:300]


def _info(t: Task, name: str = "") -> TaskInfo:
    return TaskInfo(t.id, t.contact_id, t.title, t.kind, t.due_at, t.done_at, name)


def refresh_next_action(s: Session, contact_ids: Sequence[int]) -> None:
    """Each contact's next-action date := the due time of its first open task (or none)."""
    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    first = (
        select(func.min(Task.due_at))
        .where(Task.contact_id == Contact.id, Task.done_at.is_(None))
        .scalar_subquery()
    )
    for i in range(0, len(ids), 900):
        s.execute(
            update(Contact)
            .where(Contact.id.in_(ids[i : i + 900]))
            .values(next_action_at=first)
            .execution_options(synchronize_session=False)
        )


def add_task(
    db: Database, contact_id: int, title: str, due_at: datetime, kind: str = "todo"
) -> TaskInfo:
    kind = check_kind(kind)
    text = _title(title)
    with db.session() as s:
        if s.get(Contact, contact_id) is None:
            raise UnknownContact(contact_id)
        task = Task(
            contact_id=contact_id, title=text, kind=kind, due_at=due_at, created_at=utcnow()
        )
        s.add(task)
        s.flush()
        refresh_next_action(s, [contact_id])
        return _info(task)


def _get(s: Session, task_id: int) -> Task:
    task = s.get(Task, task_id)
    if task is None:
        raise NotFound(f"no task {task_id}")
    return task


def task_contact(db: Database, task_id: int) -> int:
    with db.session() as s:
        return _get(s, task_id).contact_id


def complete_task(db: Database, task_id: int, done: bool = True) -> TaskInfo:
    """Mark a task done (or open again)."""
    with db.session() as s:
        task = _get(s, task_id)
        if done and task.done_at is None:
            task.done_at = utcnow()
        elif not done:
            task.done_at = None
        s.flush()
        refresh_next_action(s, [task.contact_id])
        return _info(task)


def edit_task(
    db: Database,
    task_id: int,
    *,
    title: str | None = None,
    due_at: datetime | None = None,
    kind: str | None = None,
) -> TaskInfo:
    with db.session() as s:
        task = _get(s, task_id)
        if title is not None:
            task.title = _title(title)
        if due_at is not None:
            task.due_at = due_at
        if kind is not None:
            task.kind = check_kind(kind)
        s.flush()
        refresh_next_action(s, [task.contact_id])
        return _info(task)


def delete_task(db: Database, task_id: int) -> int:
    """Remove a task; returns its contact's id."""
    with db.session() as s:
        task = _get(s, task_id)
        cid = task.contact_id
        s.delete(task)
        s.flush()
        refresh_next_action(s, [cid])
        return cid


def set_next_action_in(s: Session, contact_ids: Sequence[int], when: datetime | None) -> None:
    """The next-action date as a task: set → the first open task moves to ``when`` (a
    "Next action" to-do is added when there is none); none → the first open task is done."""
    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    now = utcnow()
    for i in range(0, len(ids), 900):
        chunk = ids[i : i + 900]
        # the first open task per contact: earliest due, then lowest id
        rows = s.execute(
            select(Task.id, Task.contact_id, Task.due_at)
            .where(Task.contact_id.in_(chunk), Task.done_at.is_(None))
            .order_by(Task.contact_id, Task.due_at, Task.id)
        ).all()
        firsts: dict[int, int] = {}
        for task_id, cid, _due in rows:
            firsts.setdefault(cid, task_id)
        if when is None:
            if firsts:
                s.execute(
                    update(Task).where(Task.id.in_(list(firsts.values()))).values(done_at=now)
                )
        else:
            if firsts:
                s.execute(
                    update(Task).where(Task.id.in_(list(firsts.values()))).values(due_at=when)
                )
            fresh = [c for c in chunk if c not in firsts]
            if fresh:
                s.add_all(
                    Task(
                        contact_id=c,
                        title=NEXT_ACTION_TITLE,
                        kind="todo",
                        due_at=when,
                        created_at=now,
                    )
                    for c in fresh
                )
        s.flush()
        refresh_next_action(s, chunk)


def list_tasks(
    db: Database,
    due: str = "all",
    *,
    contact_id: int | None = None,
    now: datetime | None = None,
) -> list[TaskInfo]:
    """Tasks by due time: ``today`` (open, due before the end of today, overdue included),
    ``overdue`` (open, due on an earlier day) or ``all`` (open and done)."""
    if due not in DUE_FILTERS:
        raise UsageError(f"--due takes {', '.join(DUE_FILTERS)}")
    moment = now or utcnow()
    stmt = select(Task, Contact.name).join(Contact, Contact.id == Task.contact_id)
    if contact_id is not None:
        stmt = stmt.where(Task.contact_id == contact_id)
    if due == "today":
        stmt = stmt.where(Task.done_at.is_(None), Task.due_at < end_of_today_utc(moment))
    elif due == "overdue":
        stmt = stmt.where(Task.done_at.is_(None), Task.due_at < start_of_today_utc(moment))
    with db.session() as s:
        return [_info(t, name or "") for t, name in s.execute(stmt.order_by(Task.due_at, Task.id))]


def start_of_today_utc(now: datetime | None = None) -> datetime:
    return local_midnight_utc(local_now(now).date())


def overdue_task_condition(now: datetime) -> Any:
    """SQL on Contact: an open task due on an earlier day (for the Overdue queue)."""
    return and_(
        Contact.next_action_at.is_not(None), Contact.next_action_at < start_of_today_utc(now)
    )


def due_between(db: Database, after: datetime, until: datetime) -> list[TaskInfo]:
    """Open tasks whose due time passed in (after, until]: the reminders to raise now."""
    with db.session() as s:
        rows = s.execute(
            select(Task, Contact.name)
            .join(Contact, Contact.id == Task.contact_id)
            .where(Task.done_at.is_(None), Task.due_at > after, Task.due_at <= until)
            .order_by(Task.due_at, Task.id)
        )
        return [_info(t, name or "") for t, name in rows]

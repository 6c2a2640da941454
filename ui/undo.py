"""Undoable commands: every one calls the same domain operation as the rest of the app.

A command runs its operation when pushed (``QUndoStack.push`` calls ``redo``). PySide lets an
exception out of ``push`` but keeps the failed command on the stack and rewrites its message,
so commands catch expected failures themselves: push with :func:`push_command`, which drops a
failed command and raises the original error for the caller to show. A later undo or redo
that fails (the database is locked now) is reported through ``UndoableCommand.report_error``
and the command leaves the stack, so the stack never claims something that did not happen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import ClassVar

from PySide6.QtGui import QUndoCommand, QUndoStack

from app import moves, triage
from app.errors import WinnowError
from app.moves import MoveResult
from app.snapshots import ContactsSnapshot, delete_with_snapshot, restore_contacts
from app.stages import get_stage
from db.engine import Database, DatabaseError

log = logging.getLogger(__name__)

EXPECTED_ERRORS = (WinnowError, DatabaseError)


def _who(n: int) -> str:
    return "1 contact" if n == 1 else f"{n:,} contacts"


class UndoableCommand(QUndoCommand):
    """Base: subclasses implement ``do`` and ``undo_it``; failures are caught (see module doc)."""

    # (title, message) -> None; the window sets it to show a message box
    report_error: ClassVar[Callable[[str, str], None] | None] = None

    def __init__(self, text: str, parent: QUndoCommand | None = None) -> None:
        super().__init__(text, parent)
        self.error: Exception | None = None
        self._done_once = False

    def do(self) -> None:
        raise NotImplementedError

    def undo_it(self) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        first = not self._done_once
        self._done_once = True
        try:
            self.do()
        except EXPECTED_ERRORS as exc:
            self.error = exc
            self.setObsolete(True)
            if not first:
                self._report("Could not redo", exc)

    def undo(self) -> None:
        try:
            self.undo_it()
        except EXPECTED_ERRORS as exc:
            self.error = exc
            self.setObsolete(True)
            self._report("Could not undo", exc)

    def _report(self, title: str, exc: Exception) -> None:
        message = f"{title} the {self.text()}.\n\n{exc}"
        reporter = UndoableCommand.report_error
        if reporter is not None:
            reporter(title, message)
        else:
            log.warning("%s", message)


def push_command(stack: QUndoStack, command: UndoableCommand) -> None:
    """Push (and so run) a command; if it failed, it is not kept and its error is raised."""
    stack.push(command)
    if command.error is not None:
        raise command.error


class MoveContactsCommand(UndoableCommand):
    """Move contacts to a stage; undo marks the history entries undone and restores stages.

    The move is committed when the command is pushed; use :func:`push_command` so a failure
    raises for the caller to tell the user (nothing moved, nothing on the stack).
    """

    def __init__(
        self,
        db: Database,
        contact_ids: Sequence[int],
        stage_key: str,
        reason: str | None = None,
        on_change: Callable[[MoveResult], None] | None = None,
        parent: QUndoCommand | None = None,
    ) -> None:
        stage_name = get_stage(db, stage_key).name
        super().__init__(f"move of {_who(len(contact_ids))} to {stage_name}", parent)
        self.db = db
        self.contact_ids = list(contact_ids)
        self.stage_key = stage_key
        self.reason = reason
        self.on_change = on_change
        self.result: MoveResult | None = None

    def do(self) -> None:
        self.result = moves.move_to_stage(
            self.db, self.contact_ids, self.stage_key, reason=self.reason
        )
        if not self.result.moved:
            self.setObsolete(True)
        if self.on_change:
            self.on_change(self.result)

    def undo_it(self) -> None:
        if self.result is None or not self.result.change_ids:
            return
        undone = moves.undo_stage_changes(self.db, self.result.change_ids)
        if self.on_change and undone is not None:
            self.on_change(undone)


class EditContactCommand(UndoableCommand):
    """Change a contact's fields; undo puts the old values back."""

    def __init__(
        self,
        db: Database,
        contact_id: int,
        values: dict[str, object],
        label: str,
        on_change: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(f"edit of {label}")
        self.db = db
        self.contact_id = contact_id
        self.values = values
        self.on_change = on_change
        self.old: dict[str, object] = {}

    def do(self) -> None:
        from app.contacts import update_contact

        edit = update_contact(self.db, self.contact_id, **self.values)
        if not edit.changes:
            self.setObsolete(True)
        self.old = {k: old for k, (old, _new) in edit.changes.items()}
        if self.on_change:
            self.on_change(self.contact_id)

    def undo_it(self) -> None:
        from app.contacts import update_contact

        if self.old:
            update_contact(self.db, self.contact_id, **self.old)
        if self.on_change:
            self.on_change(self.contact_id)


class DeleteContactsCommand(UndoableCommand):
    """Delete contacts; undo brings them back with the same ids, history and activities."""

    def __init__(
        self,
        db: Database,
        contact_ids: Sequence[int],
        on_change: Callable[[list[int]], None] | None = None,
    ) -> None:
        super().__init__(f"deletion of {_who(len(contact_ids))}")
        self.db = db
        self.contact_ids = list(contact_ids)
        self.on_change = on_change
        self.snapshot: ContactsSnapshot | None = None

    def do(self) -> None:
        self.snapshot = delete_with_snapshot(self.db, self.contact_ids)
        if not self.snapshot.contact_ids:
            self.setObsolete(True)
        if self.on_change:
            self.on_change(list(self.snapshot.contact_ids))

    def undo_it(self) -> None:
        if self.snapshot is None:
            return
        ids = restore_contacts(self.db, self.snapshot)
        # a contact whose id was taken meanwhile came back under a new one: delete that next time
        self.contact_ids = ids
        if self.on_change:
            self.on_change(ids)


class MarkTriagedCommand(UndoableCommand):
    """Record a triage decision (``triaged_at``); undo makes the contacts wait again."""

    def __init__(
        self,
        db: Database,
        contact_ids: Sequence[int],
        text: str | None = None,
        on_change: Callable[[list[int]], None] | None = None,
    ) -> None:
        super().__init__(text or f"triage of {_who(len(contact_ids))}")
        self.db = db
        self.contact_ids = list(contact_ids)
        self.on_change = on_change
        self.newly: list[int] = []

    def do(self) -> None:
        self.newly = triage.mark_triaged(self.db, self.contact_ids)
        if self.on_change:
            self.on_change(self.contact_ids)

    def undo_it(self) -> None:
        if self.newly:
            triage.clear_triaged(self.db, self.newly)
        if self.on_change:
            self.on_change(self.contact_ids)


def install(window: object) -> None:
    """Failures of a later undo or redo are shown to the user in the window."""
    from PySide6.QtWidgets import QMessageBox, QWidget

    parent = window if isinstance(window, QWidget) else None

    def report(title: str, message: str) -> None:
        QMessageBox.warning(parent, title, message)

    UndoableCommand.report_error = report

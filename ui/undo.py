"""Undoable commands: every one calls the same domain operation as the rest of the app."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtGui import QUndoCommand

from app import moves
from app.moves import MoveResult
from app.stages import get_stage
from db.engine import Database


class MoveContactsCommand(QUndoCommand):
    """Move contacts to a stage; undo marks the history entries undone and restores stages.

    The move is committed when the command is pushed (``redo`` runs first); a failure raises
    from ``push`` so the caller can tell the user and put things back.
    """

    def __init__(
        self,
        db: Database,
        contact_ids: Sequence[int],
        stage_key: str,
        reason: str | None = None,
        on_change: Callable[[MoveResult], None] | None = None,
    ) -> None:
        n = len(contact_ids)
        stage_name = get_stage(db, stage_key).name
        who = "1 contact" if n == 1 else f"{n:,} contacts"
        super().__init__(f"move of {who} to {stage_name}")
        self.db = db
        self.contact_ids = list(contact_ids)
        self.stage_key = stage_key
        self.reason = reason
        self.on_change = on_change
        self.result: MoveResult | None = None

    def redo(self) -> None:
        self.result = moves.move_to_stage(self.db, self.contact_ids, self.stage_key,
                                          reason=self.reason)
        if not self.result.moved:
            self.setObsolete(True)
        if self.on_change:
            self.on_change(self.result)

    def undo(self) -> None:
        if self.result is None or not self.result.change_ids:
            return
        undone = moves.undo_stage_changes(self.db, self.result.change_ids)
        if self.on_change and undone is not None:
            self.on_change(undone)


class EditContactCommand(QUndoCommand):
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

    def redo(self) -> None:
        from app.contacts import update_contact

        edit = update_contact(self.db, self.contact_id, **self.values)
        if not edit.changes:
            self.setObsolete(True)
        self.old = {k: old for k, (old, _new) in edit.changes.items()}
        if self.on_change:
            self.on_change(self.contact_id)

    def undo(self) -> None:
        from app.contacts import update_contact

        if self.old:
            update_contact(self.db, self.contact_id, **self.old)
        if self.on_change:
            self.on_change(self.contact_id)

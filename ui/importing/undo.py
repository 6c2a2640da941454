"""Edit ▸ Undo for an import: "Import of N contacts from FILE"."""

from __future__ import annotations

from collections.abc import Callable

from app.importing.batches import get_batch, undo_import
from app.importing.report import UndoResult
from db.engine import Database
from ui.undo import UndoableCommand


class ImportCommand(UndoableCommand):
    """Pushed after an import has run (in the background): the first redo does nothing.
    Undo removes the batch (the same operation as the history dialog). An undone import is
    not redone — the command then leaves the stack; import the file again instead."""

    def __init__(
        self,
        db: Database,
        batch_id: int,
        count: int,
        file_name: str,
        on_change: Callable[[list[int]], None] | None = None,
    ) -> None:
        noun = "contact" if count == 1 else "contacts"
        super().__init__(f"Import of {count:,} {noun} from {file_name}")
        self.db = db
        self.batch_id = batch_id
        self.on_change = on_change
        self.result: UndoResult | None = None

    def do(self) -> None:
        pass  # the import itself ran before the command was pushed

    def undo_it(self) -> None:
        self.setObsolete(True)
        if get_batch(self.db, self.batch_id).undone:
            return  # undone from the import history meanwhile
        self.result = undo_import(self.db, self.batch_id)
        if self.on_change is not None:
            self.on_change([])

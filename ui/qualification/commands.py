"""Undoable qualification edits: BANT answers, consent, next-action date.

Each command calls the same ``app`` operation as the CLI; undo writes the old values back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from app import consent, followup, qualification
from app.consent import ConsentEdit
from db.engine import Database
from ui.undo import UndoableCommand

Changed = Callable[[list[int]], None]


def _who(n: int) -> str:
    return "1 contact" if n == 1 else f"{n:,} contacts"


class SetBantCommand(UndoableCommand):
    """Answer BANT criteria (and/or change their notes) for one contact."""

    def __init__(
        self,
        db: Database,
        contact_id: int,
        answers: Mapping[str, str],
        notes: Mapping[str, str | None] | None = None,
        on_change: Changed | None = None,
    ) -> None:
        super().__init__("qualification answer")
        self.db = db
        self.contact_id = contact_id
        self.answers = dict(answers)
        self.notes = dict(notes or {})
        self.on_change = on_change
        self.edit: qualification.BantEdit | None = None

    def do(self) -> None:
        self.edit = qualification.set_bant(self.db, self.contact_id, self.answers, self.notes)
        if not self.edit.changes:
            self.setObsolete(True)
        if self.on_change:
            self.on_change([self.contact_id])

    def undo_it(self) -> None:
        if self.edit is None or not self.edit.changes:
            return
        answers, notes = self.edit.undo_values()
        qualification.set_bant(self.db, self.contact_id, answers, notes)
        if self.on_change:
            self.on_change([self.contact_id])


class SetConsentCommand(UndoableCommand):
    """Record consent to marketing for contacts."""

    def __init__(
        self,
        db: Database,
        contact_ids: Sequence[int],
        state: str,
        how: str | None = None,
        on_change: Changed | None = None,
    ) -> None:
        super().__init__(f"consent of {_who(len(contact_ids))}")
        self.db = db
        self.contact_ids = list(contact_ids)
        self.state = state
        self.how = how
        self.on_change = on_change
        self.edits: list[ConsentEdit] = []

    def do(self) -> None:
        self.edits = consent.set_consent(self.db, self.contact_ids, self.state, how=self.how)
        if not self.edits:
            self.setObsolete(True)
        if self.on_change:
            self.on_change(self.contact_ids)

    def undo_it(self) -> None:
        if self.edits:
            consent.restore_consent(self.db, self.edits)
        if self.on_change:
            self.on_change(self.contact_ids)


class SetNextActionCommand(UndoableCommand):
    """Set or clear the next-action date of contacts."""

    def __init__(
        self,
        db: Database,
        contact_ids: Sequence[int],
        when: datetime | None,
        on_change: Changed | None = None,
    ) -> None:
        super().__init__(f"next action of {_who(len(contact_ids))}")
        self.db = db
        self.contact_ids = list(contact_ids)
        self.when = when
        self.on_change = on_change
        self.old: dict[int, datetime | None] = {}

    def do(self) -> None:
        self.old = followup.set_next_action(self.db, self.contact_ids, self.when)
        if all(v == self.when for v in self.old.values()):
            self.setObsolete(True)
        if self.on_change:
            self.on_change(self.contact_ids)

    def undo_it(self) -> None:
        if self.old:
            followup.restore_next_action(self.db, self.old)
        if self.on_change:
            self.on_change(self.contact_ids)

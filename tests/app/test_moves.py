"""Moving through the lifecycle: one history entry per contact moved, undo marks it."""

from __future__ import annotations

from datetime import datetime

import pytest

from app import contacts, moves, operations
from app.errors import UnknownContact, UnknownStage
from app.operations import NothingToUndo, UndoConflict
from db.engine import Database


def test_move_records_one_change_per_contact(db: Database) -> None:
    created = datetime(2026, 1, 5, 8, 0)
    a = contacts.create_contact(db, first_name="A", at=created)
    b = contacts.create_contact(db, first_name="B", stage="sql", at=created)
    at = datetime(2026, 3, 14, 9, 30)
    result = moves.move_to_stage(db, [a, b], "sql", reason="Asked for a quote", at=at)
    assert result.moved == (a,)
    assert result.unchanged == (b,)
    assert result.from_keys == {a: "suspect"}
    history = moves.history(db, a)
    assert [(h.from_key, h.to_key, h.reason, h.automatic) for h in history] == [
        (None, "suspect", None, False),
        ("suspect", "sql", "Asked for a quote", False),
    ]
    assert history[-1].at == at
    assert contacts.get_contact(db, a).stage_key == "sql"


def test_nothing_is_written_for_an_unknown_stage_or_contact(db: Database) -> None:
    a = contacts.create_contact(db, first_name="A")
    with pytest.raises(UnknownStage, match="valid keys"):
        moves.move_to_stage(db, [a], "won")
    with pytest.raises(UnknownContact):
        moves.move_to_stage(db, [a, 999], "sql")
    assert contacts.get_contact(db, a).stage_key == "suspect"
    assert len(moves.history(db, a)) == 1


def test_undo_restores_the_stage_and_keeps_the_history(db: Database) -> None:
    ids = [contacts.create_contact(db, first_name=n) for n in "ABC"]
    operations.move_contacts(db, ids, "disqualified", reason="No budget")
    undone = operations.undo_operation(db).value
    assert set(undone.contacts) == set(ids)
    for cid in ids:
        assert contacts.get_contact(db, cid).stage_key == "suspect"
        last = moves.history(db, cid)[-1]
        assert (last.to_key, last.reason) == ("disqualified", "No budget")
        assert last.undone_at is not None
    with pytest.raises(NothingToUndo):  # twice changes nothing
        operations.undo_operation(db)


def test_undo_leaves_contacts_that_moved_again(db: Database) -> None:
    cid = contacts.create_contact(db, first_name="A")
    first = operations.move_contacts(db, [cid], "inquiry")
    operations.move_contacts(db, [cid], "mql")
    with pytest.raises(UndoConflict):
        operations.undo_operation(db, first.operation_id)
    assert contacts.get_contact(db, cid).stage_key == "mql"

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


# --- a move's history entries are written once, with their operation ---------------------------


def _stage_change_rows(db: Database, ids: list[int]) -> list[tuple[int, int | None, str | None]]:
    from sqlalchemy import select

    from db.models import StageChange

    with db.session() as s:
        return [
            (int(c), o, who)
            for c, o, who in s.execute(
                select(StageChange.contact_id, StageChange.operation_id, StageChange.changed_by)
                .where(StageChange.contact_id.in_(ids), StageChange.from_stage_id.is_not(None))
                .order_by(StageChange.id)
            )
        ]


def test_a_moves_history_entries_carry_its_operation_from_their_insert(db: Database) -> None:
    """The undo log entry's id is taken before the move, so each history entry is written once,
    operation and mover included (PostgreSQL wrote each twice, and checked its keys again, when
    they were stamped afterwards): no statement of the move updates the history."""
    from sqlalchemy import event

    ids = [contacts.create_contact(db, first_name=n) for n in "ABC"]
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        result = operations.move_contacts(db, ids, "mql")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert [s for s in seen if s.lstrip().upper().startswith("UPDATE STAGE_CHANGES")] == []
    op = result.operation_id
    assert op is not None
    (entry,) = operations.history(db)
    assert entry.id == op and entry.actor
    assert _stage_change_rows(db, ids) == [(i, op, entry.actor) for i in ids]
    # undo and redo find them by it
    operations.undo_operation(db)
    assert {contacts.get_contact(db, i).stage_key for i in ids} == {"suspect"}
    operations.redo_operation(db)
    assert {contacts.get_contact(db, i).stage_key for i in ids} == {"mql"}


def test_moves_made_by_the_moves_hooks_join_its_operation(db: Database) -> None:
    """A contact moved before Inquiry with an inbound signal moves on to Inquiry in the same
    operation (app.scoring): that automatic entry, written by the hook, gets the operation too."""
    a = contacts.create_contact(
        db, stage="nurture", name="Anna", email="anna@acme-maschinen.de",
        received_at=datetime(2026, 1, 5, 9, 30),
    )  # fmt: skip
    result = operations.move_contacts(db, [a], "suspect")
    assert contacts.get_contact(db, a).stage_key == "inquiry"
    rows = _stage_change_rows(db, [a])
    assert len(rows) == 2 and {r[1] for r in rows} == {result.operation_id}
    operations.undo_operation(db)
    assert contacts.get_contact(db, a).stage_key == "nurture"


def test_operation_ids_stay_in_order_when_a_move_moves_nobody(db: Database) -> None:
    """A move that moves nobody logs nothing; the id it took in advance is not handed out twice
    nor out of order (SQLite: not taken at all)."""
    a, b = (contacts.create_contact(db, first_name=n) for n in "AB")
    first = operations.move_contacts(db, [a], "mql").operation_id
    assert operations.move_contacts(db, [a], "mql").operation_id is None
    second = operations.move_contacts(db, [b], "mql").operation_id
    assert first is not None and second is not None and second > first
    if db.engine.dialect.name == "sqlite":
        assert second == first + 1
    assert [e.id for e in operations.history(db)] == [second, first]


# statements a move of one card sends, as the window makes it (operations.move_contacts): on
# PostgreSQL the write lock, the operation's start (its first history id, its log entry's id
# and the stages), the move (the contact locked, its history entry and its row: one statement),
# its moves read back, and the log entry with the log's pruning and the change notice — each a
# round trip to the server (11 before); SQLite's as they were
_MOVE_STATEMENTS = {"postgresql": 5, "sqlite": 11}


def test_a_move_of_one_contact_is_a_few_round_trips(db: Database) -> None:
    from sqlalchemy import event

    a, b = (contacts.create_contact(db, first_name=n) for n in "AB")
    operations.move_contacts(db, [b], "nurture")
    operations.undo_operation(db)  # something to redo, which the move drops
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        result = operations.move_contacts(db, [a], "nurture")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(seen) == _MOVE_STATEMENTS[db.engine.dialect.name], seen
    # all it did, done
    assert result.value.moved == (a,) and result.value.from_keys == {a: "suspect"}
    assert result.label == "move of 1 contact to Nurture"
    assert contacts.get_contact(db, a).stage_key == "nurture"
    assert [(h.from_key, h.to_key) for h in moves.history(db, a)][-1] == ("suspect", "nurture")
    log = operations.history(db, include_undone=True)
    assert [(e.id, e.state) for e in log][:2] == [
        (result.operation_id, "done"),
        (log[1].id, "dropped"),
    ]
    assert result.undo_state.undo is not None and result.undo_state.undo.id == result.operation_id
    assert result.undo_state.redo is None and operations.undo_state(db).redo is None
    with pytest.raises(NothingToUndo):
        operations.redo_operation(db)
    operations.undo_operation(db)
    assert contacts.get_contact(db, a).stage_key == "suspect"
    with pytest.raises(UnknownContact):
        operations.move_contacts(db, [a, 999_999], "mql")
    assert contacts.get_contact(db, a).stage_key == "suspect"
    assert len(moves.history(db, a)) == 2  # its first entry and the undone move, nothing more

"""0027: on PostgreSQL the next-action index holds only the contacts with a next action and the
history's new pages keep room for their undo, so a bulk move and its undo write fewer index
entries; down again the full index and 0022's fill factor. On SQLite it does nothing
(test_migrations upgrades and downgrades it)."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from sqlalchemy import Connection, select, text, update

from app import contacts, operations
from app.contacts import ContactQuery
from app.demo import generate_demo
from app.timeutil import utcnow
from db.engine import Database
from db.models import Contact, Stage
from tests.db.builders import head_or_before_fixtures

MIGRATION = importlib.import_module(
    "db.migrations.versions.0027_postgresql_bulk_moves_fewer_index_entries"
)


# each test on both databases, at the head and taken down to the revision before 0027
backend, database = head_or_before_fixtures(MIGRATION)


def _at_head(conn: Connection) -> bool:
    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return revision != MIGRATION.down_revision


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_the_next_action_index_holds_only_contacts_with_one(database: Database) -> None:
    with database.engine.connect() as conn:
        made = conn.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_contacts_next_action'")
        ).scalar_one()
        options = conn.execute(
            text("SELECT reloptions FROM pg_class WHERE relname = 'stage_changes'")
        ).scalar()
        at_head = _at_head(conn)
    assert made.endswith(f"WHERE ({MIGRATION.NEXT_ACTION_WHERE})") == at_head
    fill = MIGRATION.HISTORY_FILLFACTOR if at_head else 70
    assert f"fillfactor={fill}" in (options or [])


def test_the_queues_find_the_same_contacts(database: Database) -> None:
    """The Today and Overdue queues (next action due) find exactly the contacts with a next
    action due, with the partial index as with the full one; on PostgreSQL the index still
    answers them."""
    generate_demo(database, 300, seed=4)
    now = utcnow()
    with database.session() as s:
        ids = list(s.scalars(select(Contact.id).order_by(Contact.id)))
        s.execute(update(Contact).values(next_action_at=None))
        s.execute(
            update(Contact)
            .where(Contact.id.in_(ids[:40]))
            .values(next_action_at=now - timedelta(days=3))
        )
        s.execute(
            update(Contact)
            .where(Contact.id.in_(ids[40:60]))
            .values(next_action_at=now + timedelta(days=30))
        )
    overdue = set(contacts.query_ids(database, ContactQuery(queue="overdue"), 0, 1000))
    today = set(contacts.query_ids(database, ContactQuery(queue="today"), 0, 1000))
    assert set(ids[:40]) <= overdue
    assert today == set(ids[:40])
    if database.is_sqlite:
        return
    with database.engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(
            conn.execute(
                text(
                    "EXPLAIN SELECT id FROM contacts"
                    " WHERE next_action_at IS NOT NULL AND next_action_at < :t"
                ),
                {"t": now},
            ).scalars()
        )
    assert "ix_contacts_next_action" in plan


def _pages(conn: Connection, operation_id: int) -> dict[int, int]:
    """Each history entry of the operation: its page (PostgreSQL's ctid)."""
    rows = conn.execute(
        text("SELECT id, ctid::text FROM stage_changes WHERE operation_id = :op"),
        {"op": operation_id},
    )
    return {int(i): int(str(ctid).strip("()").split(",")[0]) for i, ctid in rows}


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_undoing_a_bulk_move_leaves_its_history_on_its_pages(database: Database) -> None:
    """A bulk move's history entries, then its undo and redo: at the head most entries marked
    undone (and live again) stay on their pages (HOT: no entry in the history's indexes);
    before, with pages 70 % full, most of them moved to other pages."""
    generate_demo(database, 1500, seed=5)
    with database.session() as s:
        target = s.scalar(select(Stage.id).where(Stage.key == "disqualified"))
        ids = list(s.scalars(select(Contact.id).where(Contact.stage_id != target)))
    moved = operations.move_contacts(database, ids, "disqualified")
    assert moved.operation_id is not None
    with database.engine.connect() as conn:
        written = _pages(conn, moved.operation_id)
        at_head = _at_head(conn)
    assert len(written) == len(ids) > 1000
    operations.undo_operation(database)
    with database.engine.connect() as conn:
        undone = _pages(conn, moved.operation_id)
    operations.redo_operation(database)
    with database.engine.connect() as conn:
        after = _pages(conn, moved.operation_id)
    # on its page after the undo (measured: 86 % at the head, 39 % before) and still after the
    # redo (which finds the undo's old versions pruned)
    stayed = sum(written[i] == undone[i] == after[i] for i in written)
    if at_head:
        assert stayed >= 0.75 * len(written)
    else:
        assert stayed <= 0.6 * len(written)
    with database.session() as s:  # undone and done again: where the move took them
        assert set(s.scalars(select(Contact.stage_id).where(Contact.id.in_(ids)))) == {target}

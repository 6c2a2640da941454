"""0029: on PostgreSQL the contacts' stage is checked once per statement that sets it (triggers)
instead of a foreign key checked row by row; whatever the key refused is refused still, on both
databases, at the head and taken down to the revision before (the key again)."""

from __future__ import annotations

import importlib

import pytest
from alembic import command
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app import contacts, operations
from app.contacts import ContactQuery
from app.stages import add_stage
from db.engine import Database, open_database
from db.migrate import alembic_config
from tests.db.builders import head_or_before_fixtures

MIGRATION = importlib.import_module(
    "db.migrations.versions.0029_postgresql_contacts_stage_per_statement"
)


# each test on both databases, at the head and taken down to the revision before 0029
backend, database = head_or_before_fixtures(MIGRATION)


def _revision(conn: Connection) -> str:
    return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar())


def _foreign_keys(conn: Connection) -> set[str]:
    rows = conn.execute(
        text(
            "SELECT conname FROM pg_constraint WHERE contype = 'f'"
            " AND conrelid = 'contacts'::regclass"
        )
    )
    return {str(r[0]) for r in rows}


def _triggers(conn: Connection) -> set[str]:
    rows = conn.execute(
        text(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
            " AND tgrelid IN ('contacts'::regclass, 'stages'::regclass)"
        )
    )
    return {str(r[0]) for r in rows}


def test_key_or_triggers_per_database_and_revision(database: Database) -> None:
    with database.engine.connect() as conn:
        if conn.dialect.name != "postgresql":
            return
        mine = {f"{MIGRATION.CHECK}_ins", f"{MIGRATION.CHECK}_upd", MIGRATION.GUARD}
        if _revision(conn) == MIGRATION.down_revision:
            assert MIGRATION.KEPT in _foreign_keys(conn)
            assert not mine & _triggers(conn)
        else:
            assert MIGRATION.KEPT not in _foreign_keys(conn)
            assert mine <= _triggers(conn)
            # the import batch's key stays a foreign key
            assert "fk_contacts_import_batch_id_import_batches" in _foreign_keys(conn)


def _missing_stage(conn: Connection) -> int:
    return int(conn.execute(text("SELECT max(id) + 100 FROM stages")).scalar_one())


def _stages(conn: Connection) -> dict[int, int]:
    rows = conn.execute(text("SELECT id, stage_id FROM contacts"))
    return {int(i): int(stage) for i, stage in rows}


def test_a_contact_in_no_stage_is_refused(database: Database) -> None:
    ids = [contacts.create_contact(database, name=f"C{i}") for i in range(3)]
    with database.engine.connect() as conn:
        missing = _missing_stage(conn)
        before = _stages(conn)
    # an update that sets one contact of three to no stage fails whole
    with pytest.raises(IntegrityError) as refused, database.engine.begin() as conn:
        conn.execute(
            text("UPDATE contacts SET stage_id = CASE WHEN id = :one THEN :m ELSE stage_id END"),
            {"one": ids[1], "m": missing},
        )
    if database.engine.dialect.name == "postgresql":
        assert getattr(refused.value.orig, "sqlstate", None) == "23503"
        assert MIGRATION.KEPT in str(refused.value)
    with database.engine.connect() as conn:
        assert _stages(conn) == before
    # a new contact in no stage is refused too (beside one in a real stage: none goes in)
    with pytest.raises(IntegrityError), database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO contacts (name, sort_name, stage_id, created_at)"
                " SELECT 'X', 'x', stage_id, created_at FROM contacts WHERE id = :a"
                " UNION ALL SELECT 'Y', 'y', :m, created_at FROM contacts WHERE id = :a"
            ),
            {"a": ids[0], "m": missing},
        )
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM contacts")).scalar() == 3
    # moves to real stages go on, and their undo and redo
    operations.move_contacts(database, ids, "mql")
    operations.undo_operation(database)
    operations.redo_operation(database)
    assert contacts.count(database, ContactQuery(stage_keys=("mql",))) == 3


def test_a_stage_a_contact_is_in_is_not_deleted(database: Database) -> None:
    add_stage(database, "spare", "Spare")
    add_stage(database, "unused", "Unused")
    ids = [contacts.create_contact(database, name=f"C{i}") for i in range(5)]
    operations.move_contacts(database, ids, "spare")
    with database.engine.begin() as conn:  # the history's moves to Spare go (not this test's)
        conn.execute(text("DELETE FROM stage_changes WHERE from_stage_id IS NOT NULL"))
    with pytest.raises(IntegrityError) as refused, database.engine.begin() as conn:
        conn.execute(text("DELETE FROM stages WHERE key = 'spare'"))
    if database.engine.dialect.name == "postgresql":
        assert getattr(refused.value.orig, "sqlstate", None) == "23503"
    with pytest.raises(IntegrityError), database.engine.begin() as conn:
        conn.execute(text("UPDATE stages SET id = id + 1000 WHERE key = 'spare'"))
    with database.engine.begin() as conn:  # renamed: still the same stage
        conn.execute(text("UPDATE stages SET name = 'Spare room' WHERE key = 'spare'"))
        # a stage no contact is in goes
        conn.execute(text("DELETE FROM stages WHERE key = 'unused'"))
    assert contacts.count(database, ContactQuery(stage_keys=("spare",))) == 5


def test_a_stage_a_contact_is_moving_to_waits_for_the_move(backend: str, db_url: str) -> None:
    """As the foreign key's check, the trigger locks each stage (``FOR KEY SHARE``): while a
    transaction that moved a contact into a stage is open, another cannot delete that stage.
    An update that sets no stage (a new score, a name) locks none."""
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    db = open_database(db_url)
    try:
        add_stage(db, "spare", "Spare")
        cid = contacts.create_contact(db, name="Ada")
        with db.engine.connect() as writer, db.engine.connect() as other:
            other.execute(text("SET lock_timeout = '300ms'"))
            writer.execute(text("UPDATE contacts SET name = 'Ada L' WHERE id = :c"), {"c": cid})
            # nothing locked by an update that leaves the stage out of its SET
            other.execute(text("SELECT id FROM stages FOR UPDATE"))
            other.rollback()  # (the lock timeout with it: set again)
            other.execute(text("SET lock_timeout = '300ms'"))
            spare = writer.execute(text("SELECT id FROM stages WHERE key = 'spare'")).scalar()
            writer.execute(
                text("UPDATE contacts SET stage_id = :s WHERE id = :c"), {"s": spare, "c": cid}
            )
            with pytest.raises(DBAPIError, match="lock timeout"):
                other.execute(text("DELETE FROM stages WHERE key = 'spare'"))
            other.rollback()
            writer.rollback()
            # with the move gone, the stage can go
            other.execute(text("DELETE FROM stages WHERE key = 'spare'"))
            other.commit()
    finally:
        db.close()


def test_upgrade_keeps_the_contacts(backend: str, db_url: str) -> None:
    """Down to 0028 (the key back, checked against the rows there) and up again with moved
    contacts: nothing is lost and the check holds after."""
    db = open_database(db_url)
    try:
        ids = [contacts.create_contact(db, name=f"C{i}") for i in range(20)]
        operations.move_contacts(db, ids, "mql")
        operations.undo_operation(db)
        config = alembic_config(db.engine)
        command.downgrade(config, MIGRATION.down_revision)
        command.upgrade(config, "head")
        with db.engine.connect() as conn:
            missing = _missing_stage(conn)
        operations.redo_operation(db)
        assert contacts.count(db, ContactQuery(stage_keys=("mql",))) == 20
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text("UPDATE contacts SET stage_id = :m"), {"m": missing})
    finally:
        db.close()

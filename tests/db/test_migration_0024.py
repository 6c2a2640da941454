"""0024: on PostgreSQL the history's stages are checked once per statement by triggers instead of
two foreign keys checked row by row; whatever the keys refused is refused still, on both
databases, at the head and taken down to the revision before (the keys again)."""

from __future__ import annotations

import importlib
from typing import cast

import pytest
from alembic import command
from sqlalchemy import Connection, Table, insert, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app import contacts, operations
from app.contacts import ContactQuery
from app.stages import add_stage
from app.timeutil import utcnow
from db.engine import Database, open_database
from db.migrate import alembic_config
from db.models import StageChange
from tests.db.builders import head_or_before_fixtures

MIGRATION = importlib.import_module(
    "db.migrations.versions.0024_postgresql_history_stages_per_statement"
)


# each test on both databases, at the head and taken down to the revision before 0024
backend, database = head_or_before_fixtures(MIGRATION)


def _revision(conn: Connection) -> str:
    return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar())


def _foreign_keys(conn: Connection) -> set[str]:
    rows = conn.execute(
        text(
            "SELECT conname FROM pg_constraint WHERE contype = 'f'"
            " AND conrelid = 'stage_changes'::regclass"
        )
    )
    return {str(r[0]) for r in rows}


def _triggers(conn: Connection) -> set[str]:
    rows = conn.execute(
        text(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
            " AND tgrelid IN ('stage_changes'::regclass, 'stages'::regclass)"
        )
    )
    return {str(r[0]) for r in rows}


def test_keys_or_triggers_per_database_and_revision(database: Database) -> None:
    with database.engine.connect() as conn:
        if conn.dialect.name != "postgresql":
            return
        mine = {f"{MIGRATION.CHECK}_ins", f"{MIGRATION.CHECK}_upd", MIGRATION.GUARD}
        if _revision(conn) == MIGRATION.down_revision:
            assert set(MIGRATION.KEPT) <= _foreign_keys(conn)
            assert not mine & _triggers(conn)
        else:
            assert not set(MIGRATION.KEPT) & _foreign_keys(conn)
            assert mine <= _triggers(conn)
            # the contact's key stays a foreign key
            assert "fk_stage_changes_contact_id_contacts" in _foreign_keys(conn)


def _first_contact(database: Database) -> int:
    return contacts.create_contact(database, name="Ada")


def _missing_stage(conn: Connection) -> int:
    return int(conn.execute(text("SELECT max(id) + 100 FROM stages")).scalar_one())


@pytest.mark.parametrize("column", ["to_stage_id", "from_stage_id"])
def test_history_naming_no_stage_is_refused(database: Database, column: str) -> None:
    cid = _first_contact(database)
    with database.engine.connect() as conn:
        missing = _missing_stage(conn)
        real = int(conn.execute(text("SELECT min(id) FROM stages")).scalar_one())
    values = {"to_stage_id": real, "from_stage_id": real, column: missing}
    history = cast(Table, StageChange.__table__)
    good = {"contact_id": cid, "from_stage_id": real, "to_stage_id": real, "at": utcnow()}
    with pytest.raises(IntegrityError) as refused, database.engine.begin() as conn:
        # beside a good row: the one statement fails whole
        conn.execute(insert(history).values([good, {**good, **values}]))
    if database.engine.dialect.name == "postgresql":
        assert getattr(refused.value.orig, "sqlstate", None) == "23503"
        assert f"fk_stage_changes_{column}_stages" in str(refused.value)
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM stage_changes")).scalar() == 1
    # an update that names no stage is refused too; one that names a real one is not
    with database.engine.begin() as conn:
        conn.execute(insert(history).values(good))
    with pytest.raises(IntegrityError), database.engine.begin() as conn:
        conn.execute(text(f"UPDATE stage_changes SET {column} = :m"), {"m": missing})
    with database.engine.begin() as conn:
        conn.execute(text(f"UPDATE stage_changes SET {column} = :r"), {"r": real})


def test_a_stage_history_names_is_not_deleted(database: Database) -> None:
    add_stage(database, "spare", "Spare")
    add_stage(database, "unused", "Unused")
    ids = [contacts.create_contact(database, name=f"C{i}") for i in range(5)]
    operations.move_contacts(database, ids, "spare")
    operations.move_contacts(database, ids, "mql")  # no contact is in Spare any more
    assert not contacts.count(database, ContactQuery(stage_keys=("spare",)))
    with pytest.raises(IntegrityError), database.engine.begin() as conn:
        conn.execute(text("DELETE FROM stages WHERE key = 'spare'"))
    with pytest.raises(IntegrityError), database.engine.begin() as conn:
        conn.execute(text("UPDATE stages SET id = id + 1000 WHERE key = 'spare'"))
    with database.engine.begin() as conn:  # renamed: still the same stage
        conn.execute(text("UPDATE stages SET name = 'Spare room' WHERE key = 'spare'"))
        # a stage nothing names goes
        conn.execute(text("DELETE FROM stages WHERE key = 'unused'"))
    # and moves, their undo and redo still work on the history
    operations.undo_operation(database)
    operations.redo_operation(database)
    assert contacts.count(database, ContactQuery(stage_keys=("mql",))) == 5


def test_a_stage_named_by_an_unfinished_move_waits_for_it(backend: str, db_url: str) -> None:
    """As a foreign key's check, the triggers lock each stage named (``FOR KEY SHARE``): while
    a transaction that wrote history naming it is open, another cannot delete that stage."""
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    db = open_database(db_url)
    try:
        add_stage(db, "spare", "Spare")
        cid = _first_contact(db)
        with db.engine.connect() as writer, db.engine.connect() as other:
            spare = writer.execute(text("SELECT id FROM stages WHERE key = 'spare'")).scalar()
            writer.execute(
                insert(cast(Table, StageChange.__table__)).values(
                    contact_id=cid, to_stage_id=spare, at=utcnow()
                )
            )
            other.execute(text("SET lock_timeout = '300ms'"))
            with pytest.raises(DBAPIError, match="lock timeout"):
                other.execute(text("DELETE FROM stages WHERE key = 'spare'"))
            other.rollback()
            writer.rollback()
            # with the history gone, the stage can go
            other.execute(text("DELETE FROM stages WHERE key = 'spare'"))
            other.commit()
    finally:
        db.close()


def test_upgrade_keeps_the_history(backend: str, db_url: str) -> None:
    """Down to 0023 (the keys back, checked against the rows there) and up again with moves in
    the history: nothing is lost and the checks hold after."""
    db = open_database(db_url)
    try:
        ids = [contacts.create_contact(db, name=f"C{i}") for i in range(20)]
        operations.move_contacts(db, ids, "mql")
        operations.undo_operation(db)
        config = alembic_config(db.engine)
        command.downgrade(config, MIGRATION.down_revision)
        command.upgrade(config, "head")
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT count(*) FROM stage_changes")).scalar()
            assert rows == 40  # each contact's creation and its move (undone)
            missing = _missing_stage(conn)
        operations.redo_operation(db)
        assert contacts.count(db, ContactQuery(stage_keys=("mql",))) == 20
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text("UPDATE stage_changes SET to_stage_id = :m"), {"m": missing})
    finally:
        db.close()

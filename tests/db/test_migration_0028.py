"""0028: on PostgreSQL the number of contacts is kept current (``contacts_total``) and the list's
unfiltered count reads it instead of counting every contact; down again it is counted. On
SQLite it does nothing (test_migrations upgrades and downgrades it)."""

from __future__ import annotations

import importlib

import pytest
from sqlalchemy import event, func, select, text

from app import contacts, operations
from app.contacts import ContactQuery
from app.demo import generate_demo
from db.engine import Database, open_database
from db.models import Contact
from tests.db.builders import head_or_before_fixtures

MIGRATION = importlib.import_module("db.migrations.versions.0028_postgresql_contacts_total")


# each test on both databases, at the head and taken down to the revision before 0028
backend, database = head_or_before_fixtures(MIGRATION)


def _counted(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Contact)) or 0)


def _kept(db: Database) -> int | None:
    if db.is_sqlite:
        return None
    with db.engine.connect() as conn:
        if not conn.execute(text("SELECT to_regclass('contacts_total') IS NOT NULL")).scalar():
            return None
        return int(
            conn.execute(text("SELECT coalesce(sum(n), 0) FROM contacts_total")).scalar_one()
        )


def test_the_count_follows_every_way_contacts_come_and_go(database: Database) -> None:
    """The list's count is the number of contacts after the demo's bulk insert, new contacts,
    deletions and their undo; on PostgreSQL at the head the kept number is too, and many small
    writes (added up into one row now and then) leave it right."""
    at_head = not database.is_sqlite and _kept(database) is not None
    generate_demo(database, 250, seed=6)
    assert contacts.count(database, ContactQuery()) == _counted(database) == 250
    made = [
        operations.create_contact(database, name=f"Person {i}", email=f"p{i}@example.org").value
        for i in range(MIGRATION.COMPACT_ABOVE + 4)
    ]
    assert contacts.count(database, ContactQuery()) == _counted(database) == 250 + len(made)
    with database.session() as s:
        doomed = list(s.scalars(select(Contact.id).order_by(Contact.id).limit(30)))
    operations.delete_contacts(database, doomed)
    assert contacts.count(database, ContactQuery()) == _counted(database) == 220 + len(made)
    operations.undo_operation(database)
    for cid in made[:5]:
        operations.delete_contacts(database, [cid])
    total = _counted(database)
    assert total == 245 + len(made)
    assert contacts.count(database, ContactQuery(sort="name", descending=False)) == total
    if at_head:
        assert _kept(database) == total
        with database.engine.connect() as conn:  # added up as it went: a few rows, not 30
            rows = conn.execute(text("SELECT count(*) FROM contacts_total")).scalar()
        assert rows is not None and rows <= MIGRATION.COMPACT_ABOVE + 1
    else:
        assert _kept(database) is None


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_the_list_s_count_reads_no_contact(database: Database, db_url: str) -> None:
    """After opening, the unfiltered list's count reads the kept number at the head, never
    every contact; before 0028 (no number kept) it counts them, with the same answer."""
    generate_demo(database, 120, seed=7)
    at_head = _kept(database) is not None
    db = open_database(db_url, migrate=False)  # as the window opens it: a new engine
    seen: list[str] = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    try:
        assert contacts.count(db, ContactQuery()) == 120
        filtered = contacts.count(db, ContactQuery(stage_keys=("suspect",)))
    finally:
        db.close()
    counted = [q for q in seen if q.startswith("SELECT count(*)") and "contacts" in q]
    assert (counted == []) == at_head, seen
    assert 0 <= filtered <= 120


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_writer_s_uncommitted_contacts_are_not_counted_by_others(
    database: Database, db_url: str
) -> None:
    """Another transaction's contacts count once it commits, not before, and neither waits
    for the other (as ``count(*)`` would see them); a rollback leaves the number as it was."""
    generate_demo(database, 50, seed=8)
    with database.engine.begin() as conn:  # a write that waited for the other would fail
        name = conn.execute(text("SELECT current_database()")).scalar_one()
        conn.execute(text(f"ALTER DATABASE {name} SET lock_timeout = '5s'"))
    database.engine.dispose()
    other = open_database(db_url, migrate=False)
    expected = 50
    try:
        for outcome in ("rollback", "commit"):
            with other.engine.connect() as conn:
                conn.execute(text("SET lock_timeout = '2s'"))
                conn.execute(
                    text(
                        "INSERT INTO contacts (name, sort_name, stage_id, created_at, consent,"
                        " sales_ready) SELECT name || ' again', sort_name, stage_id, created_at,"
                        " consent, sales_ready FROM contacts ORDER BY id LIMIT 7"
                    )
                )
                assert contacts.count(database, ContactQuery()) == expected
                made = operations.create_contact(database, name=f"Meanwhile {outcome}")
                assert made.value
                getattr(conn, outcome)()
            expected += 1 + (7 if outcome == "commit" else 0)
            assert contacts.count(database, ContactQuery()) == _counted(database) == expected
    finally:
        other.close()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_emptying_the_contacts_leaves_none_counted(database: Database) -> None:
    generate_demo(database, 40, seed=9)
    with database.engine.begin() as conn:
        conn.execute(text("TRUNCATE contacts CASCADE"))
    assert contacts.count(database, ContactQuery()) == _counted(database) == 0

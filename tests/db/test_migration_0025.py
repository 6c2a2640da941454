"""0025 (PostgreSQL): each search document carries its contact's date added; up fills the dates
of the documents there are (contacts written at 0024 included), down leaves the documents as
0015 made them, kept by its triggers. On SQLite nothing changes."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, text

from app import contacts
from app.contacts import ContactQuery
from db.engine import Database, open_database
from db.migrate import alembic_config, current_revision, head_revision
from tests.postgres_cluster import Cluster

MIGRATION = importlib.import_module("db.migrations.versions.0025_postgresql_search_documents_dated")
PEOPLE = (
    dict(first_name="Jürgen", last_name="Weißmann", email="jw@kessler.de", title="Buyer"),
    dict(first_name="Françoise", last_name="Lefèvre", email="fl@gmail.com", title="Chief buyer"),
    dict(first_name="Ayşe", last_name="Öztürk", company="Öztürk Makine", title="Buyer"),
)


@pytest.fixture
def team(postgresql_cluster: Cluster) -> Iterator[Database]:
    url = postgresql_cluster.new_database()
    db = open_database(url)
    for n, person in enumerate(PEOPLE):
        contacts.create_contact(db, at=datetime(2026, 1, 1 + n), **person)  # type: ignore[arg-type]
    yield db
    db.close()
    postgresql_cluster.drop_database(url)


def _columns(conn: Connection) -> list[str]:
    rows = conn.execute(
        text(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = 'contact_search' ORDER BY ordinal_position"
        )
    )
    return [str(r[0]) for r in rows]


def _indexes(conn: Connection) -> set[str]:
    rows = conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'contact_search'"))
    return {str(r[0]) for r in rows}


def _dates(conn: Connection) -> dict[int, tuple[object, object]]:
    rows = conn.execute(
        text(
            "SELECT c.id, c.created_at, s.created_at FROM contacts c"
            " JOIN contact_search s ON s.contact_id = c.id"
        )
    )
    return {int(r[0]): (r[1], r[2]) for r in rows}


def test_down_leaves_the_documents_undated_and_up_dates_them(team: Database) -> None:
    with team.engine.connect() as conn:
        assert _columns(conn) == ["contact_id", "document", "created_at"]
        assert "ix_contact_search_created" in _indexes(conn)
        assert all(c == s for c, s in _dates(conn).values()) and len(_dates(conn)) == 3
    command.downgrade(alembic_config(team.engine), MIGRATION.down_revision)
    with team.engine.connect() as conn:
        assert _columns(conn) == ["contact_id", "document"]
        assert _indexes(conn) == {"contact_search_pkey", "ix_contact_search_document"}
    # 0015's triggers keep the documents at 0024: a new contact, an edit, a change of date
    added = contacts.create_contact(
        team, name="Zoë Quaxlèy", title="Buyer", at=datetime(2026, 2, 2)
    )
    contacts.update_contact(team, added, company="Quaxlèy SAS")
    with team.engine.begin() as conn:
        conn.execute(text("UPDATE contacts SET created_at = '2025-12-31' WHERE id = :i"), {"i": 1})
    command.upgrade(alembic_config(team.engine), "head")
    assert current_revision(team.engine) == head_revision()
    with team.engine.connect() as conn:
        dates = _dates(conn)
        assert _indexes(conn) == {
            "contact_search_pkey",
            "ix_contact_search_document",
            "ix_contact_search_created",
        }
        count = conn.execute(text("SELECT count(*) FROM contact_search")).scalar()
    assert count == 4 and set(dates) == {1, 2, 3, added}
    assert all(c == s for c, s in dates.values()), dates
    assert dates[1][1] == datetime(2025, 12, 31)
    # the search finds by the documents again, newest first
    assert contacts.query_ids(team, ContactQuery(search="quaxley sas")) == [added]
    assert contacts.query_ids(team, ContactQuery(search="buyer")) == [added, 3, 2, 1]
    backwards = ContactQuery(search="buyer", descending=False)
    assert contacts.query_ids(team, backwards) == [1, 2, 3, added]


def test_nothing_changes_on_sqlite(tmp_path: Path) -> None:
    db = open_database(tmp_path / "w.sqlite")
    try:
        contacts.create_contact(db, **PEOPLE[0])  # type: ignore[arg-type]
        command.downgrade(alembic_config(db.engine), MIGRATION.down_revision)
        with db.engine.connect() as conn:
            before = conn.exec_driver_sql("SELECT type, name, sql FROM sqlite_master").all()
        command.upgrade(alembic_config(db.engine), "0025")
        with db.engine.connect() as conn:
            after = conn.exec_driver_sql("SELECT type, name, sql FROM sqlite_master").all()
        assert sorted(after) == sorted(before)
        command.upgrade(alembic_config(db.engine), "head")
        assert contacts.query_ids(db, ContactQuery(search="jurgen")) == [1]
    finally:
        db.close()

"""0018: the full-text index with prefix tables for one and two letters (not two and three)
and without column sizes finds what it found before (down to 0017 and up again, on SQLite and
PostgreSQL); ``ix_contacts_batch`` holds only contacts an import made and still serves a
batch's query; a search sorted by name reads its matches' keys in ``ix_contacts_id_name``, and
only such a search."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from alembic import command
from sqlalchemy import event, inspect, select, text, update

from app import contacts, paging, search, search_documents
from app.contacts import ContactQuery, query_ids
from app.demo import generate_demo
from db.engine import Database, open_database
from db.migrate import alembic_config, current_revision, head_revision
from db.models import Contact, ImportBatch

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
NOW = datetime(2026, 11, 20, 9, 30, 7)
SEARCHES = ("jü", "jür", "jürgen m", "gm", "gmail", "kessler", "lefev", "ma", "van d", "plant m")
SORTS = ("name", "created", "company")


def _found(db: Database) -> dict[tuple[str, str], list[int]]:
    return {
        (typed, sort): query_ids(db, ContactQuery(search=typed, sort=sort))
        for typed in SEARCHES
        for sort in SORTS
    }


def _indexes(db: Database) -> dict[str, list[str]]:
    with db.engine.connect() as conn:
        return {
            i["name"]: [str(c) for c in i["column_names"]]
            for i in inspect(conn).get_indexes("contacts")
            if i["name"]
        }


def _fts_sql(db: Database) -> str:
    with db.engine.connect() as conn:
        return str(
            conn.exec_driver_sql(
                "SELECT sql FROM sqlite_schema WHERE name = 'contacts_fts'"
            ).scalar_one()
        )


def _batch_index_sql(db: Database) -> str:
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            sql = "SELECT sql FROM sqlite_schema WHERE name = 'ix_contacts_batch'"
        else:
            sql = "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_contacts_batch'"
        return str(conn.exec_driver_sql(sql).scalar_one())


@BOTH
def test_down_and_up_again_the_searches_find_the_same(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_demo(db, 300, seed=5, now=NOW)
    with db.write_session() as s:  # a few contacts of an import, the batch index's own
        batch = ImportBatch(source="file", created_at=NOW)
        s.add(batch)
        s.flush()
        ids = list(s.scalars(select(Contact.id).order_by(Contact.id).limit(7)))
        s.execute(update(Contact).where(Contact.id.in_(ids)).values(import_batch_id=batch.id))
        batch_id = batch.id
    found = _found(db)
    assert any(found.values())
    head = _indexes(db)
    if db.is_sqlite:
        assert head["ix_contacts_id_name"] == ["id", "sort_name"]
    else:  # nothing reads it there: not made
        assert "ix_contacts_id_name" not in head
    assert "IS NOT NULL" in _batch_index_sql(db)

    command.downgrade(alembic_config(db.engine), "0017")
    old = open_database(db.url, migrate=False)  # the code on a file of 0017, as it is
    try:
        assert "ix_contacts_id_name" not in _indexes(old)
        assert "IS NOT NULL" not in _batch_index_sql(old)
        if old.engine.dialect.name == "sqlite":
            assert "prefix='2 3'" in _fts_sql(old)
        with monkeypatch.context() as m:  # PostgreSQL's documents have no dates before 0025:
            m.setattr(search_documents, "usable", lambda *_a: False)  # the contacts' path
            assert _found(old) == found
    finally:
        old.close()

    command.upgrade(alembic_config(db.engine), "head")
    assert current_revision(db.engine) == head_revision()
    assert _indexes(db) == head
    assert _found(db) == found
    assert sorted(query_ids(db, ContactQuery(batch_id=batch_id))) == ids
    # the index follows edits still (the triggers of 0009 and 0015 name the table only)
    contacts.update_contact(db, ids[0], company="Zyxwvut Hydraulik GmbH")
    assert query_ids(db, ContactQuery(search="zyxw")) == [ids[0]]
    assert query_ids(db, ContactQuery(search="zyx hydr")) == [ids[0]]


@pytest.mark.sqlite_only
def test_the_full_text_index_is_leaner_and_whole(db: Database) -> None:
    generate_demo(db, 200, seed=2, now=NOW)
    sql = _fts_sql(db)
    # (0020 added the tables of three to six letters and left out the words' places)
    assert "prefix='1 2 3 4 5 6'" in sql and "columnsize=0" in sql and "detail=none" in sql
    with db.engine.begin() as conn:
        tables = set(
            conn.exec_driver_sql("SELECT name FROM sqlite_schema WHERE name LIKE 'contacts_fts%'")
            .scalars()
            .all()
        )
        assert "contacts_fts_docsize" not in tables
        # FTS5 compares every entry with the contacts' own columns; raises on a difference
        conn.exec_driver_sql(
            "INSERT INTO contacts_fts(contacts_fts, rank) VALUES ('integrity-check', 1)"
        )


def _statements(db: Database, read: Any) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def grab(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        read()
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)
    return seen


def _plans(db: Database, statements: list[tuple[str, Any]], word: str) -> list[str]:
    with db.engine.connect() as conn:
        return [
            " / ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + s, p))
            for s, p in statements
            if word in s
        ]


@pytest.mark.sqlite_only
def test_a_search_sorted_by_name_reads_its_keys_in_the_index(db: Database) -> None:
    generate_demo(db, 300, seed=4, now=NOW)
    q = ContactQuery(search="jü", sort="name")
    with search.forced(search.SORT):
        sorted_keys = paging.keys_between(db, q, limit=40)
        statements = _statements(db, lambda: paging.keys_between(db, q, limit=40))
    (plan,) = _plans(db, statements, "MATCH")
    assert "COVERING INDEX ix_contacts_id_name" in plan
    with search.forced(search.WALK):  # the same page, read by walking the name index
        assert paging.keys_between(db, q, limit=40) == sorted_keys
    assert query_ids(db, q) == [k.id for k in paging.keys_between(db, q)]

    # any other filter, or another order: the rows, as before
    for other in (
        ContactQuery(search="jü", sort="company"),
        q.__class__(search="jü", sort="name", stage_keys=("inquiry",)),
    ):
        with search.forced(search.SORT):
            statements = _statements(db, lambda o=other: paging.keys_between(db, o, limit=40))
        assert all("ix_contacts_id_name" not in p for p in _plans(db, statements, "MATCH"))


@pytest.mark.sqlite_only
def test_a_batch_is_read_through_its_partial_index(db: Database) -> None:
    statements = _statements(db, lambda: query_ids(db, ContactQuery(batch_id=3)))
    (plan,) = _plans(db, statements, "import_batch_id")
    assert "ix_contacts_batch" in plan
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM contacts")).scalar() == 0

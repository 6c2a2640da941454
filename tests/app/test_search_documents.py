"""PostgreSQL: a search sorted by date added is read from the search documents alone
(app.search_documents, migration 0025), and gives the pages the contacts give; every way of
writing contacts keeps each document's date the contact's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from app import contacts, operations, paging, search, search_documents
from app.contacts import ContactQuery
from app.paging import Key
from app.timeutil import utcnow
from db.engine import Database, open_database
from db.models import Contact, ImportBatch
from tests.app.test_search import _statements


@pytest.fixture
def backend() -> str:
    return "postgresql"  # the documents are PostgreSQL's (SQLite's full-text index has none)


@contextmanager
def _through_the_contacts() -> Iterator[None]:
    """Every page read as before migration 0025: the matches looked up in the contacts."""
    usable = search_documents.usable
    search_documents.usable = lambda s, q: False  # type: ignore[assignment]
    try:
        yield
    finally:
        search_documents.usable = usable  # type: ignore[assignment]


def _undated(db: Database) -> list[tuple[object, ...]]:
    """Contacts without their document, documents without their contact, and dates that
    differ: none while the triggers keep the documents."""
    with db.engine.connect() as conn:
        return list(
            conn.exec_driver_sql(
                "SELECT c.id, s.contact_id, c.created_at, s.created_at FROM contacts c"
                " FULL JOIN contact_search s ON s.contact_id = c.id"
                " WHERE c.id IS NULL OR s.contact_id IS NULL OR c.created_at <> s.created_at"
            ).all()
        )


TYPED = ("a", "m", "gm", "kessler", "plant ma", "zzz", "ö")


def _pages(db: Database, q: ContactQuery) -> tuple[object, ...]:
    first = paging.keys_between(db, q, limit=9)
    second = paging.keys_between(db, q, after=first[-1], limit=9) if first else []
    middle: list[Key] = []
    if len(first) > 4 and second:
        skip = [first[3].id, second[0].id]
        middle = paging.keys_between(db, q, after=first[1], through=second[-1], exclude=skip)
    return (
        first,
        second,
        middle,
        contacts.query_ids(db, q, 0, 12),
        contacts.query_ids(db, q, 5, 7),
        contacts.query_ids(db, q),
    )


def test_the_documents_give_the_pages_the_contacts_give(demo_db: Database) -> None:
    """The same ids and keys, page after page, newest or oldest first, in either plan, as the
    contacts give; dates shared by several contacts are ordered by id as there."""
    with demo_db.session() as s:  # dates shared by several contacts
        s.execute(
            update(Contact)
            .where(Contact.id % 7 == 0)
            .values(created_at=datetime(2026, 5, 4, 3, 2, 1))
        )
    for typed in TYPED:
        for descending in (True, False):
            q = ContactQuery(search=typed, sort="created", descending=descending)
            with _through_the_contacts():
                expected = _pages(demo_db, q)
            assert _pages(demo_db, q) == expected, (typed, descending)
            for strategy in (search.SORT, search.WALK):
                with search.forced(strategy):
                    assert _pages(demo_db, q) == expected, (typed, descending, strategy)
    assert len(contacts.query_ids(demo_db, ContactQuery(search="a"))) > 50


def test_a_search_by_date_added_reads_no_contact(demo_db: Database) -> None:
    """Sorted by date added, a search alone reads the documents, in the plan chosen (SORT
    gathers the matches first, WALK leaves the planner to walk the date index); with another
    filter or sort, or while an import is running, it reads the contacts."""
    for strategy in (search.SORT, search.WALK):
        for q in (ContactQuery(search="gm"), ContactQuery(search="gm", descending=False)):
            with _statements(demo_db) as seen, search.forced(strategy):
                paging.keys_between(demo_db, q, limit=10)
                contacts.query_ids(demo_db, q, 0, 10)
            read = [s for s in seen if "contact_search" in s]
            assert len(read) == 2, seen
            assert not any(re.search(r"\bcontacts\b", s) for s in read), read
            assert all(("MATERIALIZED" in s) == (strategy == search.SORT) for s in read), read
    for q in (
        ContactQuery(search="gm", sort="name"),
        ContactQuery(search="gm", stage_keys=("suspect",)),
        ContactQuery(search="gm", source="Web"),
    ):
        with _statements(demo_db) as seen:
            paging.keys_between(demo_db, q, limit=10)
        read = [s for s in seen if "contact_search" in s and "EXPLAIN" not in s]
        assert read and all(re.search(r"\bcontacts\b", s) for s in read), (q, read)
    q = ContactQuery(search="gm")
    expected = contacts.query_ids(demo_db, q)
    with demo_db.session() as s:  # an import still being written: its contacts left out
        batch = ImportBatch(created_at=utcnow(), state="running")
        s.add(batch)
        s.flush()
        s.execute(update(Contact).where(Contact.id == expected[0]).values(import_batch_id=batch.id))
    with _statements(demo_db) as seen:
        assert contacts.query_ids(demo_db, q) == expected[1:]
        assert [k.id for k in paging.keys_between(demo_db, q, limit=5)] == expected[1:6]
    read = [s for s in seen if "contact_search" in s and "EXPLAIN" not in s]
    assert read and all(re.search(r"\bcontacts\b", s) for s in read), read


def test_the_plan_follows_the_estimate(demo_db: Database) -> None:
    """A broad search walks the documents' date index, a narrow one sorts what it finds."""
    assert search.choose(20_000, 100_000, 200, dialect="postgresql", documents=True) == search.WALK
    assert search.choose(1_500, 100_000, 200, dialect="postgresql", documents=True) == search.SORT
    assert search.choose(20_000, 100_000, None, dialect="postgresql", documents=True) == (
        search.SORT
    )
    with demo_db.engine.connect() as conn:  # the statistics autovacuum would gather
        conn.exec_driver_sql("ANALYZE contact_search")
        conn.commit()
    chosen = set()
    for typed in ("a", "kessler plant"):
        matches, size = search.estimate(demo_db, typed)
        expected = search.choose(matches, size, 10, dialect="postgresql", documents=True)
        chosen.add(expected)
        with _statements(demo_db) as seen:
            paging.keys_between(demo_db, ContactQuery(search=typed), limit=10)
        read = [s for s in seen if "contact_search" in s and "EXPLAIN" not in s]
        assert read and all(("MATERIALIZED" in s) == (expected == search.SORT) for s in read)
    assert chosen == {search.SORT, search.WALK}


def test_every_way_of_writing_contacts_keeps_the_documents_dates(
    db: Database, tmp_path: Path, empty_db_url: str
) -> None:
    """New contacts (one by one, imported, the demo's, a copy's), deleted ones and their undo,
    a merge, an import undone, and any later update of a contact's date: each document keeps
    its contact's date (the triggers of migration 0025), and the search finds the same."""
    from app.copy_to import copy_to
    from app.demo import generate_demo
    from app.importing.batches import undo_import
    from app.importing.service import import_file
    from app.merge import merge_contacts

    first = contacts.create_contact(db, name="Jürgen Weißmann", company="Kessler GmbH")
    second = contacts.create_contact(db, name="Jürgen Weissmann", email="jw@kessler.de")
    generate_demo(db, 40, seed=3)
    assert _undated(db) == []
    csv = tmp_path / "fair.csv"
    csv.write_text(
        "Name,E-mail,Company\nZoë Quaxlèy,zq@quaxley.fr,Quaxlèy SAS\n"
        "Jürgen Weissmann,jw@kessler.de,Kessler Anlagenbau\n",
        encoding="utf-8",
    )
    report = import_file(db, csv, source="Fair", on_duplicate="overwrite")
    assert report.imported == 1 and report.updated == 1 and _undated(db) == []
    assert report.batch_id is not None
    undo_import(db, report.batch_id)
    assert _undated(db) == []
    merge_contacts(db, first, [second])
    assert _undated(db) == []
    operations.delete_contacts(db, [first])
    assert _undated(db) == []
    operations.undo_operation(db)
    assert _undated(db) == []
    with db.session() as s:  # any later write of the date
        s.execute(
            update(Contact)
            .where(Contact.id % 3 == 0)
            .values(created_at=Contact.created_at - timedelta(days=400))
        )
    assert _undated(db) == []
    q = ContactQuery(search="weissmann")
    expected = contacts.query_ids(db, q)
    with _through_the_contacts():
        assert contacts.query_ids(db, q) == expected
    assert first in expected and second not in expected
    copy_to(db, empty_db_url)
    team = open_database(empty_db_url)
    try:
        assert _undated(team) == []
        assert contacts.query_ids(team, q) == expected
    finally:
        team.close()

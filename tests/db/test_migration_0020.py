"""0020 and 0021, a leaner store: the normalised e-mail stored only where it differs from the
address, a column the database works out (``email_key``) sorting the list and finding
duplicates; the full-text index without word places (prefix tables for one to six letters)
finds what it found; go look's cache and the metrics' stays keep their rows, without a rowid on
SQLite; the qualified and customers' time indexes hold only rows that have one; no domain index
(down to 0019 and up again, on SQLite and PostgreSQL); an upgraded file gives its freed pages
back."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text

from app import contacts, paging
from app.contacts import ContactQuery, query_ids
from app.demo import generate_demo
from app.golook.checks import contact_domains
from app.importing.service import import_file
from app.metrics import compute_metrics
from db.engine import Database, open_database
from db.migrate import alembic_config, current_revision, head_revision
from tests.db.builders import statements_run

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
NOW = datetime(2026, 11, 20, 9, 30, 7)
# one to six letters (each its prefix table), longer ones, several words, an address's parts
SEARCHES = ("j", "jü", "jür", "jürg", "jürge", "jürgen", "jürgen m", "kessler", "gmail", "a.sch")


def _found(db: Database) -> dict[tuple[str, str], list[int]]:
    return {
        (typed, sort): query_ids(db, ContactQuery(search=typed, sort=sort))
        for typed in SEARCHES
        for sort in ("name", "created")
    }


def _table(db: Database, sql: str) -> list[tuple[Any, ...]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(sql)]


def _schema_sql(db: Database, name: str) -> str:
    with db.engine.connect() as conn:
        return str(
            conn.exec_driver_sql(
                "SELECT sql FROM sqlite_schema WHERE name = ?", (name,)
            ).scalar_one()
        )


def _everything(db: Database) -> dict[str, Any]:
    """What a user sees that this revision stores differently."""
    return {
        "found": _found(db),
        "by_email": query_ids(db, ContactQuery(sort="email")),
        "by_email_desc": query_ids(db, ContactQuery(sort="email", descending=True)),
        "shown": [contacts.get_contact(db, i).email_normalized for i in range(1, 40)],
        "checks": _table(db, "SELECT * FROM domain_checks ORDER BY domain"),
        "domains": sorted(contact_domains(db, None)),
        "stays": _table(db, "SELECT * FROM metric_stays ORDER BY change_id"),
        "metrics": compute_metrics(db, now=NOW),
        "period": compute_metrics(db, since=datetime(2026, 6, 1), until=NOW, now=NOW),
    }


@BOTH
def test_down_and_up_again_everything_reads_the_same(db: Database) -> None:
    generate_demo(db, 300, seed=5, now=NOW)
    capitals = contacts.create_contact(
        db, first_name="Xenia", last_name="Quirrenbach", email="Xenia.QUIRRENBACH@Kessler.de"
    )
    seen = _everything(db)
    # at head: the normalised e-mail stored only where it differs from the address
    stored = dict(_table(db, "SELECT id, email_normalized FROM contacts"))
    assert {i for i, v in stored.items() if v is not None} == {capitals}
    assert stored[capitals] == "xenia.quirrenbach@kessler.de"
    assert contacts.get_contact(db, capitals).email_normalized == "xenia.quirrenbach@kessler.de"
    assert all(seen[k] for k in ("checks", "domains", "stays"))
    assert all(seen["found"][(t, "name")] for t in SEARCHES[:7])
    if db.is_sqlite:
        assert "detail=none" in _schema_sql(db, "contacts_fts")
        assert "prefix='1 2 3 4 5 6'" in _schema_sql(db, "contacts_fts")
        assert "WITHOUT ROWID" in _schema_sql(db, "domain_checks")
        assert "WITHOUT ROWID" in _schema_sql(db, "metric_stays")

    command.downgrade(alembic_config(db.engine), "0019")
    stored = dict(_table(db, "SELECT id, email_normalized FROM contacts"))
    emails = dict(_table(db, "SELECT id, email FROM contacts"))
    assert stored[capitals] == "xenia.quirrenbach@kessler.de"
    assert all(stored[i] == emails[i] for i in stored if i != capitals)
    if db.is_sqlite:
        assert "detail=none" not in _schema_sql(db, "contacts_fts")
        assert "WITHOUT ROWID" not in _schema_sql(db, "domain_checks")
    # as 0019 left them, the metrics' rows included
    assert _table(db, "SELECT * FROM metric_stays ORDER BY change_id") == seen["stays"]
    assert _table(db, "SELECT * FROM domain_checks ORDER BY domain") == seen["checks"]

    command.upgrade(alembic_config(db.engine), "head")
    assert current_revision(db.engine) == head_revision()
    assert _everything(db) == seen
    # the index follows edits still (the triggers of 0009 and 0015 name the table only)
    first = seen["found"][("jürgen", "name")][0]
    contacts.update_contact(db, first, company="Zyxwvut Hydraulik GmbH")
    assert query_ids(db, ContactQuery(search="zyx hydr")) == [first]
    assert query_ids(db, ContactQuery(search="zyxwvu")) == [first]
    contacts.update_contact(db, capitals, email="A@B.DE")
    assert contacts.get_contact(db, capitals).email_normalized == "a@b.de"
    contacts.update_contact(db, capitals, email="a@b.de")
    assert dict(_table(db, "SELECT id, email_normalized FROM contacts"))[capitals] is None
    assert contacts.get_contact(db, capitals).email_normalized == "a@b.de"


@BOTH
def test_an_import_finds_its_duplicates_by_the_normalised_address(
    db: Database, tmp_path: Path
) -> None:
    first = contacts.create_contact(db, first_name="Jo", last_name="Kern", email="jo@kern.de")
    second = contacts.create_contact(db, first_name="Al", last_name="Berg", email="AL@Berg.de")
    sheet = tmp_path / "again.csv"
    sheet.write_text(
        "First Name,Last Name,Email,Title\nJo,Kern,JO@KERN.DE,CEO\nAl,Berg,al@berg.de,CTO\n",
        encoding="utf-8",
    )
    report = import_file(db, sheet, source="fair", on_duplicate="fill")
    assert (report.imported, report.updated) == (0, 2)
    assert contacts.get_contact(db, first).title == "CEO"
    assert contacts.get_contact(db, second).title == "CTO"
    assert _table(db, f"SELECT email_key FROM contacts WHERE id = {second}") == [("al@berg.de",)]


@BOTH
def test_an_address_is_found_by_its_parts(db: Database) -> None:
    """Each typed word's parts are asked for apart on SQLite (the index keeps no places), as
    words of their own; PostgreSQL still asks for them in a row."""
    jo = contacts.create_contact(db, first_name="Jo", last_name="Kern", email="p1@firma.de")
    contacts.create_contact(db, first_name="Al", last_name="Berg", email="p12@firma.de")
    contacts.create_contact(db, first_name="Ed", last_name="Roth", email="p1@other.de")
    assert query_ids(db, ContactQuery(search="p1@firma")) == [jo]
    assert query_ids(db, ContactQuery(search="p1@fir")) == [jo]
    assert query_ids(db, ContactQuery(search="kern p1@f")) == [jo]


def _plans(db: Database, read: Any, word: str) -> list[str]:
    with db.engine.connect() as conn:
        return [
            " / ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + s))
            for s in statements_run(db, read, word)
        ]


@pytest.mark.sqlite_only
def test_the_list_by_email_is_read_in_the_index_of_the_key(db: Database) -> None:
    """A column's index: its pages are sought at a key and read in order (an index of the
    expression was scanned from its start and its rows without an address sorted)."""
    generate_demo(db, 200, seed=3, now=NOW)
    for n in range(30):  # contacts without an address: a run of empty keys
        contacts.create_contact(db, first_name="No", last_name=f"Address {n}")
    for q in (ContactQuery(sort="email"), ContactQuery(sort="email", descending=True)):
        every = paging.keys_between(db, q)
        empty = next(k for k in every if k.value is None)
        some = every[len(every) // 2]
        assert some.value is not None
        plans = []
        for after in (None, some, empty):
            plans += _plans(
                db, lambda a=after, q=q: paging.keys_between(db, q, after=a, limit=50), "email_key"
            )
        assert plans and all("ix_contacts_email_key (email_key" in p for p in plans), plans
        assert not any("TEMP B-TREE" in p for p in plans), plans


@pytest.mark.sqlite_only
def test_the_partial_metric_indexes_are_read(db: Database) -> None:
    generate_demo(db, 200, seed=3, now=NOW)
    compute_metrics(db, now=NOW)  # the derived rows made
    plans = _plans(
        db,
        lambda: compute_metrics(db, since=datetime(2026, 6, 1, 12), until=NOW, now=NOW),
        "qualified_at >=",
    )
    assert any("ix_metric_contacts_qualified" in p for p in plans), plans


@pytest.mark.sqlite_only
def test_an_upgraded_file_gives_its_freed_pages_back(db: Database, tmp_path: Path) -> None:
    generate_demo(db, 1500, seed=7, now=NOW)
    found = _found(db)
    command.downgrade(alembic_config(db.engine), "0019")
    path = Path(str(db.engine.url.database))
    db.close()
    old = tmp_path / "old.sqlite"
    shutil.copyfile(path, old)
    before = old.stat().st_size
    upgraded = open_database(old)
    try:
        with upgraded.engine.connect() as conn:
            assert conn.execute(text("PRAGMA freelist_count")).scalar() == 0
        assert old.stat().st_size < 0.9 * before
        assert _found(upgraded) == found
    finally:
        upgraded.close()
        shutil.rmtree(tmp_path / "backups", ignore_errors=True)

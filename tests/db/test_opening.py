"""Opening a database that is up to date asks one question (issue 14: opening on PostgreSQL
within 2× of SQLite): is the schema this Winnow's, with its default rows? Then no migration
check and no seeding. And the first list page reads by index on PostgreSQL too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from app import contacts
from app.contacts import ContactQuery
from db.engine import Database, open_database

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
PG = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """Every statement any engine runs meanwhile."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


@BOTH
def test_an_up_to_date_database_is_opened_with_one_statement(
    db: Database, statements: list[str]
) -> None:
    url = db.url
    db.close()
    again = open_database(url)
    try:
        asked = [s for s in statements if s not in ("BEGIN", "COMMIT", "ROLLBACK")]
        if url.startswith("postgresql"):
            # asked with the first connection's own question, round SQLAlchemy's statements
            # (db.pgdialect; what the server is sent: tests/db/test_pgdialect.py)
            assert asked == [], statements
            return
        assert len(asked) == 1, statements
        assert "alembic_version" in asked[0] and "bant_criteria" in asked[0]
    finally:
        again.close()


@BOTH
def test_missing_default_rows_are_put_back_on_opening(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM bant_criteria"))
    url = db.url
    db.close()
    again = open_database(url)
    try:
        with again.engine.connect() as conn:
            keys = conn.execute(text("SELECT key FROM bant_criteria ORDER BY position")).scalars()
            assert list(keys) == ["budget", "authority", "need", "timeframe"]
    finally:
        again.close()


@BOTH
def test_a_new_database_is_migrated_and_seeded(empty_db_url: str) -> None:
    db = open_database(empty_db_url)
    try:
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM stages")).scalar() == 8
    finally:
        db.close()


@PG
def test_the_first_page_by_date_added_walks_an_index(
    demo_db: Database, statements: list[str]
) -> None:
    """Newest first (the list's default) is read backwards along the index of the date added,
    not by sorting every contact; the count needs no join to the stages."""
    query = ContactQuery(sort="created", descending=True)
    stmt = contacts.select_matching([contacts.Contact.id], query, demo_db, limit=200)
    stmt = stmt.order_by(*contacts.order_by(query)).limit(200)
    sql = str(stmt.compile(demo_db.engine, compile_kwargs={"literal_binds": True}))
    assert "NULLS" not in sql
    with demo_db.engine.begin() as conn:
        # 300 contacts are sorted faster than walked: as at 100,000, where the walk wins
        conn.execute(text("SET LOCAL enable_sort = off"))
        plan = "\n".join(conn.execute(text(f"EXPLAIN {sql}")).scalars())
    assert "Index Scan Backward using ix_contacts_created" in plan, plan
    statements.clear()
    assert contacts.count(demo_db, ContactQuery()) == 300
    # the number PostgreSQL keeps (migration 0028) is read, or else counted without a join
    counted = [s for s in statements if "count(" in s or "contacts_total" in s]
    assert counted and not any("JOIN" in s for s in counted), counted
    # a sort whose column may be empty keeps empty values last, newest first
    by_score = contacts.query_ids(demo_db, ContactQuery(sort="score", descending=True), limit=5)
    assert len(by_score) == 5

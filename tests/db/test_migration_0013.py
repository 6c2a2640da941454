"""0013: the sidebar's Sales-ready and Untriaged counts read their partial indexes (the
indexes' conditions must be written as the queries write theirs, or SQLite reads every
contact of the stages instead)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.dialects import sqlite

from app import contacts
from app.contacts import ContactQuery
from db.engine import Database, open_database
from db.models import Contact


def _count_statement(db: Database, queue: str) -> str:
    q = ContactQuery(queue=queue)
    if contacts._needs_stage((), q):
        stmt = contacts._filtered(contacts._base([func.count(Contact.id)]), q, db)
    else:
        stmt = contacts._filtered(select(func.count()).select_from(Contact), q, db)
    return str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


def test_queue_counts_read_their_partial_indexes(tmp_path: Path) -> None:
    db = open_database(tmp_path / "w.sqlite")
    try:
        with db.engine.connect() as conn:
            for queue, index in (
                ("sales-ready", "ix_contacts_sales_ready"),
                ("untriaged", "ix_contacts_untriaged"),
            ):
                plan = " ".join(
                    str(row[-1])
                    for row in conn.execute(
                        text("EXPLAIN QUERY PLAN " + _count_statement(db, queue))
                    )
                )
                assert f"INDEX {index}" in plan, (queue, plan)
    finally:
        db.close()

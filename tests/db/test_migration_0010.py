"""0010: the owner and operation indexes hold only rows with a value — and the queries that
read them still do, on SQLite and PostgreSQL; down again to full indexes. The import batch's
index stays whole: a count that leaves out a running import's contacts reads it alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, text

from db.engine import resolve_url
from db.migrate import alembic_config
from tests.db.builders import engine_at_revision

PARTIAL = {
    "ix_contacts_owner": "owner",
    "ix_stage_changes_operation": "operation_id",
}
# a query of each kind the application runs on these columns, and the index it must read
QUERIES = {
    "ix_contacts_owner": "SELECT id FROM contacts WHERE owner = 'ana'",
    "ix_stage_changes_operation": (
        "SELECT DISTINCT contact_id FROM stage_changes WHERE operation_id IN (4, 5)"
    ),
}


@pytest.fixture
def engine(empty_db_url: str) -> Iterator[Engine]:
    """A database at 0009 with some rows: a few contacts owned, imported, moved by an
    operation, most not (on SQLite and PostgreSQL: tests/conftest.py's BOTH_DATABASES)."""
    eng = engine_at_revision(resolve_url(empty_db_url), "0009")
    with eng.begin() as conn:
        _fill(conn)
    yield eng
    eng.dispose()


def _fill(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO import_batches (id, created_at, read_count, imported_count,"
            " updated_count, skipped_count, rejected_count, state)"
            " VALUES (3, '2026-03-01 08:00:00', 0, 0, 0, 0, 0, 'done')"
        )
    )
    for cid in range(1, 401):
        conn.execute(
            text(
                "INSERT INTO contacts (id, name, sort_name, stage_id, created_at, consent,"
                " sales_ready, version, owner, import_batch_id) VALUES (:id, 'A', 'a', 1,"
                " '2026-03-01 08:00:00', 'unknown', false, 1, :owner, :batch)"
            ),
            {
                "id": cid,
                "owner": "ana" if cid % 50 == 0 else None,
                "batch": 3 if cid % 40 == 0 else None,
            },
        )
        conn.execute(
            text(
                "INSERT INTO stage_changes (contact_id, to_stage_id, at, automatic,"
                " operation_id) VALUES (:id, 1, '2026-03-01 08:00:00', false, :op)"
            ),
            {"id": cid, "op": 4 if cid % 30 == 0 else None},
        )


def _definitions(conn: Connection) -> dict[str, str]:
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
    else:
        rows = conn.execute(text("SELECT indexname, indexdef FROM pg_indexes"))
    return {str(n): str(d) for n, d in rows if n in PARTIAL}


def _uses(conn: Connection, sql: str, index: str) -> bool:
    if conn.dialect.name == "sqlite":
        plan = " ".join(str(r[3]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    else:
        # a few hundred rows: the planner would read the table; ask whether it can use the index
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(str(r[0]) for r in conn.execute(text(f"EXPLAIN {sql}")))
    return index in plan


def _counts(conn: Connection) -> tuple[int, int]:
    return tuple(  # type: ignore[return-value]
        int(conn.execute(text(f"SELECT count(*) FROM ({sql}) AS q")).scalar_one())
        for sql in QUERIES.values()
    )


def test_upgrade_makes_the_indexes_partial_and_the_queries_still_read_them(
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        before = _counts(conn)
        assert all("NOT NULL" not in d.upper() for d in _definitions(conn).values())
    command.upgrade(alembic_config(engine), "0010")
    with engine.begin() as conn:
        definitions = _definitions(conn)
        assert set(definitions) == set(PARTIAL)
        for name, column in PARTIAL.items():
            assert f"{column} IS NOT NULL" in definitions[name].replace("(", "").replace(")", "")
        for name, sql in QUERIES.items():
            assert _uses(conn, sql, name), sql
        assert _counts(conn) == before == (8, 13)
        # the rows without a value are still found (by reading the table)
        nobody = conn.execute(text("SELECT count(*) FROM contacts WHERE owner IS NULL"))
        assert nobody.scalar_one() == 392
        # the count that hides a running import's contacts reads the batch index, not the table
        hiding = (
            "SELECT count(*) FROM contacts"
            " WHERE import_batch_id IS NULL OR import_batch_id NOT IN (3)"
        )
        assert _uses(conn, hiding, "ix_contacts_batch")


def test_downgrade_gives_back_the_full_indexes(engine: Engine) -> None:
    command.upgrade(alembic_config(engine), "0010")
    command.downgrade(alembic_config(engine), "0009")
    with engine.begin() as conn:
        definitions = _definitions(conn)
        assert set(definitions) == set(PARTIAL)
        assert all("NOT NULL" not in d.upper() for d in definitions.values())
        for name, sql in QUERIES.items():
            assert _uses(conn, sql, name), sql
        assert _counts(conn) == (8, 13)

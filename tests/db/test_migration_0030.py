"""0030: ``ix_metric_days_key`` holds the measures after the key, and the dashboard's and
``stats``' reads of ``metric_days`` take them from the index alone (SQLite: ``USING COVERING
INDEX``; PostgreSQL: an index-only scan), with the same numbers as the history's reference; taken
down to 0029 the index is the key again (its reads look the rows up), up again the rows are kept.
On SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import event, inspect, select, text

from app import metrics, operations
from app.demo import generate_demo
from db.engine import Database, open_database, schema_changed
from db.migrate import alembic_config
from db.models import Contact
from tests.db.builders import head_or_before_fixtures, statements_run

MIGRATION = importlib.import_module("db.migrations.versions.0030_metric_days_covering_index")
COLUMNS = MIGRATION.KEY + MIGRATION.MEASURES  # amount last
NOW = datetime(2026, 11, 20, 9, 30, 7)
CASES: list[dict[str, Any]] = [
    {},
    {"since": NOW - timedelta(weeks=12)},
    {"source": "trade show"},
    {"since": NOW - timedelta(weeks=12), "source": "trade show"},
    {"since": NOW - timedelta(weeks=4, hours=5), "cohort": True},
]


# each test on both databases, at the head and taken down to the revision before 0030
backend, database = head_or_before_fixtures(MIGRATION)


def _index_columns(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        (found,) = [
            i for i in inspect(conn).get_indexes("metric_days") if i["name"] == "ix_metric_days_key"
        ]
    return [str(c) for c in found["column_names"]]


def _revision(db: Database) -> str:
    with db.engine.connect() as conn:
        return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar())


def _read_everything(db: Database) -> None:
    """The dashboard's cases and ``stats``, each checked against the history's reference."""
    for case in CASES:
        new = metrics.dashboard_data(db, now=NOW, **case)
        old = metrics.dashboard_data(db, now=NOW, reference=True, **case)
        assert new.metrics.as_json() == old.metrics.as_json(), case
    stats = metrics.compute_metrics(db, now=NOW)
    assert stats.as_json() == metrics.compute_metrics(db, now=NOW, reference=True).as_json()


def _sqlite_plans(db: Database) -> list[str]:
    """Each plan line on ``metric_days`` of the statements the reads ran (driver-traced: the
    dashboard reads through the driver on SQLite)."""
    seen = statements_run(db, lambda: _read_everything(db), "metric_days")
    lines: list[str] = []
    with db.engine.connect() as conn:
        for statement in seen:
            for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement):
                if "metric_days" in str(row[-1]):
                    lines.append(str(row[-1]))
    return lines


def _postgresql_plans(db: Database) -> list[str]:
    seen: list[tuple[str, Any]] = []

    def grab(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "metric_days" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        _read_everything(db)
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)
    lines: list[str] = []
    with db.engine.connect() as conn:
        # the pages all visible, as autovacuum leaves them; a few rows are read whole by
        # preference: is the index the plan's way in, and is it read alone?
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "VACUUM ANALYZE metric_days"
        )
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET enable_bitmapscan = off")
        for statement, parameters in seen:
            for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters):
                if " on metric_days" in str(row[0]):
                    lines.append(str(row[0]).strip(" ->"))
    return lines


def test_the_reads_of_metric_days_take_the_measures_from_the_index(database: Database) -> None:
    generate_demo(database, 250, seed=30, now=NOW)
    at_head = _revision(database) == MIGRATION.revision
    assert _index_columns(database) == (COLUMNS if at_head else MIGRATION.KEY)
    _read_everything(database)  # the derived rows current: the reads below are the usual ones
    if database.is_sqlite:
        lines = _sqlite_plans(database)
        covered = [line for line in lines if "COVERING INDEX ix_metric_days_key" in line]
    else:
        lines = _postgresql_plans(database)
        covered = [line for line in lines if line.startswith("Index Only Scan")]  # or Backward
    # the sums, the octaves, the 64ths and the first and last week: every one read in the index
    assert len(lines) >= 5, lines
    for line in lines:
        assert "ix_metric_days_key" in line, lines
    if at_head:
        assert covered == lines
    else:  # the key's columns alone: the sums and octaves look each row up for its counts
        assert len(covered) < len(lines), lines


def test_down_and_up_again_keeps_the_rows_and_the_numbers(backend: str, db_url: str) -> None:
    """Down to 0029 and up again on a store with derived rows, contacts moved and moved back in
    between: the rows are the same as before, and what the reads sum is the reference's."""
    database = open_database(db_url)
    try:
        generate_demo(database, 200, seed=31, now=NOW)
        _read_everything(database)

        def rows() -> list[tuple[Any, ...]]:
            """Every row without its id, the amounts to the cent (added and taken away)."""
            with database.session() as s:
                found = s.execute(text(f"SELECT {', '.join(COLUMNS)} FROM metric_days"))
                return sorted((*r[:-1], round(r[-1], 2)) for r in found)

        before = rows()
        config = alembic_config(database.engine)
        command.downgrade(config, MIGRATION.down_revision)
        schema_changed(database.engine)
        assert _index_columns(database) == MIGRATION.KEY
        assert rows() == before
        with database.session() as s:
            ids = list(s.scalars(select(Contact.id).order_by(Contact.id).limit(40)))
        operations.move_contacts(database, ids, "mql")
        _read_everything(database)
        command.upgrade(config, "head")
        schema_changed(database.engine)
        assert _index_columns(database) == COLUMNS
        operations.undo_operation(database)  # the counts written through the wider index
        _read_everything(database)
        assert rows() == before
    finally:
        database.close()

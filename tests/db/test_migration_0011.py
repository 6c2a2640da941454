"""0011 and 0012: the metrics' derived tables and the triggers that log every contact whose rows a write
made out of date — on SQLite and PostgreSQL. A database upgraded with history in it derives
every row once, on its first read, and gives the reference computation's numbers; down again
leaves no table, trigger or function behind."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from alembic import command
from sqlalchemy import Connection, text

from app import metrics
from app.demo import generate_demo
from db.engine import Database, open_database
from db.migrate import alembic_config, current_revision, head_revision

NOW = datetime(2026, 12, 1, 12, 0)
TABLES = {"metric_contacts", "metric_stays", "metric_dirty", "metric_meta", "metric_days"}


@pytest.fixture
def demo(db_url: str) -> Iterator[Database]:
    """A demo database of 200 contacts with their history, taken down to 0010 and up again:
    as a database made before 0011 is when it is first opened after the upgrade (on SQLite
    and PostgreSQL: tests/conftest.py's BOTH_DATABASES)."""
    db = open_database(db_url)
    generate_demo(db, 200, seed=3)
    command.downgrade(alembic_config(db.engine), "0010")
    with db.engine.connect() as conn:
        assert not TABLES & _tables(conn)
        assert _triggers(conn) == set()
    command.upgrade(alembic_config(db.engine), "head")
    yield db
    db.close()


def _tables(conn: Connection) -> set[str]:
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))
    else:
        rows = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
    return {str(r[0]) for r in rows}


def _triggers(conn: Connection) -> set[str]:
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    else:
        rows = conn.execute(text("SELECT DISTINCT trigger_name FROM information_schema.triggers"))
    return {str(r[0]) for r in rows if str(r[0]).startswith("metric_")}


def test_upgrade_derives_every_row_once_and_gives_the_reference_numbers(demo: Database) -> None:
    with demo.engine.connect() as conn:
        assert current_revision(demo.engine) == head_revision()
        assert _tables(conn) >= TABLES
        assert len(_triggers(conn)) == 8  # stage changes, answers: 3 each; contacts: 2
        assert conn.execute(text("SELECT COUNT(*) FROM metric_contacts")).scalar_one() == 0
        assert conn.execute(text("SELECT COUNT(*) FROM metric_meta")).scalar_one() == 0
    for kwargs in ({}, {"since": datetime(2026, 10, 1)}, {"source": "trade show"}):
        derived = metrics.compute_metrics(demo, now=NOW, **kwargs)  # type: ignore[arg-type]
        reference = metrics.compute_metrics(demo, now=NOW, reference=True, **kwargs)  # type: ignore[arg-type]
        assert derived.as_json() == reference.as_json()
    assert derived.inquiries > 0
    with demo.engine.connect() as conn:
        derived_rows = conn.execute(text("SELECT COUNT(*) FROM metric_contacts")).scalar_one()
        inquiries = metrics.compute_metrics(demo, now=NOW, reference=True).inquiries
        assert derived_rows == inquiries  # every inquiry derived, and only those
        assert conn.execute(text("SELECT COUNT(*) FROM metric_stays")).scalar_one() > 0
        by_day = conn.execute(text("SELECT SUM(n) FROM metric_days WHERE kind = 'i'"))
        assert by_day.scalar_one() == inquiries


def test_the_triggers_log_raw_writes_too(demo: Database) -> None:
    """A write that goes round the application (plain SQL) is logged all the same."""
    with demo.engine.begin() as conn:
        cid, stage = conn.execute(text("SELECT id, stage_id FROM contacts LIMIT 1")).one()
        conn.execute(text("DELETE FROM metric_dirty"))
        conn.execute(
            text(
                "INSERT INTO stage_changes (contact_id, to_stage_id, at, automatic) "
                "VALUES (:c, :s, :at, false)"
            ),
            {"c": cid, "s": stage, "at": NOW},
        )
        conn.execute(text("UPDATE contacts SET title = 'x' WHERE id = :c"), {"c": cid})
        conn.execute(text("UPDATE contacts SET deal_amount = 5 WHERE id = :c"), {"c": cid})
        logged = conn.execute(text("SELECT contact_id FROM metric_dirty")).scalars().all()
        assert logged == [cid, cid]  # the move and the amount; not the title


def test_downgrade_leaves_nothing_behind(demo: Database) -> None:
    assert metrics.compute_metrics(demo, now=NOW).inquiries > 0  # rows derived
    command.downgrade(alembic_config(demo.engine), "0010")
    with demo.engine.begin() as conn:
        assert not TABLES & _tables(conn)
        assert _triggers(conn) == set()
        if conn.dialect.name == "postgresql":
            functions = conn.execute(
                text("SELECT proname FROM pg_proc WHERE proname LIKE 'metric_dirty%'")
            ).all()
            assert functions == []
        conn.execute(text("UPDATE contacts SET deal_amount = 7"))  # no trigger left to fail

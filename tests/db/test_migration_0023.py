"""0023: the metrics' histograms per week and source, derived by the upgrade itself when the
derived rows were current before it (the same rows the application derives), or by the next
read otherwise; the partial index of the history's inquiry times in, the index of inquiry and
response times out (and back down again), on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, text

from app import aggregates, metrics, operations
from app.demo import generate_demo
from db.engine import Database, open_database
from db.migrate import alembic_config, head_revision
from tests.db.builders import statements_run

MIGRATION = importlib.import_module("db.migrations.versions.0023_metric_source_weeks")
BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
NOW = datetime(2026, 11, 20, 9, 30, 7)
DAYS = "SELECT kind, day, source, max_pos, n FROM metric_days"


def _rows(db: Database) -> list[tuple[Any, ...]]:
    with db.session() as s:
        return sorted((tuple(r) for r in s.execute(text(DAYS))), key=repr)


def _indexes(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return {str(i["name"]) for i in inspect(conn).get_indexes("metric_contacts")}


def _signature(db: Database) -> str | None:
    with db.session() as s:
        value = s.scalar(text("SELECT value FROM metric_meta WHERE key = 'signature'"))
        return None if value is None else str(value)


def _cases() -> list[dict[str, Any]]:
    return [
        {},
        {"source": "trade show"},
        {"since": NOW - timedelta(weeks=12), "source": "trade show"},
        {"since": NOW - timedelta(weeks=4, hours=5), "source": "web", "cohort": True},
    ]


def _same_as_reference(db: Database) -> None:
    for case in _cases():
        new = metrics.dashboard_data(db, now=NOW, **case).metrics
        old = metrics.dashboard_data(db, now=NOW, reference=True, **case).metrics
        assert new.as_json() == old.as_json(), case


def _down(db: Database) -> None:
    command.downgrade(alembic_config(db.engine), MIGRATION.down_revision)


@BOTH
def test_the_upgrade_derives_the_rows_by_week_as_the_application_does(
    db: Database, db_url: str
) -> None:
    generate_demo(db, 300, seed=3, now=NOW)
    contact = operations.create_contact(
        db, name="Late Example", source="Trade show: Essen", at=NOW - timedelta(days=4)
    ).value
    operations.move_contacts(db, [contact], "inquiry", at=NOW - timedelta(days=3))
    metrics.compute_metrics(db, now=NOW)  # every derived row current
    derived, signature = _rows(db), _signature(db)
    assert signature is not None and json.loads(signature)[-1] == aggregates.VERSION
    assert {r[0] for r in derived} >= set(MIGRATION.KINDS)
    assert "ix_metric_contacts_history_inquiry" in _indexes(db)
    assert "ix_metric_contacts_inquiry_response" not in _indexes(db)

    _down(db)
    assert {r[0] for r in _rows(db)}.isdisjoint(MIGRATION.KINDS)
    assert "ix_metric_contacts_history_inquiry" not in _indexes(db)
    assert "ix_metric_contacts_inquiry_response" in _indexes(db)
    # as the code before 0023 left them: current, under the version before
    before = json.loads(signature)
    before[-1] = MIGRATION.VERSION_BEFORE
    with db.session() as s:
        s.execute(
            text("INSERT INTO metric_meta (key, value) VALUES ('signature', :v)"),
            {"v": json.dumps(before)},
        )
    operations.move_contacts(db, [contact], "mql", at=NOW - timedelta(days=1))  # logged
    db.close()

    upgraded = open_database(db_url)
    try:
        with upgraded.session() as s:
            version = s.scalar(text("SELECT version_num FROM alembic_version"))
            assert version == head_revision() and int(MIGRATION.revision) <= int(version)
            logged = s.scalar(text("SELECT COUNT(*) FROM metric_dirty"))
        # derived by the upgrade, not the next read (which only drops the rows by day, 5)
        assert _signature(upgraded) == json.dumps([*before[:-1], MIGRATION.VERSION_AFTER])
        assert logged  # the move made while down is still to be derived
        assert {r for r in _rows(upgraded) if r[0] in MIGRATION.KINDS} == {
            r for r in derived if r[0] in MIGRATION.KINDS
        }
        _same_as_reference(upgraded)
        assert _signature(upgraded) == signature
        assert "ix_metric_contacts_history_inquiry" in _indexes(upgraded)
        assert "ix_metric_contacts_inquiry_response" not in _indexes(upgraded)
    finally:
        upgraded.close()


@BOTH
def test_rows_not_current_before_are_derived_by_the_next_read(db: Database, db_url: str) -> None:
    generate_demo(db, 200, seed=5, now=NOW)
    metrics.compute_metrics(db, now=NOW)
    derived = _rows(db)
    _down(db)  # leaves no record: the next read derives every row
    db.close()
    upgraded = open_database(db_url)
    try:
        assert _signature(upgraded) is None
        _same_as_reference(upgraded)
        assert _rows(upgraded) == derived
    finally:
        upgraded.close()


@pytest.mark.sqlite_only
def test_the_days_around_a_weeks_are_read_by_their_indexes(db: Database) -> None:
    """The stays of the contacts of a period's first days are found by the index of their
    inquiry time (and the partial one where the history's differs), not by reading every
    stage change."""
    generate_demo(db, 200, seed=3, now=NOW)
    metrics.compute_metrics(db, now=NOW)

    def run() -> None:
        metrics.compute_metrics(db, since=NOW - timedelta(weeks=12), source="trade", now=NOW)
        metrics.compute_metrics(db, since=NOW - timedelta(weeks=12), now=NOW)

    seen = [s for s in statements_run(db, run, "metric_stays ms") if "history_inquiry_at <>" in s]
    assert len(seen) >= 2
    with db.engine.connect() as conn:
        for statement in seen:
            plan = " / ".join(
                str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement)
            )
            assert "ix_metric_contacts_inquiry" in plan, plan
            assert "ix_metric_contacts_history_inquiry" in plan, plan
            assert "stage_changes" not in plan, plan

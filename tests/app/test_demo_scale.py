"""The demo at scale: one transaction, indexes built after the data in a new SQLite store,
each contact scored once — and the same people, history and scores as before."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import text

from app import demo, hooks
from app.demo import generate_demo
from db.engine import Database

NOW = datetime(2026, 11, 30, 12, 0, 0)
TABLES = ("contacts", "stage_changes", "activities", "tasks", "bant_answers", "domain_checks")


def _schema(db: Database) -> list[tuple[str, str]]:
    with db.engine.connect() as conn:
        return sorted(
            (str(n), str(s))
            for n, s in conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"
            )
        )


def _rows(db: Database, table: str) -> list[tuple[Any, ...]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]


def _everything(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    return {t: _rows(db, t) for t in TABLES}


def test_a_new_store_gets_every_index_and_trigger_back(db: Database) -> None:
    before = _schema(db)
    generate_demo(db, 400, seed=3, now=NOW)
    assert _schema(db) == before
    with db.engine.connect() as conn:
        # the full-text index agrees with the contacts it was built from
        conn.exec_driver_sql("INSERT INTO contacts_fts(contacts_fts) VALUES ('integrity-check')")
        found = conn.exec_driver_sql(
            'SELECT count(*) FROM contacts_fts WHERE contacts_fts MATCH \'"mueller"* OR "muller"*\''
        ).scalar()
        expected = conn.exec_driver_sql(
            "SELECT count(*) FROM contacts WHERE last_name = 'Müller'"
            " OR email LIKE '%muller%' OR company LIKE '%Müller%'"
        ).scalar()
        assert found == expected and found
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    # the triggers work again: a new contact is found at once
    from app.contacts import create_contact

    create_contact(db, first_name="Zoltán", last_name="Quaxley")
    with db.engine.connect() as conn:
        assert (
            conn.exec_driver_sql(
                "SELECT count(*) FROM contacts_fts WHERE contacts_fts MATCH '\"quax\"*'"
            ).scalar()
            == 1
        )


def test_the_chunk_size_changes_nothing(
    db: Database, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db.engine import open_database

    generate_demo(db, 250, seed=11, now=NOW)
    monkeypatch.setattr(demo, "CHUNK", 7)
    other = open_database(tmp_path / "small-chunks.sqlite")
    try:
        generate_demo(other, 250, seed=11, now=NOW)
        assert _everything(other) == _everything(db)
    finally:
        other.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_a_failed_demo_leaves_the_store_as_it_was(
    db: Database, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_demo(db, 30, seed=2, now=NOW) if backend == "postgresql" else None
    before = _everything(db)
    schema = _schema(db) if backend == "sqlite" else None

    def broken(*_args: object, **_kwargs: object) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(demo, "write_demo_evidence", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        generate_demo(db, 120, seed=2, now=NOW)
    assert _everything(db) == before
    if schema is not None:
        assert _schema(db) == schema


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_each_contact_is_scored_once_and_right(db: Database, backend: str) -> None:
    """The pipeline's answers are in before the scores: scoring again changes nothing."""
    generate_demo(db, 300, seed=7, now=NOW)
    generate_demo(db, 100, seed=8, now=NOW)  # into a store with contacts: no index dropped
    before = _everything(db)
    contacts = before["contacts"]
    assert len(contacts) == 400
    with db.engine.connect() as conn:
        unscored = conn.execute(text("SELECT count(*) FROM contacts WHERE score IS NULL"))
        assert unscored.scalar() == 0
        deals = conn.execute(
            text("SELECT count(*) FROM contacts WHERE deal_amount IS NOT NULL")
        ).scalar()
        assert deals
    with db.session() as s:
        hooks.contacts_changed(s, [int(r[0]) for r in contacts], "restored")
    assert _everything(db) == before


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_the_metrics_are_derived_from_every_contact(db: Database, backend: str) -> None:
    """Into a new SQLite store the demo's rows go in without naming their contacts in the
    metrics' log, and every contact's rows are derived at the end: the same rows as deriving
    them all again, also where the metrics were derived before (their definition recorded,
    so that a refresh would read only the log)."""
    from app import metrics

    with db.session() as s:
        metrics.derive_now(s)
    generate_demo(db, 300, seed=5, now=NOW)

    def derived() -> dict[str, list[tuple[Any, ...]]]:
        out = {}
        with db.engine.connect() as conn:
            for table in ("metric_contacts", "metric_stays", "metric_days"):
                rows = conn.execute(text(f"SELECT * FROM {table}")).mappings().all()
                out[table] = sorted(
                    tuple((k, str(v)) for k, v in sorted(r.items()) if k != "id") for r in rows
                )
            log = conn.execute(text("SELECT count(*) FROM metric_dirty")).scalar()
            assert log == 0, f"{log} contacts left in the metrics' log"
        return out

    after_demo = derived()
    assert after_demo["metric_contacts"] and after_demo["metric_stays"]
    with db.session() as s:
        metrics.derive_now(s, every_contact=True)
    assert derived() == after_demo

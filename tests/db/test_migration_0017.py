"""0017 (SQLite): times stored as SQLAlchemy's text become seconds since 1970. An upgraded demo
database holds the same times in every table (read back through the models), shows the same
``winnow show --json``, keeps its indexes and triggers as they were and logs no contact as
changed for the metrics; the SQL conversion makes exactly the number ``db.times`` binds. Down
again every time is SQLAlchemy's text once more."""

from __future__ import annotations

import importlib
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import DateTime, Table, select, text, update

from app.commands.core import contact_json
from app.demo import generate_demo
from db import times
from db.engine import Database, open_database
from db.migrate import alembic_config, current_revision
from db.models import Base, Contact, Derived, StageChange
from tests.db.test_times import _samples

NOW = datetime(2026, 11, 20, 9, 30, 7)
BEFORE = "0016"
migration = importlib.import_module("db.migrations.versions.0017_numeric_times")


def _tables() -> list[Table]:
    return [
        t
        for md in (Base.metadata, Derived.metadata)
        for t in md.sorted_tables
        if any(isinstance(c.type, DateTime) for c in t.columns)
    ]


def _times(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    with db.session() as s:
        for t in _tables():
            cols = [c for c in t.columns if isinstance(c.type, DateTime)]
            key = list(t.primary_key.columns)
            rows = s.execute(select(*key, *cols).order_by(*key)).all()
            out[t.name] = [tuple(r) for r in rows]
    return out


def _kinds(db: Database) -> set[str]:
    found: set[str] = set()
    with db.session() as s:
        for t in _tables():
            for c in t.columns:
                if isinstance(c.type, DateTime):
                    found |= set(
                        s.execute(
                            text(f'SELECT DISTINCT typeof("{c.name}") FROM "{t.name}"')
                        ).scalars()
                    )
    return found - {"null"}


def _schema(db: Database) -> dict[str, list[tuple[str, str]]]:
    """Each table's indexes and triggers, in their order (the planner's ties follow it)."""
    with db.session() as s:
        rows = s.execute(
            text(
                "SELECT tbl_name || ' ' || type, name, sql FROM sqlite_schema"
                " WHERE sql IS NOT NULL AND type <> 'table' ORDER BY rowid"
            )
        ).all()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, name, sql in rows:
        out.setdefault(table, []).append((name, sql))
    return out


def test_the_times_stay_the_same(tmp_path: Path) -> None:
    db = open_database(tmp_path / "demo.sqlite")
    try:
        generate_demo(db, 300, seed=7, now=NOW)
        odd = _samples(3, 40)
        with db.write_session() as s:
            ids = list(s.scalars(select(Contact.id).order_by(Contact.id).limit(len(odd))))
            for cid, when in zip(ids, odd, strict=False):
                s.execute(update(Contact).where(Contact.id == cid).values(triaged_at=when))
            s.execute(
                update(StageChange)
                .where(StageChange.id == 1)
                .values(at=datetime(2026, 1, 2, 3, 4, 5, 678_901))
            )
        # from this migration's own revision, as the later ones leave it (0018 builds the
        # full-text index and a contacts index again)
        command.downgrade(alembic_config(db.engine), "0017")
        shown = {cid: contact_json(db, cid) for cid in ids[:10]}
        before = _times(db)
        assert _kinds(db) == {"integer", "real"}
        schema = _schema(db)

        command.downgrade(alembic_config(db.engine), BEFORE)
        assert _kinds(db) == {"text"}
        assert _times(db) == before
        assert any(n == "ix_activities_type_at" for n, _ in _schema(db)["activities index"])
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
            stats = set(conn.exec_driver_sql("SELECT * FROM sqlite_stat1").all())
        raw = sqlite3.connect(tmp_path / "demo.sqlite")
        try:
            stored = raw.execute("SELECT at FROM stage_changes WHERE id = 1").fetchone()[0]
            assert stored == "2026-01-02 03:04:05.678901"  # SQLAlchemy's own text
            dirty = raw.execute("SELECT count(*) FROM metric_dirty").fetchone()[0]
        finally:
            raw.close()

        command.upgrade(alembic_config(db.engine), "0017")
        assert current_revision(db.engine) == "0017"
        assert _kinds(db) == {"integer", "real"}
        assert _times(db) == before
        assert _schema(db) == schema
        with db.engine.connect() as conn:  # the statistics ANALYZE made are kept
            kept = set(conn.exec_driver_sql("SELECT * FROM sqlite_stat1").all())
        assert kept == {
            r for r in stats if r[1] not in ("ix_activities_type_at", "ix_stage_changes_to_at")
        }
        assert {cid: contact_json(db, cid) for cid in ids[:10]} == shown
        with db.session() as s:
            assert s.execute(text("SELECT count(*) FROM metric_dirty")).scalar() == dirty
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    finally:
        db.close()


def test_the_sql_conversion_is_the_bound_number(tmp_path: Path) -> None:
    values = [*_samples(4, 3000), datetime(2026, 5, 5, 5, 5, 5, 10), datetime(2026, 5, 5)]
    con = sqlite3.connect(tmp_path / "c.sqlite")
    try:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, at DATETIME)")
        forms = [v.isoformat(" ", "microseconds") for v in values]
        forms += ["2026-05-05 05:05:05", "2026-05-05 05:05:05.5", "2026-05-05T05:05:05.000000"]
        parsed = [
            *values,
            datetime(2026, 5, 5, 5, 5, 5),
            datetime(2026, 5, 5, 5, 5, 5, 500000),
            datetime(2026, 5, 5, 5, 5, 5),
        ]
        con.executemany("INSERT INTO t (at) VALUES (?)", [(f,) for f in forms])
        con.execute("INSERT INTO t (at) VALUES ('not a time')")
        got = con.execute(f"SELECT {migration._to_number('at')} FROM t ORDER BY id").fetchall()
        for (number,), value in zip(got, parsed, strict=False):
            want = times.to_number(value)
            assert (type(number), number) == (type(want), want), value
        back = con.execute(
            f"SELECT {migration._to_text('at')} FROM"
            f" (SELECT {migration._to_number('at')} AS at FROM t ORDER BY id)"
        ).fetchall()
        for (form,), value in zip(back, parsed, strict=False):
            assert datetime.fromisoformat(form) == value
    finally:
        con.close()


def test_an_upgrade_converts_only_times(tmp_path: Path) -> None:
    """A value that is no time in SQLAlchemy's form is left as it is, and read as before."""
    db = open_database(tmp_path / "odd.sqlite")
    try:
        generate_demo(db, 20, seed=1, now=NOW)
        command.downgrade(alembic_config(db.engine), BEFORE)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE contacts SET consent_at = '2026-03-01' WHERE id = 1")
        command.upgrade(alembic_config(db.engine), "head")
        with db.session() as s:
            assert s.get(Contact, 1).consent_at == datetime(2026, 3, 1)  # type: ignore[union-attr]
            created = s.execute(select(Contact.created_at).where(Contact.id == 1)).scalar()
            assert created is not None and created <= NOW + timedelta(days=1)
    finally:
        db.close()

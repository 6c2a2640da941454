"""Real database files for the safety tests: Winnow files at an old revision, damaged files."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text

from db.engine import Database, open_database, schema_changed
from db.fileguard import quick_check
from db.migrate import upgrade_to_head

STAGES = [
    ("suspect", "Suspect", "#8E99A8", "pipeline"),
    ("inquiry", "Inquiry", "#4A90D9", "pipeline"),
    ("mql", "Marketing qualified", "#7B61D1", "pipeline"),
    ("sql", "Sales qualified", "#D9822B", "pipeline"),
    ("opportunity", "Opportunity", "#D4A72C", "pipeline"),
    ("customer", "Customer", "#2E9E5B", "won"),
    ("nurture", "Nurture", "#3AA6A0", "side"),
    ("disqualified", "Disqualified", "#C0504D", "side"),
]
FIRST = ["Jürgen", "Françoise", "Ayşe", "Ada", "Grace", "Łukasz", "Søren", "Zoë"]
LAST = ["Weißmann", "Lefèvre", "Öztürk", "Lovelace", "Hopper", "Wałęsa", "Kierkegaard"]


def make_winnow_file(path: Path, contacts: int, revision: str = "0001") -> None:
    """A database as Winnow at schema 0001 wrote it (raw SQL, no application id, WAL), with
    ``contacts`` contacts and their history, then upgraded to ``revision``."""
    engine = create_engine(f"sqlite:///{path}")
    upgrade_to_head(engine, str(path), target="0001")
    engine.dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA application_id=0")  # Winnow 0001 did not mark its files
    con.executemany(
        "INSERT INTO stages(key, name, color, position, kind) VALUES (?,?,?,?,?)",
        [(k, n, c, i, kind) for i, (k, n, c, kind) in enumerate(STAGES)],
    )
    con.executemany(
        "INSERT INTO bant_criteria(key, name, required, position) VALUES (?,?,1,?)",
        [(k, k.title(), i) for i, k in enumerate(["budget", "authority", "need", "timeframe"])],
    )
    rows = []
    for i in range(1, contacts + 1):
        first, last = FIRST[i % len(FIRST)], LAST[i % len(LAST)]
        email = f"{first[0].lower()}.{i}@firma-{i % 997}.de"
        rows.append(
            (
                i,
                first,
                last,
                f"{first} {last}",
                f"{last} {first}".lower(),
                email,
                email,
                f"Firma {i % 997} GmbH",
                ["Einkaufsleiter", "CTO", "Werkleiter", "Assistant"][i % 4],
                1 + i % 6,
                f"2026-01-{1 + i % 28:02d} 10:00:00.000000",
            )
        )
    con.executemany(
        "INSERT INTO contacts(id, first_name, last_name, name, sort_name, email,"
        " email_normalized, company, title, stage_id, created_at, consent, sales_ready)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?, 'unknown', 0)",
        rows,
    )
    con.executemany(
        "INSERT INTO stage_changes(contact_id, from_stage_id, to_stage_id, at, reason, automatic)"
        " VALUES (?, NULL, ?, '2026-01-01 10:00:00.000000', 'Imported', 0)",
        [(r[0], r[9]) for r in rows],
    )
    con.commit()
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    if revision != "0001":
        engine = create_engine(f"sqlite:///{path}")
        upgrade_to_head(engine, str(path), target=revision)
        engine.dispose()


def engine_at_revision(url: str, revision: str) -> Engine:
    """An engine on the (empty) database at ``url`` migrated up to ``revision`` only, as an
    older Winnow left it, holding one stage: 'suspect', id 1. The caller disposes of it."""
    engine = create_engine(url)
    upgrade_to_head(engine, target=revision)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO stages (id, key, name, color, position, kind) "
                "VALUES (1, 'suspect', 'Suspect', '#888888', 0, 'pipeline')"
            )
        )
    return engine


def database_at_head_or_before(url: str, where: str, migration: ModuleType) -> Iterator[Database]:
    """The database at ``url`` opened at the head (``where`` "head") or taken down to the
    revision before ``migration`` ("before"): a migration test's two sides. Closed after."""
    from alembic import command

    from db.migrate import alembic_config

    db = open_database(url)
    if where == "before":
        command.downgrade(alembic_config(db.engine), migration.down_revision)
        schema_changed(db.engine)  # opened at the head, taken down since
    yield db
    db.close()


def head_or_before_fixtures(migration: ModuleType) -> tuple[Any, Any]:
    """A migration test's two fixtures, to assign as ``backend, database = ...`` in its
    module: ``backend`` runs each test on SQLite and on PostgreSQL, ``database`` at the head
    and taken down to the revision before ``migration``."""

    @pytest.fixture(params=["sqlite", "postgresql"])
    def backend(request: pytest.FixtureRequest) -> str:
        return str(request.param)

    @pytest.fixture(params=["head", "before"])
    def database(request: pytest.FixtureRequest, db_url: str) -> Iterator[Database]:
        yield from database_at_head_or_before(db_url, request.param, migration)

    return backend, database


def contacts_in(path: Path, *, log_left_out: bool = False) -> int:
    """How many contacts the file holds, read without Winnow (read-only, nothing migrated);
    ``log_left_out``: in the file itself, its write-ahead log not read (an immutable read)."""
    how = "immutable=1" if log_left_out else "mode=ro"
    con = sqlite3.connect(f"file:{path}?{how}", uri=True)
    try:
        return int(con.execute("SELECT count(*) FROM contacts").fetchone()[0])
    finally:
        con.close()


def damage_middle(path: Path, pages: int = 4, table: str | None = None) -> None:
    """Overwrite a few whole pages in the middle of the file (or in the middle of ``table``'s
    pages), as a failing disk would."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    page_count = con.execute("PRAGMA page_count").fetchone()[0]
    if table is None:
        middle = page_count // 2
        numbers = list(range(middle, middle + pages))
    else:  # 1-based page numbers of the table's b-tree
        owned = [r[0] for r in con.execute("SELECT pageno FROM dbstat WHERE name = ?", (table,))]
        assert len(owned) > pages, f"{table} has too few pages to damage"
        start = len(owned) // 2
        numbers = [n - 1 for n in sorted(owned)[start : start + pages]]
    con.close()
    with path.open("r+b") as fh:
        for number in numbers:
            fh.seek(number * page_size)
            fh.write(bytes([0xA5, 0x17, 0xFF, 0x00]) * (page_size // 4))
    assert quick_check(path), "the damage went unnoticed: pick other pages"


def statements_run(db: Database, run: Callable[[], object], word: str) -> list[str]:
    """The statements holding ``word`` that ``run()`` has SQLite run, their values written in,
    as the driver traces them: those SQLAlchemy runs and those run on the driver's connection
    alone (app.aggregates.driver_reads, app.paging's kept statements), which SQLAlchemy's
    events do not see. Each is ready for ``EXPLAIN QUERY PLAN``."""
    seen: list[str] = []
    traced: list[Any] = []

    def trace(dbapi_conn: Any, *_args: object) -> None:
        dbapi_conn.set_trace_callback(seen.append)
        traced.append(dbapi_conn)

    event.listen(db.engine, "checkout", trace)
    try:
        run()
    finally:
        event.remove(db.engine, "checkout", trace)
        for dbapi_conn in traced:
            dbapi_conn.set_trace_callback(None)
    return [s for s in seen if word in s]

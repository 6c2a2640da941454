"""``winnow stats`` read with the driver alone (``app.metrics.plain_stats``, issue 15): the
ORM statements' text as SQLAlchemy compiles it, the same output as the usual opening's, the
cases it leaves to the usual opening, and a process that imports neither SQLAlchemy nor the
models. (``tests/app/test_aggregates.py`` compares every figure on random histories.)"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg

from app import aggregates, followup, metrics, stages
from app.cli import main
from app.commands import core
from app.timeutil import utcnow
from db.engine import Database
from db.models import BantCriterion, Contact, Setting, Source, Stage
from db.plain_open import plain_start
from tests.app.derived_rows import derived, lock_free, logged, plain_connection

ROOT = Path(__file__).resolve().parents[2]


def _compiled(stmt: Any) -> tuple[str, list[Any]]:
    c = stmt.compile(dialect=sqlite.dialect())
    return str(c), list(c.params.values())


def _compiled_pg(stmt: Any) -> tuple[str, dict[str, Any]]:
    c = stmt.compile(dialect=pg_psycopg.dialect())
    return str(c), dict(c.params)


def test_the_plain_statements_are_the_orms() -> None:
    stage_rows = select(Stage.id, Stage.key, Stage.name, Stage.position, Stage.kind).order_by(
        Stage.position, Stage.id
    )
    assert _compiled(stage_rows)[0] == metrics.STAGE_ROWS
    criteria = select(BantCriterion.id, BantCriterion.required)
    assert _compiled(criteria)[0] == metrics.CRITERIA_ROWS
    reached = select(Source.name, Source.reached).where(
        Source.reached.is_not(None), Source.reached > 0
    )
    assert _compiled(reached) == (metrics.REACHED, [0])
    like = reached.where(Source.name.ilike(metrics._like("Trade"), escape="\\"))
    assert _compiled(like) == (metrics.REACHED_LIKE, [0, "%trade%"])
    counts = (  # app.stages.stage_counts
        select(Stage.key, func.count(Contact.id))
        .select_from(Stage)
        .outerjoin(Contact, Contact.stage_id == Stage.id)
        .group_by(Stage.id)
        .order_by(Stage.position)
    )
    assert _compiled(counts)[0] == metrics.STAGE_COUNTS
    sla = select(Setting.value).where(Setting.key == followup.SLA_SETTING)  # read_setting's
    assert _compiled(sla) == (metrics.SLA_SETTING_ROW, [followup.SLA_SETTING])
    # PostgreSQL's (plain_stats through psycopg): as SQLAlchemy compiles them for psycopg
    assert _compiled_pg(stage_rows) == (metrics.STAGE_ROWS_PG, {})
    assert _compiled_pg(criteria) == (metrics.CRITERIA_ROWS_PG, {})
    assert _compiled_pg(reached) == (metrics.REACHED_PG, {"reached_1": 0})
    assert _compiled_pg(like) == (
        metrics.REACHED_LIKE_PG,
        {"reached_1": 0, "name_1": "%trade%"},
    )
    per_stage = select(func.count()).select_from(Contact).where(Contact.stage_id == Stage.id)
    counts_pg = select(Stage.key, per_stage.scalar_subquery()).order_by(Stage.position)
    assert _compiled_pg(counts_pg) == (metrics.STAGE_COUNTS_PG, {})  # stages._stage_counts_pg's


def test_the_plain_constants_are_the_owners() -> None:
    assert metrics._DEFAULT_SLA_HOURS == followup.DEFAULT_SLA_HOURS
    for day in (date(2026, 3, 29), date(2026, 10, 25), date(2026, 7, 1), date(2027, 1, 1)):
        assert metrics._local_midnight_utc(day) == followup.local_midnight_utc(day)


def test_plain_parameters_are_bound_as_the_engine_binds_them(tmp_path: Path) -> None:
    con = sqlite3.connect(tmp_path / "x.sqlite")
    plain = aggregates.Plain(con)
    at = datetime(2026, 6, 1, 12, 30, 15)
    rows = aggregates.read(
        plain,
        "SELECT :at, :day, 3 IN :some, 3 IN :none, :some2",
        {"at": at, "day": date(2026, 6, 1), "some": [1, 3], "none": [], "some2": "x"},
    )
    assert rows == [(1780317015, "2026-06-01", 1, 0, "x")]
    con.close()


def test_plain_parameters_on_postgresql_are_psycopgs() -> None:
    """``:name`` as psycopg's ``%(name)s`` (a cast's ``::`` and an escaped colon left alone, a
    ``%`` of the SQL doubled), lists expanded for ``IN``, values as they are."""
    at = datetime(2026, 6, 1, 12, 30, 15)
    sql, values = aggregates.pg_sql(
        "SELECT :at, CAST(:day AS DATE)::text, code % 64, 3 IN :some, x::int, '\\:no', :some2",
        {"at": at, "day": date(2026, 6, 1), "some": [1, 3], "some2": "x"},
    )
    assert sql == (
        "SELECT %(at)s, CAST(%(day)s AS DATE)::text, code %% 64, 3 IN (%(some__0)s, %(some__1)s),"
        " x::int, '\\:no', %(some2)s"
    )
    assert values == {"at": at, "day": date(2026, 6, 1), "some__0": 1, "some__1": 3, "some2": "x"}


def _winnow(args: list[str], db: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["--db", db, *args])
    return code, capsys.readouterr().out


def _options() -> list[list[str]]:
    """A period, a source, both, the cohort view: days around the demo's history."""
    today = date.today()
    day = lambda n: (today - timedelta(days=n)).isoformat()  # noqa: E731
    return [
        [],
        ["--source", "trade"],
        ["--since", day(90), "--until", day(20)],
        ["--since", f"{day(45)}T10:00", "--cohort", "--source", "web"],
        ["--until", day(60)],
    ]


@pytest.mark.parametrize("case", range(5))
def test_stats_reads_plainly_what_the_usual_opening_prints(
    demo_db: Database,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    case: int,
) -> None:
    """Byte for byte, on SQLite (the driver's file) and PostgreSQL (psycopg alone)."""
    args = _options()[case]
    metrics.compute_metrics(demo_db)  # the derived rows current (the demo left them so too)
    where = demo_db.url  # the file's or the server's
    demo_db.close()
    now = utcnow()  # the same "now" both ways (which waiting inquiries are overdue)
    monkeypatch.setattr(metrics, "utcnow", lambda: now)
    took: list[bool] = []
    real = metrics.plain_stats

    def spy(*a: Any, **k: Any) -> Any:
        found = real(*a, **k)
        took.append(found is not None)
        return found

    monkeypatch.setattr(metrics, "plain_stats", spy)
    outputs = []
    for json_args in (["--json"], []):
        plain = _winnow(["stats", *json_args, *args], where, capsys)
        with monkeypatch.context() as m:
            m.setattr(core, "_plain_stats", lambda *_a: None)  # the usual opening
            usual = _winnow(["stats", *json_args, *args], where, capsys)
        assert plain == usual
        assert plain[0] == 0
        outputs.append(plain[1])
    assert took == [True, True]  # the plain read did answer both
    data = json.loads(outputs[0])
    assert data["total"] == 300 and list(data)[:3] == ["total", "stages", "period"]
    assert "Contacts by stage" in outputs[1]


@pytest.mark.sqlite_only
def test_a_usage_error_is_the_same(db: Database, db_path: Path) -> None:
    db.close()
    assert main(["--db", str(db_path), "stats", "--since", "2026-02-01", "--until", "2026-01-01"])
    assert main(["--db", str(db_path), "stats", "--since", "garbage"]) == 2


def _logged(db_path: Path) -> int:
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return int(con.execute("SELECT COUNT(*) FROM metric_dirty").fetchone()[0])
    finally:
        con.close()


def _edits(db: Database, tmp_path: Path) -> None:
    """A few edits of every kind the log names: new contacts, moves, a move undone and done
    again, BANT answers, a deal's amount, contacts deleted, two imports and one of them
    undone."""
    from app import operations
    from app.importing.batches import undo_import
    from app.importing.service import import_file

    made = [
        operations.create_contact(
            db, first_name=f"P{i}", email=f"p{i}@firma{i}.de", stage="inquiry", source="web"
        ).value
        for i in range(3)
    ]
    operations.move_contacts(db, [made[0], 12, 40], "opportunity")
    operations.move_contacts(db, [made[1], 41], "customer")
    operations.undo_operation(db)
    operations.redo_operation(db)
    operations.move_contacts(db, [7], "disqualified")
    operations.set_bant(db, made[2], {"budget": "yes", "authority": "yes", "need": "yes"})
    operations.set_bant(db, 12, {"budget": "no"})
    operations.set_deal(db, made[0], 12000.5, None)
    operations.set_deal(db, 40, None, None)
    operations.delete_contacts(db, [41, 60])
    batches = []
    for n in range(2):
        path = tmp_path / f"list{n}.csv"
        rows = [f"Imported {n}-{i},imp{n}-{i}@firm-i{i}.de,Firm" for i in range(3)]
        path.write_text("name,email,company\n" + "\n".join(rows) + "\n", encoding="utf-8")
        report = import_file(db, path, source="Bought list", stage="inquiry")
        assert report.batch_id is not None
        batches.append(report.batch_id)
    undo_import(db, batches[0], including_later_work=True)


@pytest.mark.parametrize(("bulk", "libpq"), [(None, True), (5, True), (None, False)])
def test_a_few_edits_behind_are_brought_up_to_date_through_the_driver(
    demo_db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bulk: int | None,
    libpq: bool,
) -> None:
    """The first ``stats`` after a few edits derives the edited contacts' rows through the
    driver (``aggregates.plain_refresh``: sqlite3, or psycopg under PostgreSQL's write lock)
    and answers: the rows are then those every row derived again gives, and the numbers the
    usual opening's — the changed rows updated one by one, or (more than ``BULK`` of them) by
    their ids at once. The write lock is given back. On PostgreSQL through psycopg's libpq
    layer alone (as a process reads) and through psycopg whole."""
    if demo_db.is_sqlite and not libpq:
        pytest.skip("psycopg's: on SQLite the same as the first case")
    if bulk is not None:
        monkeypatch.setattr(aggregates, "BULK", bulk)
    bulk_reads: list[str] = []
    real_bulk = aggregates._apply_bulk

    def spy(s: Any, deltas: Any) -> None:
        bulk_reads.append(type(s).__name__)
        real_bulk(s, deltas)

    monkeypatch.setattr(aggregates, "_apply_bulk", spy)
    now = utcnow()
    metrics.compute_metrics(demo_db)
    _edits(demo_db, tmp_path)
    assert 0 < logged(demo_db) <= aggregates.PLAIN_REFRESH_MOST
    con = plain_connection(demo_db, libpq)
    try:
        found = metrics.plain_stats(con, now=now)
    finally:
        con.close()
    assert found is not None
    reader = "Plain" if demo_db.is_sqlite else "PlainPg"
    assert bulk_reads == ([] if bulk is None else [reader])
    assert logged(demo_db) == 0 and lock_free(demo_db)
    refreshed = derived(demo_db)
    expected: dict[str, Any] = {"total": 0, "stages": stages.stage_counts(demo_db)}
    expected["total"] = sum(expected["stages"].values())
    expected.update(metrics.compute_metrics(demo_db, now=now).as_json())
    assert found[0] == expected and list(found[0]) == list(expected)
    with demo_db.write_session() as s:  # every row derived again, the usual way
        s.execute(text("DELETE FROM metric_meta WHERE key = 'signature'"))
    metrics.compute_metrics(demo_db, now=now)
    assert derived(demo_db) == refreshed


@pytest.mark.sqlite_only
def test_rows_far_behind_or_an_import_running_are_the_usual_openings(
    db: Database, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing written and None (the usual opening answers) for more log entries than the
    driver takes, rows of another definition, the write lock held elsewhere (not waited
    for) and an import being written; a few entries are brought up to date."""
    from app import operations

    operations.create_contact(db, first_name="Ada", email="ada@example.com", stage="inquiry")
    operations.create_contact(db, first_name="Bob", email="bob@example.com", stage="inquiry")
    start = plain_start(db_path)
    assert start is not None
    con = start.connect()
    try:
        entries = logged(db)
        monkeypatch.setattr(aggregates, "PLAIN_REFRESH_MOST", entries - 1)
        assert metrics.plain_stats(con) is None
        assert logged(db) == entries
        monkeypatch.setattr(aggregates, "PLAIN_REFRESH_MOST", entries)
        with db.engine.begin() as conn:  # rows derived under other stages: every row again
            conn.execute(text("UPDATE metric_meta SET value = 'x' WHERE key = 'signature'"))
        assert metrics.plain_stats(con) is None
        assert logged(db) == entries
        metrics.compute_metrics(db)
        operations.create_contact(db, first_name="Cy", email="cy@example.com", stage="inquiry")
        other = sqlite3.connect(db_path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # another writer
            assert metrics.plain_stats(con) is None
            other.execute("ROLLBACK")
        finally:
            other.close()
        assert logged(db) > 0
        found = metrics.plain_stats(con)
        assert found is not None and found[0]["inquiries"] == 3
        assert logged(db) == 0
        _import_running(db)
        assert metrics.plain_stats(con) is None  # its contacts hidden: the ORM path's filter
    finally:
        con.close()


@pytest.mark.sqlite_only
def test_the_dashboard_reads_through_the_driver_what_the_orm_reads(demo_db: Database) -> None:
    """On SQLite with the derived rows current the dashboard and ``stats`` in process read
    everything through the driver in one transaction (``_compute_plain``): the same figures,
    weeks, months, source names and SLA as the ORM path and the reference; an import being
    written, or rows not current, are left to the usual path."""
    from app import operations

    followup.set_sla_hours(demo_db, 7.5)
    now = utcnow()
    metrics.compute_metrics(demo_db, now=now)  # the derived rows current
    periods: list[dict[str, Any]] = [
        {},
        {"since": now - timedelta(weeks=12, hours=5)},
        {"source": "trade", "since": now - timedelta(days=40), "until": now - timedelta(days=3)},
        {"source": "web", "cohort": True},
    ]
    for period in periods:
        found = metrics._compute_plain(
            demo_db,
            period.get("since"),
            period.get("until"),
            period.get("source"),
            now,
            True,
            bool(period.get("cohort")),
        )
        assert found is not None  # the driver's path answered
        plain, names, sla = found
        reference = metrics.dashboard_data(demo_db, now=now, reference=True, **period)
        assert plain.as_json() == reference.metrics.as_json()
        assert (plain.weeks, plain.months) == (reference.metrics.weeks, reference.metrics.months)
        assert (names, sla) == (list(reference.sources), reference.sla_hours) and sla == 7.5
        assert metrics.dashboard_data(demo_db, now=now, **period) == metrics.Dashboard(
            plain, sla, tuple(names)
        )
    operations.create_contact(demo_db, first_name="Ada", email="ada@example.com", stage="inquiry")
    assert metrics._compute_plain(demo_db, None, None, None, now, True, False) is None
    metrics.compute_metrics(demo_db, now=now)  # brought up to date again
    assert metrics._compute_plain(demo_db, None, None, None, now, True, False) is not None
    _import_running(demo_db)
    assert metrics._compute_plain(demo_db, None, None, None, now, True, False) is None


def test_stats_on_either_database_prints_the_numbers(
    demo_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    """On PostgreSQL (no plain start) and SQLite alike, the command answers the numbers."""
    expected = metrics.compute_metrics(demo_db).as_json()
    code, out = _winnow(["stats", "--json"], demo_db.url, capsys)
    assert code == 0
    data = json.loads(out)
    assert data["inquiries"] == expected["inquiries"]
    assert data["funnel"] == expected["funnel"]


PROBE = """
import json, sys
from app.cli import main
code = main(sys.argv[1:])
print(json.dumps([code, sorted(sys.modules)]), file=sys.stderr)
"""
NEVER = ("sqlalchemy", "db.models", "db.engine", "alembic", "phonenumbers", "email_validator")


def _import_running(db: Database) -> None:
    """An import batch left running (its contacts are hidden from every count)."""
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO import_batches (created_at, state, owner, heartbeat_at,"
                " read_count, imported_count, updated_count, skipped_count, rejected_count)"
                " VALUES (:at, 'running', 'here:1', :at, 0, 0, 0, 0, 0)"
            ),
            {"at": datetime(2026, 1, 1)},
        )


def _stats_process(where: str, args: list[str]) -> tuple[int, str, list[str]]:
    """``winnow --db WHERE ARGS`` in a process of its own (:data:`PROBE`): its exit code, its
    output and the modules it imported."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, "--db", where, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    code, modules = json.loads(out.stderr.splitlines()[-1])
    return code, out.stdout, modules


def test_stats_in_a_process_of_its_own_imports_no_sqlalchemy(
    demo_db: Database, backend: str, tmp_path: Path
) -> None:
    """A few edits behind too (the first brings the rows up to date through the driver):
    sqlite3 alone, or on PostgreSQL psycopg's libpq layer alone."""
    from app import operations

    metrics.compute_metrics(demo_db)
    operations.move_contacts(demo_db, [5], "customer")
    assert logged(demo_db) > 0
    db_path = tmp_path / "winnow.sqlite"
    where = demo_db.url  # (on SQLite a sqlite:/// address: read as plainly as the file's path)
    assert where.startswith("sqlite:///") == (backend == "sqlite")
    if backend == "sqlite":
        demo_db.close()  # (nobody else has the file)
    for args in (["stats", "--json"], ["stats", "--source", "web"]):
        code, stdout, modules = _stats_process(where, args)
        assert code == 0 and "app.metrics" in modules
        loaded = sorted(m for m in modules if m.startswith(NEVER))
        assert not loaded, loaded
        assert ("psycopg" in modules) == (backend == "postgresql")
        if backend == "postgresql":  # psycopg's libpq layer alone (db.plain_pg)
            assert "psycopg.pq" in modules and "psycopg.connection" not in modules
        assert (_logged(db_path) if backend == "sqlite" else logged(demo_db)) == 0
    assert "Contacts by stage" in stdout


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://anna@127.0.0.1:5433/crm",
        "postgresql+psycopg://anna:s%40cr%3At@crm.example.lan/winnow?sslmode=require",
        "postgresql+psycopg://[::1]:5432/crm?application_name=winnow&connect_timeout=3",
        "postgresql+psycopg:///crm",
        "postgresql+psycopg://",
        "postgresql+psycopg://anna@/crm?host=/run/postgresql",
        "postgresql+psycopg://anna@/crm?host=a:5432&host=b:5433",
        "postgresql+psycopg://anna@h/crm?sslmode=a&sslmode=b",
        "postgresql+psycopg2://anna@localhost/crm",
        "postgresql://anna@localhost/crm",
    ],
)
def test_psycopg_is_given_what_sqlalchemy_gives_it(url: str) -> None:
    """``db.plain_pg.connect_args``: the connection arguments of SQLAlchemy's psycopg dialect
    for the same address, or None where it reads the address otherwise (several hosts, an
    option twice, another driver)."""
    from sqlalchemy.engine import make_url

    from db.plain_pg import connect_args

    found = connect_args(url)
    parsed = make_url(url)
    if parsed.drivername != "postgresql+psycopg" or any(
        isinstance(v, tuple) for v in parsed.query.values()
    ):
        assert found is None
        return
    if "host" in parsed.query:  # one host in the query: left to the usual opening as well
        assert found is None
        return
    cargs, cparams = pg_psycopg.dialect().create_connect_args(parsed)
    assert found is not None and cargs in ([], [""])
    cparams.pop("context", None)  # the dialect's adapters (none that the reads use)
    assert found == cparams


def test_plain_start_on_postgresql_only_at_the_head(
    db: Database, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database at the head revision with its default rows is read through psycopg; one at
    another revision, without its stages, or out of reach is the usual opening's."""
    if backend != "postgresql":
        pytest.skip("db.plain_pg is PostgreSQL's; SQLite's is tests/db/test_plain_open.py")
    from db import plain_pg

    start = plain_pg.plain_pg_start(db.url)
    assert start is not None
    con = start.connect()
    assert con.execute("SELECT 1").fetchone() == (1,)
    con.close()
    con = start.connect()  # a new one once the first is taken
    assert con.execute("SELECT 2").fetchone() == (2,)
    con.close()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    assert plain_pg.plain_pg_start(db.url) is None
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE alembic_version SET version_num = :head"), {"head": start.revision}
        )
    again = plain_pg.plain_pg_start(db.url)
    assert again is not None
    again.close()  # (its checking connection, not taken)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM bant_answers"))
        conn.execute(text("DELETE FROM bant_criteria"))
    assert plain_pg.plain_pg_start(db.url) is None
    port = int(str(db.engine.url.port))
    closed = db.url.replace(f":{port}/", f":{_free_port()}/")
    assert plain_pg.plain_pg_start(closed) is None  # nobody there: the usual opening says so


def test_a_server_that_does_not_answer_is_waited_for_a_short_while(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The plain read's connection gives up after ``PLAIN_CONNECT_TIMEOUT_S`` (the usual
    opening then tries, and says what it found): a server that takes the connection and says
    nothing is not waited for twice as long as the usual opening waits."""
    import socket
    import time

    from db import plain_pg

    monkeypatch.setattr(plain_pg, "PLAIN_CONNECT_TIMEOUT_S", 1)
    with socket.socket() as mute:
        mute.bind(("127.0.0.1", 0))
        mute.listen(4)  # connections taken (by the kernel), never answered
        port = mute.getsockname()[1]
        start = time.monotonic()
        assert plain_pg.plain_pg_start(f"postgresql+psycopg://anna@127.0.0.1:{port}/crm") is None
        assert time.monotonic() - start < 10


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_on_postgresql_rows_far_behind_the_lock_held_or_an_import_running_are_the_usual_openings(
    demo_db: Database, backend: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """Through psycopg rows a few entries behind are brought up to date under the write lock
    and read; None, nothing written, for more entries than the driver takes, rows of another
    definition, the write lock held by a write operation (not waited for), a role that may
    not write, and an import being written (its contacts hidden). The figures are the usual
    path's."""
    if backend != "postgresql":
        pytest.skip("SQLite's: test_rows_far_behind_or_an_import_running_are_the_usual_openings")
    from app import operations
    from db.plain_pg import plain_pg_start
    from tests.pg_roles import read_only_role

    now = utcnow()

    def plain(url: str = demo_db.url) -> Any:
        start = plain_pg_start(url)
        assert start is not None
        con = start.connect()
        try:
            return metrics.plain_stats(con, now=now)
        finally:
            con.close()

    def usual() -> dict[str, Any]:
        expected: dict[str, Any] = {"stages": stages.stage_counts(demo_db)}
        expected["total"] = sum(expected["stages"].values())
        expected.update(metrics.compute_metrics(demo_db, now=now).as_json())
        return expected

    metrics.compute_metrics(demo_db, now=now)
    found = plain()
    assert found is not None and found[0] == usual()
    operations.move_contacts(demo_db, [5], "customer")
    operations.move_contacts(demo_db, [6, 7], "opportunity")
    before = logged(demo_db)
    monkeypatch.setattr(aggregates, "PLAIN_REFRESH_MOST", before - 1)
    assert plain() is None and logged(demo_db) == before  # too many for the driver
    monkeypatch.setattr(aggregates, "PLAIN_REFRESH_MOST", before)
    with demo_db.write_session():  # a write operation holds the write lock
        assert plain() is None
    assert logged(demo_db) == before
    cluster = request.getfixturevalue("postgresql_cluster")
    with read_only_role(cluster, demo_db.url, f"reader{os.getpid()}") as url:
        assert plain(url) is None  # may not write: the usual path computes from the history
    assert logged(demo_db) == before and lock_free(demo_db)
    found = plain()  # brought up to date through psycopg
    assert found is not None and logged(demo_db) == 0 and lock_free(demo_db)
    assert found[0] == usual()
    with demo_db.engine.begin() as conn:  # rows derived under other stages
        conn.execute(text("UPDATE metric_meta SET value = 'x' WHERE key = 'signature'"))
    operations.move_contacts(demo_db, [8], "customer")
    assert plain() is None and logged(demo_db) > 0
    metrics.compute_metrics(demo_db, now=now)  # every row derived again by the usual path
    assert plain() is not None
    _import_running(demo_db)
    assert plain() is None  # its contacts hidden: the usual path's filter


def test_on_postgresql_a_process_reads_through_libpq_what_the_usual_opening_prints(
    demo_db: Database,
    backend: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    """A process of its own on PostgreSQL reads with psycopg's libpq layer alone (psycopg's
    package init skipped, its types turned here: ``db.plain_pg.LibpqConnection``): byte for
    byte the usual opening's output, JSON and text, for every option set, also a few edits
    behind (brought up to date through libpq); and where the plain read declines (rows of
    another definition) psycopg is made whole and the usual opening answers in the same
    process."""
    if backend != "postgresql":
        pytest.skip("the libpq layer is PostgreSQL's; SQLite's process: the tests above")
    from app import operations

    metrics.compute_metrics(demo_db)
    where = demo_db.url
    monkeypatch.setattr(core, "_plain_stats", lambda *_a: None)  # in this process: the usual

    def usual(args: list[str]) -> str:
        code, out = _winnow(args, where, capsys)
        assert code == 0
        return out

    def process(args: list[str]) -> tuple[str, list[str]]:
        code, stdout, modules = _stats_process(where, args)
        assert code == 0
        return stdout, modules

    for options in _options():
        for json_args in (["--json"], []):
            args = ["stats", *json_args, *options]
            before = usual(args)
            found, modules = process(args)
            # (a response falling due between the reads changes the figures: either side's)
            assert found in (before, usual(args)), args
            assert "psycopg.pq" in modules and "psycopg.connection" not in modules
            assert "sqlalchemy" not in modules
    operations.move_contacts(demo_db, [5], "customer")  # logged: brought up to date by libpq
    operations.undo_operation(demo_db)
    operations.move_contacts(demo_db, [5, 6], "opportunity")
    args = ["stats", "--json"]
    assert logged(demo_db) > 0
    found, modules = process(args)
    assert "sqlalchemy" not in modules and "psycopg.connection" not in modules
    assert logged(demo_db) == 0
    assert found == usual(args)
    with demo_db.engine.begin() as conn:  # rows of another definition: the plain read declines
        conn.execute(text("UPDATE metric_meta SET value = 'x' WHERE key = 'signature'"))
    found, modules = process(args)
    assert "sqlalchemy" in modules and "psycopg.connection" in modules  # the usual opening
    assert found == usual(args)
    port = int(str(demo_db.engine.url.port))
    closed = where.replace(f":{port}/", f":{_free_port()}/")  # nobody there
    out = subprocess.run(
        [sys.executable, "-c", PROBE, "--db", closed, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    *said, last = out.stderr.splitlines()
    assert json.loads(last)[0] == main(["--db", closed, *args]) == 1
    assert said == capsys.readouterr().err.splitlines()  # the usual opening's words
    cluster = request.getfixturevalue("postgresql_cluster")
    empty = cluster.empty_database()  # no tables: the check's statement fails through libpq
    try:
        out = subprocess.run(
            [sys.executable, "-c", PROBE, "--db", empty, *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert json.loads(out.stdout)["total"] == 0  # made and answered by the usual opening
    finally:
        cluster.drop_database(empty)

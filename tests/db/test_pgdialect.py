"""PostgreSQL: a new engine's first connection asks the server one question, not six
(db.pgdialect), and learns what SQLAlchemy's own dialect learns."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from psycopg import pq
from sqlalchemy import Engine, create_engine, event

from db.engine import open_database
from db.pgdialect import WinnowPsycopgDialect, engine_url
from tests.postgres_cluster import Cluster


@pytest.fixture
def backend() -> str:
    return "postgresql"


@contextmanager
def first_connection(address: Any) -> Iterator[tuple[Engine, list[str]]]:
    """An engine on ``address`` and what its first connection sent the server (libpq's trace
    of the client's messages, started before SQLAlchemy's first-connection questions)."""
    engine = create_engine(address, use_native_hstore=False)
    sent: list[str] = []
    with tempfile.TemporaryFile() as trace:

        def traced(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.pgconn.trace(trace.fileno())
            dbapi_conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

        event.listen(engine, "connect", traced, insert=True)  # before the dialect's questions
        try:
            with engine.connect():
                pass
            trace.seek(0)
            for line in trace.read().decode().splitlines():
                parts = line.split("\t")
                if parts[0] == "F" and parts[2] in ("Query", "Parse"):
                    sent.append(parts[3].strip().strip('"'))
            yield engine, sent
        finally:
            engine.dispose()


def _answers(engine: Engine) -> tuple[Any, ...]:
    d: Any = engine.dialect
    return (
        d.server_version_info,
        d.default_schema_name,
        d.default_isolation_level,
        d._backslash_escapes,
        d.supports_identity_columns,
        d.insert_returning,
    )


def test_the_first_connection_asks_once_and_learns_the_same(db_url: str) -> None:
    with first_connection(db_url) as (theirs, asked_by_sqlalchemy):
        expected = _answers(theirs)
    with first_connection(engine_url(db_url)) as (ours, asked):
        assert isinstance(ours.dialect, WinnowPsycopgDialect)
        assert _answers(ours) == expected
    assert asked_by_sqlalchemy[0] == "BEGIN" and asked_by_sqlalchemy[-1] == "ROLLBACK"
    assert len(asked_by_sqlalchemy) == 6
    assert asked == ["SELECT current_schema(), current_setting('transaction_isolation')"]


def test_what_the_database_sets_is_what_the_dialect_reads(
    db_url: str, postgresql_cluster: Cluster
) -> None:
    """A database whose default isolation level and schema path are not the server's
    defaults: the answers come from the server, as SQLAlchemy's own dialect reads them."""
    name = db_url.rsplit("/", 1)[1]
    postgresql_cluster.execute(
        f"ALTER DATABASE {name} SET default_transaction_isolation = 'repeatable read'",
        f"ALTER DATABASE {name} SET search_path = pg_catalog, public",
        "CREATE SCHEMA IF NOT EXISTS winnow_x",
        database=name,
    )
    with first_connection(db_url) as (theirs, _asked):
        expected = _answers(theirs)
    with first_connection(engine_url(db_url)) as (ours, _asked):
        assert _answers(ours) == expected
    assert expected[1:3] == ("pg_catalog", "REPEATABLE READ")


def test_opening_a_database_uses_it_and_every_other_address_is_left_as_it_is(
    db_url: str, tmp_path: Any
) -> None:
    database = open_database(db_url)
    try:
        assert isinstance(database.engine.dialect, WinnowPsycopgDialect)
        assert database.url == db_url
        with database.session() as s:  # an ordinary read on it
            assert s.connection().exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        database.close()
    assert engine_url(f"sqlite:///{tmp_path}/x.sqlite") == f"sqlite:///{tmp_path}/x.sqlite"
    assert engine_url("postgresql+pg8000://u@h/d") == "postgresql+pg8000://u@h/d"


@contextmanager
def sent_to_the_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """What every psycopg connection made inside sends the server, a round trip each
    (libpq's trace of the client's messages: simple queries, and each extended query's
    Parse), filled in as the block ends. The test cluster's own connections are left out:
    the next test's database copied in the background meanwhile ('CREATE DATABASE …' was
    counted in one run under load)."""
    import psycopg

    sent: list[str] = []
    real = psycopg.connect
    traced: list[Any] = []
    with tempfile.TemporaryFile() as trace:

        def connect(*args: Any, **kwargs: Any) -> Any:
            conn = real(*args, **kwargs)
            if trace.closed:  # another thread's connection ended after the block: not traced
                return conn
            if threading.current_thread().name.startswith("winnow-pg"):
                return conn  # the test cluster's own (a spare database copied meanwhile)
            conn.pgconn.trace(trace.fileno())
            conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
            traced.append(conn)
            return conn

        monkeypatch.setattr(psycopg, "connect", connect)
        try:
            yield sent
        finally:
            monkeypatch.undo()
            for conn in traced:  # one left open writes no more into the file closed below
                if not conn.closed:
                    conn.pgconn.untrace()
        trace.seek(0)
        for line in trace.read().decode().splitlines():
            parts = line.split("\t")
            if parts[0] == "F" and parts[2] in ("Query", "Parse"):
                sent.append(" ".join(parts[3].strip().strip('"').split()))


def test_opening_asks_for_the_schema_with_the_first_connections_question(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The opening's check (the schema's revision, the default rows) rides on the dialect's
    one question: one round trip for an opening, not two."""
    with sent_to_the_server(monkeypatch) as sent:
        database = open_database(db_url)
        database.close()
    assert len(sent) == 1
    assert sent[0].startswith(
        "SELECT current_schema(), current_setting('transaction_isolation'), "
        "(SELECT max(version_num) FROM alembic_version)"
    )


def test_a_new_database_is_opened_and_made_as_before(
    postgresql_cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No tables yet: the first question without the check, then the migrations."""
    from app.stages import list_stages

    url = postgresql_cluster.empty_database()
    try:
        with sent_to_the_server(monkeypatch) as sent:
            database = open_database(url)
            try:
                assert [s.key for s in list_stages(database)][:2] == ["suspect", "inquiry"]
            finally:
                database.close()
        first = "SELECT current_schema(), current_setting('transaction_isolation')"
        assert sent[0].startswith(f"{first}, (SELECT max(version_num)")  # failed: no table
        assert sent[1] == first
        assert len(sent) > 10  # the migrations
    finally:
        postgresql_cluster.drop_database(url)


@pytest.mark.gui
def test_the_lists_first_page_after_opening_is_seven_round_trips(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening, then the list's first page (stages, criteria, count, first ids, their rows
    and BANT marks): the opening's check with the first question; the stages with the rest
    of the reference data; the kept number of contacts without asking whether its table is
    there (opened at the head revision); the criteria's order with the answers."""
    from app.demo import generate_demo
    from ui.contact_table import ContactTableModel

    database = open_database(db_url)
    generate_demo(database, 300, seed=7)
    database.close()
    with sent_to_the_server(monkeypatch) as sent:
        database = open_database(db_url)
        try:
            model = ContactTableModel(database)
            marks = [model.data(model.index(row, 0)) for row in range(40)]
        finally:
            database.close()
    assert all(marks)
    kinds = [s.split(" FROM ")[0][:40] for s in sent]
    assert len(sent) == 7, kinds
    assert not any("to_regclass" in s for s in sent)
    assert sum("FROM bant_criteria" in s for s in sent) == 2  # the opening's check, the marks

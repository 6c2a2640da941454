"""Shared fixtures. Qt runs offscreen; every database is a real SQLite file in a temp dir, and
the store tests (``BOTH_DATABASES``) run a second time on a real PostgreSQL server on loopback."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")

import atexit
import shutil
import socket
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from db.engine import Database, open_database, sqlite_path
from tests import network_guard
from tests.postgres_cluster import Cluster, PostgresUnavailable

# Offline by construction (ARCHITECTURE.md): from here on nothing reaches beyond loopback, in this
# process or in the Python subprocesses tests start. tests/network_guard.py wraps the socket
# calls that connect, send datagrams or resolve names (socket.socket.connect/connect_ex/sendto/
# sendmsg, socket.create_connection, socket.getaddrinfo, gethostbyname…): loopback and Unix
# sockets pass, anything else raises and is recorded, and ``_offline`` fails the test.
_UNGUARDED = (socket.socket.connect, socket.socket.sendto, socket.getaddrinfo)
network_guard.install()
if (socket.socket.connect, socket.socket.sendto, socket.getaddrinfo) == _UNGUARDED:
    raise RuntimeError("the network guard did not install: tests could reach past loopback")
_guard_dir = Path(tempfile.mkdtemp(prefix="winnow-offline-"))
atexit.register(shutil.rmtree, _guard_dir, ignore_errors=True)
network_guard.guard_subprocesses(_guard_dir)


@pytest.fixture(autouse=True)
def _offline() -> Iterator[None]:
    """Fail the test that tried to reach the network, even if the code under test caught it."""
    yield
    attempts = network_guard.take_attempts()
    if attempts:
        details = "\n".join(attempt.describe() for attempt in attempts)
        pytest.fail(
            f"{len(attempts)} network access(es) beyond loopback blocked:\n{details}",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the user's real data folder, settings or DNS configuration."""
    monkeypatch.delenv("WINNOW_DB", raising=False)
    monkeypatch.delenv("WINNOW_NAMESERVER", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    # Qt reads XDG_CONFIG_HOME once per process: each test's window settings (QSettings: the
    # detail panel per view, the board's collapsed columns, sizes) in a folder of its own
    from PySide6.QtCore import QSettings

    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "qt-settings"))


# The store, operation, import, metrics and CLI tests: every test in these folders and modules
# that uses the ``db`` fixture runs on SQLite and on PostgreSQL (ids ``[sqlite]``,
# ``[postgresql]``), unless marked ``sqlite_only`` (it is about the SQLite file itself).
BOTH_DATABASES = (
    "tests/db/test_migration_0010.py",
    "tests/db/test_migration_0011.py",
    "tests/db/test_idlist.py",
    "tests/db/test_migrations.py",
    "tests/db/test_store.py",
    "tests/app/importing/",
    "tests/app/golook/test_checks.py",
    "tests/app/golook/test_cli.py",
    "tests/app/golook/test_demo_evidence.py",
    "tests/app/golook/test_trust.py",
    "tests/app/test_activity_corrections.py",
    "tests/app/test_aggregates.py",
    "tests/app/test_cli.py",
    "tests/app/test_contacts.py",
    "tests/app/test_copy_to.py",
    "tests/app/test_exporting.py",
    "tests/app/test_followup.py",
    "tests/app/test_gates.py",
    "tests/app/test_inbound.py",
    "tests/app/test_metrics.py",
    "tests/app/test_metrics_periods.py",
    "tests/app/test_metrics_plain.py",
    "tests/app/test_moves.py",
    "tests/app/test_operations.py",
    "tests/app/test_paging.py",
    "tests/app/test_qualification.py",
    "tests/app/test_reference.py",
    "tests/app/test_search.py",
    "tests/app/test_scoring.py",
    "tests/app/test_scoring_pass.py",
    "tests/app/test_scoring_moves.py",
    "tests/app/test_stages.py",
    "tests/app/test_undo_cli.py",
)
BACKENDS = ("sqlite", "postgresql")
_ROOT = Path(__file__).resolve().parents[1]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    if any(m.name == "sqlite_only" for m in metafunc.definition.iter_markers()):
        return
    where = Path(metafunc.definition.path).resolve().relative_to(_ROOT).as_posix()
    if where.startswith(BOTH_DATABASES):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """Which database the ``db`` fixture is: ``sqlite``, or ``postgresql`` for the second run
    of a store test (see ``BOTH_DATABASES``)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def postgresql_cluster() -> Iterator[Cluster]:
    """A throw-away PostgreSQL server for this test session, with a migrated template database.

    Skipped (with the reason) where PostgreSQL is not installed; under CI (``CI`` set) that is
    a failure instead, so CI never passes without having run the PostgreSQL half."""
    try:
        cluster = Cluster.start()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {exc}", pytrace=False)
        pytest.skip(f"PostgreSQL tests skipped: {exc}")
    try:
        cluster.create_template()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """Where this test's database is: a file in the temp dir, or a fresh PostgreSQL database
    copied from the migrated template (dropped afterwards). Pass it to ``open_database`` or
    ``--db`` to reach the same database again."""
    if backend != "postgresql":
        yield str(tmp_path / "winnow.sqlite")
        return
    cluster: Cluster = request.getfixturevalue("postgresql_cluster")
    url = cluster.new_database()
    yield url
    cluster.drop_database(url)


@pytest.fixture
def empty_db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """Where an empty database is (no schema yet): for migration tests."""
    if backend != "postgresql":
        yield str(tmp_path / "empty.sqlite")
        return
    cluster: Cluster = request.getfixturevalue("postgresql_cluster")
    url = cluster.empty_database()
    yield url
    cluster.drop_database(url)


@pytest.fixture
def copy_database(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[Database], str]]:
    """``copy_database(db)``: where a copy of ``db`` as it is now is (for ``open_database``)."""
    made: list[str] = []

    def copy(database: Database) -> str:
        if backend == "postgresql":
            cluster: Cluster = request.getfixturevalue("postgresql_cluster")
            database.engine.dispose()  # nobody may be connected to the database copied
            made.append(cluster.copy_database(database.url))
            return made[-1]
        src_path = sqlite_path(database.url)
        assert src_path is not None
        to = tmp_path / f"copy-{len(made)}.sqlite"
        src, dst = sqlite3.connect(src_path), sqlite3.connect(to)
        src.backup(dst)  # WAL included
        dst.close()
        src.close()
        made.append(str(to))
        return made[-1]

    yield copy
    if backend == "postgresql":
        cluster = request.getfixturevalue("postgresql_cluster")
        for url in made:
            cluster.drop_database(url)


@pytest.fixture
def db_path(backend: str, tmp_path: Path) -> Path:
    """The SQLite file of ``db`` (a test that needs the file itself is ``sqlite_only``)."""
    if backend != "sqlite":
        pytest.fail(
            "db_path is the SQLite file: use db_url (or db.url) on both databases, "
            "or mark the test sqlite_only",
            pytrace=False,
        )
    return tmp_path / "winnow.sqlite"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """A fresh, migrated database with the default stages."""
    database = open_database(db_url)
    yield database
    database.close()


@pytest.fixture
def demo_db(db: Database) -> Database:
    """A database with 300 deterministic demo contacts."""
    from app.demo import generate_demo

    generate_demo(db, 300, seed=7)
    return db

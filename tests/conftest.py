"""Shared fixtures. Qt runs offscreen; every database is a real SQLite file in a temp dir."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.engine import Database, open_database
from tests import network_guard

# Offline by construction (ARCHITECTURE.md): from here on nothing reaches beyond loopback, in this
# process or in the Python subprocesses tests start.
network_guard.install()
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


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "winnow.sqlite"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    """A fresh, migrated database file with the default stages."""
    database = open_database(db_path)
    yield database
    database.close()


@pytest.fixture
def demo_db(db: Database) -> Database:
    """A database with 300 deterministic demo contacts."""
    from app.demo import generate_demo

    generate_demo(db, 300, seed=7)
    return db

"""Shared fixtures. Qt runs offscreen; every database is a real SQLite file in a temp dir."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")

from collections.abc import Iterator
from pathlib import Path

import pytest

from db.engine import Database, open_database


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

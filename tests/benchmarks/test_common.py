"""benchmarks.common: a demo database given with ``--db`` is only read — one of an older
schema is upgraded as a private copy, never in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from benchmarks import common
from db.engine import open_database
from db.migrate import head_revision


def _revision(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])
    finally:
        conn.close()


def test_a_given_file_of_another_schema_is_copied_not_upgraded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "older.sqlite"
    open_database(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = '0019'")  # as an older file says
    conn.commit()
    conn.close()
    before = path.read_bytes()
    monkeypatch.setenv(common.DB_ENV, str(path))
    monkeypatch.delenv(common.SIZE_ENV, raising=False)
    common._current.cache_clear()
    common.contacts_in.cache_clear()
    used = common.demo_database()
    assert used != path and used.name == path.name
    assert used.read_bytes() == before
    assert path.read_bytes() == before and _revision(path) == "0019"
    assert common.demo_database() == used  # one copy a process


def test_a_given_file_of_the_head_schema_is_read_where_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "current.sqlite"
    open_database(path).close()
    assert _revision(path) == head_revision()
    monkeypatch.setenv(common.DB_ENV, str(path))
    monkeypatch.delenv(common.SIZE_ENV, raising=False)
    common._current.cache_clear()
    common.contacts_in.cache_clear()
    assert common.demo_database() == path

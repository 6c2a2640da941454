"""benchmarks.common: a demo database given with ``--db`` is only read — one of an older
schema is upgraded as a private copy, never in place."""

from __future__ import annotations

import functools
import os
import sqlite3
import subprocess
import sys
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


@pytest.mark.parametrize(
    "module",
    ["bench_import", "bench_metrics", "bench_golook", "bench_writer", "bench_operations"],
)
def test_a_module_s_own_entry_point_answers_help_and_refuses_what_it_does_not_know(
    module: str,
) -> None:
    """``python -m benchmarks.bench_X --help`` used to run the whole benchmark (the options
    were looked for in sys.argv and anything else ignored)."""
    run = functools.partial(
        subprocess.run,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "WINNOW_BENCH_CACHE": "/nonexistent-winnow-bench"},
    )
    shown = run([sys.executable, "-m", f"benchmarks.{module}", "--help"])
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"usage: python -m benchmarks.{module}")
    assert "--quick" in shown.stdout
    refused = run([sys.executable, "-m", f"benchmarks.{module}", "--no-such-option"])
    assert refused.returncode == 2
    assert "unrecognized arguments: --no-such-option" in refused.stderr

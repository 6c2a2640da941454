"""A database written by a newer Winnow, opened from a terminal: the commands, the window and
the screenshots each say so in one line and exit 1. Offscreen (tests, benchmarks, CI) the
window's dialog had nobody to answer it and waited for ever."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.cli_process import python_in_project

ROOT = Path(__file__).resolve().parents[2]
TOO_NEW = "written by a newer version of Winnow (schema 9999_future)"


def _winnow(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(db.parent / "xdg")}
    return python_in_project("-m", "app", "--db", str(db), *args, env=env)


@pytest.fixture
def newer(tmp_path: Path) -> Path:
    """A Winnow database whose schema revision this Winnow does not know."""
    db = tmp_path / "crm.sqlite"
    made = _winnow(db, "--create", "demo", "--contacts", "3", "--quiet")
    assert made.returncode == 0, made.stderr
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    return db


@pytest.mark.parametrize(
    "args", [(), ("list",), ("screenshot", "shots")], ids=["window", "list", "screenshot"]
)
def test_a_newer_database_is_refused_in_one_line_with_exit_1(
    newer: Path, args: tuple[str, ...]
) -> None:
    before = newer.read_bytes()
    out = _winnow(newer, *[str(newer.parent / a) if a == "shots" else a for a in args])
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert f"winnow: {newer} was {TOO_NEW}" in out.stderr
    assert "Traceback" not in out.stderr
    assert newer.read_bytes() == before, "the file was left untouched"
    assert not (newer.parent / "shots").exists() or not any((newer.parent / "shots").iterdir())

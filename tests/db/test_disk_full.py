"""A full disk says so, and that nothing was saved; the database stays whole."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text

from db.engine import Database, DatabaseError, DiskFull, open_database
from db.models import Setting

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MiB file system (tmpfs); needs root, as in the CI container."""
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> None:
    fd = os.open(folder / "junk", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"x" * 1024)
    except OSError:
        pass
    finally:
        os.close(fd)


def _settings(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Setting)) or 0)


def _write_two_megabytes(db: Database) -> None:
    with db.write_session() as s:
        s.execute(
            text("INSERT INTO settings(key, value) VALUES (:k, :v)"),
            [{"k": f"k{i}", "v": "x" * 1000} for i in range(2000)],
        )


def _check_full_disk_error(exc: DatabaseError) -> None:
    message = str(exc)
    assert isinstance(exc, DiskFull)
    assert "disk" in message and "is full" in message and "nothing was saved" in message
    assert "I/O" not in message


def test_a_write_that_fills_the_disk(small_disk: Path) -> None:
    db = open_database(small_disk / "winnow.sqlite")
    try:
        before = _settings(db)
        with pytest.raises(DatabaseError) as info:
            _write_two_megabytes(db)
        _check_full_disk_error(info.value)
        assert _settings(db) == before
        with db.session() as s:
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    finally:
        db.close()


def test_opening_a_database_on_a_full_disk(small_disk: Path) -> None:
    open_database(small_disk / "winnow.sqlite").close()
    _fill(small_disk)
    with pytest.raises(DatabaseError) as info:  # SQLite says "disk I/O error" here
        open_database(small_disk / "winnow.sqlite").close()
    _check_full_disk_error(info.value)
    with pytest.raises(DatabaseError) as info:
        open_database(small_disk / "new.sqlite").close()
    _check_full_disk_error(info.value)


def test_the_command_line_on_a_full_disk(small_disk: Path) -> None:
    path = small_disk / "winnow.sqlite"
    open_database(path).close()
    done = subprocess.run(
        [sys.executable, "-m", "app", "--db", str(path), "demo", "--contacts", "5000", "--quiet"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert "is full: nothing was saved" in line
    db = open_database(path)
    try:
        with db.session() as s:
            assert s.execute(text("SELECT count(*) FROM contacts")).scalar() == 0
    finally:
        db.close()


def test_a_database_that_reached_its_size_limit(db: Database) -> None:
    """Where no small file system can be mounted: SQLite's page limit gives the same error."""

    def limit(dbapi_conn: object, _record: object) -> None:
        dbapi_conn.execute("PRAGMA max_page_count=60")  # type: ignore[attr-defined]

    event.listen(db.engine, "connect", limit)
    db.engine.dispose()
    before = _settings(db)
    with pytest.raises(DatabaseError) as info:
        _write_two_megabytes(db)
    _check_full_disk_error(info.value)
    assert _settings(db) == before

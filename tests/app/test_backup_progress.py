"""Backups and checks of a large file (issue 15, item 5): the copy goes in steps with progress
and Cancel, one snapshot across the steps; the check can be cancelled (SQLite interrupted)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from app import backups, integrity
from app.contacts import create_contact
from db import backup as files
from db import fileguard
from db.engine import open_database
from db.errors import Cancelled
from db.fileguard import quick_check
from tests.db.builders import contacts_in

pytestmark = pytest.mark.sqlite_only


def test_a_backup_reports_its_steps_then_the_check(
    filled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "STEP_PAGES", 16)
    seen: list[tuple[int, int, str]] = []
    info = backups.make_backup(filled, progress=lambda d, t, text="": seen.append((d, t, text)))
    copied = [(d, t) for d, t, _x in seen if t]
    pages = copied[-1][1]
    assert len(copied) == -(-pages // 16) > 3  # one report a step
    assert [d for d, _t in copied] == sorted({d for d, _t in copied})  # only ever forward
    assert copied[-1] == (pages, pages)
    assert seen[-1] == (0, 0, "checking the copy")
    assert " of " in seen[0][2] and seen[0][2].endswith(("kB", "MB"))
    assert info.contacts == 400


def test_the_steps_copy_one_moment_while_others_write(
    filled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit by another connection between two steps neither restarts the copy nor gets
    into it: the backup is the file as it was when the copy began."""
    monkeypatch.setattr(files, "STEP_PAGES", 16)
    db = open_database(filled)
    steps: list[int] = []

    def write_once(done: int, total: int, _text: str = "") -> None:
        if total:
            steps.append(done)
        if len(steps) == 1:
            create_contact(db, first_name="Ada", email="ada@example.com")

    try:
        info = backups.make_backup(filled, progress=write_once)
    finally:
        db.close()
    assert steps == sorted(set(steps))  # not restarted
    assert info.contacts == 400 and contacts_in(filled) == 401


@pytest.mark.parametrize("when", ["copy", "check"])
def test_a_cancelled_backup_leaves_nothing(
    filled: Path, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    monkeypatch.setattr(files, "STEP_PAGES", 16)
    stop = threading.Event()

    def report(done: int, total: int, _text: str = "") -> None:
        if (when == "copy" and total) or (when == "check" and not total):
            stop.set()

    with pytest.raises(Cancelled, match="The backup was cancelled"):
        backups.make_backup(filled, progress=report, cancel=stop)
    folder = files.backup_dir(filled)
    assert backups.list_backups(filled) == []
    assert not folder.exists() or list(folder.iterdir()) == []  # no .partial, no -wal


def test_the_check_stops_when_cancelled(filled: Path) -> None:
    asked = [0]

    def cancel() -> bool:
        asked[0] += 1
        return True

    with pytest.raises(Cancelled):
        quick_check(filled, cancel)
    assert asked[0] == 1  # before SQLite starts
    assert quick_check(filled, lambda: False) == []
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        integrity.check_file(filled, stop)
    assert integrity.check_file(filled, threading.Event()) is None


def test_a_long_check_is_interrupted_midway(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Most of ``quick_check`` is one step of SQLite's (the b-tree walk): cancel interrupts it
    from another thread rather than waiting for its end."""
    path = tmp_path / "big.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b BLOB)")
    con.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) "
        "INSERT INTO t SELECT i, hex(randomblob(8)), randomblob(200) FROM n"
    )
    con.execute("CREATE INDEX t_a ON t (a)")
    con.commit()
    con.close()
    monkeypatch.setattr(fileguard, "CANCEL_POLL_S", 0.001)
    asked: list[float] = []

    def cancel() -> bool:  # asked before the check, then every millisecond during it
        asked.append(time.perf_counter())
        return len(asked) >= 3

    # The check takes ~75 ms on an idle machine; on a loaded one the watching thread may not
    # be scheduled twice before it ends (the full run at 1bccffb, load 4-5): such a try never
    # said stop, and is made again. A stop that was said must interrupt the check.
    for _ in range(10):
        asked.clear()
        start = time.perf_counter()
        try:
            quick_check(path, cancel)
        except Cancelled:
            break
        assert len(asked) < 3, "told to stop during the check, it ran to its end"
    else:
        pytest.fail("in ten checks the watching thread never asked twice before the end")
    stopped = time.perf_counter()
    assert quick_check(path) == []  # what it would have taken
    whole = time.perf_counter() - stopped
    assert len(asked) == 3 and stopped - asked[-1] < whole, (stopped - start, whole)

"""Kill -9 a real process in the middle of a bulk move, a backup, a restore and an upgrade:
afterwards ``PRAGMA integrity_check`` is ok, the file opens, and each operation is whole or
absent. (Imports: tests/app/importing/test_kill.py.)"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from app import backups
from db.engine import open_database
from db.fileguard import quick_check
from db.migrate import head_revision
from tests.db.builders import make_winnow_file

ROOT = Path(__file__).resolve().parents[2]
CONTACTS = 20_000
UPGRADE_KILLS = 20
OTHER_KILLS = 8

pytestmark = pytest.mark.slow

# the child opens what it needs, says "go", then does the one thing it may be killed in
CHILD = {
    "move": (
        "from db.engine import open_database\n"
        "from app import operations\n"
        "db = open_database(sys.argv[1])\n"
        "ids = list(range(1, int(sys.argv[2]) + 1))\n"
        "print('go', flush=True)\n"
        "operations.move_contacts(db, ids, 'nurture')\n"
        "db.close()\n"
    ),
    "backup": (
        "from app.backups import make_backup\nprint('go', flush=True)\nmake_backup(sys.argv[1])\n"
    ),
    "restore": (
        "from app.backups import restore_backup\n"
        "print('go', flush=True)\n"
        "restore_backup(sys.argv[1], sys.argv[2])\n"
    ),
    "upgrade": (
        "from db.engine import open_database\n"
        "import db.migrate, db.backup, alembic.command\n"  # imported before "go"
        "print('go', flush=True)\n"
        "open_database(sys.argv[1]).close()\n"
    ),
}


def _start(kind: str, *args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys\n" + CHILD[kind], *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "go", proc.communicate()[1]
    return proc


def _whole_run(kind: str, *args: str) -> float:
    """Seconds from "go" to the end of a run that is not killed."""
    proc = _start(kind, *args)
    start = time.monotonic()
    _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return time.monotonic() - start


def _kill_during(kind: str, delay: float, *args: str) -> bool:
    """Start the child, kill -9 it ``delay`` seconds after "go"; True if it was still running."""
    proc = _start(kind, *args)
    time.sleep(delay)
    running = proc.poll() is None
    if running:
        os.kill(proc.pid, signal.SIGKILL)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode in (0, -signal.SIGKILL), err
    return running


def _delays(n: int, whole: float, seed: int) -> list[float]:
    rng = random.Random(seed)
    return sorted(rng.uniform(0.0, whole) for _ in range(n))


def _integrity(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return str(con.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        con.close()


def _query(path: Path, sql: str) -> object:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def _opens(path: Path) -> None:
    db = open_database(path)
    db.close()


def _fresh(path: Path, template: Path) -> Path:
    shutil.rmtree(path.parent / "backups", ignore_errors=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copy(template, path)
    return path


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An old (0001) file and a current one, both with 20,000 contacts (all Suspects in the
    current one), and a smaller current one to restore from."""
    work = tmp_path_factory.mktemp("crash-templates")
    old = work / "old.sqlite"
    make_winnow_file(old, CONTACTS, revision="0001")
    current = work / "current.sqlite"
    shutil.copy(old, current)
    _opens(current)  # upgraded and marked, as Winnow leaves it
    con = sqlite3.connect(current)
    con.execute("UPDATE contacts SET stage_id = (SELECT id FROM stages WHERE key = 'suspect')")
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    small = work / "small.sqlite"
    make_winnow_file(small, 5_000, revision="0001")
    _opens(small)
    shutil.rmtree(work / "backups", ignore_errors=True)
    return {"old": old, "current": current, "small": small}


def _run_kills(
    kind: str,
    n: int,
    template: Path,
    work: Path,
    args: Callable[[Path], list[str]],
    check: Callable[[Path], None],
    seed: int,
) -> None:
    path = _fresh(work / "killed.sqlite", template)
    whole = _whole_run(kind, *args(path))
    check(path)  # a run to the end passes the same checks
    killed = 0
    for delay in _delays(n, whole, seed):
        path = _fresh(work / "killed.sqlite", template)
        killed += _kill_during(kind, delay, *args(path))
        try:
            check(path)
        except AssertionError as exc:
            raise AssertionError(f"after a kill {delay:.3f} s into the {kind}: {exc}") from exc
    assert killed >= n // 2, f"only {killed} of {n} kills landed before the {kind} ended"


def test_kill_during_an_upgrade(templates: dict[str, Path], tmp_path: Path) -> None:
    """The file opens every time, at the old or the new revision, with all its contacts; an
    upgrade that did not finish left none of its changes."""
    old_schema = _schema(templates["old"])
    head_schema = _schema(templates["current"])

    def check(path: Path) -> None:
        assert _integrity(path) == "ok"
        revision = _query(path, "SELECT version_num FROM alembic_version")
        assert revision in ("0001", head_revision())
        assert _schema(path) == (old_schema if revision == "0001" else head_schema)
        assert _query(path, "SELECT count(*) FROM contacts") == CONTACTS
        for b in backups.list_backups(path):  # a backup there is a whole one
            assert b.contacts == CONTACTS and not quick_check(b.path)
        _opens(path)
        assert _query(path, "SELECT version_num FROM alembic_version") == head_revision()
        assert _query(path, "SELECT count(*) FROM contacts") == CONTACTS

    _run_kills("upgrade", UPGRADE_KILLS, templates["old"], tmp_path, lambda p: [str(p)], check, 1)


def _schema(path: Path) -> set[tuple[str, str]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return set(con.execute("SELECT type, name FROM sqlite_master"))
    finally:
        con.close()


def test_kill_during_a_bulk_move(templates: dict[str, Path], tmp_path: Path) -> None:
    before = _query(templates["current"], "SELECT count(*) FROM stage_changes")
    assert isinstance(before, int)

    def check(path: Path) -> None:
        assert _integrity(path) == "ok"
        moved = _query(
            path,
            "SELECT count(*) FROM contacts JOIN stages ON stages.id = contacts.stage_id"
            " WHERE stages.key = 'nurture'",
        )
        history = _query(path, "SELECT count(*) FROM stage_changes")
        logged = _query(path, "SELECT count(*) FROM operations WHERE kind = 'move'")
        assert (moved, history, logged) in ((0, before, 0), (CONTACTS, before + CONTACTS, 1))
        _opens(path)

    _run_kills(
        "move",
        OTHER_KILLS,
        templates["current"],
        tmp_path,
        lambda p: [str(p), str(CONTACTS)],
        check,
        2,
    )


def test_kill_during_a_backup(templates: dict[str, Path], tmp_path: Path) -> None:
    def check(path: Path) -> None:
        assert _integrity(path) == "ok"
        assert _query(path, "SELECT count(*) FROM contacts") == CONTACTS
        made = backups.list_backups(path)
        assert len(made) <= 1
        for b in made:
            assert b.contacts == CONTACTS and not quick_check(b.path)
        _opens(path)

    _run_kills("backup", OTHER_KILLS, templates["current"], tmp_path, lambda p: [str(p)], check, 3)


def test_kill_during_a_restore(templates: dict[str, Path], tmp_path: Path) -> None:
    """The file holds what it held or what the backup holds; a copy of it made first is a
    whole one."""
    backup = tmp_path / "elsewhere" / "small-backup.sqlite"
    backup.parent.mkdir()
    shutil.copy(templates["small"], backup)

    def check(path: Path) -> None:
        assert _integrity(path) == "ok"
        assert _query(path, "SELECT count(*) FROM contacts") in (CONTACTS, 5_000)
        for b in backups.list_backups(path):
            assert b.contacts == CONTACTS and not quick_check(b.path)
        _opens(path)

    _run_kills(
        "restore",
        OTHER_KILLS,
        templates["current"],
        tmp_path,
        lambda p: [str(p), str(backup)],
        check,
        4,
    )

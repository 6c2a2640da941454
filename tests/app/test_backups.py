"""Backups: made with SQLite's backup API beside the database, listed, pruned, restored; a
damaged file is never written to (and never becomes a backup)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from app import backups
from app.backups import BackupInfo
from app.cli import main
from app.contacts import create_contact
from db.engine import (
    Database,
    DatabaseDamaged,
    DatabaseError,
    DatabaseTooNew,
    NotWinnowDatabase,
    open_database,
)
from db.fileguard import quick_check
from tests.db.builders import contacts_in, damage_middle
from tests.db.test_fileguard import another_programs_notes, fingerprint


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- making and listing -----------------------------------------------------------------


def test_a_backup_is_a_checked_copy_in_the_backups_folder(filled: Path) -> None:
    info = backups.make_backup(filled)
    assert info.path.parent == filled.parent / "backups"
    assert info.contacts == 400 and info.size == info.path.stat().st_size
    assert abs(info.created_at - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=1)
    con = sqlite3.connect(f"file:{info.path}?mode=ro", uri=True)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    con.close()
    assert [b.path for b in backups.list_backups(filled)] == [info.path]
    assert not list(info.path.parent.glob("*.partial"))


def test_a_backup_while_the_database_is_open_and_written(filled: Path) -> None:
    db = open_database(filled)
    try:
        with db.session() as s:  # a reader holding its snapshot
            create_contact(db, first_name="Ada", email="ada@example.com")
            info = backups.make_backup(filled)
            s.rollback()
        create_contact(db, first_name="Grace", email="grace@example.com")
    finally:
        db.close()
    assert info.contacts == 401
    assert contacts_in(filled) == 402


def test_cli_backup_backups_and_json(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "--db", str(filled), "backup")
    assert code == 0
    first = Path(out.strip())
    assert first.is_file() and first.parent.name == "backups"
    code, out, _err = run(capsys, "--db", str(filled), "backup", str(filled.parent / "usb"))
    assert code == 0 and Path(out.strip()).parent == filled.parent / "usb"
    create_contact(db := open_database(filled), first_name="Ada", email="ada@example.com")
    db.close()
    code, out, _err = run(capsys, "--db", str(filled), "backup")
    second = Path(out.strip())
    code, out, _err = run(capsys, "--db", str(filled), "backups", "--json")
    assert code == 0
    listed = json.loads(out)
    assert [item["path"] for item in listed] == [str(first), str(second)]  # newest last
    assert listed[0].keys() == {"path", "created_at", "size", "contacts"}
    assert [item["contacts"] for item in listed] == [400, 401]
    assert listed[1]["created_at"].endswith("+00:00")
    assert listed[1]["size"] == second.stat().st_size
    code, out, _err = run(capsys, "--db", str(filled), "backups")
    assert code == 0 and str(second) in out and "401" in out


def test_another_programs_file_is_not_backed_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "theirs.db"
    another_programs_notes(path)
    before = fingerprint(tmp_path)
    with pytest.raises(NotWinnowDatabase):
        backups.make_backup(path)
    code, _out, err = run(capsys, "--db", str(path), "backup")
    assert code == 1 and len(err.splitlines()) == 1 and "another program" in err
    assert fingerprint(tmp_path) == before


# --- keeping 7 daily and 4 weekly ---------------------------------------------------------


def _at(days_ago: float, now: datetime) -> BackupInfo:
    return BackupInfo(Path(f"b{days_ago}"), now - timedelta(days=days_ago), 1, 1)


def test_seven_daily_and_four_weekly_are_kept() -> None:
    now = datetime(2026, 3, 14, 12, 0)  # a Saturday
    # two a day (morning and evening) for 60 days
    made = [_at(d + half, now) for d in range(60) for half in (0.0, 0.4)]
    keep = backups.backups_to_keep(made)
    kept = sorted((b for b in made if b.path in keep), key=lambda b: b.created_at, reverse=True)
    assert len(kept) == 11
    daily = kept[:7]
    days = [backups._local_day(b.created_at) for b in daily]
    assert len(set(days)) == 7
    assert all(b.path.name.endswith(".0") for b in daily)  # the newest of each day
    weekly = kept[7:]
    weeks = {backups._local_day(b.created_at).isocalendar()[:2] for b in weekly}
    assert len(weeks) == 4
    assert min(days) > max(backups._local_day(b.created_at) for b in weekly)
    assert backups.backups_to_keep([]) == set()


def test_prune_deletes_the_rest_and_old_half_written_copies(filled: Path) -> None:
    from db.backup import backup_dir, new_backup_path

    one = backups.make_backup(filled)
    now = datetime.now(UTC)
    for days in range(1, 40):
        name = new_backup_path(filled, now=now - timedelta(days=days))
        shutil.copy(one.path, name)
    stale = backup_dir(filled) / f"{filled.stem}-20200101-000000Z.sqlite.partial"
    stale.write_bytes(b"half")
    import os

    os.utime(stale, (0, 0))
    assert len(backups.list_backups(filled)) == 40
    removed = backups.prune_backups(filled)
    left = backups.list_backups(filled)
    assert len(left) == 11
    assert left[-1].path == one.path
    assert stale in removed and not stale.exists()
    assert len(removed) == 40 - 11 + 1


def test_a_backup_is_due_once_a_day(filled: Path) -> None:
    assert backups.backup_due(filled)
    assert backups.daily_backup(filled) is not None
    assert not backups.backup_due(filled)
    assert backups.daily_backup(filled) is None
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    assert backups.backup_due(filled, now=tomorrow)


# --- restoring ----------------------------------------------------------------------------


def test_restore_puts_the_backup_back_and_keeps_the_current_file(
    filled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = backups.make_backup(filled)
    db = open_database(filled)
    create_contact(db, first_name="Ada", email="ada@example.com")
    db.close()
    code, out, err = run(capsys, "--db", str(filled), "restore", str(old.path))
    assert code == 0, err
    assert contacts_in(filled) == 400
    saved = Path(out.splitlines()[-1].split(" kept as ")[1].rstrip("."))
    assert contacts_in(saved) == 401
    assert [b.path for b in backups.list_backups(filled)] == [old.path, saved]
    db = open_database(filled)  # opens, and works on
    create_contact(db, first_name="Grace", email="grace@example.com")
    db.close()
    assert contacts_in(filled) == 401


def test_restore_refuses_a_bad_backup_and_changes_nothing(
    filled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = backups.make_backup(filled)
    damaged = tmp_path / "damaged.sqlite"
    shutil.copy(good.path, damaged)
    damage_middle(damaged)
    theirs = tmp_path / "theirs.db"
    another_programs_notes(theirs)
    future = tmp_path / "future.sqlite"
    shutil.copy(good.path, future)
    con = sqlite3.connect(future)
    con.execute("UPDATE alembic_version SET version_num = '0099_future'")
    con.commit()
    con.close()
    before = fingerprint(filled.parent)
    for bad, error in (
        (damaged, DatabaseDamaged),
        (theirs, NotWinnowDatabase),
        (future, DatabaseTooNew),
        (tmp_path / "missing.sqlite", DatabaseError),
        (filled, DatabaseError),
    ):
        with pytest.raises(error):
            backups.restore_backup(filled, bad)
        code, _out, err = run(capsys, "--db", str(filled), "restore", str(bad))
        assert code == 1 and len(err.splitlines()) == 1, err
    assert fingerprint(filled.parent) == before


def test_restore_over_a_damaged_file_keeps_the_damaged_copy_aside(filled: Path) -> None:
    good = backups.make_backup(filled)
    damage_middle(filled)
    saved = backups.restore_backup(filled, good.path)
    assert saved is not None and saved.path.suffix == ".damaged"
    assert quick_check(saved.path)  # the copy of what was there: damaged
    assert [b.path for b in backups.list_backups(filled)] == [good.path]  # not a good backup
    con = sqlite3.connect(filled)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    assert contacts_in(filled) == 400


def test_restore_over_a_file_sqlite_cannot_read_at_all(filled: Path) -> None:
    good = backups.make_backup(filled)
    with filled.open("r+b") as fh:
        fh.write(b"\0" * 100)  # the header gone
    saved = backups.restore_backup(filled, good.path)
    assert saved is not None and saved.path.read_bytes()[:100] == b"\0" * 100
    assert contacts_in(filled) == 400
    open_database(filled).close()


# --- a damaged file -----------------------------------------------------------------------


def test_a_damaged_database_is_not_backed_up(filled: Path) -> None:
    good = backups.make_backup(filled)
    damage_middle(filled)
    with pytest.raises(DatabaseDamaged, match="no backup was made"):
        backups.make_backup(filled)
    assert [b.path for b in backups.list_backups(filled)] == [good.path]
    assert not list(good.path.parent.glob("*.partial"))


def test_the_command_line_never_writes_to_a_damaged_file(
    filled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = backups.make_backup(filled)
    code, _out, err = run(capsys, "--db", str(filled), "move", "1", "nurture")
    assert code == 0, err  # checked, good, remembered
    damage_middle(filled)  # another program (or the disk) damages it afterwards
    before = fingerprint(filled.parent)
    for command in (
        ["move", "1", "2", "inquiry"],
        ["log", "1", "call"],
        ["stages", "rename", "mql", "MQL"],
        ["demo", "--contacts", "10"],
        ["undo"],
    ):
        code, _out, err = run(capsys, "--db", str(filled), *command)
        assert code == 1, (command, err)
        (line,) = err.splitlines()
        assert "is damaged" in line and "will not write to it" in line
        assert f"winnow restore {good.path}" in line
        assert "Traceback" not in err
    assert fingerprint(filled.parent) == before
    code, _out, err = run(capsys, "--db", str(filled), "restore", str(good.path))
    assert code == 0, err
    code, _out, err = run(capsys, "--db", str(filled), "move", "1", "2", "inquiry")
    assert code == 0, err


def test_a_damaged_file_with_no_backup_says_so(
    filled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damage_middle(filled)
    code, _out, err = run(capsys, "--db", str(filled), "move", "1", "nurture")
    assert code == 1 and "There is no backup of it" in err


def test_the_window_path_refuses_writes_once_the_check_failed(filled: Path) -> None:
    """What the window does when its background check fails: every write is refused, by the
    write operations at once and by SQLite for any other write."""
    from sqlalchemy import text

    from app import operations

    before = fingerprint(filled.parent)
    db: Database = open_database(filled)
    try:
        db.refuse_writes("winnow.sqlite is damaged")
        with pytest.raises(DatabaseDamaged, match="is damaged"):
            operations.move_contacts(db, [1], "nurture")
        with pytest.raises(DatabaseDamaged, match="is damaged"):
            create_contact(db, first_name="Ada", email="ada@example.com")
        with db.session() as s:  # reading still works
            assert s.execute(text("SELECT count(*) FROM contacts")).scalar() == 400
    finally:
        db.close()
    assert fingerprint(filled.parent) == before


def test_restore_while_another_connection_has_the_file_open(filled: Path) -> None:
    """Renaming over an open file would pull it from under that connection: the backup goes
    into the live file in one transaction instead, and the open connection reads it."""
    old = backups.make_backup(filled)
    create_contact(db := open_database(filled), first_name="Ada", email="ada@example.com")
    try:
        with db.session() as s:  # the connection is in the pool, the -wal in place
            s.execute(text("SELECT 1"))
        backups.restore_backup(filled, old.path)
        with db.session() as s:
            assert s.execute(text("SELECT count(*) FROM contacts")).scalar() == 400
    finally:
        db.close()
    assert contacts_in(filled) == 400
    con = sqlite3.connect(filled)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def test_a_restore_killed_between_keeping_and_replacing_leaves_no_false_backup(
    filled: Path,
) -> None:
    """The file is kept by a hard link just before the backup is renamed over it; killed in
    between, that link would be the live database under a backup's name."""
    import os

    from db.backup import new_backup_path

    link = new_backup_path(filled)
    link.parent.mkdir()
    os.link(filled, link)
    assert backups.list_backups(filled) == []
    assert not link.exists() and contacts_in(filled) == 400

"""Kill -9 an import half way: the database holds the whole batch or none of it."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.store import open_store
from db.engine import open_database
from db.models import Contact, ImportBatch, ImportChange, StageChange

ROWS = 30_000
ROOT = Path(__file__).resolve().parents[3]


def _write_list(path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(["Vorname", "Nachname", "E-Mail", "Firma", "Position", "Telefon"])
        for i in range(ROWS):
            w.writerow(
                [
                    f"Jürgen{i}",
                    "Weißmann",
                    f"jw{i}@acme-{i % 300}.de",
                    f"ACME {i % 300} GmbH",
                    "Werkleiter",
                    f"+49 511 {1000000 + i}",
                ]
            )


def _start(db_path: Path, csv_path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app",
            "import",
            str(csv_path),
            "--db",
            str(db_path),
            "--source",
            "Kill test",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture(scope="module")
def big_list(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """The file, and how long a whole import of it takes in a fresh process."""
    work = tmp_path_factory.mktemp("kill")
    csv_path = work / "hannover.csv"
    _write_list(csv_path)
    db_path = work / "whole.sqlite"
    open_database(db_path).close()
    start = time.monotonic()
    proc = _start(db_path, csv_path)
    _out, err = proc.communicate(timeout=300)
    seconds = time.monotonic() - start
    assert proc.returncode == 0, err.decode()
    assert _state(db_path)["contacts"] == ROWS
    return csv_path, seconds


def _state(db_path: Path) -> dict[str, object]:
    # an unfinished batch is invisible even before the clean-up an open does
    before = open_database(db_path)
    try:
        with before.session() as s:
            visible = s.scalar(select(func.count()).select_from(Contact))
            assert visible in (0, ROWS)
    finally:
        before.close()
    db = open_store(db_path)
    try:
        with db.session() as s:
            integrity = s.execute(text("PRAGMA integrity_check")).scalar()
            batches = s.execute(select(ImportBatch.id, ImportBatch.imported_count)).all()
            per_batch = dict(
                s.execute(
                    select(Contact.import_batch_id, func.count()).group_by(Contact.import_batch_id)
                ).all()
            )
            return {
                "integrity": integrity,
                "contacts": s.scalar(select(func.count()).select_from(Contact)),
                "stage_changes": s.scalar(select(func.count()).select_from(StageChange)),
                "import_changes": s.scalar(select(func.count()).select_from(ImportChange)),
                "batches": [(b, n, per_batch.get(b, 0)) for b, n in batches],
            }
    finally:
        db.close()


@pytest.mark.slow
@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.85])
def test_kill_during_import_leaves_the_batch_whole_or_absent(
    big_list: tuple[Path, float], tmp_path: Path, fraction: float
) -> None:
    csv_path, whole_seconds = big_list
    delay = whole_seconds * fraction
    for attempt in range(5):
        db_path = tmp_path / f"killed-{attempt}.sqlite"
        open_database(db_path).close()
        proc = _start(db_path, csv_path)
        time.sleep(delay)
        if proc.poll() is None:
            break
        # the machine got faster since the whole import was timed: kill earlier next time
        proc.communicate(timeout=30)
        delay /= 2
    else:
        pytest.fail("the import always finished before it could be killed")
    _kill_and_check(proc, db_path)


@pytest.mark.slow
def test_kill_while_the_batch_is_being_committed(
    big_list: tuple[Path, float], tmp_path: Path
) -> None:
    """The batch stays in memory until its commit writes it to the -wal file; kill the
    process as soon as that file starts to grow, i.e. half way through writing the commit."""
    csv_path, _ = big_list
    db_path = tmp_path / "killed.sqlite"
    open_database(db_path).close()
    wal = db_path.with_name(db_path.name + "-wal")
    proc = _start(db_path, csv_path)
    while proc.poll() is None and not (wal.exists() and wal.stat().st_size > 0):
        time.sleep(0.0002)
    assert proc.poll() is None, "the import finished before it could be killed"
    _kill_and_check(proc, db_path)


def _kill_and_check(proc: subprocess.Popen[bytes], db_path: Path) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    state = _state(db_path)
    assert state["integrity"] == "ok"
    assert state["contacts"] in (0, ROWS)
    assert state["stage_changes"] == state["contacts"] == state["import_changes"]
    if state["contacts"]:
        batches = state["batches"]
        assert isinstance(batches, list)
        (batch,) = batches
        assert batch[1] == batch[2] == ROWS
    else:
        assert state["batches"] == []

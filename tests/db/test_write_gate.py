"""While the integrity check runs, writes wait for its verdict and reads go on."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.contacts import create_contact
from db.engine import Database, DatabaseDamaged
from db.models import Contact


def _count(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Contact)) or 0)


def _write_in_background(db: Database) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def write() -> None:
        try:
            outcome.append(create_contact(db, first_name="Ada", email="ada@example.com"))
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    return thread, outcome


def test_a_write_waits_for_a_good_verdict_then_goes_on(db: Database) -> None:
    db.hold_writes()
    thread, outcome = _write_in_background(db)
    time.sleep(0.3)
    assert outcome == [] and _count(db) == 0  # waiting; reading works meanwhile
    db.writes_checked(None)
    thread.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], int)
    assert _count(db) == 1


def test_a_damaged_verdict_refuses_the_waiting_write_and_every_later_one(
    db: Database, db_path: Path
) -> None:
    before = db_path.read_bytes()
    db.hold_writes()
    thread, outcome = _write_in_background(db)
    time.sleep(0.2)
    db.writes_checked(f"{db_path} is damaged")
    thread.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], DatabaseDamaged)
    with pytest.raises(DatabaseDamaged, match="is damaged"):
        create_contact(db, first_name="Grace", email="grace@example.com")
    assert _count(db) == 0
    db.close()
    assert db_path.read_bytes() == before

"""The sidebar's counts read with plain ``sqlite3`` (``app.sidebar_counts.read_plain``) are the
counts ``app.contacts`` gives (``read_general``): every stage, each follow-up queue, the largest
sources, the user's own contacts and all of them — on random contacts (stages, scores,
sales-readiness, due times, tasks, triage, owners, sources with ties), with and without a
threshold setting, with an import still running (its contacts hidden) and with stages
reordered; and the counts take the plain path on SQLite."""

from __future__ import annotations

import random
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app import contacts, sidebar_counts
from app.demo import generate_demo
from app.followup import local_midnight_utc
from app.queues import QUEUES
from app.settings import set_setting
from db import times
from db.engine import Database, open_database

NOW = datetime(2026, 12, 1, 11, 0, 0)
OWNERS = [None, "me", "anna", ""]
SOURCES = [None, "Fair 2026", "Web form", "Bought list", "Referral", "fair 2026"]


def _stored(rng: random.Random) -> int | float | None:
    """A time as SQLite stores it, around now and the day's local bounds (whole hours and
    half hours from them, and a few seconds off: both sides of each bound)."""
    if rng.random() < 0.3:
        return None
    base = rng.choice(
        [NOW, local_midnight_utc(NOW.date()), local_midnight_utc(NOW.date()) + timedelta(days=1)]
    )
    off = timedelta(minutes=30 * rng.randint(-96, 96), seconds=rng.choice([0, -1, 1]))
    return times.to_number(base + off)


def _randomise(path: Path, seed: int, running_batch: bool) -> None:
    rng = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        stage_ids = [r[0] for r in conn.execute("SELECT id FROM stages")]
        if running_batch:
            conn.execute(
                "INSERT INTO import_batches (id, created_at, read_count, imported_count, "
                "updated_count, skipped_count, rejected_count, state) "
                "VALUES (900, 0, 0, 0, 0, 0, 0, 'running')"
            )
        ids = [r[0] for r in conn.execute("SELECT id FROM contacts")]
        for cid in ids:
            conn.execute(
                "UPDATE contacts SET stage_id = ?, sales_ready = ?, score = ?, "
                "response_due_at = ?, first_response_at = ?, next_action_at = ?, "
                "triaged_at = ?, owner = ?, source = ?, import_batch_id = ? WHERE id = ?",
                (
                    rng.choice(stage_ids),
                    rng.random() < 0.3,
                    rng.choice([0, 10, 59, 60, 61, 75, 100]),
                    _stored(rng),
                    _stored(rng) if rng.random() < 0.5 else None,
                    _stored(rng),
                    None if rng.random() < 0.5 else times.to_number(NOW),
                    rng.choice(OWNERS),
                    rng.choice(SOURCES),
                    900 if running_batch and rng.random() < 0.2 else None,
                    cid,
                ),
            )
        if seed % 2:  # the stages in another order (Sales qualified before Marketing's)
            conn.execute("UPDATE stages SET position = 30 WHERE key = 'mql'")
        conn.execute("COMMIT")
    finally:
        conn.close()


@pytest.mark.sqlite_only
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_plain_counts_are_the_general_counts_on_random_contacts(
    db: Database, db_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_demo(db, 400, seed=seed)
    if seed in (2, 3):
        set_setting(db, "scoring.threshold", 61 if seed == 2 else 10)
    db.close()
    _randomise(db_path, seed, running_batch=seed >= 3)
    database = open_database(str(db_path))
    try:
        monkeypatch.setattr(contacts, "utcnow", lambda: NOW)  # the queues at the same time
        queues = list(QUEUES)
        conn = sqlite3.connect(db_path, isolation_level=None)
        for owner in ("me", "anna", ""):
            general = sidebar_counts.read_general(database, queues, owner)
            plain = sidebar_counts.read_plain(conn, queues, owner, NOW)
            assert plain == general
            assert list(plain.stages) == list(general.stages)  # in display order
        conn.close()
        assert general.total < 400 if seed >= 3 else general.total == 400
        assert len({n for n in general.queues.values()}) > 2, "queues that differ"
    finally:
        database.close()


def test_every_queue_has_its_plain_condition() -> None:
    assert set(sidebar_counts.queue_conditions()) == set(QUEUES)


@pytest.mark.sqlite_only
def test_the_counts_take_the_plain_path_on_sqlite(
    demo_db: Database, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def general(*_args: object) -> None:
        raise AssertionError("the general path on SQLite")

    monkeypatch.setattr(sidebar_counts, "read_general", general)
    counted = sidebar_counts.sidebar_counts(demo_db, list(QUEUES))
    assert counted.total == 300 and sum(counted.stages.values()) == 300
    assert set(counted.queues) == set(QUEUES)


@pytest.mark.sqlite_only
def test_the_general_path_answers_when_the_plain_one_cannot(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = sidebar_counts.read_general(demo_db, list(QUEUES), "me")

    def unreadable(*_args: object) -> None:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(sidebar_counts, "read_plain", unreadable)
    monkeypatch.setattr("app.identity.current_actor", lambda _db: "me")
    assert sidebar_counts.sidebar_counts(demo_db, list(QUEUES)) == expected

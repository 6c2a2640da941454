"""The full-text index of contacts set aside while many contacts go in (db.deferred): rebuilt
from every contact after them, or added to by the caller as they go in — either way it ends
as one segment that finds them all, with its merge settings as they were."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from app.contacts import ContactQuery, count, create_contact
from db.deferred import DeferredIndexes
from db.engine import Database

pytestmark = pytest.mark.sqlite_only  # SQLite's full-text index


def _config(path: Path) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(path)
    try:
        return sorted(con.execute("SELECT k, v FROM contacts_fts_config").fetchall())
    finally:
        con.close()


def _set(path: Path, settings: dict[str, int]) -> None:
    con = sqlite3.connect(path)
    for name, value in settings.items():
        con.execute("INSERT INTO contacts_fts(contacts_fts, rank) VALUES (?, ?)", (name, value))
    con.commit()
    con.close()


@pytest.mark.parametrize("by_caller", [False, True])
@pytest.mark.parametrize("settings", [{}, {"automerge": 8, "crisismerge": 20}])
def test_the_full_text_index_ends_whole_with_its_settings(
    db: Database, db_path: Path, by_caller: bool, settings: dict[str, int]
) -> None:
    create_contact(db, first_name="Grace", last_name="Hopper", email="grace@example.org")
    _set(db_path, settings)
    before = _config(db_path)
    with db.write_session() as s:
        conn = s.connection()
        deferred = DeferredIndexes.take(conn, ("contacts",), full_text_by_caller=by_caller)
        first = None
        for i in range(40):  # a chunk at a time, each its own statement
            ids = []
            for j in range(25):
                n = i * 25 + j
                ids.append(
                    conn.exec_driver_sql(
                        "INSERT INTO contacts (first_name, last_name, name, sort_name, email,"
                        " company, stage_id, created_at, consent, sales_ready) VALUES"
                        " (?, ?, ?, ?, ?, ?, 1, 0, 'unknown', 0) RETURNING id",
                        (f"Vera{n}", f"Visitor{n}", f"Vera{n} Visitor{n}", f"vera{n} visitor{n}",
                         f"v{n}@firm{n % 7}.de", f"Firm {n % 7}"),
                    ).scalar_one()
                )  # fmt: skip
            first = first or ids[0]
            deferred.add_to_full_text(conn, ids[0], ids[-1])
        if by_caller:  # an update meanwhile goes through its trigger
            conn.exec_driver_sql(
                "UPDATE contacts SET company = 'Renamed Works' WHERE id = ?", (first,)
            )
        deferred.restore(conn, ("contacts",))
    assert _config(db_path) == before
    con = sqlite3.connect(db_path)
    try:
        assert con.execute("SELECT count(DISTINCT segid) FROM contacts_fts_idx").fetchone() == (1,)
        con.execute("INSERT INTO contacts_fts(contacts_fts, rank) VALUES ('integrity-check', 1)")
    finally:
        con.close()
    assert count(db, ContactQuery(search="Visitor777")) == 1
    assert count(db, ContactQuery(search="Hopper")) == 1
    assert count(db, ContactQuery(search="firm3")) > 0
    if by_caller:
        assert count(db, ContactQuery(search="Renamed")) == 1

"""Opening the store as a read-only PostgreSQL role (issue 14, item 2) while an import that
crashed long ago is still to be cleaned up: the role cannot remove it, and opens all the same;
the next Winnow that may write removes it. On a real PostgreSQL server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from app.store import open_store
from app.timeutil import utcnow
from db.engine import Database
from tests.app.test_read_only_cli import reader_url

__all__ = ["reader_url"]  # fixture used below


def _running(db: Database) -> int:
    with db.engine.connect() as conn:
        found = conn.execute(text("SELECT count(*) FROM import_batches WHERE state = 'running'"))
        return int(found.scalar_one())


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_reader_opens_with_an_abandoned_import_left_for_a_writer(
    reader_url: tuple[str, str], demo_db: Database
) -> None:
    url, _role = reader_url
    with demo_db.engine.begin() as conn:  # a process on another host, silent for an hour
        conn.execute(
            text(
                "INSERT INTO import_batches (created_at, state, owner, heartbeat_at,"
                " read_count, imported_count, updated_count, skipped_count, rejected_count)"
                " VALUES (:at, 'running', 'elsewhere:4242', :at, 0, 0, 0, 0, 0)"
            ),
            {"at": utcnow() - timedelta(hours=1)},
        )
    reader = open_store(url)
    try:
        assert _running(reader) == 1  # left as it was
    finally:
        reader.close()
    writer = open_store(demo_db.url)
    try:
        assert _running(writer) == 0
    finally:
        writer.close()

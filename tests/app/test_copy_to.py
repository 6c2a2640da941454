"""winnow copy-to: a laptop's SQLite file into a new database (PostgreSQL for a team)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import contacts, operations
from app.cli import main
from app.contacts import ContactQuery
from app.demo import generate_demo
from app.importing.service import import_file
from db.engine import Database, open_database
from db.models import Base


@pytest.fixture
def laptop(tmp_path: Path) -> Iterator[Database]:
    """A worked-on SQLite file: demo contacts, an import, operations, a deleted contact."""
    db = open_database(tmp_path / "laptop.sqlite")
    generate_demo(db, 200, seed=4)
    csv = tmp_path / "fair.csv"
    csv.write_text(
        "Name,E-mail,Company\nJürgen Weißmann,jw@kessler.de,Kessler GmbH\n"
        "Zoë Quaxlèy,zq@quaxley.fr,Quaxlèy SAS\n",
        encoding="utf-8",
    )
    import_file(db, csv, source="Fair")
    operations.move_contacts(db, [1, 2, 3], "mql")
    last = operations.create_contact(db, first_name="Gone", last_name="Soon").value
    operations.delete_contacts(db, [last])  # the highest id was used: never handed out again
    yield db
    db.close()


def _counts(db: Database) -> dict[str, int]:
    from sqlalchemy import func, select

    with db.engine.connect() as conn:
        return {
            t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }


def test_everything_arrives_and_keeps_working(
    laptop: Database, empty_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    highest = max(contacts.query_ids(laptop, ContactQuery()))
    before = _counts(laptop)
    assert main(["copy-to", empty_db_url, "--db", laptop.url, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rows"] == before and before["contacts"] == 202
    team = open_database(empty_db_url)
    try:
        assert _counts(team) == before
        found = contacts.list_rows(team, ContactQuery(search="quaxl"))
        assert [r.name for r in found] == ["Zoë Quaxlèy"]
        assert [e.label for e in operations.history(team)] == [
            e.label for e in operations.history(laptop)
        ]
        operations.undo_operation(team)  # the delete, undone on the new database
        new = operations.create_contact(team, first_name="New", last_name="Here").value
        assert new > highest + 1  # neither the deleted contact's id nor any before it
        assert contacts.get_contact(team, 1).stage_key == "mql"
    finally:
        team.close()
    # a second copy into the same database is refused: it holds work now
    assert main(["copy-to", empty_db_url, "--db", laptop.url]) == 1
    assert "nothing was copied" in capsys.readouterr().err


def test_the_copy_is_analyzed_on_postgresql(laptop: Database, empty_db_url: str) -> None:
    """On PostgreSQL the tables copied have their planner's statistics at once: the first
    reads after a copy-to are not planned for empty tables."""
    if not empty_db_url.startswith("postgresql"):
        pytest.skip("statistics for the planner are PostgreSQL's")
    from sqlalchemy import text

    from app.copy_to import copy_to

    copy_to(laptop, empty_db_url)
    team = open_database(empty_db_url)
    try:
        with team.engine.connect() as conn:
            estimated = conn.scalar(
                text("SELECT reltuples FROM pg_class WHERE relname = 'contacts'")
            )
            analyzed = conn.scalar(
                text("SELECT count(*) FROM pg_stats WHERE tablename = 'contacts'")
            )
    finally:
        team.close()
    assert estimated == 202 and analyzed

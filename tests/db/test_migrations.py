"""Alembic owns the schema: old databases upgrade with their data; models match the head."""

from __future__ import annotations

import shutil
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from db.engine import open_database
from db.migrate import current_revision, head_revision
from db.models import (
    SQLITE_ONLY_INDEXES,
    TRIGGER_KEPT_FOREIGN_KEYS,
    UNMAPPED_COLUMNS,
    UNMAPPED_INDEXES,
    Base,
    Derived,
)

FIXTURES = Path(__file__).parent / "fixtures"


def test_database_from_first_revision_upgrades_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    shutil.copy(FIXTURES / "rev0001.sqlite", path)
    db = open_database(path)
    assert current_revision(db.engine) == head_revision()

    from app import contacts, moves
    from app.contacts import ContactQuery

    names = {r.name for r in contacts.list_rows(db, ContactQuery())}
    assert names == {"Jürgen Weißmann", "Françoise Lefèvre", "Ayşe Öztürk"}
    found = contacts.list_rows(db, ContactQuery(search="lefev"))
    assert [r.name for r in found] == ["Françoise Lefèvre"]
    history = moves.history(db, 2)
    assert [(h.from_key, h.to_key) for h in history] == [(None, "suspect"), ("suspect", "inquiry")]
    # the upgraded database keeps working: full-text index follows edits
    contacts.update_contact(db, 3, company="Öztürk Makine A.Ş.")
    assert [r.id for r in contacts.list_rows(db, ContactQuery(search="makine"))] == [3]
    db.close()


def test_models_match_the_migrated_schema(db_url: str) -> None:
    database = open_database(db_url)
    with database.engine.connect() as conn:
        metadata = [Base.metadata, Derived.metadata]  # the store's tables and the derived ones
        diff = compare_metadata(MigrationContext.configure(conn), metadata)  # type: ignore[arg-type]
    database.close()
    # the search indexes are the database's own and not in the models: on SQLite the FTS5 table
    # and its shadow tables, on PostgreSQL the table of search documents, its GIN index (0015)
    # and its index by date added (0025)
    diff = [
        d
        for d in diff
        if not (d[0] == "remove_table" and d[1].name.startswith("contacts_fts"))
        and not (d[0] == "remove_table" and d[1].name == "contact_search")
        # PostgreSQL's number of contacts, kept by triggers (0028)
        and not (d[0] == "remove_table" and d[1].name == "contacts_total")
        and not (
            d[0] == "remove_index"
            and d[1].name in ("ix_contact_search_document", "ix_contact_search_created")
        )
        # the normalised e-mail, a column the database works out, and its index (0021)
        and not (d[0] == "remove_column" and (d[2], d[3].name) in UNMAPPED_COLUMNS)
        and not (d[0] == "remove_index" and d[1].name in UNMAPPED_INDEXES)
        # indexes only SQLite's planner reads (0018, 0022) are not made on PostgreSQL
        and not (
            d[0] == "add_index"
            and d[1].name in SQLITE_ONLY_INDEXES
            and conn.dialect.name == "postgresql"
        )
        # foreign keys PostgreSQL keeps with statement triggers instead (0024)
        and not (
            d[0] == "add_fk"
            and d[1].name in TRIGGER_KEPT_FOREIGN_KEYS
            and conn.dialect.name == "postgresql"
        )
    ]
    assert diff == []

"""0008: who did what, owners and versions; existing contacts start at version 1, unowned."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, select, text

from db.engine import open_database
from db.migrate import alembic_config, current_revision, head_revision
from tests.db.builders import engine_at_revision


def _old_file(path: Path) -> None:
    engine = engine_at_revision(f"sqlite:///{path}", "0007")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO contacts (id, name, sort_name, company, stage_id, created_at, "
                "consent, sales_ready) VALUES (1, 'Jürgen Weißmann', 'jurgen weissmann', "
                "'Weißmann GmbH', 1, '2026-03-01 08:00:00.000000', 'unknown', 0)"
            )
        )
    engine.dispose()


def test_upgrade_from_0007_starts_every_contact_at_version_1(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _old_file(path)
    db = open_database(path)
    assert current_revision(db.engine) == head_revision()
    from app import contacts
    from app.contacts import ContactQuery
    from db.models import Contact

    with db.session() as s:
        row = s.execute(select(Contact.owner, Contact.version, Contact.changed_by)).one()
    assert tuple(row) == (None, 1, None)
    # the full-text triggers survive the new columns: an edit is still found
    contacts.update_contact(db, 1, company="Weißmann Maschinenbau")
    assert [r.id for r in contacts.list_rows(db, ContactQuery(search="maschinen"))] == [1]
    db.close()


def test_downgrade_to_0007_keeps_the_contacts_and_their_search(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _old_file(path)
    open_database(path).close()
    engine = create_engine(f"sqlite:///{path}")
    command.downgrade(alembic_config(engine), "0007")
    with engine.connect() as conn:
        columns = {r[1] for r in conn.execute(text("PRAGMA table_info(contacts)"))}
        found = conn.execute(
            text("SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH 'jurgen*'")
        ).all()
    engine.dispose()
    assert "version" not in columns and "owner" not in columns
    assert found == [(1,)]

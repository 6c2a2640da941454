"""0015 (PostgreSQL): the search documents move from an index on ``contacts`` to the table
``contact_search``, filled from the contacts there are; down again gives the index back and
leaves no table, trigger or function of 0015 behind. On SQLite nothing changes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from app import contacts
from app.contacts import ContactQuery
from db.engine import Database, open_database
from db.migrate import alembic_config, current_revision, head_revision
from tests.postgres_cluster import Cluster

PEOPLE = (
    dict(first_name="Jürgen", last_name="Weißmann", email="jw@kessler.de", company="Kessler"),
    dict(first_name="Françoise", last_name="Lefèvre", email="fl@gmail.com", title="CEO"),
    dict(first_name="Ayşe", last_name="Öztürk", company="Öztürk Makine"),
)


def _before() -> str:
    down = ScriptDirectory.from_config(alembic_config()).get_revision("0015").down_revision
    assert isinstance(down, str)
    return down


@pytest.fixture
def team(postgresql_cluster: Cluster) -> Iterator[Database]:
    url = postgresql_cluster.new_database()
    db = open_database(url)
    for person in PEOPLE:
        contacts.create_contact(db, **person)  # type: ignore[arg-type]
    yield db
    db.close()
    postgresql_cluster.drop_database(url)


def _state(conn: Connection) -> dict[str, object]:
    def names(sql: str) -> set[str]:
        return {str(r[0]) for r in conn.execute(text(sql))}

    return {
        "tables": names("SELECT tablename FROM pg_tables WHERE tablename = 'contact_search'"),
        "indexes": names(
            "SELECT indexname FROM pg_indexes WHERE indexname IN"
            " ('ix_contacts_search', 'ix_contact_search_document')"
        ),
        "triggers": names("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'contact_search%'"),
        "functions": names("SELECT proname FROM pg_proc WHERE proname LIKE 'contact_search%'"),
    }


def _found(db: Database, typed: str) -> set[int]:
    return set(contacts.query_ids(db, ContactQuery(search=typed)))


def test_down_gives_the_index_back_and_up_fills_the_table(team: Database) -> None:
    jurgen = _found(team, "jurgen")
    assert len(jurgen) == 1
    with team.engine.connect() as conn:
        assert _state(conn) == {
            "tables": {"contact_search"},
            "indexes": {"ix_contact_search_document"},
            "triggers": {"contact_search_ai", "contact_search_ad", "contact_search_au"},
            "functions": {
                "contact_search_added",
                "contact_search_removed",
                "contact_search_changed",
            },
        }
    command.downgrade(alembic_config(team.engine), _before())
    with team.engine.connect() as conn:
        assert _state(conn) == {
            "tables": set(),
            "indexes": {"ix_contacts_search"},
            "triggers": set(),
            "functions": set(),
        }
        # the search of 0009 finds him again, through its index's expression
        old = conn.execute(
            text(
                "SELECT id FROM contacts WHERE winnow_search_vector(name, coalesce(email, '')"
                " || ' ' || coalesce(other_emails, ''), company, title)"
                " @@ to_tsquery('winnow_search'::regconfig, 'jurg:*')"
            )
        ).all()
        assert {r[0] for r in old} == jurgen
    # contacts written at the older revision are searchable after the upgrade
    contacts.update_contact(team, next(iter(jurgen)), company="Adler Werke")
    command.upgrade(alembic_config(team.engine), "head")
    assert current_revision(team.engine) == head_revision()
    with team.engine.connect() as conn:
        documents = conn.execute(text("SELECT count(*) FROM contact_search")).scalar()
    assert documents == len(PEOPLE)
    assert _found(team, "jurg adler") == jurgen
    assert len(_found(team, "lefev ceo")) == 1 and len(_found(team, "makine")) == 1


def test_nothing_changes_on_sqlite(tmp_path: Path) -> None:
    db = open_database(tmp_path / "w.sqlite")
    try:
        contacts.create_contact(db, **PEOPLE[0])  # type: ignore[arg-type]
        command.downgrade(alembic_config(db.engine), _before())
        with db.engine.connect() as conn:
            before = conn.exec_driver_sql("SELECT type, name, sql FROM sqlite_master").all()
        command.upgrade(alembic_config(db.engine), "0015")  # 0015 alone (later ones change it)
        with db.engine.connect() as conn:
            after = conn.exec_driver_sql("SELECT type, name, sql FROM sqlite_master").all()
        assert sorted(after) == sorted(before)
        command.upgrade(alembic_config(db.engine), "head")
        assert len(_found(db, "jurgen")) == 1
    finally:
        db.close()

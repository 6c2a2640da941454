"""0026: on PostgreSQL the contacts' pages keep room, so that a full recompute's new scores stay
on their rows' pages (HOT: no index entry) instead of moving every changed contact; down again
the default fill factor. On SQLite it does nothing (no fill factor there: test_migrations
upgrades and downgrades it)."""

from __future__ import annotations

import importlib

import pytest
from sqlalchemy import Connection, text

from app import scoring
from app.demo import generate_demo
from app.scoring_rules import ScoringRules
from db.engine import Database
from tests.db.builders import head_or_before_fixtures

MIGRATION = importlib.import_module(
    "db.migrations.versions.0026_postgresql_contacts_room_for_scores"
)


# each test on both databases, at the head and taken down to the revision before 0026
backend, database = head_or_before_fixtures(MIGRATION)


def _at_head(conn: Connection) -> bool:
    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return revision != MIGRATION.down_revision


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_the_contacts_pages_keep_room(database: Database) -> None:
    with database.engine.connect() as conn:
        options = conn.execute(
            text("SELECT reloptions FROM pg_class WHERE relname = 'contacts'")
        ).scalar()
        wanted = f"fillfactor={MIGRATION.CONTACTS_FILLFACTOR}"
        assert (wanted in (options or [])) == _at_head(conn)


def _places(conn: Connection) -> dict[int, tuple[int, str]]:
    """Each contact's page (PostgreSQL's ctid: page, slot) and score."""
    rows = conn.execute(text("SELECT id, ctid::text, score FROM contacts"))
    return {
        int(i): (int(str(ctid).strip("()").split(",")[0]), str(score)) for i, ctid, score in rows
    }


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_recompute_leaves_the_changed_contacts_on_their_pages(database: Database) -> None:
    """Contacts written in one go (the demo's COPY) and then rescored after a rule change: at the
    head the new scores stay on their rows' pages; before, pages filled to the brim sent them
    to other pages (and into every index of ``contacts``)."""
    generate_demo(database, 600, seed=3)
    scoring.recompute_all(database)
    rules = scoring.scoring_settings(database).rules
    points = dict(rules.points)
    points["domain.branded"] = points["domain.branded"] + 5
    with database.engine.connect() as conn:
        before = _places(conn)
    scoring.save_scoring_settings(database, rules=ScoringRules(points, rules.half_life_days))
    scoring.recompute_all(database)
    with database.engine.connect() as conn:
        after = _places(conn)
        at_head = _at_head(conn)
    changed = [cid for cid in before if before[cid][1] != after[cid][1]]
    assert len(changed) > 200  # most demo contacts have a branded address
    stayed = sum(before[cid][0] == after[cid][0] for cid in changed)
    if at_head:
        assert stayed >= 0.7 * len(changed)  # 90 % measured
    else:
        assert stayed <= 0.2 * len(changed)  # none measured

"""0019: on PostgreSQL the metrics' dirty log is written once per statement — and names the
same contacts as 0011's row triggers did, for every kind of write they watched; down again
puts the row triggers back. On SQLite nothing changes."""

from __future__ import annotations

import importlib

from sqlalchemy import Connection, text

from app.contacts import create_contact
from db.engine import Database
from tests.db.builders import head_or_before_fixtures

MIGRATION = importlib.import_module("db.migrations.versions.0019_metric_triggers_per_statement")
PER_STATEMENT = {
    "metric_dirty_stage_changes_ins",
    "metric_dirty_stage_changes_upd",
    "metric_dirty_stage_changes_del",
    "metric_dirty_bant_answers_ins",
    "metric_dirty_bant_answers_upd",
    "metric_dirty_bant_answers_del",
    "metric_dirty_contacts_del",
}


# each test on both databases, at the head and taken down to the revision before 0019
backend, database = head_or_before_fixtures(MIGRATION)


def _per_statement(conn: Connection) -> set[str]:
    rows = conn.execute(
        text(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'metric_%'"
            " AND tgtype & 1 = 0"  # TRIGGER_TYPE_ROW unset
        )
    )
    return {str(r[0]) for r in rows}


def _logged(conn: Connection) -> list[int]:
    """The contacts logged since the last call (sorted, once each), emptying the log."""
    ids = sorted({int(r[0]) for r in conn.execute(text("SELECT contact_id FROM metric_dirty"))})
    conn.execute(text("DELETE FROM metric_dirty"))
    return ids


def test_triggers_per_statement_on_postgresql_only(database: Database) -> None:
    with database.engine.connect() as conn:
        if conn.dialect.name != "postgresql":
            return
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        expected = set() if revision == MIGRATION.down_revision else PER_STATEMENT
        assert _per_statement(conn) == expected


def test_the_same_contacts_are_logged_for_every_write(database: Database) -> None:
    a, b, c = (create_contact(database, name=n) for n in ("Ann", "Bob", "Cy"))
    with database.engine.begin() as conn:
        stage = {k: int(i) for k, i in conn.execute(text("SELECT key, id FROM stages"))}
        crit = int(conn.execute(text("SELECT min(id) FROM bant_criteria")).scalar_one())
        _logged(conn)
        # history: inserted (several rows in one statement), updated, moved to another
        # contact, an unwatched column changed, deleted
        conn.execute(
            text(
                "INSERT INTO stage_changes (contact_id, from_stage_id, to_stage_id, at, automatic)"
                " SELECT id, :f, :t, '2026-11-01 10:00', false FROM contacts"
                " WHERE id IN (:a, :b)"
            ),
            {"f": stage["suspect"], "t": stage["inquiry"], "a": a, "b": b},
        )
        assert _logged(conn) == sorted([a, b])
        conn.execute(
            text("UPDATE stage_changes SET undone_at = '2026-11-02' WHERE contact_id IN (:a, :b)"),
            {"a": a, "b": b},
        )
        assert _logged(conn) == sorted([a, b])
        conn.execute(
            text("UPDATE stage_changes SET reason = 'why' WHERE contact_id = :a"), {"a": a}
        )
        assert _logged(conn) == []
        conn.execute(
            text("UPDATE stage_changes SET contact_id = :c WHERE contact_id = :a"), {"a": a, "c": c}
        )
        assert _logged(conn) == sorted([a, c])
        conn.execute(
            text("DELETE FROM stage_changes WHERE contact_id IN (:b, :c)"), {"b": b, "c": c}
        )
        assert _logged(conn) == sorted([b, c])
        # answers: inserted, changed, unchanged, deleted
        conn.execute(
            text(
                "INSERT INTO bant_answers (contact_id, criterion_id, answer)"
                " VALUES (:a, :k, 'yes'), (:b, :k, 'no')"
            ),
            {"a": a, "b": b, "k": crit},
        )
        assert _logged(conn) == sorted([a, b])
        conn.execute(text("UPDATE bant_answers SET answer = 'no' WHERE contact_id = :a"), {"a": a})
        assert _logged(conn) == [a]
        conn.execute(text("UPDATE bant_answers SET note = 'n'"))
        assert _logged(conn) == []
        conn.execute(text("DELETE FROM bant_answers"))
        assert _logged(conn) == sorted([a, b])
        # contacts: a watched column changed (row trigger, both revisions), deleted
        conn.execute(text("UPDATE contacts SET source = 'fair' WHERE id = :b"), {"b": b})
        assert _logged(conn) == [b]
        conn.execute(text("UPDATE contacts SET title = 'CEO' WHERE id = :b"), {"b": b})
        assert _logged(conn) == []
        conn.execute(text("DELETE FROM contacts WHERE id IN (:a, :c)"), {"a": a, "c": c})
        assert _logged(conn) == sorted([a, c])

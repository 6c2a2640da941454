"""PostgreSQL: five indexes of ``contacts`` that no PostgreSQL plan reads are not kept there; room
on the history's new pages for their undo

Issue 14 (every benchmark on PostgreSQL within 2x of SQLite). A stage move changes
``stage_id``, which several indexes hold, so PostgreSQL writes a new version of each moved row
and an entry for it in every index of ``contacts`` (about 70 % of a bulk move's server time),
where SQLite touches only the indexes whose columns changed. These five serve SQLite and
nothing on PostgreSQL, measured with every plan of the list, board, sidebar, queues, search and
dashboard logged (``auto_explain``) on the 100,000-contact demo:

- ``ix_contacts_company``, ``ix_contacts_title``, ``ix_contacts_score``,
  ``ix_contacts_response_due`` and ``ix_contacts_stage_score``: the list orders these columns as
  SQLite does, empty values first ascending and last descending (``NULLS FIRST`` / ``NULLS
  LAST``, ``app.contacts.order_by``), an order a PostgreSQL index made without that clause does
  not hold, so the pages were sorted all the same; the plans read them only for an ``IS NULL``
  part of a page or as one more way to a stage's rows (the other stage-first indexes serve
  that), and the marketing-ready count reads the table about as fast.
- ``ix_contacts_id_name``, where 0018 made it on PostgreSQL before it became SQLite's alone.

``stage_changes`` gets ``fillfactor = 70``: the rows a move writes go onto new pages, and its
undo and redo set ``undone_at`` on each of them; with room left on the page those updates stay
on it (HOT) and write no index entry (about half of them at 70 %). Only new pages are filled so.

Nothing changes on SQLite (its planner walks these indexes: they stay there,
``db.models.SQLITE_ONLY_INDEXES``). Downgrade: the five indexes again, the default fill factor.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 18:35:00
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# name -> columns, as the models (and 0002/0003) make them
DROPPED = {
    "ix_contacts_company": ["company"],
    "ix_contacts_title": ["title"],
    "ix_contacts_score": ["score"],
    "ix_contacts_response_due": ["response_due_at"],
    "ix_contacts_stage_score": ["stage_id", "score"],
}
HISTORY_FILLFACTOR = 70


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in [*DROPPED, "ix_contacts_id_name"]:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute(f"ALTER TABLE stage_changes SET (fillfactor = {HISTORY_FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE stage_changes RESET (fillfactor)")
    for name, columns in DROPPED.items():
        op.create_index(name, "contacts", columns)

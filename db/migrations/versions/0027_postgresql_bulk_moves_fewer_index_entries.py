"""PostgreSQL: a bulk move and its undo write fewer index entries (the next-action index holds
only contacts with a next action; the history's new pages keep room for their undo)

Issue 14 (every benchmark on PostgreSQL within 2x of SQLite). A stage move writes a new
version of each moved contact and an entry for it in every index of ``contacts`` whose
predicate it meets (``stage_id`` is in several of them: never a HOT update); undo and redo do
the same, and set ``undone_at`` on each of the move's history entries.

- ``ix_contacts_next_action`` held every contact, NULL included, though only a contact with a
  next action is ever looked up in it: the Today and overdue queues ask for ``next_action_at IS
  NOT NULL AND next_action_at < …`` (``app.followup``, ``app.todo``), which the partial index
  answers as before; the list sorted by next action reads the table and sorts either way (empty
  values first ascending, as SQLite: an order the index does not hold; ``EXPLAIN ANALYZE`` on the
  100,000-contact demo, with and without a stage). About four in five demo contacts have none:
  a move of 10,000 writes ~7,900 index entries fewer (the undo's ``UPDATE contacts``: 107,122
  WAL records -> 99,052).
- ``stage_changes`` pages filled to 50 % (0022: 70 %): a move's entries go onto new pages, and
  their undo's and redo's ``undone_at`` must fit beside them to stay on the page (HOT, no entry in
  the history's three indexes). At 70 % about half fitted; at 50 % all of them (undo of 10,000:
  35,480 WAL records -> 15,946; redo 22,504 -> 10,000, one a row). Only pages written from now on
  are filled so (``ALTER TABLE … SET`` is instant); the history takes ~1.4x the room for new rows.

SQLite keeps its full index (its planner walks it for the list sorted by next action) and has no
fill factor: nothing changes there. Downgrade: the full index, 0022's fill factor.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 06:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

HISTORY_FILLFACTOR = 50
NEXT_ACTION_WHERE = "next_action_at IS NOT NULL"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_contacts_next_action")
    op.execute(
        f"CREATE INDEX ix_contacts_next_action ON contacts (next_action_at)"
        f" WHERE {NEXT_ACTION_WHERE}"
    )
    op.execute(f"ALTER TABLE stage_changes SET (fillfactor = {HISTORY_FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE stage_changes SET (fillfactor = 70)")
    op.execute("DROP INDEX IF EXISTS ix_contacts_next_action")
    op.execute("CREATE INDEX ix_contacts_next_action ON contacts (next_action_at)")

"""PostgreSQL: the contacts' stages checked once per statement that sets them, not once per row

Issue 14 (every benchmark on PostgreSQL within 2x of SQLite). A bulk move of 10,000 contacts
(and its undo and redo) sets ``stage_id`` on 10,000 rows, and the foreign key of ``contacts`` to
``stages`` ran its check for each: a query of its own that looks the stage up and locks its row
(``EXPLAIN ANALYZE`` on the 100,000-contact demo: 10,000 calls, ~12 % of the ``UPDATE``). Here
the constraint is replaced by statement triggers, as 0024 did for the history's two keys, but
without a transition table: 0024 left this key alone because a statement trigger with one on
every update of ``contacts`` keeps each updated row (the score recompute's server CPU went up
by a sixth). These fire only for a statement that inserts contacts or names ``stage_id`` in
its ``SET`` (``UPDATE OF stage_id``: the recompute's updates do not), and check every stage the
contacts are in — found by a skip scan of an index with ``stage_id`` first (the board's
``ix_contacts_stage_name`` or ``_stage_created``: one descent a stage, whatever the number of
contacts) — each locked ``FOR KEY SHARE`` as the foreign key's check locks it, so no one deletes
it before this transaction ends. A stage that does not exist fails the statement with the
foreign key's own error (SQLSTATE 23503, the constraint's name). A trigger on ``stages`` keeps
the other side: a stage a contact is in is neither deleted nor renumbered (the foreign key's
``NO ACTION``).

Measured on copies of that demo (load 10-18): a move's ``UPDATE`` of 10,000 contacts 0.775 ->
0.693 s of backend CPU (median of 8, alternating), the bulk-move case's server CPU -5 % (three
runs alternating). A statement that moves one contact pays the skip scan and a lock of each
stage in use where the key looked up one: +0.4 ms of backend CPU (0.5-0.8 -> 1.0-1.2 ms).

Upgrade: one constraint dropped, three triggers made, no pass over the rows. Nothing changes on
SQLite (its foreign-key checks are a B-tree look-up each, inside the statement). Downgrade: the
foreign key again, validated against the contacts.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02 17:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

# the constraint the triggers keep on PostgreSQL; db.models.TRIGGER_KEPT_FOREIGN_KEYS names it
KEPT = "fk_contacts_stage_id_stages"
CHECK = "contacts_stages_present"
GUARD = "stages_named_by_contacts"

# every stage a contact is in: a recursive skip scan of an index with stage_id first (one
# descent a stage; ix_contacts_stage_name and _stage_created hold every contact)
_PRESENT = """WITH RECURSIVE present(id) AS (
              (SELECT stage_id FROM contacts WHERE stage_id IS NOT NULL
                ORDER BY stage_id LIMIT 1)
              UNION ALL
              SELECT (SELECT c.stage_id FROM contacts c WHERE c.stage_id > p.id
                       ORDER BY c.stage_id LIMIT 1)
                FROM present p WHERE p.id IS NOT NULL
            ),"""


def _check_function() -> str:
    return f"""CREATE FUNCTION {CHECK}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE missing integer;
        BEGIN
          -- each stage a contact is in, locked as a foreign key's check locks it: no one
          -- deletes it before this transaction ends (one deleted meanwhile is not found)
          {_PRESENT}
            found AS (SELECT id FROM stages WHERE id IN (SELECT id FROM present) FOR KEY SHARE)
          SELECT p.id INTO missing FROM present p
            WHERE p.id IS NOT NULL AND p.id NOT IN (SELECT id FROM found) LIMIT 1;
          IF FOUND THEN
            RAISE foreign_key_violation USING
              MESSAGE = 'insert or update on table "contacts" violates foreign key '
                        'constraint "{KEPT}"',
              DETAIL = 'Key (stage_id)=(' || missing || ') is not present in table "stages".',
              TABLE = 'contacts', CONSTRAINT = '{KEPT}';
          END IF;
          RETURN NULL;
        END $$"""


def _guard_function() -> str:
    return f"""CREATE FUNCTION {GUARD}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
            RETURN NULL;
          END IF;
          IF EXISTS (SELECT 1 FROM contacts WHERE stage_id = OLD.id) THEN
            RAISE foreign_key_violation USING
              MESSAGE = 'update or delete on table "stages" violates foreign key constraint '
                        '"{KEPT}" on table "contacts"',
              DETAIL = 'Key (id)=(' || OLD.id || ') is still referenced from table "contacts".',
              TABLE = 'contacts', CONSTRAINT = '{KEPT}';
          END IF;
          RETURN NULL;
        END $$"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE contacts DROP CONSTRAINT IF EXISTS {KEPT}")
    op.execute(_check_function())
    op.execute(
        f"CREATE TRIGGER {CHECK}_ins AFTER INSERT ON contacts"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {CHECK}()"
    )
    op.execute(
        f"CREATE TRIGGER {CHECK}_upd AFTER UPDATE OF stage_id ON contacts"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {CHECK}()"
    )
    op.execute(_guard_function())
    op.execute(
        f"CREATE TRIGGER {GUARD} AFTER DELETE OR UPDATE OF id ON stages"
        f" FOR EACH ROW EXECUTE FUNCTION {GUARD}()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP TRIGGER IF EXISTS {GUARD} ON stages")
    op.execute(f"DROP FUNCTION IF EXISTS {GUARD}()")
    for event in ("ins", "upd"):
        op.execute(f"DROP TRIGGER IF EXISTS {CHECK}_{event} ON contacts")
    op.execute(f"DROP FUNCTION IF EXISTS {CHECK}()")
    op.create_foreign_key(KEPT, "contacts", "stages", ["stage_id"], ["id"])

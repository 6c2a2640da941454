"""PostgreSQL: the stages a statement's new history entries name checked once per statement, not
once per row

Issue 14 (every benchmark on PostgreSQL within 2x of SQLite). A bulk move of 10,000 contacts
writes 10,000 history rows, and the two foreign keys of ``stage_changes`` to ``stages``
(``from_stage_id``, ``to_stage_id``) each ran their check once per row: a query of its own that
looks the stage up and locks its row, 20,000 for eight stages, 0.3-0.4 s of a move's 2.5-3.5 s
on the server (``auto_explain`` on the 100,000-contact demo, load 7-9). Here the two constraints
are replaced by statement triggers that read the statement's new rows (the transition table the
metrics' triggers of 0019 already keep, so nothing more is kept): each stage named is locked
once (``FOR KEY SHARE``, as the foreign key's check locks it, so no one deletes it before this
transaction ends) and a stage that does not exist fails the statement with the foreign key's own
error (SQLSTATE 23503, the constraint's name). A trigger on ``stages`` keeps the other side: a
stage that history names is neither deleted nor renumbered (the foreign keys' ``NO ACTION``).

Measured on copies of the 100,000-contact demo, a bulk move of 10,000 contacts with its undo and
redo to three stages (a run of each, one after the other, at a load of 15-16): the server
backend's CPU for a move 0.97-1.05 -> 0.81-0.89 s; undo and redo unchanged (they write no history
rows).
A move of one contact pays one query in the trigger where the keys ran two: 2,000 single-row
inserts, 0.11-0.19 ms of backend CPU each before, 0.18 after (within that noise).

The contacts' own key to ``stages`` stays a foreign key: a statement trigger on every update of
``contacts`` would keep each updated row in a transition table (the score recompute's server CPU
4.7 / 5.4 -> 5.5 / 7.0 s, two rounds) for a check that costs a move 0.07-0.2 s.

Upgrade: two constraints dropped and three triggers made, no pass over the rows (instant at any
size). Nothing changes on SQLite (its foreign-key checks are a B-tree look-up each, inside the
statement). Downgrade: the two foreign keys again, validated against the history.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 20:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

# the history's foreign keys to the stages that the triggers keep on PostgreSQL (constraint
# name -> column); db.models.TRIGGER_KEPT_FOREIGN_KEYS names them
KEPT = {
    "fk_stage_changes_from_stage_id_stages": "from_stage_id",
    "fk_stage_changes_to_stage_id_stages": "to_stage_id",
}
NEW_ROWS = "metric_new"  # the statement's new rows, as 0019's triggers name them
CHECK = "stage_changes_stages_named"
GUARD = "stages_named_by_history"


def _check_function() -> str:
    named = " UNION ".join(f"SELECT {c} AS id FROM {NEW_ROWS}" for c in KEPT.values())
    which = "\n".join(
        f"""
            IF EXISTS (SELECT 1 FROM {NEW_ROWS} WHERE {column} = missing) THEN
              RAISE foreign_key_violation USING
                MESSAGE = 'insert or update on table "stage_changes" violates foreign key '
                          'constraint "{name}"',
                DETAIL = 'Key ({column})=(' || missing || ') is not present in table "stages".',
                TABLE = 'stage_changes', CONSTRAINT = '{name}';
            END IF;"""
        for name, column in KEPT.items()
    )
    # one query when every stage is there (a move of one contact pays for one, where the two
    # keys ran two); which key a missing stage breaks is asked only then
    return f"""CREATE FUNCTION {CHECK}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE missing integer;
        BEGIN
          -- each stage named, locked as a foreign key's check locks it: no one deletes it
          -- before this transaction ends (one deleted meanwhile is not found)
          WITH named AS ({named}),
            found AS (SELECT id FROM stages WHERE id IN (SELECT id FROM named) FOR KEY SHARE)
          SELECT n.id INTO missing FROM named n
            WHERE n.id IS NOT NULL AND n.id NOT IN (SELECT id FROM found) LIMIT 1;
          IF FOUND THEN{which}
          END IF;
          RETURN NULL;
        END $$"""


def _guard_function() -> str:
    used = " OR ".join(f"{c} = OLD.id" for c in KEPT.values())
    return f"""CREATE FUNCTION {GUARD}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
            RETURN NULL;
          END IF;
          IF EXISTS (SELECT 1 FROM stage_changes WHERE {used}) THEN
            RAISE foreign_key_violation USING
              MESSAGE = 'update or delete on table "stages" violates a foreign key constraint '
                        'on table "stage_changes"',
              DETAIL = 'Key (id)=(' || OLD.id || ') is still referenced from table '
                       '"stage_changes".',
              TABLE = 'stage_changes';
          END IF;
          RETURN NULL;
        END $$"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in KEPT:
        op.execute(f"ALTER TABLE stage_changes DROP CONSTRAINT IF EXISTS {name}")
    op.execute(_check_function())
    for event in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER {CHECK}_{event[:3].lower()} AFTER {event} ON stage_changes"
            f" REFERENCING NEW TABLE AS {NEW_ROWS} FOR EACH STATEMENT EXECUTE FUNCTION {CHECK}()"
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
        op.execute(f"DROP TRIGGER IF EXISTS {CHECK}_{event} ON stage_changes")
    op.execute(f"DROP FUNCTION IF EXISTS {CHECK}()")
    for name, column in KEPT.items():
        op.create_foreign_key(name, "stage_changes", "stages", [column], ["id"])

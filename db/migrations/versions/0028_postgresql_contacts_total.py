"""PostgreSQL: how many contacts there are, kept current (``contacts_total``)

Issue 14 (every benchmark on PostgreSQL within 2x of SQLite). The list's row count, the first
thing it reads after opening, was ``SELECT count(*) FROM contacts``: SQLite counts a b-tree
by its pages, PostgreSQL reads every entry of an index (the smallest, ``ix_contacts_source``:
100,000 entries, ~10 ms of the server's CPU quiet, 20-50 ms at a load of 10-12; the rest of the
first page's statements took ~10 ms together). Here the number is kept by statement
triggers on ``contacts`` (each statement's inserted or deleted rows counted once, from the
transition tables the search documents' triggers keep already; ``TRUNCATE`` sets it to 0), so
it is what ``count(*)`` would answer in the same snapshot. Each writing statement adds a row
with what it added or removed (no writer waits for another's: an import's long transaction
holds no row anyone else needs) and the rows are added up into one now and then; the number is
their sum. ``app.contacts.count`` reads it for the unfiltered list while no import is
unfinished (an unfinished import's contacts are hidden: counted as before).

SQLite counts fast as it is: nothing there. Downgrade: the table and its triggers go.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 06:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

TABLE = "contacts_total"
# more rows than this and a writer's trigger adds them up into one
COMPACT_ABOVE = 16

UPGRADE = [
    f"CREATE TABLE {TABLE} (n bigint NOT NULL)",
    # what each writer left, added up into one row: rows another transaction holds (one that
    # is adding them up too) are skipped, never waited for; rows not yet committed are not
    # seen. The sum stays what it was for every reader (delete and insert commit together)
    f"""CREATE FUNCTION contacts_total_compact() RETURNS void LANGUAGE sql AS $$
    WITH gone AS (
      DELETE FROM {TABLE} WHERE ctid = ANY (ARRAY(SELECT ctid FROM {TABLE} FOR UPDATE SKIP LOCKED))
      RETURNING n)
    INSERT INTO {TABLE} (n) SELECT sum(n) FROM gone HAVING count(*) > 0
    $$""",
    f"""CREATE FUNCTION contacts_total_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO {TABLE} (n) SELECT count(*) FROM contacts_total_new HAVING count(*) > 0;
      IF (SELECT count(*) FROM {TABLE}) > {COMPACT_ABOVE} THEN
        PERFORM contacts_total_compact();
      END IF;
      RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION contacts_total_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO {TABLE} (n) SELECT -count(*) FROM contacts_total_old HAVING count(*) > 0;
      IF (SELECT count(*) FROM {TABLE}) > {COMPACT_ABOVE} THEN
        PERFORM contacts_total_compact();
      END IF;
      RETURN NULL;
    END $$""",
    # TRUNCATE locks out every other writer of contacts: no one else's rows are pending
    f"""CREATE FUNCTION contacts_total_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM {TABLE};
      INSERT INTO {TABLE} (n) VALUES (0);
      RETURN NULL;
    END $$""",
    # the triggers first: from then on writers of contacts wait for this transaction, and the
    # count below is not overtaken
    "CREATE TRIGGER contacts_total_ai AFTER INSERT ON contacts"
    " REFERENCING NEW TABLE AS contacts_total_new"
    " FOR EACH STATEMENT EXECUTE FUNCTION contacts_total_added()",
    "CREATE TRIGGER contacts_total_ad AFTER DELETE ON contacts"
    " REFERENCING OLD TABLE AS contacts_total_old"
    " FOR EACH STATEMENT EXECUTE FUNCTION contacts_total_removed()",
    "CREATE TRIGGER contacts_total_at AFTER TRUNCATE ON contacts"
    " FOR EACH STATEMENT EXECUTE FUNCTION contacts_total_emptied()",
    f"INSERT INTO {TABLE} (n) SELECT count(*) FROM contacts",
]

DOWNGRADE = [
    "DROP TRIGGER IF EXISTS contacts_total_ai ON contacts",
    "DROP TRIGGER IF EXISTS contacts_total_ad ON contacts",
    "DROP TRIGGER IF EXISTS contacts_total_at ON contacts",
    "DROP FUNCTION IF EXISTS contacts_total_added()",
    "DROP FUNCTION IF EXISTS contacts_total_removed()",
    "DROP FUNCTION IF EXISTS contacts_total_emptied()",
    "DROP FUNCTION IF EXISTS contacts_total_compact()",
    f"DROP TABLE IF EXISTS {TABLE}",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in DOWNGRADE:
        op.execute(statement)
